#ifndef LAKE_KERNEL_FASTPATH_H
#define LAKE_KERNEL_FASTPATH_H

#include <object/objects.h>

/* Each returns only when the fast path does not apply. */

/* A Call on a kernel object (not IPC) whose slot the fast path found: the
 * invocation and its reply, as send_or_invoke would do (syscall.c). */
__noreturn void syscall_invoke_call(struct tcb *t, struct cte *slot);

/* Frame Map of the 4 KiB frame cap in slot (the label is Map) when it
 * succeeds (frame.c); false: let the general path decide. */
bool frame_map_fast(struct tcb *t, struct cte *slot);

void fastpath_call(struct tcb *t);
void fastpath_reply_recv(struct tcb *t);
void fastpath_signal(struct tcb *t);
void fastpath_wait(struct tcb *t);
void fastpath_reply(struct tcb *t);
void fastpath_yield(struct tcb *t);
/* Any synchronous exception from a thread that is not a system call. */
void fastpath_fault(struct tcb *t, unsigned ec);

#endif
