/*
 * The event loop's dispatch, shared by event_core.c (tables, host-tested)
 * and event.c (the loop): inline so that the loop's common case, one
 * endpoint message for the range that took the last one, makes no call
 * besides the handler's.
 */
#ifndef LAKE_RUNTIME_EVENT_INTERNAL_H
#define LAKE_RUNTIME_EVENT_INTERNAL_H

#include <lake/event.h>

const struct lake_event_range *lake_event_find_slow(struct lake_event_loop *loop,
                                                    lake_word_t badge);
void lake_event_dispatch_bits(struct lake_event_loop *loop, lake_word_t word);
lake_cptr_t lake_event_take_caps(struct lake_event_loop *loop, lake_msginfo_t info, bool keep);

/* Servers mostly see one client after another of the same range: the
 * last hit is tried first. last_range is a range in use, or 0 with
 * ranges[0] in use or empty (lo > hi: lake_event_loop_init and
 * lake_event_remove_badge keep it so), so it needs no bounds check. */
static inline const struct lake_event_range *event_find(struct lake_event_loop *loop,
                                                        lake_word_t badge)
{
    const struct lake_event_range *r = &loop->ranges[loop->last_range];
    if (badge >= r->lo && badge <= r->hi)
        return r;
    return lake_event_find_slow(loop, badge);
}

static inline __attribute__((always_inline)) bool
event_dispatch(struct lake_event_loop *loop, lake_word_t badge, lake_msginfo_t info,
               lake_word_t *words, lake_msginfo_t *reply)
{
    if (badge & LAKE_EVENT_NTFN_FLAG) {
        lake_event_dispatch_bits(loop, badge & ~LAKE_EVENT_NTFN_FLAG);
        return false;
    }
    if (badge == 0 && info == 0)
        return false;           /* a zero-badge Signal or nothing at all */
    loop->messages++;
    const struct lake_event_range *r = event_find(loop, badge);
    bool caps = loop->recv_caps != 0 && lake_msginfo_extra_caps(info) != 0;
    if (r == NULL) {
        loop->unhandled++;
        if (caps)
            lake_event_take_caps(loop, info, false);
        *reply = lake_msginfo(LAKE_EVENT_NO_HANDLER, 0, 0, 0);
        return true;            /* harmless after a Send: the reply slot is empty */
    }
    struct lake_event_msg m = { loop, badge, info,
                                caps ? lake_event_take_caps(loop, info, true) : 0, 0, words };
    if (r->fn(&m, r->arg) != LAKE_EVENT_REPLY)
        return false;
    *reply = m.reply;
    return true;
}

#endif
