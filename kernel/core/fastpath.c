/*
 * Fast paths, entered (by a jump) from vectors.S before the general path: Call to a
 * waiting server and ReplyRecv back to a waiting client (the two halves of
 * every RPC), Signal and Wait on notifications, faults delivered to a
 * waiting handler, Reply with nothing to answer, Yield, and (through
 * fastpath_call) invocations and a successful Frame Map. When every
 * condition holds (the message fits in registers, the other thread can run
 * at once, ...), the kernel does the work and leaves without the general
 * machinery (invocation set-up, wait-queue helpers, scheduler choice).
 * Whenever a condition fails the function jumps to the general path
 * (FAST_BAIL), which gives the same result more slowly; a fast path never
 * decides anything the general path would decide differently. CONFIG_FASTPATH=0 compiles
 * this file out.
 *
 * Registers and stack. A system call enters here with only x0-x9 and x30
 * saved in the thread's frame; x10-x29 still hold the thread's own values,
 * and SP still points at the frame (the start of the TCB: nothing may be
 * pushed). This file is compiled with x10-x29 fixed (kernel.mk:
 * FASTPATH_CFLAGS), everything it calls is inline or never returns, and
 * tools/check_fastpath.py checks the object code for both. The rules:
 * - x30 too is never touched: vectors.S jumps here, and a fast path leaves
 *   by jumping (FAST_JUMP*, FAST_BAIL);
 * - returning to the caller (fastpath_return) reloads x0-x9;
 * - switching away first stores the caller's x19-x29, SP_EL0, ELR, SPSR
 *   and TLS register (fast_save_rest; x10-x18 are clobbered by system
 *   calls, docs/ABI.md); only after that may ordinary C
 *   run, through the trampolines in vectors.S that move to the kernel
 *   stack (fastpath_invoke_general, fastpath_enter_general);
 * - a fault arrives with its whole frame saved (and leaves to
 *   fault_general when the fast path does not apply).
 *
 * cpu->yield_requested is false at every system call: only Yield and the
 * timer tick set it, and both leave through schedule(), which clears it. So
 * a fast path that returns to its caller without schedule() loses nothing.
 * And at every system call the current thread outranks or equals every
 * ready thread on its core, so a thread that may run in its place
 * (tcb_may_replace) outranks or equals them too.
 */
#include <arch/esr.h>
#include <arch/fpu.h>
#include <arch/vspace.h>
#include <fastpath.h>
#include <ipc.h>
#include <lake/fault.h>
#include <lake/invocation.h>
#include <lake/message.h>
#include <lake/syscall.h>
#include <irq.h>
#include <object/frame_fast.h>
#include <percpu.h>
#include <plat/irq_decode.h>
#include <sched.h>
#include <tcb_cache.h>

#if CONFIG_FASTPATH
/*
 * Leaving a fast path: a jump (not a call: x30 still holds the thread's
 * value) to an exit that never returns: context_restore(frame) or
 * fastpath_return(frame) (vectors.S), a trampoline to ordinary C, or, when
 * the fast path does not apply, syscall_general (FAST_BAIL). The "memory"
 * clobber keeps every store before the jump.
 */
#define FAST_BAIL_TO(general)                                                   \
    do {                                                                        \
        __asm__ volatile("b " #general : : : "memory");                         \
        __builtin_unreachable();                                                \
    } while (0)
#define FAST_BAIL() FAST_BAIL_TO(syscall_general)
/* Back into the calling thread: fastpath_return takes the frame in x6,
 * where vectors.S passed the thread and where it usually still is. */
#define FAST_RETURN(t)                                                          \
    do {                                                                        \
        register struct tcb *frame_ __asm__("x6") = (t);                        \
        __asm__ volatile("b fastpath_return" : : "r"(frame_) : "memory");       \
        __builtin_unreachable();                                                \
    } while (0)
#define FAST_JUMP1(target, a)                                                   \
    do {                                                                        \
        register u64 arg0_ __asm__("x0") = (u64)(a);                            \
        __asm__ volatile("b " #target : : "r"(arg0_) : "memory");               \
        __builtin_unreachable();                                                \
    } while (0)
#define FAST_JUMP2(target, a, b)                                                \
    do {                                                                        \
        register u64 arg0_ __asm__("x0") = (u64)(a);                            \
        register u64 arg1_ __asm__("x1") = (u64)(b);                            \
        __asm__ volatile("b " #target : : "r"(arg0_), "r"(arg1_) : "memory");   \
        __builtin_unreachable();                                                \
    } while (0)

/* ---- helpers -------------------------------------------------------------- */

static inline __attribute__((always_inline)) unsigned cap_w0_type(u64 w0)
{
    return (unsigned)(w0 >> CAP_TYPE_SHIFT);
}

static inline __attribute__((always_inline)) bool cap_w0_has(u64 w0, unsigned right)
{
    return (w0 >> CAP_RIGHTS_SHIFT) & right;
}

/* The object a cap names: phys_to_virt as an OR, which the kernel window
 * (KERNEL_VBASE above every physical address) allows in one instruction. */
static inline __attribute__((always_inline)) void *cap_w0_ptr(u64 w0)
{
    return (void *)((w0 & mask_bits(CAP_ADDR_BITS)) | KERNEL_VBASE);
}

/* At most four words, no capabilities: the message travels in registers. */
static inline __attribute__((always_inline)) bool fast_message(u64 info)
{
    return (info & 0x1ff) <= LAKE_MSG_REGISTERS;
}

/* The info a receiver sees: label and length (no caps, none unwrapped). */
static inline __attribute__((always_inline)) u64 received_info(u64 info)
{
    return info & ~(u64)0xf80;
}

/* `next` may run at once in place of `cur` (see tcb_sched_key). */
static inline __attribute__((always_inline)) bool tcb_may_replace(const struct tcb *next,
                                                                  const struct tcb *cur)
{
    u32 d = tcb_sched_key(next) - tcb_sched_key(cur);
    return (d & 0x800000ffu) == 0;
}

/* The reply capability to `caller` that a Call leaves with the callee:
 * it may carry caps back if the endpoint cap has Grant. */
static inline __attribute__((always_inline)) u64 reply_cap_w0(const struct tcb *caller, u64 ep_w0)
{
    u64 grant = ep_w0 & BIT(CAP_RIGHTS_SHIFT + 2);      /* LAKE_RIGHT_GRANT */
    return caller->reply_cap_w0 | (grant >> (CAP_RIGHTS_SHIFT + 2 - CAP_FLAG_SHIFT));
}

/* Stores what the entry left in registers of a thread that made a system
 * call and is being switched away from: x19-x29, SP_EL0, ELR, SPSR and the
 * TLS register. x10-x18 are not kept: system calls may clobber them
 * (docs/ABI.md), and the frame's older values of the thread's own go back
 * instead, so nothing of another thread's can leak through them. */
static inline __attribute__((always_inline)) void fast_save_rest(struct tcb *t)
{
    u64 a, b, c;
    __asm__ volatile("str x19, [%3, #8 * 19]\n\t"
                     "stp x20, x21, [%3, #16 * 10]\n\t"
                     "stp x22, x23, [%3, #16 * 11]\n\t"
                     "stp x24, x25, [%3, #16 * 12]\n\t"
                     "stp x26, x27, [%3, #16 * 13]\n\t"
                     "stp x28, x29, [%3, #16 * 14]\n\t"
                     "mrs %0, sp_el0\n\t"
                     "mrs %1, elr_el1\n\t"
                     "mrs %2, spsr_el1\n\t"
                     "stp x30, %0, [%3, %4]\n\t"
                     "stp %1, %2, [%3, %5]\n\t"
                     "mrs %0, tpidr_el0\n\t"
                     "str %0, [%3, %6]"
                     : "=&r"(a), "=&r"(b), "=&r"(c)
                     : "r"(t), "i"(TRAP_X0 + 30 * 8), "i"(TRAP_ELR),
                       "i"(__builtin_offsetof(struct tcb, tpidr_el0))
                     : "memory");
}

/* Makes next (runnable, in no queue, not the idle thread) current and
 * enters it; the frame of prev, the thread switched away from, is
 * complete, and prev_in_syscall says whether prev is in a system call
 * (then its FP registers need only what system calls preserve). FP access
 * is on exactly for the owner of the FP registers, and a thread
 * that used FP recently gets its state here (fpu_switch, all inline); a
 * thread whose TTBR0 value is not cached goes the general way. No isb
 * after the TTBR0 and CPACR writes: the kernel does not touch user
 * memory, and the eret synchronises. */
static inline __attribute__((always_inline)) __noreturn void
fast_enter(struct cpu *cpu, struct tcb *prev, bool prev_in_syscall, struct tcb *next)
{
    u64 ttbr0 = next->ttbr0;

    next->state = THREAD_RUNNABLE;
    if (ttbr0 == 0)
        FAST_JUMP1(fastpath_enter_general, next);
    cpu->current = next;
    sysreg_write(tpidr_el0, next->tpidr_el0);
    sysreg_write(ttbr0_el1, ttbr0);
    fpu_switch(cpu, prev, prev_in_syscall, next);
    FAST_JUMP1(context_restore, next);
}

/* From a thread in a system call (prev, which has blocked or been queued)
 * to next. */
static inline __attribute__((always_inline)) __noreturn void
fast_switch(struct cpu *cpu, struct tcb *prev, struct tcb *next)
{
    fast_save_rest(prev);
    fast_enter(cpu, prev, true, next);
}

/* Puts t (runnable, not current, in no queue, on this cpu) at the back or
 * the front of its ready queue: sched.c's queue_insert with the core
 * already known. An empty queue is the expected case. */
static inline __attribute__((always_inline)) void fast_enqueue(struct cpu *cpu, struct tcb *t,
                                                               bool front)
{
    u64 prio = t->priority;
    __asm__("" : "+r"(prio));   /* one load: GCC would read the byte again */
    struct ready_queue *q = &cpu->ready[prio];
    struct tcb *head = q->head;

    t->in_ready_queue = 1;
    if (__builtin_expect(head == NULL, 1)) {
        t->sched_next = t->sched_prev = NULL;
        q->head = q->tail = t;
        prio_bitmap_set(&cpu->ready_bitmap, (unsigned)prio);
    } else if (front) {
        t->sched_prev = NULL;
        t->sched_next = head;
        head->sched_prev = t;
        q->head = t;
    } else {
        struct tcb *tail = q->tail;
        t->sched_next = NULL;
        t->sched_prev = tail;
        tail->sched_next = t;
        q->tail = t;
    }
}

/* Takes the first thread of the highest non-empty ready queue, or NULL:
 * sched_take_next inline, without the idle thread. */
static inline __attribute__((always_inline)) struct tcb *fast_take_next(struct cpu *cpu)
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

/* Removes the first waiter of an endpoint (EP_RECEIVING or EP_SENDING:
 * the state goes to idle with the last one). Its ipc_next and blocked_on
 * keep stale values: they mean something only while it is queued and
 * blocked, and queueing sets them. */
static inline __attribute__((always_inline)) struct tcb *fast_endpoint_pop(struct endpoint *ep)
{
    struct tcb *t = ep->head, *next = t->ipc_next;

    ep->head = next;
    if (__builtin_expect(next == NULL, 1)) {
        ep->tail = NULL;
        ep->state = EP_IDLE;
    } else {
        next->ipc_prev = NULL;
    }
    return t;
}

/* Message words 0-3 and the message info, as the slow path would set them.
 * They come from the sender's frame rather than the registers they arrived
 * in: with ten registers to work in, keeping five of them live would cost
 * more in spills. */
static inline __attribute__((always_inline)) void fast_transfer(struct tcb *to, u64 badge,
                                                                const struct tcb *from)
{
    to->ctx.x[0] = badge;
    to->ctx.x[1] = received_info(from->ctx.x[1]);
    to->ctx.x[2] = from->ctx.x[2];
    to->ctx.x[3] = from->ctx.x[3];
    to->ctx.x[4] = from->ctx.x[4];
    to->ctx.x[5] = from->ctx.x[5];
}

/* ---- Call and ReplyRecv ------------------------------------------------ */

/* A Call on a kernel object: a successful Frame Map here, anything else
 * through the general invocation (without a second lookup). Entered from
 * fastpath_call through fastpath_invoke_kstack (vectors.S), so it runs on
 * the kernel stack (it needs more registers than the others and may
 * spill); x30 and x10-x29 are still the thread's. */
__noreturn void fastpath_invoke(struct tcb *t, struct cte *slot)
{
    if (cap_type(slot->cap) == LAKE_OBJ_FRAME_4K &&
        lake_msginfo_label(t->ctx.x[1]) == LAKE_FRAME_MAP && frame_map_fast(t, slot))
        FAST_RETURN(t);
    fast_save_rest(t);
    FAST_JUMP2(fastpath_invoke_general, t, slot);
}

FASTPATH_SYSCALL(fastpath_call)
{
    (void)info, (void)mr0, (void)mr1, (void)mr2, (void)mr3;
    struct cte *slot = tcb_cache_lookup(t, cptr);
    u64 w0 = slot->cap.w0;
    unsigned type = cap_w0_type(w0);

    if (type != LAKE_OBJ_ENDPOINT) {
        if (type == LAKE_OBJ_NULL || type == LAKE_OBJ_NOTIFICATION || type == LAKE_OBJ_REPLY)
            FAST_BAIL();
        FAST_JUMP2(fastpath_invoke_kstack, t, slot);
    }
    /* info from the frame: holding the register across the lookup would
     * cost a spill (ten registers to work in). */
    if (!fast_message(t->ctx.x[1]) || !cap_w0_has(w0, LAKE_RIGHT_WRITE) ||
        !cap_w0_has(w0, LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY))
        FAST_BAIL();
    struct endpoint *ep = cap_w0_ptr(w0);
    struct tcb *server = ep->head;
    if (ep->state != EP_RECEIVING || !tcb_may_replace(server, t) ||
        server->slots[TCB_SLOT_REPLY].cap.w0 != 0)      /* a reply cap or null */
        FAST_BAIL();

    fast_endpoint_pop(ep);
    fast_transfer(server, slot->cap.data, t);
    /* One-shot reply capability for the server; the caller waits for it. */
    struct cte *reply = &server->slots[TCB_SLOT_REPLY];
    reply->cap.w0 = reply_cap_w0(t, w0);
    reply->cap.data = 0;
    t->reply_slot = reply;
    t->state = THREAD_BLOCKED_REPLY;
    fast_switch(this_cpu(), t, server);
}

/* A reply to a fault the fast path can finish: label 0 (resume) to a VM
 * fault or a user exception. */
static inline __attribute__((always_inline)) bool fast_fault_reply_ok(unsigned fault, u64 info)
{
    return lake_msginfo_label(info) == 0 &&
           (fault == LAKE_FAULT_VM || fault == LAKE_FAULT_USER_EXCEPTION);
}

/* What fault_handle_reply does for a label-0 reply: a VM fault retries the
 * access; a user exception may get a new pc (word 0) and sp (word 1). */
static inline __attribute__((always_inline)) void fast_fault_resume(struct tcb *client,
                                                                    unsigned fault, u64 info,
                                                                    const struct tcb *replier)
{
    unsigned length = lake_msginfo_length(info);
    if (fault == LAKE_FAULT_USER_EXCEPTION) {
        if (length >= 1)
            client->ctx.elr = replier->ctx.x[2];
        if (length >= 2)
            client->ctx.sp_el0 = replier->ctx.x[3];
    }
    client->fault_kind = LAKE_FAULT_NONE;
}

FASTPATH_SYSCALL(fastpath_reply_recv)
{
    (void)mr0, (void)mr1, (void)mr2, (void)mr3;
    if (!fast_message(info))
        FAST_BAIL();
    /* The lookup first: it needs the most registers, and few are live. */
    u64 w0 = tcb_cache_lookup(t, cptr)->cap.w0;
    if (cap_w0_type(w0) != LAKE_OBJ_ENDPOINT || !cap_w0_has(w0, LAKE_RIGHT_READ))
        FAST_BAIL();
    struct cte *reply = &t->slots[TCB_SLOT_REPLY];
    u64 reply_w0 = reply->cap.w0;
    if (cap_w0_type(reply_w0) != LAKE_OBJ_REPLY)
        FAST_BAIL();
    struct endpoint *ep = cap_w0_ptr(w0);
    struct tcb *client = cap_w0_ptr(reply_w0);
    if (ep->state == EP_SENDING || client->state != THREAD_BLOCKED_REPLY ||
        notification_pending_for(t) || !tcb_may_replace(client, t))
        FAST_BAIL();
    unsigned fault = client->fault_kind;
    if (fault != LAKE_FAULT_NONE && !fast_fault_reply_ok(fault, t->ctx.x[1]))
        FAST_BAIL();

    /* Reply. */
    reply->cap = cap_null();
    client->reply_slot = NULL;
    if (fault == LAKE_FAULT_NONE)
        fast_transfer(client, 0, t);
    else
        fast_fault_resume(client, fault, t->ctx.x[1], t);

    /* Wait on the endpoint: at the back of its queue of receivers. */
    struct tcb *tail = ep->tail;
    t->blocked_on = ep;
    t->state = THREAD_BLOCKED_RECV;
    t->ipc_next = NULL;
    t->ipc_prev = tail;
    if (unlikely(tail != NULL))
        tail->ipc_next = t;
    else
        ep->head = t;
    ep->tail = t;
    ep->state = EP_RECEIVING;
    fast_switch(this_cpu(), t, client);
}

/* ---- faults ------------------------------------------------------------- */

/*
 * Any exception from a thread but a system call or an FP trap (vectors.S
 * sorts them and passes what it read; the frame is complete, SP still
 * points at it): a VM fault for data and instruction aborts, else a user
 * exception, as user_exception() classifies them. When the handler waits
 * on the fault endpoint, the message goes straight into its registers and
 * the thread blocks as if it had made a Call (what fault_raise and
 * endpoint_send do); otherwise fault_general delivers or reports it.
 */
void fastpath_fault(struct trap_frame *frame, u64 sp_el0, u64 elr, u64 spsr, u64 far, u64 esr)
{
    (void)sp_el0, (void)spsr;   /* from the frame: fewer live registers */
    struct tcb *t = (struct tcb *)frame;
    u64 w0 = t->slots[TCB_SLOT_FAULT_HANDLER].cap.w0;

    if (cap_w0_type(w0) != LAKE_OBJ_ENDPOINT || !cap_w0_has(w0, LAKE_RIGHT_WRITE) ||
        !cap_w0_has(w0, LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY))
        FAST_BAIL_TO(fault_general);
    struct endpoint *ep = cap_w0_ptr(w0);
    struct tcb *server = ep->head;
    if (ep->state != EP_RECEIVING || !tcb_may_replace(server, t) ||
        server->slots[TCB_SLOT_REPLY].cap.w0 != 0)      /* a reply cap or null */
        FAST_BAIL_TO(fault_general);

    fast_endpoint_pop(ep);
    unsigned ec = esr_class(esr);
    server->ctx.x[0] = t->slots[TCB_SLOT_FAULT_HANDLER].cap.data;
    server->ctx.x[2] = elr;
    if (ec == ESR_EC_DABT_LOWER || ec == ESR_EC_IABT_LOWER) {
        t->fault_kind = LAKE_FAULT_VM;
        server->ctx.x[1] = lake_msginfo(LAKE_FAULT_VM, 0, 0, LAKE_VM_FAULT_LENGTH);
        server->ctx.x[3] = far;
        server->ctx.x[4] = esr;
        server->ctx.x[5] = ec == ESR_EC_IABT_LOWER;
    } else {
        t->fault_kind = LAKE_FAULT_USER_EXCEPTION;
        server->ctx.x[1] = lake_msginfo(LAKE_FAULT_USER_EXCEPTION, 0, 0, LAKE_USER_EXC_LENGTH);
        server->ctx.x[3] = t->ctx.sp_el0;
        server->ctx.x[4] = t->ctx.spsr;
        server->ctx.x[5] = esr;
    }

    struct cte *reply = &server->slots[TCB_SLOT_REPLY];
    reply->cap.w0 = reply_cap_w0(t, w0);
    reply->cap.data = 0;
    t->reply_slot = reply;
    t->state = THREAD_BLOCKED_REPLY;
    t->tpidr_el0 = sysreg_read(tpidr_el0);
    fast_enter(this_cpu(), t, false, server);
}

/* ---- interrupts ----------------------------------------------------------- */

/*
 * An interrupt from a thread (or the idle thread; the frame is complete,
 * SP still points at it) when one peripheral line and nothing else is
 * pending, and its notification has no bound thread: what irq_deliver,
 * notification_signal, sched_wake and schedule do, inline. The line is
 * masked until the driver acknowledges it; a waiter that outranks the
 * interrupted thread runs at once (which keeps its place at the front of
 * its queue), one that does not is queued. Anything else (the timer tick,
 * several lines, no handler, a bound notification, a waiter on another
 * core) goes to irq_general.
 */
void fastpath_irq(struct trap_frame *frame)
{
    struct tcb *t = (struct tcb *)frame;
    struct cpu *cpu = this_cpu();
    int irq = plat_irq_sole_pending(cpu->id);

    if (irq < 0)
        FAST_BAIL_TO(irq_general);
    struct cte *slot = &irq_lines[irq].notification;
    u64 w0 = slot->cap.w0;
    if (cap_w0_type(w0) != LAKE_OBJ_NOTIFICATION)
        FAST_BAIL_TO(irq_general);
    struct notification *n = cap_w0_ptr(w0);
    struct tcb *waiter = n->head;
    if (ntfn_bound(n) != NULL || waiter == NULL || waiter->cpu != cpu->id)
        FAST_BAIL_TO(irq_general);

    plat_irq_mask_line((unsigned)irq);
    struct tcb *next = waiter->ipc_next;
    n->head = next;
    if (__builtin_expect(next == NULL, 1))
        n->tail = NULL;
    else
        next->ipc_prev = NULL;
    /* Word 0 and not pending while it has waiters (notification.c). */
    waiter->ctx.x[0] = slot->cap.data;
    waiter->ctx.x[1] = 0;
    if (t == &cpu->idle || waiter->priority > t->priority) {
        if (t != &cpu->idle) {
            t->tpidr_el0 = sysreg_read(tpidr_el0);
            fast_enqueue(cpu, t, true);
        }
        fast_enter(cpu, t, false, waiter);
    }
    waiter->state = THREAD_RUNNABLE;
    fast_enqueue(cpu, waiter, false);
    FAST_JUMP1(context_restore, t);
}

/* ---- notifications ----------------------------------------------------- */

/*
 * Signal (Send or NBSend on a notification cap). When the woken waiter
 * does not outrank the signaller, nothing changes but the queues and the
 * signaller goes straight back.
 */
FASTPATH_SYSCALL(fastpath_signal)
{
    (void)info, (void)mr0, (void)mr1, (void)mr2, (void)mr3;
    struct cte *slot = tcb_cache_lookup(t, cptr);
    u64 w0 = slot->cap.w0;

    if (cap_w0_type(w0) != LAKE_OBJ_NOTIFICATION || !cap_w0_has(w0, LAKE_RIGHT_WRITE))
        FAST_BAIL();
    struct notification *n = cap_w0_ptr(w0);
    struct tcb *bound = ntfn_bound(n);
    if (bound != NULL && bound->state == THREAD_BLOCKED_RECV)
        FAST_BAIL();     /* wakes a thread out of an endpoint Recv: slow path */
    struct tcb *waiter = n->head;
    if (waiter == NULL) {
        n->word |= slot->cap.data;
        ntfn_set_pending(n, true);
        FAST_RETURN(t);
    }
    /* Same core (low byte 0), and whether the waiter outranks us. */
    s32 key_diff = (s32)(tcb_sched_key(waiter) - tcb_sched_key(t));
    if (key_diff & 0xff)
        FAST_BAIL();

    struct tcb *next = waiter->ipc_next;
    n->head = next;
    if (__builtin_expect(next == NULL, 1))
        n->tail = NULL;
    else
        next->ipc_prev = NULL;
    /* A notification with waiters has word 0 and is not pending
     * (notification.c): the waiter gets the badge, nothing else changes. */
    waiter->ctx.x[0] = slot->cap.data;
    waiter->ctx.x[1] = 0;
    struct cpu *cpu = this_cpu();
    if (key_diff > 0) {
        /* The waiter outranks us: it runs now, we keep our place. */
        fast_enqueue(cpu, t, true);
        fast_switch(cpu, t, waiter);
    }
    waiter->state = THREAD_RUNNABLE;
    fast_enqueue(cpu, waiter, false);
    FAST_RETURN(t);
}

/* Wait (Recv on a notification cap): take a pending word, or block and
 * run the next thread. */
FASTPATH_SYSCALL(fastpath_wait)
{
    (void)info, (void)mr0, (void)mr1, (void)mr2, (void)mr3;
    struct cte *slot = tcb_cache_lookup(t, cptr);
    u64 w0 = slot->cap.w0;

    if (cap_w0_type(w0) != LAKE_OBJ_NOTIFICATION || !cap_w0_has(w0, LAKE_RIGHT_READ))
        FAST_BAIL();
    struct notification *n = cap_w0_ptr(w0);
    struct tcb *bound = ntfn_bound(n);
    if (bound != NULL && bound != t)
        FAST_BAIL();     /* someone else's notification: the slow path faults */
    if (ntfn_pending(n)) {
        t->ctx.x[0] = n->word;
        t->ctx.x[1] = 0;
        n->word = 0;
        ntfn_set_pending(n, false);
        FAST_RETURN(t);
    }
    struct tcb *tail = n->tail;
    t->blocked_on = n;
    t->state = THREAD_BLOCKED_NOTIFICATION;
    t->ipc_next = NULL;
    t->ipc_prev = tail;
    if (tail != NULL)
        tail->ipc_next = t;
    else
        n->head = t;
    n->tail = t;
    struct cpu *cpu = this_cpu();
    struct tcb *next = fast_take_next(cpu);
    fast_save_rest(t);
    if (next == NULL)
        FAST_JUMP1(fastpath_enter_general, &cpu->idle);
    fast_enter(cpu, t, true, next);
}

/* ---- Reply and Yield that change nothing ------------------------------- */

/* Reply with an empty reply slot does nothing (docs/ABI.md). */
FASTPATH_SYSCALL(fastpath_reply)
{
    (void)cptr, (void)info, (void)mr0, (void)mr1, (void)mr2, (void)mr3;
    if (cap_w0_type(t->slots[TCB_SLOT_REPLY].cap.w0) != LAKE_OBJ_REPLY)
        FAST_RETURN(t);
    FAST_BAIL();
}

/* Yield: with no other ready thread at the caller's priority (none is
 * above it) the caller keeps running; otherwise it goes to the back of its
 * queue and the first ready thread runs. What schedule() decides. */
FASTPATH_SYSCALL(fastpath_yield)
{
    (void)cptr, (void)info, (void)mr0, (void)mr1, (void)mr2, (void)mr3;
    struct cpu *cpu = this_cpu();

    if (prio_bitmap_highest(&cpu->ready_bitmap) < (int)t->priority)
        FAST_RETURN(t);
    fast_enqueue(cpu, t, false);
    struct tcb *next = fast_take_next(cpu);
    fast_switch(cpu, t, next);
}
#endif /* CONFIG_FASTPATH */
