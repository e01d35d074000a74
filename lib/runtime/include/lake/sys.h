/*
 * The system services as C functions (lib/runtime/sysclient.c): what a
 * program spawned by init uses beyond POSIX. POSIX calls (open, read,
 * write, opendir, chdir, pipe, dup2, ...) work through picolibc and
 * lib/runtime/posix.c; these are the LakeOS-specific ones. All return -1
 * and set errno on failure unless noted; without init's services (the
 * root task, test children) they fail with ENOSYS.
 */
#ifndef LAKE_SYS_H
#define LAKE_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <lake/abi_types.h>
#include <lake/proto/init.h>

/* True if this process talks to init's services. */
bool lake_sys_available(void);
/* The RPC connection to init (lake/proto/init.h): this process's badged
 * endpoint; only valid when lake_sys_available(). */
const struct lake_rpc_client *lake_init_client(void);

/* Start the program at `path` (argv and envp NULL-terminated; envp NULL:
 * this process's environment). fds[i] (i = 0, 1, 2) is the descriptor of
 * this process that the child gets as its descriptor i; fds NULL: 0, 1, 2.
 * flags: LAKE_SPAWN_FOREGROUND. Returns the child's pid. */
pid_t lake_spawnv(const char *path, char *const argv[], char *const envp[], const int fds[3],
                  unsigned flags);
/* Wait for a child (pid -1: any) to end; *status gets its exit status
 * (139: killed by a memory fault, 132: other fault, 130: interrupted
 * with Ctrl-C, 137: killed). options: LAKE_WAIT_NOHANG (then 0 if none
 * has ended). Returns its pid. */
pid_t lake_waitpid(pid_t pid, int *status, unsigned options);
/* End a process (any process: there are no users yet). */
int lake_kill(pid_t pid);
/* Processes with pid > after, at most max; returns how many (0: done). */
int lake_ps(pid_t after, struct lake_proc_entry *entries, size_t max);
int lake_meminfo(struct lake_meminfo *info);
/* Power off (QEMU exits with `status`); does not return on success. */
int lake_shutdown(int status);
/* Make this process alone the foreground job: Ctrl-C on the console ends
 * it, and typed input goes to it (0: no foreground job). */
int lake_set_foreground(pid_t pid);
/* Nanoseconds since boot, from init's clock. */
uint64_t lake_uptime_ns(void);
/* Nanoseconds from reset to the first prompt of the first shell (0: not
 * yet or unknown). */
uint64_t lake_boot_to_prompt_ns(void);
/* Console: raw (bytes as typed, no echo) or cooked (lines, echo). */
int lake_tty_raw(bool raw);
/* Name service: a cap under a name (the cap is copied), and looking one
 * up into a fresh slot (*cap). */
int lake_ns_register(const char *name, lake_cptr_t cap);
int lake_ns_lookup(const char *name, lake_cptr_t *cap);

#endif
