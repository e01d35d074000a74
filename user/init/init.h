/*
 * init, the root task: memory server, process manager, name service and
 * file system (docs/SERVICES.md). One thread, one event loop; every
 * request is an RPC of lake/proto/init.h on init's endpoint, badged with
 * the caller's process id.
 */
#ifndef INIT_H
#define INIT_H

#include <stdbool.h>
#include <stdint.h>

#include <lake/event.h>
#include <lake/proto/console.h>
#include <lake/proto/init.h>
#include <lake/runtime.h>
#include <lake/spawn.h>
#include <lake/sys.h>
#include <lake/untyped.h>

#include "../vfs/vfs.h"

#define INIT_MAX_PROCS      64
#define INIT_MAX_FDS        32
#define INIT_MAX_EXTRA      16          /* mem_more blocks per process */
#define INIT_MAX_PROC_BYTES (512ul << 20)   /* memory of one process, quota included */
#define INIT_QUOTA_BITS     23          /* a program's own untyped memory: 8 MiB */
#define INIT_DRIVER_QUOTA   22
#define INIT_PRIORITY       200         /* init itself */
#define INIT_PROC_PRIORITY  100
#define INIT_DRIVER_PRIORITY 150
#define INIT_HEAP_BYTES     (64ul << 20)

/* Notification bits of init's loop. */
#define INIT_BIT_CONS_INPUT     (1ul << 0)
#define INIT_BIT_CONS_INTERRUPT (1ul << 1)
#define INIT_BIT_WORK           (1ul << 2)

/* Exit statuses init gives (as a shell reports signals: 128 + number). */
#define INIT_STATUS_INTERRUPTED 130
#define INIT_STATUS_KILLED      137
#define INIT_STATUS_FAULT_VM    139
#define INIT_STATUS_FAULT       132

/* ---- memory (mem.c) ---- */
int mem_init(const struct lake_bootinfo *bi);
int mem_slots(unsigned count, lake_cptr_t *first);
void mem_free_slots(lake_cptr_t first, unsigned count);     /* deletes the caps */
int mem_object(unsigned type, unsigned size_bits, lake_cptr_t *slot);
void mem_free_object(lake_cptr_t slot);
int mem_block(unsigned bits, uint32_t *block, lake_cptr_t *cap);
void mem_free_block(uint32_t block);
int mem_device_frame(lake_word_t paddr, lake_cptr_t *slot, uint32_t *block);
int mem_map_heap(lake_word_t vaddr, size_t bytes);
void mem_info(struct lake_meminfo *info);
const struct lake_spawn_slot_ops *mem_spawn_slot_ops(void);
struct lake_event_slots mem_event_slots(void);
lake_word_t mem_scratch_page(void);

/* ---- processes (proc.c) ---- */
/* A prepared program image (lake_image_prepare) of a file on a read-only
 * file system: its text and rodata are filled once and shared by every
 * process started from it (proc.c). */
#define INIT_IMAGE_CACHE 16
struct init_image {
    bool valid;
    uint64_t dev, ino;                  /* the file */
    void *bytes;                        /* the ELF file (data pages are filled from it) */
    size_t size;
    struct lake_image image;
    uint32_t block;                     /* the shared frames' memory */
    unsigned users;                     /* processes started from it that still exist */
    uint64_t last_used;
};

struct proc {
    int64_t pid, ppid;
    enum lake_proc_state state;         /* 0: free entry */
    char name[LAKE_INIT_NAME_MAX];
    struct lake_process p;
    struct init_image *image;           /* the cached image it runs, or NULL */
    uint32_t block;                     /* the memory P came from */
    uint64_t memory;
    int64_t status;
    bool driver;
    bool fg;                            /* a foreground job: Ctrl-C ends it */
    lake_cptr_t interrupt_cap;          /* ... or signals this, if set */
    uint32_t extra[INIT_MAX_EXTRA];     /* memory given on request (mem_more) */
    unsigned nextra;
    struct vfs_file *fd[INIT_MAX_FDS];
    struct vfs_node cwd;
    /* Requests answered later: a wait, a read, a write. */
    bool waiting;
    int64_t wait_pid;
    struct lake_rpc_deferred wait_reply;
    bool reading;
    int read_fd;
    uint64_t read_count;
    struct lake_rpc_deferred read_reply;
    bool writing;
    int write_fd;
    uint64_t write_count, write_done;
    char *write_data;
    struct lake_rpc_deferred write_reply;
};

struct init_state {
    struct lake_event_loop loop;
    struct lake_rpc_server server;
    lake_cptr_t ep, ntfn, work_cap;
    int64_t shell_pid;
    uint64_t prompt_ns;                 /* when the first shell first waited for input */
    bool shell_restart;
    struct vfs vfs;
    struct proc procs[INIT_MAX_PROCS];
    struct init_image images[INIT_IMAGE_CACHE];
    uint64_t image_clock;
    int64_t next_pid;
    struct lake_rpc_client console;     /* ep 0 until the driver registers */
    bool console_attach_pending;
    int64_t console_pid;                /* the driver's process (0: none) */
    unsigned start_step;
};

extern struct init_state init;

struct proc *proc_find(int64_t pid);
/* The process behind a request (its badge), if it is running. */
struct proc *proc_caller(const struct lake_rpc_call *call);
#define CALLER(pr)                                  \
    struct proc *pr = proc_caller(call);            \
    if (pr == NULL)                                 \
        return LAKE_STATUS_ERRNO(ESRCH)

int proc_spawn(struct proc *parent, const char *path, const char *const *argv,
               const char *const *envp, const int fds[3], bool driver,
               const lake_cptr_t *caps, unsigned ncaps, int64_t *pid);
void proc_end(struct proc *pr, int64_t status);
/* An ended child of parent (pid -1: any) whose status is not collected. */
struct proc *proc_ended_child(struct proc *parent, int64_t pid);
bool proc_has_child(struct proc *parent, int64_t pid);
void proc_retry_parked(void);
void fsops_install(struct init_server_ops *ops);
extern const struct init_server_ops init_ops_processes;
int proc_fd_alloc(struct proc *pr, struct vfs_file *f, int from);
int errno_status(int negative_errno);

/* ---- services (serve.c, files.c, console.c) ---- */
ssize_t console_read(void *arg, void *buf, size_t n);
ssize_t console_write(void *arg, const void *buf, size_t n);
void console_attach(void);
void console_input(void);
int console_set_mode(bool raw);
void console_set_writer(int64_t pid);

/* ---- name service (serve.c) ---- */
int ns_find(const char *name, lake_cptr_t *cap);
void ns_forget(int64_t pid);

#endif
