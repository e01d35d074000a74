/*
 * The event loop's kernel side (see lake/event.h): waiting with Recv or
 * ReplyRecv (the reply of one message and the wait for the next in one
 * system call), deferred replies through CNode SaveCaller, and minting the
 * caps that reach the loop.
 */
#include <lake/event.h>
#include <lake/lake.h>

#include "event_internal.h"

/* Received caps land in the loop's window of slots (set again before each
 * wait: a handler's own calls may point the path elsewhere). A loop
 * without slots points the path at nothing once, in run/run_once, so no
 * slot of someone else is filled; its handlers must not leave the path
 * pointing at an empty slot. */
static inline void prepare_recv(struct lake_event_loop *loop)
{
    if (loop->slots.alloc == NULL)
        return;
    if (loop->nspare)
        lake_event_release_spare(loop);
    if (loop->recv_caps == 0 &&
        loop->slots.alloc(loop->slots.ctx, LAKE_EVENT_RECV_CAPS, &loop->recv_caps) != LAKE_OK)
        loop->recv_caps = 0;
    if (loop->recv_caps && loop->slots.recv_path) {
        lake_cptr_t node;
        lake_word_t index;
        unsigned depth;
        loop->slots.recv_path(loop->slots.ctx, loop->recv_caps, &node, &index, &depth);
        lake_set_receive_path(node, index, depth);
    } else if (loop->recv_caps) {
        lake_set_receive_path(loop->slots.cnode, loop->recv_caps, loop->slots.depth);
    }
    else
        lake_set_receive_path(0, 0, 0);
}

static inline void no_receive_path(struct lake_event_loop *loop)
{
    if (loop->slots.alloc == NULL)
        lake_set_receive_path(0, 0, 0);
}

static inline lake_msginfo_t wait_event(struct lake_event_loop *loop, lake_word_t *badge)
{
    if (loop->ep == 0) {
        lake_wait(loop->ntfn, badge);
        return 0;
    }
    return lake_recv(loop->ep, badge);
}

static inline lake_msginfo_t poll_event(struct lake_event_loop *loop, lake_word_t *badge)
{
    if (loop->ep == 0) {
        lake_poll(loop->ntfn, badge);
        return 0;
    }
    return lake_nb_recv(loop->ep, badge);
}

int lake_event_loop_run(struct lake_event_loop *loop)
{
    bool have_reply = false;
    lake_msginfo_t reply = 0;
    loop->stop = false;
    loop->status = LAKE_OK;
    no_receive_path(loop);
    while (!loop->stop) {
        bool sleep = true;
        if (__builtin_expect(loop->nrings != 0, 0) && !lake_event_rings_prepare_sleep(loop)) {
            /* A ring has messages. Its handlers may make system calls that
             * reuse the staged reply words: answer first. Then only look
             * at the endpoint, so busy rings cannot starve it. */
            if (have_reply)
                lake_reply(reply);
            have_reply = false;
            lake_event_drain_rings(loop);
            if (loop->stop)
                break;
            sleep = false;
        }
        lake_word_t badge;
        lake_msginfo_t info;
        if (have_reply && loop->slots.alloc && (loop->recv_caps == 0 || loop->nspare)) {
            /* Slot work ahead may make system calls that reuse the staged
             * reply words: answer first (only after a message with caps). */
            lake_reply(reply);
            have_reply = false;
        }
        prepare_recv(loop);
        /* Read before the wait (the compiler cannot know that the system
         * call leaves the thread's IPC buffer pointer alone). */
        lake_word_t *words = lake_ipc_buffer->msg;
        if (__builtin_expect(sleep && have_reply, 1)) {
            info = lake_reply_recv(loop->ep, reply, &badge);
        } else {
            if (have_reply)
                lake_reply(reply);
            info = sleep ? wait_event(loop, &badge) : poll_event(loop, &badge);
        }
        if (sleep && __builtin_expect(loop->nrings != 0, 0))
            lake_event_rings_awake(loop);
        have_reply = event_dispatch(loop, badge, info, words, &reply);
    }
    if (have_reply)
        lake_reply(reply);
    return loop->status;
}

unsigned lake_event_loop_run_once(struct lake_event_loop *loop, bool block)
{
    unsigned handled = loop->nrings ? lake_event_drain_rings(loop) : 0;
    if (loop->stop)
        return handled;
    bool sleep = block && handled == 0 && (loop->nrings == 0 || lake_event_rings_prepare_sleep(loop));
    lake_word_t badge;
    no_receive_path(loop);
    prepare_recv(loop);
    lake_msginfo_t info = sleep ? wait_event(loop, &badge) : poll_event(loop, &badge);
    if (sleep && loop->nrings)
        lake_event_rings_awake(loop);
    if (badge != 0 || info != 0)
        handled++;
    lake_msginfo_t reply;
    if (event_dispatch(loop, badge, info, lake_ipc_buffer->msg, &reply))
        lake_reply(reply);
    return handled;
}

int lake_event_save_reply(struct lake_event_msg *m, lake_cptr_t *slot)
{
    struct lake_event_slots *s = &m->loop->slots;
    if (s->alloc == NULL)
        return LAKE_ILLEGAL_OPERATION;
    int error = s->alloc(s->ctx, 1, slot);
    if (error)
        return error;
    error = lake_cnode_save_caller(s->cnode, *slot, s->depth);
    if (error) {
        s->free(s->ctx, *slot, 1);
        *slot = 0;
    }
    return error;
}

void lake_event_send_saved_reply(struct lake_event_loop *loop, lake_cptr_t slot,
                                 lake_msginfo_t info)
{
    /* Send on a reply cap answers the caller and empties the slot. */
    lake_send(slot, info);
    if (loop->slots.free)
        loop->slots.free(loop->slots.ctx, slot, 1);
}

int lake_event_mint_endpoint(struct lake_event_loop *loop, lake_word_t badge, lake_cptr_t dest)
{
    const struct lake_event_slots *s = &loop->slots;
    if (loop->ep == 0 || badge == 0 || (badge & LAKE_EVENT_NTFN_FLAG))
        return LAKE_INVALID_ARGUMENT;
    return lake_cnode_mint(s->cnode, dest, s->depth, s->cnode, loop->ep, s->depth,
                           LAKE_RIGHT_WRITE | LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY, badge);
}

int lake_event_mint_bits(struct lake_event_loop *loop, lake_word_t bits, lake_cptr_t dest)
{
    const struct lake_event_slots *s = &loop->slots;
    if (bits == 0 || (bits & LAKE_EVENT_NTFN_FLAG))
        return LAKE_INVALID_ARGUMENT;
    return lake_cnode_mint(s->cnode, dest, s->depth, s->cnode, loop->ntfn, s->depth,
                           LAKE_RIGHT_WRITE, LAKE_EVENT_NTFN_FLAG | bits);
}
