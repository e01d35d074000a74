/*
 * The timer driver's deadline queue and time arithmetic (docs/SERVICES.md,
 * "Timer driver"). Pure C over caller storage, no system calls, so the
 * host tests it (tests/unit/test_timer_queue.c).
 *
 * The queue is a binary min-heap of deadlines (64-bit counter ticks) with
 * a fixed capacity. Each entry also has a slot (0 .. capacity-1) that
 * stays put while the heap moves entries around: the driver keeps what a
 * deadline is for (a deferred reply, a notification) in its own array
 * indexed by the slot. An entry is named by an id, its slot plus a
 * generation that changes every time the slot is reused, so a stale id
 * (the entry expired or was removed) is refused, never mistaken for a
 * newer entry. Equal deadlines come out in the order they went in.
 *
 * The compare helpers answer how to reach a 64-bit deadline with the
 * BCM2835 system timer, whose compare registers match the low 32 bits of
 * the counter only.
 */
#ifndef LAKE_TIMER_TQUEUE_H
#define LAKE_TIMER_TQUEUE_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t tqueue_id;        /* generation << 32 | slot; 0 is never an id */

struct tqueue_node {
    uint64_t deadline;
    uint64_t order;                 /* insertion number: ties go first in, first out */
    uint32_t slot;
};

struct tqueue_slot {
    uint32_t heap_pos;              /* TQUEUE_FREE if the slot is not in use */
    uint32_t generation;            /* never 0 */
    uint32_t next_free;
};

#define TQUEUE_FREE     UINT32_MAX
#define TQUEUE_MAX      (1u << 20)

struct tqueue {
    struct tqueue_node *heap;
    struct tqueue_slot *slots;
    uint32_t capacity, count;
    uint32_t free_head;             /* TQUEUE_FREE: all slots in use */
    uint64_t next_order;
};

/* heap and slots: `capacity` elements each (1 .. TQUEUE_MAX). */
int tqueue_init(struct tqueue *q, struct tqueue_node *heap, struct tqueue_slot *slots,
                uint32_t capacity);
/* LAKE_NOT_ENOUGH_MEMORY when full (the queue is unchanged). */
int tqueue_insert(struct tqueue *q, uint64_t deadline, tqueue_id *id);
/* LAKE_INVALID_ARGUMENT for an id that is not queued (nothing changes). */
int tqueue_remove(struct tqueue *q, tqueue_id id);
bool tqueue_contains(const struct tqueue *q, tqueue_id id);
/* The earliest deadline (false if the queue is empty). */
bool tqueue_earliest(const struct tqueue *q, uint64_t *deadline);
/* Take the earliest entry if its deadline is at or before `now`. */
bool tqueue_pop_expired(struct tqueue *q, uint64_t now, tqueue_id *id);
static inline uint32_t tqueue_count(const struct tqueue *q)
{
    return q->count;
}
/* The slot of an id, for the caller's per-entry data. */
static inline uint32_t tqueue_slot_of(tqueue_id id)
{
    return (uint32_t)id;
}

/* ---- time ------------------------------------------------------------- */

#define TIMER_NS_PER_TICK   1000u   /* the system timer counts at 1 MHz */

/* Nanoseconds to whole ticks, rounded up (a sleep never ends early). */
uint64_t timer_ns_to_ticks(uint64_t ns);
/* Ticks to nanoseconds, saturating. */
uint64_t timer_ticks_to_ns(uint64_t ticks);
/* now + ticks, saturating at UINT64_MAX. */
uint64_t timer_deadline_after(uint64_t now, uint64_t ticks);

/* A 64-bit counter read as two 32-bit halves: hi, lo, then hi again. If
 * the high half changed, lo may belong to either; the second hi with a
 * low half of 0 is then a correct reading. */
uint64_t timer_counter_combine(uint32_t hi_before, uint32_t lo, uint32_t hi_after);

/* How to wake up for `deadline` at time `now` with a 32-bit compare. */
enum timer_arm {
    TIMER_ARM_DUE,                  /* at or too close to now: handle it at once */
    TIMER_ARM_EXACT,                /* program *compare: it matches at the deadline */
    TIMER_ARM_STEP,                 /* too far for 32 bits: program *compare (an
                                       intermediate wake-up) and plan again then */
};
/* Closer than this many ticks counts as due: programming a compare takes
 * a few ticks, and a compare the counter has already passed would only
 * match after the low half wraps (71 minutes). */
#define TIMER_ARM_MIN_LEAD  2u
#define TIMER_ARM_MAX_STEP  (1u << 31)
enum timer_arm timer_plan_compare(uint64_t now, uint64_t deadline, uint32_t *compare);
/* After programming `compare`: true if the low half of the counter has
 * reached it already (the match may have been missed: plan again). */
bool timer_compare_passed(uint32_t counter_lo, uint32_t compare);

#endif
