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
#include <string.h>

#include <lake/env.h>
#include <lake/procinfo.h>
#include <lake/runtime.h>

extern int main(int argc, char **argv);
extern void __libc_init_array(void);
extern char __tls_base[];

extern char **environ;

void __lake_start(const void *arg) __attribute__((noreturn, used));

const struct lake_bootinfo *lake_bootinfo;

/* The program's name for the pager's messages: the last component of
 * argv[0], read straight from the page (malloc does not work yet). */
static const char *program_name(const struct lake_procinfo *pi)
{
    const char *unknown = "process";
    if (pi->argc == 0 || pi->argv_offset % 8 || pi->argv_offset > LAKE_PROCINFO_SIZE - 8)
        return unknown;
    uint64_t at = *(const uint64_t *)((const char *)pi + pi->argv_offset);
    if (at == 0 || at >= LAKE_PROCINFO_SIZE)
        return unknown;
    const char *s = (const char *)pi + at;
    if (memchr(s, 0, LAKE_PROCINFO_SIZE - at) == NULL)
        return unknown;
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

/* A spawned process runs on its environment (lake/env.h) from the start:
 * malloc, threads and the pager need it. */
static void start_environment(const struct lake_procinfo *pi)
{
    lake_procinfo = pi;
    const char *name = program_name(pi);
    int error = lake_env_init_spawned(pi, name);
    if (error == LAKE_OK)
        return;
    static const char msg[] = ": cannot set up the process environment: ";
    const char *why = lake_error_name(error);
    lake_debug_puts(name, strlen(name));
    lake_debug_puts(msg, sizeof(msg) - 1);
    lake_debug_puts(why, strlen(why));
    lake_debug_puts("\n", 1);
    lake_procinfo_exit(127);
    lake_debug_halt(127);
}

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
        start_environment(pi);
    } else {
        lake_bootinfo = arg;
        lake_ipc_buffer = (struct lake_ipc_buffer *)(uintptr_t)lake_bootinfo->ipc_buffer;
    }
    __libc_init_array();
    if (spawned && lake_procinfo_parse(arg, &argc, &argv, &envp) == 0)
        environ = envp;
    exit(main(argc, argv));
}
