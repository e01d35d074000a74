/*
 * The event loop's tables and dispatch (see lake/event.h): pure C, no
 * system calls, so the host unit test runs it. The kernel side (Recv,
 * ReplyRecv, SaveCaller, Mint) is event.c.
 */
#include <string.h>

#include <lake/errors.h>
#include <lake/event.h>

#include "event_internal.h"

/* What the lookup cache may point at when it points past the ranges in
 * use: lo > hi matches no badge (event_find). */
static const struct lake_event_range empty_range = { 1, 0, NULL, NULL };

void lake_event_loop_init(struct lake_event_loop *loop, lake_cptr_t ep, lake_cptr_t ntfn,
                          const struct lake_event_slots *slots)
{
    memset(loop, 0, offsetof(struct lake_event_loop, ring_buffer));
    loop->ep = ep;
    loop->ntfn = ntfn;
    if (slots)
        loop->slots = *slots;
    loop->ranges[0] = empty_range;
}

int lake_event_on_badge(struct lake_event_loop *loop, lake_word_t lo, lake_word_t hi,
                        lake_event_msg_fn fn, void *arg)
{
    if (fn == NULL || lo == 0 || lo > hi || (hi & LAKE_EVENT_NTFN_FLAG))
        return LAKE_INVALID_ARGUMENT;
    for (unsigned i = 0; i < loop->nranges; i++) {
        const struct lake_event_range *r = &loop->ranges[i];
        if (lo <= r->hi && r->lo <= hi)
            return LAKE_DELETE_FIRST;
    }
    if (loop->nranges == LAKE_EVENT_MAX_RANGES)
        return LAKE_EVENT_FULL;
    loop->ranges[loop->nranges++] = (struct lake_event_range){ lo, hi, fn, arg };
    return LAKE_OK;
}

int lake_event_remove_badge(struct lake_event_loop *loop, lake_word_t lo)
{
    for (unsigned i = 0; i < loop->nranges; i++) {
        if (loop->ranges[i].lo != lo)
            continue;
        loop->ranges[i] = loop->ranges[--loop->nranges];
        loop->ranges[loop->nranges] = empty_range;
        loop->last_range = 0;
        return LAKE_OK;
    }
    return LAKE_INVALID_ARGUMENT;
}

static int take_bits(struct lake_event_loop *loop, lake_word_t mask)
{
    if (mask == 0 || (mask & ~((LAKE_EVENT_NTFN_FLAG - 1))))
        return LAKE_INVALID_ARGUMENT;
    if (loop->bits_used & mask)
        return LAKE_DELETE_FIRST;
    loop->bits_used |= mask;
    return LAKE_OK;
}

int lake_event_on_bits(struct lake_event_loop *loop, lake_word_t mask, lake_event_bits_fn fn,
                       void *arg)
{
    if (fn == NULL)
        return LAKE_INVALID_ARGUMENT;
    if (loop->nbitsets == LAKE_EVENT_MAX_BITSETS)
        return LAKE_EVENT_FULL;
    int error = take_bits(loop, mask);
    if (error)
        return error;
    loop->bitsets[loop->nbitsets++] = (struct lake_event_bitset){ mask, fn, arg };
    return LAKE_OK;
}

int lake_event_add_ring(struct lake_event_loop *loop, unsigned bit, struct ring_consumer *c,
                        lake_event_ring_fn fn, void *arg)
{
    if (fn == NULL || c == NULL || c->shared == NULL || bit > LAKE_EVENT_MAX_BIT)
        return LAKE_INVALID_ARGUMENT;
    if (loop->nrings == LAKE_EVENT_MAX_RINGS)
        return LAKE_EVENT_FULL;
    int error = take_bits(loop, 1ul << bit);
    if (error)
        return error;
    loop->rings[loop->nrings++] = (struct lake_event_ring){ c, 1ul << bit, fn, arg };
    return LAKE_OK;
}

const struct lake_event_range *lake_event_find_slow(struct lake_event_loop *loop,
                                                    lake_word_t badge)
{
    for (unsigned i = 0; i < loop->nranges; i++) {
        const struct lake_event_range *r = &loop->ranges[i];
        if (badge >= r->lo && badge <= r->hi) {
            loop->last_range = i;
            return r;
        }
    }
    return NULL;
}

int lake_event_remove_ring(struct lake_event_loop *loop, struct ring_consumer *c)
{
    for (unsigned i = 0; i < loop->nrings; i++) {
        if (loop->rings[i].consumer != c)
            continue;
        loop->bits_used &= ~loop->rings[i].bit;
        loop->rings[i] = loop->rings[--loop->nrings];
        return LAKE_OK;
    }
    return LAKE_INVALID_ARGUMENT;
}

const struct lake_event_range *lake_event_find(struct lake_event_loop *loop, lake_word_t badge)
{
    return event_find(loop, badge);
}

void lake_event_dispatch_bits(struct lake_event_loop *loop, lake_word_t word)
{
    loop->signals++;
    for (unsigned i = 0; i < loop->nbitsets; i++) {
        const struct lake_event_bitset *b = &loop->bitsets[i];
        if (word & b->mask)
            b->fn(loop, word & b->mask, b->arg);
    }
    /* Ring bits need nothing here: every ring is drained before the loop
     * blocks again. */
}

/* Caps of the message in the receive window: the handler owns them. The
 * rest of the window is given back later, by lake_event_release_spare
 * before the next wait (the binding's free deletes what is in a slot, so
 * the caps of an unhandled message go with it): freeing may be a system
 * call, which would overwrite the message words the handler is about to
 * read or the reply words it has staged. */
lake_cptr_t lake_event_take_caps(struct lake_event_loop *loop, lake_msginfo_t info, bool keep)
{
    lake_cptr_t first = loop->recv_caps;
    unsigned extra = lake_msginfo_extra_caps(info);
    /* Unwrapped caps arrive as badges, not in a slot. */
    unsigned placed = extra - (unsigned)__builtin_popcount(lake_msginfo_unwrapped(info) &
                                                           ((1u << extra) - 1));
    if (placed == 0)
        return 0;
    unsigned kept = keep ? placed : 0;
    loop->spare = first + kept;
    loop->nspare = LAKE_EVENT_RECV_CAPS - kept;
    loop->recv_caps = 0;
    return keep ? first : 0;
}

void lake_event_release_spare(struct lake_event_loop *loop)
{
    if (loop->nspare && loop->slots.free)
        loop->slots.free(loop->slots.ctx, loop->spare, loop->nspare);
    loop->nspare = 0;
}

bool lake_event_dispatch(struct lake_event_loop *loop, lake_word_t badge, lake_msginfo_t info,
                         lake_msginfo_t *reply)
{
    return event_dispatch(loop, badge, info, NULL, reply);
}

static void ring_failed(struct lake_event_loop *loop, unsigned i)
{
    /* A corrupt ring or a message bigger than the buffer would stop the
     * loop at the same place forever: drop the source and report it. */
    loop->rings[i] = loop->rings[--loop->nrings];
    lake_event_loop_stop(loop, LAKE_EVENT_RING_FAILED);
}

unsigned lake_event_drain_rings(struct lake_event_loop *loop)
{
    unsigned taken = 0;
    for (unsigned i = 0; i < loop->nrings && !loop->stop; i++) {
        struct lake_event_ring *src = &loop->rings[i];
        /* At most one ring's worth per round, so one busy producer cannot
         * starve the other sources. */
        for (uint32_t n = 0; n <= src->consumer->mask && !loop->stop; n++) {
            size_t length;
            int status = ring_try_recv(src->consumer, loop->ring_buffer,
                                       sizeof(loop->ring_buffer), &length);
            if (status == RING_EMPTY)
                break;
            if (status != RING_OK) {
                ring_failed(loop, i--);
                break;
            }
            taken++;
            loop->ring_messages++;
            src->fn(loop, loop->ring_buffer, length, src->arg);
        }
    }
    return taken;
}

bool lake_event_rings_prepare_sleep(struct lake_event_loop *loop)
{
    for (unsigned i = 0; i < loop->nrings; i++) {
        if (!ring_consumer_prepare_sleep(loop->rings[i].consumer)) {
            for (unsigned j = 0; j < i; j++)
                ring_consumer_awake(loop->rings[j].consumer);
            return false;
        }
    }
    return true;
}

void lake_event_rings_awake(struct lake_event_loop *loop)
{
    for (unsigned i = 0; i < loop->nrings; i++)
        ring_consumer_awake(loop->rings[i].consumer);
}
