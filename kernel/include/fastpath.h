#ifndef LAKE_KERNEL_FASTPATH_H
#define LAKE_KERNEL_FASTPATH_H

#include <object/objects.h>

/* Each returns only when the fast path does not apply. */
void fastpath_call(struct tcb *t);
void fastpath_reply_recv(struct tcb *t);
void fastpath_signal(struct tcb *t);
void fastpath_wait(struct tcb *t);
/* Any synchronous exception from a thread that is not a system call. */
void fastpath_fault(struct tcb *t, unsigned ec);

#endif
