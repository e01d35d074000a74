/*
 * TLS areas for threads other than the first (see lake/runtime.h).
 * Layout of an area: padding to the TLS alignment, the 16-byte (or
 * alignment-sized) thread control block that TPIDR_EL0 points to, then the
 * TLS block: a copy of .tdata followed by zeroed .tbss.
 */
#include <picolibc.h>
#include <picotls.h>

#include <lake/runtime.h>

extern char __tls_base[];
extern char __arm64_tls_tcb_offset[];

static size_t tcb_offset(void)
{
    return (size_t)(uintptr_t)__arm64_tls_tcb_offset;
}

size_t lake_tls_area_size(void)
{
    return _tls_align() + tcb_offset() + _tls_size();
}

lake_word_t lake_tls_init(void *area, size_t size)
{
    uintptr_t align = _tls_align() ? _tls_align() : 1;
    uintptr_t tp = ((uintptr_t)area + align - 1) & ~(align - 1);
    if (size < lake_tls_area_size())
        return 0;
    _init_tls((void *)(tp + tcb_offset()));
    return tp;
}

lake_word_t lake_tls_main_tp(void)
{
    return (uintptr_t)__tls_base - tcb_offset();
}
