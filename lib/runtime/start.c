/*
 * Process start-up (after crt0.S has given us a stack): thread-local
 * storage, the IPC buffer pointer, picolibc's constructors, main, exit.
 * x0 points either to the root task's boot information or, in a process
 * made by lake_spawn, to its process-info page (argv, environment, its
 * capabilities); the magic word tells which.
 */
#include <picolibc.h>
#include <picotls.h>
#include <stdlib.h>

#include <lake/procinfo.h>
#include <lake/runtime.h>

extern int main(int argc, char **argv);
extern void __libc_init_array(void);
extern char __tls_base[];

extern char **environ;

void __lake_start(const void *arg) __attribute__((noreturn, used));

const struct lake_bootinfo *lake_bootinfo;

void __lake_start(const void *arg)
{
    int argc = 0;
    char **argv = NULL, **envp = NULL;
    bool spawned = lake_procinfo_is(arg);

    /* The image's .tdata/.tbss is the first thread's TLS block. Nothing
     * thread-local (errno, lake_ipc_buffer) may be touched before this. */
    _set_tls(__tls_base);
    if (spawned) {
        const struct lake_procinfo *pi = arg;
        lake_ipc_buffer = (struct lake_ipc_buffer *)(uintptr_t)pi->ipc_buffer;
    } else {
        lake_bootinfo = arg;
        lake_ipc_buffer = (struct lake_ipc_buffer *)(uintptr_t)lake_bootinfo->ipc_buffer;
    }
    __libc_init_array();
    if (spawned && lake_procinfo_parse(arg, &argc, &argv, &envp) == 0)
        environ = envp;
    exit(main(argc, argv));
}
