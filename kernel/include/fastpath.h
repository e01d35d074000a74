/*
 * The fast paths (core/fastpath.c). vectors.S calls the system-call ones
 * with the thread's x0-x5 as arguments and the thread itself; each returns
 * only when it does not apply, and the general path takes over.
 */
#ifndef LAKE_KERNEL_FASTPATH_H
#define LAKE_KERNEL_FASTPATH_H

#include <object/objects.h>

/* A Call on a kernel object (not IPC) whose slot the fast path found: the
 * invocation and its reply, as send_or_invoke would do (syscall.c). */
__noreturn void syscall_invoke_call(struct tcb *t, struct cte *slot);

/* Frame Map of the 4 KiB frame cap in slot (the label is Map) when it
 * succeeds (frame_fast.c); false: let the general path decide. */
bool frame_map_fast(struct tcb *t, struct cte *slot);

#define FASTPATH_SYSCALL(name) \
    void name(u64 cptr, u64 info, u64 mr0, u64 mr1, u64 mr2, u64 mr3, struct tcb *t)

FASTPATH_SYSCALL(fastpath_call);
FASTPATH_SYSCALL(fastpath_reply_recv);
FASTPATH_SYSCALL(fastpath_signal);
FASTPATH_SYSCALL(fastpath_wait);
FASTPATH_SYSCALL(fastpath_reply);
FASTPATH_SYSCALL(fastpath_yield);
/* Any synchronous exception from a thread that is not a system call or an
 * FP trap; the frame is complete. */
void fastpath_fault(struct trap_frame *frame, unsigned ec);

#endif
