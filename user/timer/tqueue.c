/*
 * The timer driver's deadline queue and time arithmetic (tqueue.h).
 */
#include "tqueue.h"

#include <stddef.h>

#include <lake/errors.h>

/* ---- slots and ids ------------------------------------------------------ */

static tqueue_id make_id(const struct tqueue *q, uint32_t slot)
{
    return (uint64_t)q->slots[slot].generation << 32 | slot;
}

/* The slot an id names if that entry is queued now, else TQUEUE_FREE. */
static uint32_t live_slot(const struct tqueue *q, tqueue_id id)
{
    uint32_t slot = tqueue_slot_of(id);
    if (slot >= q->capacity)
        return TQUEUE_FREE;
    const struct tqueue_slot *s = &q->slots[slot];
    if (s->heap_pos == TQUEUE_FREE || s->generation != (uint32_t)(id >> 32))
        return TQUEUE_FREE;
    return slot;
}

static void release_slot(struct tqueue *q, uint32_t slot)
{
    struct tqueue_slot *s = &q->slots[slot];
    s->heap_pos = TQUEUE_FREE;
    /* A new generation for the next user; 0 stays unused so no id is 0. */
    s->generation = s->generation == UINT32_MAX ? 1 : s->generation + 1;
    s->next_free = q->free_head;
    q->free_head = slot;
}

int tqueue_init(struct tqueue *q, struct tqueue_node *heap, struct tqueue_slot *slots,
                uint32_t capacity)
{
    if (heap == NULL || slots == NULL || capacity == 0 || capacity > TQUEUE_MAX)
        return LAKE_INVALID_ARGUMENT;
    *q = (struct tqueue){ .heap = heap, .slots = slots, .capacity = capacity,
                          .free_head = TQUEUE_FREE };
    for (uint32_t i = capacity; i-- > 0;) {
        slots[i].generation = 1;
        slots[i].heap_pos = TQUEUE_FREE;
        slots[i].next_free = q->free_head;
        q->free_head = i;
    }
    return LAKE_OK;
}

/* ---- the heap ----------------------------------------------------------- */

static bool earlier(const struct tqueue_node *a, const struct tqueue_node *b)
{
    return a->deadline != b->deadline ? a->deadline < b->deadline : a->order < b->order;
}

static void place(struct tqueue *q, uint32_t pos, struct tqueue_node node)
{
    q->heap[pos] = node;
    q->slots[node.slot].heap_pos = pos;
}

static void sift_up(struct tqueue *q, uint32_t pos)
{
    struct tqueue_node node = q->heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (!earlier(&node, &q->heap[parent]))
            break;
        place(q, pos, q->heap[parent]);
        pos = parent;
    }
    place(q, pos, node);
}

static void sift_down(struct tqueue *q, uint32_t pos)
{
    struct tqueue_node node = q->heap[pos];
    for (;;) {
        uint32_t child = 2 * pos + 1;
        if (child >= q->count)
            break;
        if (child + 1 < q->count && earlier(&q->heap[child + 1], &q->heap[child]))
            child++;
        if (!earlier(&q->heap[child], &node))
            break;
        place(q, pos, q->heap[child]);
        pos = child;
    }
    place(q, pos, node);
}

/* Take the node at `pos` out of the heap; the last one fills the hole. */
static void heap_delete(struct tqueue *q, uint32_t pos)
{
    uint32_t last = --q->count;
    if (pos == last)
        return;
    place(q, pos, q->heap[last]);
    if (pos > 0 && earlier(&q->heap[pos], &q->heap[(pos - 1) / 2]))
        sift_up(q, pos);
    else
        sift_down(q, pos);
}

/* ---- the queue ---------------------------------------------------------- */

int tqueue_insert(struct tqueue *q, uint64_t deadline, tqueue_id *id)
{
    if (q->free_head == TQUEUE_FREE)
        return LAKE_NOT_ENOUGH_MEMORY;
    uint32_t slot = q->free_head;
    q->free_head = q->slots[slot].next_free;
    uint32_t pos = q->count++;
    place(q, pos, (struct tqueue_node){ deadline, q->next_order++, slot });
    sift_up(q, pos);
    *id = make_id(q, slot);
    return LAKE_OK;
}

int tqueue_remove(struct tqueue *q, tqueue_id id)
{
    uint32_t slot = live_slot(q, id);
    if (slot == TQUEUE_FREE)
        return LAKE_INVALID_ARGUMENT;
    heap_delete(q, q->slots[slot].heap_pos);
    release_slot(q, slot);
    return LAKE_OK;
}

bool tqueue_contains(const struct tqueue *q, tqueue_id id)
{
    return live_slot(q, id) != TQUEUE_FREE;
}

bool tqueue_earliest(const struct tqueue *q, uint64_t *deadline)
{
    if (q->count == 0)
        return false;
    *deadline = q->heap[0].deadline;
    return true;
}

bool tqueue_pop_expired(struct tqueue *q, uint64_t now, tqueue_id *id)
{
    if (q->count == 0 || q->heap[0].deadline > now)
        return false;
    uint32_t slot = q->heap[0].slot;
    *id = make_id(q, slot);
    heap_delete(q, 0);
    release_slot(q, slot);
    return true;
}

/* ---- time --------------------------------------------------------------- */

uint64_t timer_ns_to_ticks(uint64_t ns)
{
    return ns / TIMER_NS_PER_TICK + (ns % TIMER_NS_PER_TICK != 0);
}

uint64_t timer_ticks_to_ns(uint64_t ticks)
{
    if (ticks > UINT64_MAX / TIMER_NS_PER_TICK)
        return UINT64_MAX;
    return ticks * TIMER_NS_PER_TICK;
}

uint64_t timer_deadline_after(uint64_t now, uint64_t ticks)
{
    return ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

uint64_t timer_counter_combine(uint32_t hi_before, uint32_t lo, uint32_t hi_after)
{
    if (hi_before == hi_after)
        return (uint64_t)hi_after << 32 | lo;
    /* The low half wrapped between the reads: the moment it did lies
     * within the reading, so that is a correct value. */
    return (uint64_t)hi_after << 32;
}

enum timer_arm timer_plan_compare(uint64_t now, uint64_t deadline, uint32_t *compare)
{
    if (deadline <= now || deadline - now < TIMER_ARM_MIN_LEAD)
        return TIMER_ARM_DUE;
    if (deadline - now < TIMER_ARM_MAX_STEP) {
        *compare = (uint32_t)deadline;
        return TIMER_ARM_EXACT;
    }
    *compare = (uint32_t)(now + TIMER_ARM_MAX_STEP);
    return TIMER_ARM_STEP;
}

bool timer_compare_passed(uint32_t counter_lo, uint32_t compare)
{
    return (int32_t)(counter_lo - compare) >= 0;
}
