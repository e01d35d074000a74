/*
 * Endpoints: synchronous message passing with FIFO queues of blocked
 * senders or receivers, the message and capability transfer, Call's
 * one-shot reply capability, and IPC cancellation.
 */
#include <cdt.h>
#include <cspace.h>
#include <fault.h>
#include <ipc.h>
#include <lake/message.h>
#include <lake/syscall.h>
#include <sched.h>
#include <waitq.h>

static void ep_remove(struct endpoint *ep, struct tcb *t)
{
    waitq_remove(&ep->head, &ep->tail, t);
    if (ep->head == NULL)
        ep->state = EP_IDLE;
}

/* --- message transfer --- */

/* The CNode the receiver named for incoming caps, or a null cap. */
static struct cap receive_cnode(struct tcb *receiver, const struct lake_ipc_buffer *rbuf)
{
    struct cap root = receiver->slots[TCB_SLOT_CSPACE].cap;
    struct lookup l;

    if (rbuf->receive_depth == 0)
        return root;
    if (!cspace_resolve(root, rbuf->receive_cnode, (unsigned)rbuf->receive_depth, &l) ||
        l.bits_left != 0 || cap_type(l.slot->cap) != LAKE_OBJ_CNODE)
        return cap_null();
    return l.slot->cap;
}

/*
 * Copies up to three capabilities named in the sender's IPC buffer into
 * consecutive empty slots the receiver named in its own, unwrapping
 * endpoint caps for the endpoint the message travels through. Stops at the
 * first cap that cannot be looked up or placed. Returns the (extra caps,
 * unwrapped mask) part of the message info.
 */
static u64 transfer_caps(struct tcb *sender, const struct lake_ipc_buffer *sbuf,
                         struct tcb *receiver, struct lake_ipc_buffer *rbuf, struct endpoint *ep,
                         unsigned count)
{
    unsigned arrived = 0, unwrapped = 0, copied = 0;

    if (rbuf == NULL)
        return 0;
    struct cap node = receive_cnode(receiver, rbuf);
    for (unsigned i = 0; i < count; i++) {
        struct lookup l;
        if (!cspace_lookup_cap(sender, sbuf->caps_or_badges[i], &l))
            break;
        struct cte *src = l.slot;
        struct cap c = src->cap;
        if (cap_type(c) == LAKE_OBJ_ENDPOINT && ep != NULL && cap_endpoint(c) == ep) {
            rbuf->caps_or_badges[i] = c.data;
            unwrapped |= 1u << i;
            arrived = i + 1;
            continue;
        }
        struct cap derived;
        if (!cap_derive(c, &derived) || cap_type(node) != LAKE_OBJ_CNODE)
            break;
        u64 index = rbuf->receive_index + copied;
        if (index >= BIT(cap_cnode_radix(node)))
            break;
        struct cte *dest = &cap_cnode_slots(node)[index];
        if (!cap_is_null(dest->cap))
            break;
        cdt_insert(src, dest, derived, 0);
        copied++;
        arrived = i + 1;
    }
    return lake_msginfo(0, unwrapped, arrived, 0);
}

/* Moves the message (and for a fault, the fault words) from sender to receiver. */
static void transfer_message(struct tcb *sender, struct tcb *receiver, struct endpoint *ep,
                             u64 badge, bool can_grant)
{
    struct lake_ipc_buffer *rbuf = tcb_ipc_buffer(receiver);
    u64 info;

    if (sender->fault_kind != LAKE_FAULT_NONE) {
        unsigned length = fault_message_length(sender->fault_kind);
        for (unsigned i = 0; i < length; i++) {
            if (i < LAKE_MSG_REGISTERS)
                receiver->ctx.x[2 + i] = sender->fault_words[i];
            else if (rbuf)
                rbuf->msg[i] = sender->fault_words[i];
        }
        if (rbuf == NULL && length > LAKE_MSG_REGISTERS)
            length = LAKE_MSG_REGISTERS;
        info = lake_msginfo(sender->fault_kind, 0, 0, length);
    } else {
        u64 sent = sender->ctx.x[1];
        struct lake_ipc_buffer *sbuf = tcb_ipc_buffer(sender);
        unsigned length = lake_msginfo_length(sent);
        if (length > LAKE_MSG_MAX_LENGTH)
            length = LAKE_MSG_MAX_LENGTH;
        if ((sbuf == NULL || rbuf == NULL) && length > LAKE_MSG_REGISTERS)
            length = LAKE_MSG_REGISTERS;
        for (unsigned i = 0; i < length && i < LAKE_MSG_REGISTERS; i++)
            receiver->ctx.x[2 + i] = sender->ctx.x[2 + i];
        for (unsigned i = LAKE_MSG_REGISTERS; i < length; i++)
            rbuf->msg[i] = sbuf->msg[i];
        u64 caps = 0;
        unsigned extra = lake_msginfo_extra_caps(sent);
        if (extra > 0 && can_grant && sbuf != NULL)
            caps = transfer_caps(sender, sbuf, receiver, rbuf, ep, extra);
        info = lake_msginfo(lake_msginfo_label(sent), 0, 0, length) | caps;
    }
    set_receive_result(receiver, badge, info);
}

/* Gives receiver a one-shot reply capability to caller. */
static void setup_reply(struct tcb *caller, struct tcb *receiver, bool can_grant)
{
    struct cte *slot = &receiver->slots[TCB_SLOT_REPLY];
    if (!cap_is_null(slot->cap))
        cte_delete(slot);
    slot->cap = cap_make(LAKE_OBJ_REPLY, virt_to_phys(caller), 0, 0, can_grant, 0, 0);
    slot->prev = slot->next = NULL;
    caller->reply_slot = slot;
    thread_set_state(caller, THREAD_BLOCKED_REPLY);
}

/* A message reached receiver: what becomes of the sender. */
static void complete_send(struct tcb *sender, struct tcb *receiver, bool is_call, bool can_grant,
                          bool can_grant_reply)
{
    if (is_call || sender->fault_kind != LAKE_FAULT_NONE) {
        if (can_grant || can_grant_reply || sender->fault_kind != LAKE_FAULT_NONE)
            setup_reply(sender, receiver, can_grant);
        else
            thread_set_state(sender, THREAD_INACTIVE);
    } else {
        thread_set_state(sender, THREAD_RUNNABLE);
    }
}

void endpoint_send(struct endpoint *ep, struct tcb *sender, u64 badge, bool can_grant,
                   bool can_grant_reply, bool blocking, bool is_call)
{
    if (ep->state == EP_RECEIVING) {
        struct tcb *receiver = ep->head;
        ep_remove(ep, receiver);
        transfer_message(sender, receiver, ep, badge, can_grant);
        receiver->blocked_on = NULL;
        complete_send(sender, receiver, is_call, can_grant, can_grant_reply);
        /* Direct switch: the receiver runs next if nothing outranks it. */
        receiver->state = THREAD_RUNNABLE;
        sched_enqueue_front(receiver);
        return;
    }
    if (!blocking)
        return;
    sender->blocked_on = ep;
    sender->blocked_badge = badge;
    sender->blocked_is_call = is_call;
    sender->blocked_can_grant = can_grant;
    sender->blocked_can_grant_reply = can_grant_reply;
    thread_set_state(sender, THREAD_BLOCKED_SEND);
    waitq_append(&ep->head, &ep->tail, sender);
    ep->state = EP_SENDING;
}

void endpoint_receive(struct endpoint *ep, struct tcb *receiver, bool blocking)
{
    if (notification_deliver_bound(receiver))
        return;
    if (ep->state == EP_SENDING) {
        struct tcb *sender = ep->head;
        ep_remove(ep, sender);
        sender->blocked_on = NULL;
        transfer_message(sender, receiver, ep, sender->blocked_badge, sender->blocked_can_grant);
        complete_send(sender, receiver, sender->blocked_is_call, sender->blocked_can_grant,
                      sender->blocked_can_grant_reply);
        return;
    }
    if (!blocking) {
        set_receive_result(receiver, 0, 0);
        return;
    }
    receiver->blocked_on = ep;
    thread_set_state(receiver, THREAD_BLOCKED_RECV);
    waitq_append(&ep->head, &ep->tail, receiver);
    ep->state = EP_RECEIVING;
}

void ipc_restart_syscall(struct tcb *t)
{
    t->ctx.elr -= 4;
    t->blocked_on = NULL;
    thread_set_state(t, THREAD_RUNNABLE);
}

void endpoint_cancel_all(struct endpoint *ep)
{
    while (ep->head != NULL) {
        struct tcb *t = ep->head;
        ep_remove(ep, t);
        if (t->fault_kind != LAKE_FAULT_NONE) {
            /* A fault that cannot be delivered any more: the thread stops. */
            t->fault_kind = LAKE_FAULT_NONE;
            t->blocked_on = NULL;
            thread_set_state(t, THREAD_INACTIVE);
        } else {
            ipc_restart_syscall(t);
        }
    }
}

void reply_deliver(struct cte *slot, struct tcb *replier)
{
    struct cap reply = slot->cap;
    struct tcb *caller = cap_tcb(reply);

    slot->cap = cap_null();
    caller->reply_slot = NULL;
    if (caller->state != THREAD_BLOCKED_REPLY)
        return;
    if (caller->fault_kind != LAKE_FAULT_NONE) {
        fault_handle_reply(caller, replier);
        return;
    }
    transfer_message(replier, caller, NULL, 0, cap_reply_can_grant(reply));
    thread_set_state(caller, THREAD_RUNNABLE);
}

void reply_finalise(struct cap reply)
{
    struct tcb *caller = cap_tcb(reply);
    caller->reply_slot = NULL;
}

void ipc_cancel(struct tcb *t)
{
    switch (t->state) {
    case THREAD_BLOCKED_SEND:
    case THREAD_BLOCKED_RECV: {
        struct endpoint *ep = t->blocked_on;
        ep_remove(ep, t);
        break;
    }
    case THREAD_BLOCKED_NOTIFICATION: {
        struct notification *n = t->blocked_on;
        waitq_remove(&n->head, &n->tail, t);
        break;
    }
    case THREAD_BLOCKED_REPLY:
        if (t->reply_slot != NULL) {
            t->reply_slot->cap = cap_null();
            t->reply_slot = NULL;
        }
        break;
    default:
        break;
    }
    t->blocked_on = NULL;
    t->fault_kind = LAKE_FAULT_NONE;
}
