/*
 * Fast paths, entered from vectors.S before the general path: Call to a
 * waiting server and ReplyRecv back to a waiting client (the two halves of
 * every RPC), Signal and Wait on notifications, faults delivered to a
 * waiting handler, Reply with nothing to answer, Yield, and (through
 * fastpath_call) invocations and a successful Frame Map. When every
 * condition holds (the message fits in registers, the other thread can run
 * at once, ...), the kernel does the work and leaves through
 * context_restore without the general machinery (invocation set-up,
 * wait-queue helpers, scheduler choice). Whenever a condition fails the
 * function returns and the general path gives the same result more
 * slowly; a fast path never decides anything the general path would decide
 * differently. CONFIG_FASTPATH=0 compiles this file out.
 *
 * cpu->yield_requested is false at every system call: only Yield and the
 * timer tick set it, and both leave through schedule(), which clears it. So
 * a fast path that returns to its caller without schedule() loses nothing.
 */
#include <arch/esr.h>
#include <arch/fpu.h>
#include <arch/vspace.h>
#include <cspace.h>
#include <fastpath.h>
#include <ipc.h>
#include <lake/fault.h>
#include <lake/invocation.h>
#include <lake/message.h>
#include <lake/syscall.h>
#include <percpu.h>
#include <sched.h>
#include <waitq.h>

#if CONFIG_FASTPATH
/* No frame records here: they cost two instructions per fast path, and gdb
 * unwinds through the DWARF call-frame information anyway. */
#pragma GCC optimize("omit-frame-pointer")

__noreturn void context_restore(struct trap_frame *ctx);

/* Message words 0-3 and the message info, as the slow path would set them. */
static inline void fast_transfer(struct tcb *from, struct tcb *to, u64 badge, u64 info)
{
    to->ctx.x[0] = badge;
    to->ctx.x[1] = lake_msginfo(lake_msginfo_label(info), 0, 0, lake_msginfo_length(info));
    to->ctx.x[2] = from->ctx.x[2];
    to->ctx.x[3] = from->ctx.x[3];
    to->ctx.x[4] = from->ctx.x[4];
    to->ctx.x[5] = from->ctx.x[5];
}

static inline bool fast_message(u64 info)
{
    return lake_msginfo_length(info) <= LAKE_MSG_REGISTERS && lake_msginfo_extra_caps(info) == 0;
}

/* Puts t (runnable, not current, in no queue, on this cpu) at the back or
 * the front of its ready queue: sched.c's queue_insert with the core
 * already known. */
static inline void fast_enqueue(struct cpu *cpu, struct tcb *t, bool front)
{
    struct ready_queue *q = &cpu->ready[t->priority];

    if (q->head == NULL) {
        t->sched_next = t->sched_prev = NULL;
        q->head = q->tail = t;
    } else if (front) {
        t->sched_prev = NULL;
        t->sched_next = q->head;
        q->head->sched_prev = t;
        q->head = t;
    } else {
        t->sched_next = NULL;
        t->sched_prev = q->tail;
        q->tail->sched_next = t;
        q->tail = t;
    }
    t->in_ready_queue = 1;
    prio_bitmap_set(&cpu->ready_bitmap, t->priority);
}

/* Takes the first thread of the highest non-empty ready queue, or NULL:
 * sched_take_next inline, without the idle thread. */
static inline struct tcb *fast_take_next(struct cpu *cpu)
{
    int prio = prio_bitmap_highest(&cpu->ready_bitmap);
    if (prio < 0)
        return NULL;
    struct ready_queue *q = &cpu->ready[prio];
    struct tcb *t = q->head, *next = t->sched_next;

    q->head = next;
    if (next != NULL) {
        next->sched_prev = NULL;
    } else {
        q->tail = NULL;
        prio_bitmap_clear(&cpu->ready_bitmap, (unsigned)prio);
    }
    t->sched_next = NULL;
    t->in_ready_queue = 0;
    return t;
}

/* `next` may run in place of `prev` if nothing else outranks it. */
static inline bool fast_may_switch(struct cpu *cpu, struct tcb *next)
{
    int highest = prio_bitmap_highest(&cpu->ready_bitmap);
    return next->cpu == cpu->id && (int)next->priority >= highest;
}

/* prev has blocked (or the caller queued it) and next is in no queue: the
 * hand-off is only a change of the current thread (what sched_switch_to
 * does). No isb after the TTBR0 write: the kernel does not touch user
 * memory, and the eret synchronises. */
static inline __attribute__((always_inline)) __noreturn void
fast_switch(struct cpu *cpu, struct tcb *prev, struct tcb *next)
{
    next->state = THREAD_RUNNABLE;
    cpu->yield_requested = false;
    cpu->current = next;
    prev->tpidr_el0 = sysreg_read(tpidr_el0);
    sysreg_write(tpidr_el0, next->tpidr_el0);
    sysreg_write(ttbr0_el1, tcb_ttbr0(next));
    fpu_switch_on(cpu, next);
    context_restore(&next->ctx);
}

/* A reply to a fault the fast path can finish: label 0 (resume) to a VM
 * fault or a user exception. */
static inline bool fast_fault_reply_ok(const struct tcb *client, u64 info)
{
    return lake_msginfo_label(info) == 0 &&
           (client->fault_kind == LAKE_FAULT_VM || client->fault_kind == LAKE_FAULT_USER_EXCEPTION);
}

/* What fault_handle_reply does for a label-0 reply: a VM fault retries the
 * access; a user exception may get a new pc (word 0) and sp (word 1). */
static inline void fast_fault_resume(struct tcb *client, struct tcb *replier, u64 info)
{
    unsigned length = lake_msginfo_length(info);
    if (client->fault_kind == LAKE_FAULT_USER_EXCEPTION) {
        if (length >= 1)
            client->ctx.elr = replier->ctx.x[2];
        if (length >= 2)
            client->ctx.sp_el0 = replier->ctx.x[3];
    }
    client->fault_kind = LAKE_FAULT_NONE;
}

void fastpath_call(struct tcb *t)
{
    struct cpu *cpu = this_cpu();
    u64 info = t->ctx.x[1];
    struct cte *slot;

    if (!tcb_one_level(t, t->ctx.x[0], &slot))
        return;
    struct cap *cap = &slot->cap;
    unsigned type = cap_type(*cap);
    if (type != LAKE_OBJ_ENDPOINT) {
        if (type == LAKE_OBJ_NULL || type == LAKE_OBJ_NOTIFICATION || type == LAKE_OBJ_REPLY)
            return;
        if (type == LAKE_OBJ_FRAME_4K && lake_msginfo_label(info) == LAKE_FRAME_MAP &&
            frame_map_fast(t, slot))
            context_restore(&t->ctx);
        syscall_invoke_call(t, slot);   /* an object invocation: skip the second lookup */
    }
    if (!fast_message(info) ||
        !(cap_rights(*cap) & LAKE_RIGHT_WRITE) ||
        !(cap_rights(*cap) & (LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY)))
        return;
    struct endpoint *ep = cap_endpoint(*cap);
    struct tcb *server = ep->head;
    if (ep->state != EP_RECEIVING || !fast_may_switch(cpu, server) ||
        !cap_is_null(server->slots[TCB_SLOT_REPLY].cap))
        return;
    waitq_pop(&ep->head, &ep->tail);
    if (ep->head == NULL)
        ep->state = EP_IDLE;
    server->blocked_on = NULL;
    fast_transfer(t, server, cap->data, info);

    /* One-shot reply capability for the server; the caller waits for it. */
    struct cte *reply = &server->slots[TCB_SLOT_REPLY];
    reply->cap = cap_make(LAKE_OBJ_REPLY, virt_to_phys(t), 0, 0,
                          (cap_rights(*cap) & LAKE_RIGHT_GRANT) != 0, 0, 0);
    t->reply_slot = reply;
    t->state = THREAD_BLOCKED_REPLY;
    fast_switch(cpu, t, server);
}

/* ---- faults ------------------------------------------------------------- */

/*
 * Any exception from a thread but a system call or an FP trap (vectors.S
 * sorts them): a VM fault for data and instruction aborts, else a user
 * exception, as user_exception() classifies them. When the handler waits
 * on the fault endpoint, the message goes straight into its registers and
 * the thread blocks as if it had made a Call (what fault_raise and
 * endpoint_send do); otherwise the general path delivers or reports it.
 */
void fastpath_fault(struct tcb *t, unsigned ec)
{
    struct cpu *cpu = this_cpu();
    struct cap handler = t->slots[TCB_SLOT_FAULT_HANDLER].cap;
    unsigned rights = cap_rights(handler);

    if (cap_type(handler) != LAKE_OBJ_ENDPOINT ||
        !(rights & LAKE_RIGHT_WRITE) || !(rights & (LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY)))
        return;
    struct endpoint *ep = cap_endpoint(handler);
    struct tcb *server = ep->head;
    if (ep->state != EP_RECEIVING || !fast_may_switch(cpu, server) ||
        !cap_is_null(server->slots[TCB_SLOT_REPLY].cap))
        return;

    waitq_pop(&ep->head, &ep->tail);
    if (ep->head == NULL)
        ep->state = EP_IDLE;
    server->blocked_on = NULL;
    server->ctx.x[0] = handler.data;
    server->ctx.x[2] = t->ctx.elr;
    if (ec == ESR_EC_DABT_LOWER || ec == ESR_EC_IABT_LOWER) {
        t->fault_kind = LAKE_FAULT_VM;
        server->ctx.x[1] = lake_msginfo(LAKE_FAULT_VM, 0, 0, LAKE_VM_FAULT_LENGTH);
        server->ctx.x[3] = t->ctx.far;
        server->ctx.x[4] = t->ctx.esr;
        server->ctx.x[5] = ec == ESR_EC_IABT_LOWER;
    } else {
        t->fault_kind = LAKE_FAULT_USER_EXCEPTION;
        server->ctx.x[1] = lake_msginfo(LAKE_FAULT_USER_EXCEPTION, 0, 0, LAKE_USER_EXC_LENGTH);
        server->ctx.x[3] = t->ctx.sp_el0;
        server->ctx.x[4] = t->ctx.spsr;
        server->ctx.x[5] = t->ctx.esr;
    }

    struct cte *reply = &server->slots[TCB_SLOT_REPLY];
    reply->cap = cap_make(LAKE_OBJ_REPLY, virt_to_phys(t), 0, 0,
                          (rights & LAKE_RIGHT_GRANT) != 0, 0, 0);
    t->reply_slot = reply;
    t->state = THREAD_BLOCKED_REPLY;
    fast_switch(cpu, t, server);
}

void fastpath_reply_recv(struct tcb *t)
{
    struct cpu *cpu = this_cpu();
    u64 info = t->ctx.x[1];
    struct cte *reply = &t->slots[TCB_SLOT_REPLY];
    struct cte *slot;

    if (!fast_message(info) || !tcb_one_level(t, t->ctx.x[0], &slot))
        return;
    struct cap *cap = &slot->cap;
    if (cap_type(*cap) != LAKE_OBJ_ENDPOINT || !(cap_rights(*cap) & LAKE_RIGHT_READ) ||
        cap_type(reply->cap) != LAKE_OBJ_REPLY)
        return;
    struct endpoint *ep = cap_endpoint(*cap);
    struct tcb *client = cap_tcb(reply->cap);
    if (ep->state == EP_SENDING || client->state != THREAD_BLOCKED_REPLY ||
        notification_pending_for(t) || !fast_may_switch(cpu, client))
        return;
    if (client->fault_kind != LAKE_FAULT_NONE && !fast_fault_reply_ok(client, info))
        return;

    /* Reply. */
    reply->cap = cap_null();
    client->reply_slot = NULL;
    if (client->fault_kind == LAKE_FAULT_NONE)
        fast_transfer(t, client, 0, info);
    else
        fast_fault_resume(client, t, info);

    /* Wait on the endpoint. */
    t->blocked_on = ep;
    t->state = THREAD_BLOCKED_RECV;
    waitq_append(&ep->head, &ep->tail, t);
    ep->state = EP_RECEIVING;
    fast_switch(cpu, t, client);
}

/* ---- notifications ----------------------------------------------------- */

/*
 * Signal (Send or NBSend on a notification cap). The invariant that the
 * current thread outranks or equals every ready thread holds at every
 * system call, so when the woken waiter does not outrank the signaller,
 * nothing changes but the queues and the signaller goes straight back.
 */
void fastpath_signal(struct tcb *t)
{
    struct cpu *cpu = this_cpu();
    struct cte *slot;

    if (!tcb_one_level(t, t->ctx.x[0], &slot))
        return;
    struct cap *cap = &slot->cap;
    if (cap_type(*cap) != LAKE_OBJ_NOTIFICATION || !(cap_rights(*cap) & LAKE_RIGHT_WRITE))
        return;
    struct notification *n = cap_notification(*cap);
    struct tcb *bound = ntfn_bound(n);
    struct tcb *waiter = n->head;
    if (bound != NULL && bound->state == THREAD_BLOCKED_RECV)
        return;     /* wakes a thread out of an endpoint Recv: slow path */
    if (waiter == NULL) {
        n->word |= cap->data;
        ntfn_set_pending(n, true);
        context_restore(&t->ctx);
    }
    if (waiter->cpu != cpu->id)
        return;

    waitq_pop(&n->head, &n->tail);
    waiter->blocked_on = NULL;
    waiter->ctx.x[0] = n->word | cap->data;
    waiter->ctx.x[1] = 0;
    n->word = 0;
    ntfn_set_pending(n, false);
    if (waiter->priority > t->priority) {
        /* The waiter outranks us: it runs now, we keep our place. */
        fast_enqueue(cpu, t, true);
        fast_switch(cpu, t, waiter);
    }
    waiter->state = THREAD_RUNNABLE;
    fast_enqueue(cpu, waiter, false);
    context_restore(&t->ctx);
}

/* Wait (Recv on a notification cap): take a pending word, or block and
 * run the next thread. */
void fastpath_wait(struct tcb *t)
{
    struct cpu *cpu = this_cpu();
    struct cte *slot;

    if (!tcb_one_level(t, t->ctx.x[0], &slot))
        return;
    struct cap *cap = &slot->cap;
    if (cap_type(*cap) != LAKE_OBJ_NOTIFICATION || !(cap_rights(*cap) & LAKE_RIGHT_READ))
        return;
    struct notification *n = cap_notification(*cap);
    struct tcb *bound = ntfn_bound(n);
    if (bound != NULL && bound != t)
        return;     /* someone else's notification: the slow path faults */
    if (ntfn_pending(n)) {
        t->ctx.x[0] = n->word;
        t->ctx.x[1] = 0;
        n->word = 0;
        ntfn_set_pending(n, false);
        context_restore(&t->ctx);
    }
    t->blocked_on = n;
    t->state = THREAD_BLOCKED_NOTIFICATION;
    waitq_append(&n->head, &n->tail, t);
    cpu->yield_requested = false;
    struct tcb *next = fast_take_next(cpu);
    if (next != NULL)
        fast_switch(cpu, t, next);
    sched_switch_to(cpu, &cpu->idle);
    context_restore(&cpu->idle.ctx);
}

/* ---- Reply and Yield that change nothing ------------------------------- */

/* Reply with an empty reply slot does nothing (docs/ABI.md). */
void fastpath_reply(struct tcb *t)
{
    if (cap_type(t->slots[TCB_SLOT_REPLY].cap) != LAKE_OBJ_REPLY)
        context_restore(&t->ctx);
}

/* Yield: with no other ready thread at the caller's priority (none is
 * above it) the caller keeps running; otherwise it goes to the back of its
 * queue and the first ready thread runs. What schedule() decides. */
void fastpath_yield(struct tcb *t)
{
    struct cpu *cpu = this_cpu();

    cpu->yield_requested = false;
    if (prio_bitmap_highest(&cpu->ready_bitmap) < (int)t->priority)
        context_restore(&t->ctx);
    fast_enqueue(cpu, t, false);
    fast_switch(cpu, t, fast_take_next(cpu));
}
#endif /* CONFIG_FASTPATH */
