/*
 * IPC: endpoints (synchronous rendezvous), notifications (asynchronous
 * signals), replies, and the message transfer between two threads.
 */
#ifndef LAKE_KERNEL_IPC_H
#define LAKE_KERNEL_IPC_H

#include <object/objects.h>

/* The thread's IPC buffer in the kernel window, or NULL if it has none. */
static inline struct lake_ipc_buffer *tcb_ipc_buffer(struct tcb *t)
{
    struct cap frame = t->slots[TCB_SLOT_IPC_BUFFER].cap;
    if (!cap_is_frame(frame))
        return NULL;
    u64 offset = t->ipc_buffer_vaddr & mask_bits(cap_frame_bits(frame));
    return phys_to_virt(cap_paddr(frame) + offset);
}

void endpoint_send(struct endpoint *ep, struct tcb *sender, u64 badge, bool can_grant,
                   bool can_grant_reply, bool blocking, bool is_call);
void endpoint_receive(struct endpoint *ep, struct tcb *receiver, bool blocking);
/* Endpoint destroyed: every waiting thread retries its system call. */
void endpoint_cancel_all(struct endpoint *ep);

void notification_signal(struct notification *n, u64 badge);
void notification_wait(struct notification *n, struct tcb *t, bool blocking);
void notification_cancel_all(struct notification *n);
void notification_bind(struct notification *n, struct tcb *t);
void notification_unbind(struct tcb *t);
/* Whether t has a bound notification that is signalled. */
static inline bool notification_pending_for(const struct tcb *t)
{
    return t->bound_notification != NULL && ntfn_pending(t->bound_notification);
}

/* A bound notification with pending bits completes a Recv at once. */
bool notification_deliver_bound(struct tcb *t);

/* Answers the thread waiting on the reply cap in slot, from replier. */
void reply_deliver(struct cte *slot, struct tcb *replier);
/* Drops the reply cap in slot without answering (the caller stays blocked). */
void reply_finalise(struct cap reply);

/* A thread taken out of a blocking system call (its object is being
 * destroyed) re-executes the call when it next runs. */
void ipc_restart_syscall(struct tcb *t);

/* Takes a thread out of whatever IPC it is blocked in. */
void ipc_cancel(struct tcb *t);

/* Sets the message info and badge registers of a completed receive. */
static inline void set_receive_result(struct tcb *t, u64 badge, u64 info)
{
    t->ctx.x[0] = badge;
    t->ctx.x[1] = info;
}

#endif
