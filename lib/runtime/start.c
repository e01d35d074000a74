/*
 * Process start-up (after crt0.S has given us a stack): thread-local
 * storage, the IPC buffer pointer, picolibc's constructors, main, exit.
 */
#include <picolibc.h>
#include <picotls.h>
#include <stdlib.h>

#include <lake/runtime.h>

extern int main(int argc, char **argv);
extern void __libc_init_array(void);
extern char __tls_base[];

void __lake_start(const struct lake_bootinfo *bootinfo) __attribute__((noreturn, used));

const struct lake_bootinfo *lake_bootinfo;

void __lake_start(const struct lake_bootinfo *bootinfo)
{
    /* The image's .tdata/.tbss is the first thread's TLS block. Nothing
     * thread-local (errno, lake_ipc_buffer) may be touched before this. */
    _set_tls(__tls_base);
    lake_bootinfo = bootinfo;
    lake_ipc_buffer = (struct lake_ipc_buffer *)(uintptr_t)bootinfo->ipc_buffer;
    __libc_init_array();
    exit(main(0, NULL));
}
