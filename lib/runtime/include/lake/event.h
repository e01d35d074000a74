/*
 * Event loop (waitset) of one thread: endpoint messages dispatched by
 * badge, notification bits and shared-memory ring channels dispatched to
 * registered handlers (see docs/RUNTIME.md, "Event loop, channels, RPC").
 *
 * A loop owns one endpoint (may be 0: notifications only) and one
 * notification, normally bound to the loop's thread so that both wake the
 * same Recv. The kernel reports a bound notification through the endpoint
 * Recv as an empty message whose badge is the notification word, so the
 * two badge spaces are kept apart by convention:
 *   - notification caps for the loop carry LAKE_EVENT_NTFN_FLAG | bits
 *     (lake_event_mint_bit), bits 0-62;
 *   - endpoint badges are in [1, LAKE_EVENT_NTFN_FLAG).
 * A wake-up with badge 0 and an empty message is ignored (a zero-badge
 * Signal, or NBRecv finding nothing).
 *
 * Handlers run on the loop's thread, one at a time. A message handler
 * either stages a reply (words with lake_set_mr, info in m->reply) and
 * returns LAKE_EVENT_REPLY, which the loop sends with ReplyRecv, or returns
 * LAKE_EVENT_NO_REPLY (one-way message, or the reply is deferred: then it
 * calls lake_event_save_reply first, because the next Recv forgets an
 * unanswered caller and that caller stays blocked for good).
 *
 * Ring channels (lake/ring.h) plug in as notification-bit sources: the
 * ring's doorbell Signals a cap minted for the bit; before blocking the
 * loop drains every ring and announces its sleep on each
 * (ring_consumer_prepare_sleep), so no doorbell is lost.
 */
#ifndef LAKE_EVENT_H
#define LAKE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lake/abi_types.h>
#include <lake/message.h>
#include <lake/ring.h>

#define LAKE_EVENT_NTFN_FLAG    (1ul << 63)
#define LAKE_EVENT_MAX_BIT      62
#define LAKE_EVENT_MAX_RANGES   16      /* badge ranges with a message handler */
#define LAKE_EVENT_MAX_BITSETS  16      /* bit-mask handlers */
#define LAKE_EVENT_MAX_RINGS    16
#define LAKE_EVENT_RING_BUFFER  1024    /* largest ring message the loop takes */
#define LAKE_EVENT_RECV_CAPS    LAKE_MSG_MAX_EXTRA_CAPS

/* Status codes beyond enum lake_error (reply labels, return values). */
enum lake_event_error {
    LAKE_EVENT_NO_HANDLER = 32,     /* reply to a badge nobody registered */
    LAKE_EVENT_FULL = 33,           /* no room for another handler */
    LAKE_EVENT_RING_FAILED = 34,    /* a ring source is corrupt or sent too much */
};

struct lake_event_loop;

/* A received endpoint message. Its words are in lake_ipc_buffer->msg[]
 * (all of them, also the four that came in registers). */
struct lake_event_msg {
    struct lake_event_loop *loop;
    lake_word_t badge;
    lake_msginfo_t info;
    lake_cptr_t caps;           /* slot of the first received cap (count in info) */
    lake_msginfo_t reply;       /* set by the handler for LAKE_EVENT_REPLY */
    lake_word_t *words;         /* the message words (the loop thread's IPC buffer
                                 * msg[]), or NULL: read lake_ipc_buffer */
};

enum lake_event_action {
    LAKE_EVENT_REPLY,           /* send m->reply with the staged words */
    LAKE_EVENT_NO_REPLY,        /* one-way, or deferred (lake_event_save_reply) */
};

typedef enum lake_event_action (*lake_event_msg_fn)(struct lake_event_msg *m, void *arg);
/* `bits`: the signalled bits of the handler's mask (without the flag). */
typedef void (*lake_event_bits_fn)(struct lake_event_loop *loop, lake_word_t bits, void *arg);
/* One message taken from a ring source. */
typedef void (*lake_event_ring_fn)(struct lake_event_loop *loop, const void *data, size_t length,
                                   void *arg);

/* Slots for received caps and saved reply capabilities. alloc returns
 * `count` consecutive free slots (count 1..3). NULL alloc: the loop takes
 * no caps and cannot defer replies. */
struct lake_event_slots {
    void *ctx;
    int (*alloc)(void *ctx, unsigned count, lake_cptr_t *first);
    void (*free)(void *ctx, lake_cptr_t first, unsigned count);
    lake_cptr_t cnode;          /* root CNode naming the slots ... */
    unsigned depth;             /* ... at this depth */
    /* Optional: the kernel's receive path for `slot` (the CNode that holds
     * it, named from the thread's CSpace root at cnode_depth, and the
     * index in that CNode). NULL: (cnode, slot, depth), right when cnode
     * is a single-level root CNode. A two-level CSpace needs this:
     * lake_env_event_slots supplies it. */
    void (*recv_path)(void *ctx, lake_cptr_t slot, lake_cptr_t *node, lake_word_t *index,
                      unsigned *node_depth);
};

struct lake_event_range {
    lake_word_t lo, hi;         /* inclusive */
    lake_event_msg_fn fn;
    void *arg;
};

struct lake_event_bitset {
    lake_word_t mask;
    lake_event_bits_fn fn;
    void *arg;
};

struct lake_event_ring {
    struct ring_consumer *consumer;
    lake_word_t bit;            /* mask of its doorbell bit */
    lake_event_ring_fn fn;
    void *arg;
};

struct lake_event_loop {
    lake_cptr_t ep;             /* 0: the loop waits on ntfn only */
    lake_cptr_t ntfn;
    struct lake_event_slots slots;
    lake_cptr_t recv_caps;      /* current window of received-cap slots (0: none) */
    lake_cptr_t spare;          /* slots of a used window still to give back */
    unsigned nspare;
    struct lake_event_range ranges[LAKE_EVENT_MAX_RANGES];
    unsigned nranges;
    unsigned last_range;        /* lookup cache: the last range that matched */
    struct lake_event_bitset bitsets[LAKE_EVENT_MAX_BITSETS];
    unsigned nbitsets;
    lake_word_t bits_used;      /* bits taken by bitsets and rings */
    struct lake_event_ring rings[LAKE_EVENT_MAX_RINGS];
    unsigned nrings;
    bool stop;
    int status;                 /* what lake_event_loop_run returns */
    uint64_t messages, signals, ring_messages, unhandled;   /* statistics */
    lake_word_t ring_buffer[LAKE_EVENT_RING_BUFFER / sizeof(lake_word_t)];
};

/* ---- set-up (pure: event_core.c) ----------------------------------------- */

/* ep: endpoint (with Read) or 0; ntfn: the notification, bound to the
 * loop's thread if ep is not 0 (lake_tcb_bind_notification). slots may be
 * NULL. */
void lake_event_loop_init(struct lake_event_loop *loop, lake_cptr_t ep, lake_cptr_t ntfn,
                          const struct lake_event_slots *slots);
/* Messages with badge in [lo, hi] go to fn. LAKE_INVALID_ARGUMENT for an
 * empty range or badges with the notification flag, LAKE_DELETE_FIRST if
 * it overlaps a registered range, LAKE_EVENT_FULL. */
int lake_event_on_badge(struct lake_event_loop *loop, lake_word_t lo, lake_word_t hi,
                        lake_event_msg_fn fn, void *arg);
int lake_event_remove_badge(struct lake_event_loop *loop, lake_word_t lo);
/* Signals of any bit of mask go to fn. A bit has one owner. */
int lake_event_on_bits(struct lake_event_loop *loop, lake_word_t mask, lake_event_bits_fn fn,
                       void *arg);
/* A ring channel's consumer end; its producer rings a cap for `bit`. */
int lake_event_add_ring(struct lake_event_loop *loop, unsigned bit, struct ring_consumer *c,
                        lake_event_ring_fn fn, void *arg);
/* Stop taking messages from a ring source; its bit is free again. */
int lake_event_remove_ring(struct lake_event_loop *loop, struct ring_consumer *c);
/* The handler of a badge (NULL if none). */
const struct lake_event_range *lake_event_find(struct lake_event_loop *loop, lake_word_t badge);
/* Dispatch one wake-up (badge, info) as the loop does: returns true if a
 * reply is staged in *reply. Used by run/run_once; public for tests. */
bool lake_event_dispatch(struct lake_event_loop *loop, lake_word_t badge, lake_msginfo_t info,
                         lake_msginfo_t *reply);
/* Give back the unused slots of a consumed receive window (done before
 * the next wait: freeing may be a system call that reuses the message
 * words). */
void lake_event_release_spare(struct lake_event_loop *loop);
/* Take every message waiting in the ring sources; returns how many. */
unsigned lake_event_drain_rings(struct lake_event_loop *loop);
/* Before blocking: true if every ring is empty and announced asleep. */
bool lake_event_rings_prepare_sleep(struct lake_event_loop *loop);
void lake_event_rings_awake(struct lake_event_loop *loop);

/* Make the loop return `status` after the current handler. */
static inline void lake_event_loop_stop(struct lake_event_loop *loop, int status)
{
    loop->stop = true;
    loop->status = status;
}

/* ---- running (event.c) -------------------------------------------------- */

/* Dispatch events until a handler calls lake_event_loop_stop; returns its
 * status (or LAKE_EVENT_RING_FAILED). Replies go out with ReplyRecv. */
int lake_event_loop_run(struct lake_event_loop *loop);
/* Handle what is ready: the ring sources, then one kernel event (waiting
 * for one if `block` and nothing else was ready). Returns the number of
 * events handled. */
unsigned lake_event_loop_run_once(struct lake_event_loop *loop, bool block);

/* Deferred replies. Inside a message handler: move the caller's reply
 * capability into a fresh slot (*slot); later (from any handler or code
 * on any thread of the process) answer it with the staged words. The
 * slot is freed by the reply. */
int lake_event_save_reply(struct lake_event_msg *m, lake_cptr_t *slot);
void lake_event_send_saved_reply(struct lake_event_loop *loop, lake_cptr_t slot,
                                 lake_msginfo_t info);

/* Caps for others: a badged endpoint cap (Write, Grant, GrantReply; badge
 * in [1, 2^63)) and a notification cap that signals `bits` of this loop,
 * into slot `dest` of the loop's slots CNode. */
int lake_event_mint_endpoint(struct lake_event_loop *loop, lake_word_t badge, lake_cptr_t dest);
int lake_event_mint_bits(struct lake_event_loop *loop, lake_word_t bits, lake_cptr_t dest);

#endif
