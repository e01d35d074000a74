/*
 * The protocol of init's services (docs/SERVICES.md): process manager,
 * memory server, name service and the file system (the VFS lives in init),
 * as one RPC interface (lake/rpc.h) on init's endpoint.
 *
 * Every process init spawns holds a cap of that endpoint badged with its
 * process id (LAKE_PROC_PARENT_EP): the badge says who calls, so a process
 * can only act as itself. The same cap is the fault handler of the
 * process's first thread until its pager takes over and of its pager, so
 * fault messages arrive as methods 1-4 (the kernel's fault labels) and the
 * exit message as method 5 (LAKE_PROC_EXIT_LABEL).
 *
 * Status: 0 is success; a POSIX error e comes back as LAKE_STATUS_ERRNO(e)
 * (the client library sets errno); other values are enum lake_error and
 * the RPC layer's statuses.
 */
#ifndef LAKE_PROTO_INIT_H
#define LAKE_PROTO_INIT_H

#include <stdint.h>

#include <lake/rpc.h>

#define LAKE_STATUS_ERRNO_BASE      1000
#define LAKE_STATUS_ERRNO(e)        (LAKE_STATUS_ERRNO_BASE + (e))

#define LAKE_INIT_PATH_MAX      400     /* bytes of a path in a request, NUL included */
#define LAKE_INIT_IO_MAX        768     /* bytes of data per read or write call */
#define LAKE_INIT_ARGS_MAX      800     /* spawn: path, argv and envp strings */
#define LAKE_INIT_NAME_MAX      32      /* a service name, a process name */
#define LAKE_INIT_PS_BATCH      10      /* processes per ps call */

/* wait options */
#define LAKE_WAIT_NOHANG        1u

/* Process states in ps. */
enum lake_proc_state {
    LAKE_PROC_RUNNING = 1,
    LAKE_PROC_ZOMBIE = 2,       /* exited, status not collected yet */
};

/* catch_interrupts(notification): Ctrl-C signals it instead of ending the
 * process (while it is part of the foreground job); default_interrupts
 * undoes that. */

/* mem_more(bits, slot): init moves an untyped of 2^bits bytes (12..26)
 * from its pool into `slot` of the caller's first CNode (empty, below
 * 2^cnode_radix); it comes back to init when the process ends. */
#define LAKE_INIT_MORE_MIN_BITS 12
#define LAKE_INIT_MORE_MAX_BITS 26

/* spawn flags */
#define LAKE_SPAWN_FOREGROUND   1u  /* the console's Ctrl-C goes to it */

struct lake_stat_msg {
    uint64_t mode, size, nlink, ino;
    int64_t atime, mtime, ctime;
};

struct lake_dirent_msg {
    uint64_t ino;
    uint32_t type;              /* DT_REG, DT_DIR, DT_CHR */
    uint32_t name_length;
    char name[256];
};

struct lake_proc_entry {
    int64_t pid, ppid;
    uint64_t state;             /* enum lake_proc_state */
    uint64_t memory;            /* bytes of RAM the process holds */
    char name[LAKE_INIT_NAME_MAX];
};

struct lake_meminfo {
    uint64_t total;             /* RAM init manages for processes */
    uint64_t free;              /* not given to any process */
    uint64_t used;              /* held by processes */
    uint64_t processes;
};

/*
 * spawn: args holds NUL-terminated strings: the path, then argc argument
 * strings, then envc environment strings. fd[i] is the caller's descriptor
 * that becomes the child's descriptor i (-1: none).
 */
#define INIT_INTERFACE(M, X)                                                                    \
    M(X, fault_cap, 1, (lake_word_t w[4];), (), 0, 0)                                          \
    M(X, fault_syscall, 2, (lake_word_t w[4];), (), 0, 0)                                      \
    M(X, fault_exception, 3, (lake_word_t w[4];), (), 0, 0)                                    \
    M(X, fault_vm, 4, (lake_word_t w[4];), (), 0, 0)                                           \
    M(X, exit, 5, (int64_t status;), (), 0, 0)                                                 \
    M(X, spawn, 16, (int32_t fd[3]; uint32_t flags; uint32_t argc; uint32_t envc;             \
                     char args[LAKE_INIT_ARGS_MAX];), (int64_t pid;), 0, 0)                    \
    M(X, wait, 17, (int64_t pid; uint64_t options;), (int64_t pid; int64_t status;), 0, 0)    \
    M(X, kill, 18, (int64_t pid;), (), 0, 0)                                                   \
    M(X, ps, 19, (int64_t after;),                                                              \
      (uint64_t count; struct lake_proc_entry e[LAKE_INIT_PS_BATCH];), 0, 0)                   \
    M(X, meminfo, 20, (), (struct lake_meminfo info;), 0, 0)                                   \
    M(X, shutdown, 21, (int64_t status;), (), 0, 0)                                            \
    M(X, getpid, 22, (), (int64_t pid; int64_t ppid;), 0, 0)                                   \
    M(X, foreground, 23, (int64_t pid;), (), 0, 0)                                             \
    M(X, uptime, 24, (), (uint64_t ns; uint64_t prompt_ns;), 0, 0)                                                 \
    M(X, catch_interrupts, 25, (), (), 1, 0)                                                 \
    M(X, default_interrupts, 26, (), (), 0, 0)                                               \
    M(X, mem_more, 27, (uint64_t bits; uint64_t slot;), (), 0, 0)                          \
    M(X, ns_register, 32, (char name[LAKE_INIT_NAME_MAX];), (), 1, 0)                          \
    M(X, ns_lookup, 33, (char name[LAKE_INIT_NAME_MAX];), (), 0, 1)                            \
    M(X, open, 48, (int32_t flags; uint32_t mode; char path[LAKE_INIT_PATH_MAX];),            \
      (int64_t fd;), 0, 0)                                                                     \
    M(X, close, 49, (int64_t fd;), (), 0, 0)                                                   \
    M(X, read, 50, (int64_t fd; uint64_t count;),                                              \
      (uint64_t count; char data[LAKE_INIT_IO_MAX];), 0, 0)                                    \
    M(X, write, 51, (int64_t fd; uint64_t count; char data[LAKE_INIT_IO_MAX];),               \
      (uint64_t count;), 0, 0)                                                                 \
    M(X, lseek, 52, (int64_t fd; int64_t offset; int64_t whence;), (int64_t offset;), 0, 0)   \
    M(X, fstat, 53, (int64_t fd;), (struct lake_stat_msg st;), 0, 0)                           \
    M(X, stat, 54, (char path[LAKE_INIT_PATH_MAX];), (struct lake_stat_msg st;), 0, 0)        \
    M(X, unlink, 55, (char path[LAKE_INIT_PATH_MAX];), (), 0, 0)                               \
    M(X, mkdir, 56, (uint64_t mode; char path[LAKE_INIT_PATH_MAX];), (), 0, 0)                \
    M(X, rmdir, 57, (char path[LAKE_INIT_PATH_MAX];), (), 0, 0)                                \
    M(X, rename, 58, (char from[LAKE_INIT_PATH_MAX / 2 + 24]; char to[LAKE_INIT_PATH_MAX / 2 + 24];), \
      (), 0, 0)                                                                                \
    M(X, readdir, 59, (int64_t fd;), (uint64_t end; struct lake_dirent_msg d;), 0, 0)          \
    M(X, chdir, 60, (char path[LAKE_INIT_PATH_MAX];), (), 0, 0)                                \
    M(X, getcwd, 61, (), (char path[LAKE_INIT_PATH_MAX];), 0, 0)                               \
    M(X, pipe, 62, (), (int64_t fd[2];), 0, 0)                                                 \
    M(X, dup2, 63, (int64_t fd; int64_t to;), (int64_t fd;), 0, 0)                             \
    M(X, isatty, 64, (int64_t fd;), (uint64_t yes;), 0, 0)                                     \
    M(X, ftruncate, 65, (int64_t fd; uint64_t size;), (), 0, 0)                                \
    M(X, ttymode, 66, (uint64_t raw;), (), 0, 0)

LAKE_RPC_DECLARE(init, INIT_INTERFACE)

#endif
