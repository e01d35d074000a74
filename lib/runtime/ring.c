/*
 * Shared-memory SPSC ring channel (see lake/ring.h and docs/RUNTIME.md).
 *
 * Ordering summary:
 *   producer: write slots; store tail (seq_cst, at least release);
 *             load sleeping (seq_cst); load head (acquire); maybe doorbell
 *   consumer: load tail (acquire); read slots; store head (release)
 *   sleep:    store sleeping = 1 (seq_cst); load tail (seq_cst); block only
 *             if nothing new
 * The tail store and the sleeping store are sequentially consistent so that
 * "producer publishes, then reads the flag" and "consumer sets the flag,
 * then reads tail" cannot both miss each other (a store-load pair: on
 * AArch64, stlr followed by ldar is ordered).
 */
#include <string.h>

#include <lake/ring.h>

_Static_assert(sizeof(struct ring_slot) == RING_SLOT_SIZE, "slot is one cache line");
_Static_assert(sizeof(struct ring_shared) == 3 * RING_CACHE_LINE, "three header lines");
_Static_assert(__builtin_offsetof(struct ring_shared, tail) == RING_CACHE_LINE, "tail line");
_Static_assert(__builtin_offsetof(struct ring_shared, head) == 2 * RING_CACHE_LINE, "head line");

int ring_init(struct ring_shared *shared, size_t bytes, unsigned order)
{
    if (order < 1 || order > 24 || bytes < ring_bytes(order) ||
        ((uintptr_t)shared & (RING_CACHE_LINE - 1)))
        return RING_BAD;
    memset(shared, 0, sizeof(*shared));
    shared->order = order;
    __atomic_store_n(&shared->magic, RING_MAGIC, __ATOMIC_RELEASE);
    return RING_OK;
}

static int attach(struct ring_shared *shared, uint32_t *mask)
{
    if (__atomic_load_n(&shared->magic, __ATOMIC_ACQUIRE) != RING_MAGIC ||
        shared->order < 1 || shared->order > 24)
        return RING_BAD;
    *mask = ((uint32_t)1 << shared->order) - 1;
    return RING_OK;
}

int ring_producer_init(struct ring_producer *p, struct ring_shared *shared,
                       ring_doorbell_fn doorbell, void *ctx)
{
    memset(p, 0, sizeof(*p));
    int error = attach(shared, &p->mask);
    if (error)
        return error;
    p->shared = shared;
    p->tail = __atomic_load_n(&shared->tail, __ATOMIC_RELAXED);
    p->head_cache = __atomic_load_n(&shared->head, __ATOMIC_ACQUIRE);
    p->doorbell = doorbell;
    p->doorbell_ctx = ctx;
    return RING_OK;
}

int ring_consumer_init(struct ring_consumer *c, struct ring_shared *shared)
{
    memset(c, 0, sizeof(*c));
    int error = attach(shared, &c->mask);
    if (error)
        return error;
    c->shared = shared;
    c->head = __atomic_load_n(&shared->head, __ATOMIC_RELAXED);
    c->tail_cache = __atomic_load_n(&shared->tail, __ATOMIC_ACQUIRE);
    return RING_OK;
}

size_t ring_max_message(const struct ring_shared *shared)
{
    return ((size_t)1 << shared->order) * RING_SLOT_PAYLOAD;
}

static uint32_t slots_for(size_t length)
{
    return length <= RING_SLOT_PAYLOAD ? 1 : (uint32_t)((length + RING_SLOT_PAYLOAD - 1) / RING_SLOT_PAYLOAD);
}

int ring_try_send(struct ring_producer *p, const void *data, size_t length)
{
    struct ring_shared *sh = p->shared;
    uint32_t size = p->mask + 1;
    if (length > (size_t)size * RING_SLOT_PAYLOAD || length > UINT32_MAX)
        return RING_TOO_BIG;
    uint32_t need = slots_for(length);
    uint32_t tail = p->tail;
    if (size - (tail - p->head_cache) < need) {
        /* Acquire: the consumer's reads of the slots we are about to reuse
         * happened before its release of head. */
        p->head_cache = __atomic_load_n(&sh->head, __ATOMIC_ACQUIRE);
        if (size - (tail - p->head_cache) < need)
            return RING_FULL;
    }
    const uint8_t *src = data;
    size_t left = length;
    for (uint32_t i = 0; i < need; i++) {
        struct ring_slot *s = &sh->slots[(tail + i) & p->mask];
        size_t n = left < RING_SLOT_PAYLOAD ? left : RING_SLOT_PAYLOAD;
        s->length = i == 0 ? (uint32_t)length : (uint32_t)n;
        s->flags = i == 0 ? 0 : RING_SLOT_CONT;
        if (n)
            memcpy(s->data, src, n);
        src += n;
        left -= n;
    }
    p->tail = tail + need;
    /* Publish: release orders the slot writes before it; seq_cst also
     * orders it before the load of `sleeping` below. */
    __atomic_store_n(&sh->tail, p->tail, __ATOMIC_SEQ_CST);
    if (p->doorbell && __atomic_load_n(&sh->sleeping, __ATOMIC_SEQ_CST)) {
        /* The flag store (seq_cst) came after the consumer's last head
         * store, so this load sees at least that head. */
        uint32_t head = __atomic_load_n(&sh->head, __ATOMIC_ACQUIRE);
        p->head_cache = head;
        if (head == tail) {             /* it was empty: empty -> non-empty */
            p->doorbells++;
            p->doorbell(p->doorbell_ctx);
        }
    }
    return RING_OK;
}

uint32_t ring_consumer_available(struct ring_consumer *c)
{
    c->tail_cache = __atomic_load_n(&c->shared->tail, __ATOMIC_ACQUIRE);
    return c->tail_cache - c->head;
}

int ring_try_recv(struct ring_consumer *c, void *buffer, size_t capacity, size_t *length)
{
    struct ring_shared *sh = c->shared;
    uint32_t head = c->head;
    if (c->tail_cache == head) {
        /* Acquire: the slot contents written before the producer's release
         * of tail are visible after this load. */
        c->tail_cache = __atomic_load_n(&sh->tail, __ATOMIC_ACQUIRE);
        if (c->tail_cache == head)
            return RING_EMPTY;
    }
    const struct ring_slot *first = &sh->slots[head & c->mask];
    uint32_t total = first->length;
    if ((first->flags & RING_SLOT_CONT) || total > (size_t)(c->mask + 1) * RING_SLOT_PAYLOAD)
        return RING_BAD;
    uint32_t need = slots_for(total);
    if (c->tail_cache - head < need)
        return RING_BAD;        /* a message is always published whole */
    *length = total;
    if (capacity < total)
        return RING_TOO_BIG;
    uint8_t *dst = buffer;
    size_t left = total;
    for (uint32_t i = 0; i < need; i++) {
        const struct ring_slot *s = &sh->slots[(head + i) & c->mask];
        size_t n = left < RING_SLOT_PAYLOAD ? left : RING_SLOT_PAYLOAD;
        if (i > 0 && (!(s->flags & RING_SLOT_CONT) || s->length != n))
            return RING_BAD;
        if (n)
            memcpy(dst, s->data, n);
        dst += n;
        left -= n;
    }
    c->head = head + need;
    /* Release: our reads of the slots happen before the producer reuses them. */
    __atomic_store_n(&sh->head, c->head, __ATOMIC_RELEASE);
    return RING_OK;
}

bool ring_consumer_prepare_sleep(struct ring_consumer *c)
{
    struct ring_shared *sh = c->shared;
    __atomic_store_n(&sh->sleeping, 1, __ATOMIC_SEQ_CST);
    c->tail_cache = __atomic_load_n(&sh->tail, __ATOMIC_SEQ_CST);
    if (c->tail_cache != c->head) {
        __atomic_store_n(&sh->sleeping, 0, __ATOMIC_RELAXED);
        return false;
    }
    return true;
}

void ring_consumer_awake(struct ring_consumer *c)
{
    __atomic_store_n(&c->shared->sleeping, 0, __ATOMIC_RELAXED);
}
