/*
 * Access to AArch64 system registers and barriers.
 */
#ifndef LAKE_ARCH_SYSREG_H
#define LAKE_ARCH_SYSREG_H

#include <types.h>

#define sysreg_read(reg) ({                                   \
    u64 _v;                                                   \
    __asm__ volatile("mrs %0, " #reg : "=r"(_v));             \
    _v;                                                       \
})

#define sysreg_write(reg, val) do {                           \
    u64 _v = (u64)(val);                                      \
    __asm__ volatile("msr " #reg ", %x0" : : "rZ"(_v) : "memory"); \
} while (0)

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dmb_sy(void) { __asm__ volatile("dmb sy" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }

static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void all_exceptions_disable(void) { __asm__ volatile("msr daifset, #0xf" ::: "memory"); }

static inline unsigned cpu_id(void)
{
    return (unsigned)(sysreg_read(mpidr_el1) & 0xff);
}

/* Data-cache maintenance by address to the point of coherency. */
static inline void dcache_clean_invalidate_line(const volatile void *va)
{
    __asm__ volatile("dc civac, %0" : : "r"(va) : "memory");
}

#endif
