/*
 * The fast paths (core/fastpath.c). vectors.S jumps to the system-call
 * ones with the thread's x0-x5 as arguments and the thread itself; each
 * jumps to syscall_general when it does not apply.
 */
#ifndef LAKE_KERNEL_FASTPATH_H
#define LAKE_KERNEL_FASTPATH_H

#include <object/objects.h>

/* A Call on a kernel object (not IPC) whose slot the fast path found: the
 * invocation and its reply, as send_or_invoke would do (syscall.c). */
__noreturn void syscall_invoke_call(struct tcb *t, struct cte *slot);
/* Makes next current the general way and enters it (sched.c): for the
 * rare switches the fast paths leave alone (TTBR0 not cached, eager FP
 * load, the idle thread). The previous thread's frame is complete. */
__noreturn void fastpath_enter_slow(struct tcb *next);

/* vectors.S: the same two, entered from a fast path (no stack) after
 * moving to the kernel stack. */
__noreturn void fastpath_invoke_general(struct tcb *t, struct cte *slot);
__noreturn void fastpath_enter_general(struct tcb *next);

#define FASTPATH_SYSCALL(name) \
    __noreturn void name(u64 cptr, u64 info, u64 mr0, u64 mr1, u64 mr2, u64 mr3, struct tcb *t)

FASTPATH_SYSCALL(fastpath_call);
/* A Call on a kernel object, from fastpath_call. */
__noreturn void fastpath_invoke(struct tcb *t, struct cte *slot);
FASTPATH_SYSCALL(fastpath_reply_recv);
FASTPATH_SYSCALL(fastpath_signal);
FASTPATH_SYSCALL(fastpath_wait);
FASTPATH_SYSCALL(fastpath_reply);
FASTPATH_SYSCALL(fastpath_yield);
/* An interrupt from a thread; the frame is complete. */
__noreturn void fastpath_irq(struct trap_frame *frame);
/* Any synchronous exception from a thread that is not a system call or an
 * FP trap; the frame is complete, and vectors.S passes what it read. */
__noreturn void fastpath_fault(struct trap_frame *frame, u64 sp_el0, u64 elr, u64 spsr, u64 far,
                               u64 esr);

#endif
