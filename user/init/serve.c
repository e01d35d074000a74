/*
 * init's RPC handlers for processes, memory, names and faults (files are
 * in fsops.c). The badge of every request is the caller's process id.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "init.h"


#define NS_MAX 16

static struct {
    char name[LAKE_INIT_NAME_MAX];
    lake_cptr_t cap;
    int64_t owner;                  /* the process that registered it */
} names[NS_MAX];

/* A process ends: its names go (their endpoints have no server now). */
void ns_forget(int64_t pid)
{
    for (unsigned i = 0; i < NS_MAX; i++) {
        if (names[i].cap && names[i].owner == pid) {
            mem_free_slots(names[i].cap, 1);
            names[i].cap = 0;
        }
    }
}

/* ---- faults and exit ------------------------------------------------------------ */

static int fault(struct lake_rpc_call *call, const char *what, int64_t status)
{
    CALLER(pr);
    printf("%s: killed: %s (pid %ld)\n", pr->name, what, (long)pr->pid);
    proc_end(pr, status);
    return LAKE_OK;
}

static int m_fault_cap(struct lake_rpc_call *call, const struct init_fault_cap_in *in,
                       struct init_fault_cap_out *out)
{
    (void)in, (void)out;
    return fault(call, "capability fault", INIT_STATUS_FAULT);
}

static int m_fault_syscall(struct lake_rpc_call *call, const struct init_fault_syscall_in *in,
                           struct init_fault_syscall_out *out)
{
    (void)in, (void)out;
    return fault(call, "unknown system call", INIT_STATUS_FAULT);
}

static int m_fault_exception(struct lake_rpc_call *call, const struct init_fault_exception_in *in,
                             struct init_fault_exception_out *out)
{
    (void)in, (void)out;
    return fault(call, "user exception", INIT_STATUS_FAULT);
}

static int m_fault_vm(struct lake_rpc_call *call, const struct init_fault_vm_in *in,
                      struct init_fault_vm_out *out)
{
    (void)out;
    CALLER(pr);
    printf("%s: killed: memory fault at address 0x%lx, pc 0x%lx (pid %ld)\n", pr->name,
           (unsigned long)in->w[1], (unsigned long)in->w[0], (long)pr->pid);
    proc_end(pr, INIT_STATUS_FAULT_VM);
    return LAKE_OK;
}

static int m_exit(struct lake_rpc_call *call, const struct init_exit_in *in,
                  struct init_exit_out *out)
{
    (void)out;
    CALLER(pr);
    proc_end(pr, in->status & 0xff);
    return LAKE_OK;
}

/* ---- processes --------------------------------------------------------------------- */

/* Split the packed strings of a spawn request into vectors (in place). */
static int unpack(const struct init_spawn_in *in, char *copy, const char **path,
                  const char **argv, size_t max_argv, const char **envp, size_t max_envp)
{
    memcpy(copy, in->args, LAKE_INIT_ARGS_MAX);
    size_t at = 0, total = 1 + in->argc + in->envc;
    if (in->argc >= max_argv || in->envc >= max_envp || in->argc == 0)
        return LAKE_STATUS_ERRNO(E2BIG);
    for (size_t k = 0; k < total; k++) {
        const char *s = copy + at;
        size_t len = strnlen(s, LAKE_INIT_ARGS_MAX - at);
        if (at + len >= LAKE_INIT_ARGS_MAX)
            return LAKE_STATUS_ERRNO(EINVAL);
        if (k == 0)
            *path = s;
        else if (k <= in->argc)
            argv[k - 1] = s;
        else
            envp[k - 1 - in->argc] = s;
        at += len + 1;
    }
    argv[in->argc] = NULL;
    envp[in->envc] = NULL;
    return 0;
}

static int m_spawn(struct lake_rpc_call *call, const struct init_spawn_in *in,
                   struct init_spawn_out *out)
{
    CALLER(pr);
    static char copy[LAKE_INIT_ARGS_MAX];
    const char *path, *argv[128], *envp[64];
    int status = unpack(in, copy, &path, argv, 128, envp, 64);
    if (status)
        return status;
    int fds[3] = { in->fd[0], in->fd[1], in->fd[2] };
    int64_t pid;
    status = proc_spawn(pr, path, argv, envp, fds, false, NULL, 0, &pid);
    if (status)
        return status;
    /* Part of the foreground job if asked, or if the parent is. */
    if ((in->flags & LAKE_SPAWN_FOREGROUND) || pr->fg)
        proc_find(pid)->fg = true;
    out->pid = pid;
    return 0;
}

static int m_wait(struct lake_rpc_call *call, const struct init_wait_in *in,
                  struct init_wait_out *out)
{
    CALLER(pr);
    int64_t pid = in->pid;
    struct proc *c = proc_ended_child(pr, pid);
    if (c != NULL) {
        out->pid = c->pid;
        out->status = c->status;
        c->state = 0;           /* collected */
        return 0;
    }
    if (!proc_has_child(pr, pid))
        return LAKE_STATUS_ERRNO(ECHILD);
    if (in->options & LAKE_WAIT_NOHANG) {
        out->pid = 0;
        out->status = 0;
        return 0;
    }
    if (pr->waiting)
        return LAKE_STATUS_ERRNO(EBUSY);
    pr->wait_pid = pid;
    int error = lake_rpc_defer(call, &pr->wait_reply);
    if (error)
        return error;
    pr->waiting = true;
    return 0;
}

static int m_kill(struct lake_rpc_call *call, const struct init_kill_in *in,
                  struct init_kill_out *out)
{
    (void)out;
    CALLER(pr);
    struct proc *target = proc_find(in->pid);
    if (target == NULL || target->state != LAKE_PROC_RUNNING)
        return LAKE_STATUS_ERRNO(ESRCH);
    if (target->driver)
        return LAKE_STATUS_ERRNO(EPERM);
    (void)pr;
    proc_end(target, INIT_STATUS_KILLED);
    return 0;
}

static int m_ps(struct lake_rpc_call *call, const struct init_ps_in *in, struct init_ps_out *out)
{
    (void)call;
    uint64_t n = 0;
    int64_t after = in->after;
    while (n < LAKE_INIT_PS_BATCH) {
        struct proc *next = NULL;
        for (unsigned i = 0; i < INIT_MAX_PROCS; i++) {
            struct proc *p = &init.procs[i];
            if (p->state != 0 && p->pid > after && (next == NULL || p->pid < next->pid))
                next = p;
        }
        if (next == NULL)
            break;
        struct lake_proc_entry *e = &out->e[n++];
        memset(e, 0, sizeof(*e));
        e->pid = next->pid;
        e->ppid = next->ppid;
        e->state = next->state;
        e->memory = next->memory;
        memcpy(e->name, next->name, sizeof(e->name));
        after = next->pid;
    }
    out->count = n;
    return 0;
}

static int m_meminfo(struct lake_rpc_call *call, const struct init_meminfo_in *in,
                     struct init_meminfo_out *out)
{
    (void)call, (void)in;
    mem_info(&out->info);
    uint64_t count = 0;
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++)
        count += init.procs[i].state == LAKE_PROC_RUNNING;
    out->info.processes = count;
    return 0;
}

static int m_shutdown(struct lake_rpc_call *call, const struct init_shutdown_in *in,
                      struct init_shutdown_out *out)
{
    (void)call, (void)out;
    printf("init: shutting down\n");
    fflush(stdout);
    lake_debug_halt((int)in->status);
}

static int m_getpid(struct lake_rpc_call *call, const struct init_getpid_in *in,
                    struct init_getpid_out *out)
{
    (void)in;
    CALLER(pr);
    out->pid = pr->pid;
    out->ppid = pr->ppid;
    return 0;
}

static int m_foreground(struct lake_rpc_call *call, const struct init_foreground_in *in,
                        struct init_foreground_out *out)
{
    (void)call, (void)out;
    struct proc *target = in->pid ? proc_find(in->pid) : NULL;
    if (in->pid != 0 && (target == NULL || target->state != LAKE_PROC_RUNNING))
        return LAKE_STATUS_ERRNO(ESRCH);
    /* The foreground job is the set of processes Ctrl-C ends: now this
     * one only (or none). */
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++)
        init.procs[i].fg = false;
    if (target != NULL)
        target->fg = true;
    return 0;
}

static int m_uptime(struct lake_rpc_call *call, const struct init_uptime_in *in,
                    struct init_uptime_out *out)
{
    (void)call, (void)in;
    out->ns = lake_uptime_ns();
    out->prompt_ns = init.prompt_ns;
    return 0;
}

static int m_catch_interrupts(struct lake_rpc_call *call, const struct init_catch_interrupts_in *in,
                              struct init_catch_interrupts_out *out)
{
    (void)out;
    CALLER(pr);
    if (lake_debug_cap_identify(in->caps[0]) != LAKE_OBJ_NOTIFICATION)
        return LAKE_STATUS_ERRNO(EINVAL);
    lake_cptr_t slot;
    if (mem_slots(1, &slot) != LAKE_OK)
        return LAKE_STATUS_ERRNO(ENOMEM);
    if (lake_cnode_move(LAKE_ROOT_CNODE, slot, 64, LAKE_ROOT_CNODE, in->caps[0], 64) != LAKE_OK) {
        mem_free_slots(slot, 1);
        return LAKE_STATUS_ERRNO(EINVAL);
    }
    if (pr->interrupt_cap)
        mem_free_slots(pr->interrupt_cap, 1);
    pr->interrupt_cap = slot;
    return 0;
}

static int m_default_interrupts(struct lake_rpc_call *call,
                                const struct init_default_interrupts_in *in,
                                struct init_default_interrupts_out *out)
{
    (void)in, (void)out;
    CALLER(pr);
    if (pr->interrupt_cap)
        mem_free_slots(pr->interrupt_cap, 1);
    pr->interrupt_cap = 0;
    return 0;
}

static int m_mem_more(struct lake_rpc_call *call, const struct init_mem_more_in *in,
                      struct init_mem_more_out *out)
{
    (void)out;
    CALLER(pr);
    if (in->bits < LAKE_INIT_MORE_MIN_BITS || in->bits > LAKE_INIT_MORE_MAX_BITS ||
        in->slot == 0 || in->slot >= (1ul << pr->p.cnode_radix))
        return LAKE_STATUS_ERRNO(EINVAL);
    if (pr->nextra == INIT_MAX_EXTRA || pr->memory + (1ul << in->bits) > INIT_MAX_PROC_BYTES)
        return LAKE_STATUS_ERRNO(ENOMEM);
    uint32_t block;
    lake_cptr_t cap;
    if (mem_block((unsigned)in->bits, &block, &cap) != LAKE_OK)
        return LAKE_STATUS_ERRNO(ENOMEM);
    /* Untyped caps cannot be copied: move it into the caller's CNode. */
    if (lake_cnode_move(pr->p.cnode, in->slot, pr->p.cnode_radix, LAKE_ROOT_CNODE, cap, 64) !=
        LAKE_OK) {
        mem_free_block(block);
        return LAKE_STATUS_ERRNO(EINVAL);
    }
    pr->extra[pr->nextra++] = block;
    pr->memory += 1ul << in->bits;
    return 0;
}

/* ---- names ---------------------------------------------------------------------------- */

int ns_find(const char *name, lake_cptr_t *cap)
{
    for (unsigned i = 0; i < NS_MAX; i++) {
        if (names[i].cap && strncmp(names[i].name, name, LAKE_INIT_NAME_MAX) == 0) {
            *cap = names[i].cap;
            return 0;
        }
    }
    return -ENOENT;
}

static int m_ns_register(struct lake_rpc_call *call, const struct init_ns_register_in *in,
                         struct init_ns_register_out *out)
{
    (void)out;
    CALLER(pr);
    char name[LAKE_INIT_NAME_MAX];
    memcpy(name, in->name, sizeof(name));
    name[sizeof(name) - 1] = '\0';
    lake_cptr_t existing;
    if (name[0] == '\0')
        return LAKE_STATUS_ERRNO(EINVAL);
    if (ns_find(name, &existing) == 0)
        return LAKE_STATUS_ERRNO(EEXIST);
    for (unsigned i = 0; i < NS_MAX; i++) {
        if (names[i].cap == 0) {
            /* The received cap's slot is ours now; keep it. */
            lake_cptr_t slot;
            int error = mem_slots(1, &slot);
            if (error)
                return LAKE_STATUS_ERRNO(ENOMEM);
            error = lake_cnode_move(LAKE_ROOT_CNODE, slot, 64, LAKE_ROOT_CNODE, in->caps[0], 64);
            if (error) {
                mem_free_slots(slot, 1);
                return LAKE_STATUS_ERRNO(EINVAL);
            }
            memcpy(names[i].name, name, sizeof(name));
            names[i].cap = slot;
            names[i].owner = pr->pid;
            if (strcmp(name, "console") == 0) {
                init.console.ep = slot;
                init.console_pid = pr->pid;
                init.console_attach_pending = true;
                lake_signal(init.work_cap);     /* attach after this reply */
            }
            return 0;
        }
    }
    return LAKE_STATUS_ERRNO(ENOSPC);
}

static int m_ns_lookup(struct lake_rpc_call *call, const struct init_ns_lookup_in *in,
                       struct init_ns_lookup_out *out)
{
    (void)call;
    char name[LAKE_INIT_NAME_MAX];
    memcpy(name, in->name, sizeof(name));
    name[sizeof(name) - 1] = '\0';
    lake_cptr_t cap;
    if (ns_find(name, &cap))
        return LAKE_STATUS_ERRNO(ENOENT);
    out->caps[0] = cap;
    return 0;
}

/* ---- the handler table ------------------------------------------------------------------ */

const struct init_server_ops init_ops_processes = {
    .fault_cap = m_fault_cap, .fault_syscall = m_fault_syscall,
    .fault_exception = m_fault_exception, .fault_vm = m_fault_vm, .exit = m_exit,
    .spawn = m_spawn, .wait = m_wait, .kill = m_kill, .ps = m_ps, .meminfo = m_meminfo,
    .shutdown = m_shutdown, .getpid = m_getpid, .foreground = m_foreground, .uptime = m_uptime,
    .mem_more = m_mem_more, .catch_interrupts = m_catch_interrupts, .default_interrupts = m_default_interrupts,
    .ns_register = m_ns_register, .ns_lookup = m_ns_lookup,
};

LAKE_RPC_DEFINE_SERVER(init, INIT_INTERFACE)
