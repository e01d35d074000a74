/*
 * Shared-memory ring channel: single producer, single consumer.
 *
 * The shared area (struct ring_shared, then 2^order slots) is mapped by both
 * sides. Each slot is one 64-byte cache line: an 8-byte header and 56 bytes
 * of payload. A message longer than 56 bytes takes consecutive slots (the
 * first slot's header holds the total length, the others are marked as
 * continuations) and is published in one step, so the consumer sees all of
 * it or nothing. head (consumer) and tail (producer) are free-running
 * 32-bit counters, each on its own cache line; the ring is empty when they
 * are equal and full when tail - head == slot count.
 *
 * Memory ordering (C11 atomics via the __atomic builtins): the producer
 * writes the slots, then stores tail with release; the consumer loads tail
 * with acquire, reads the slots, then stores head with release; the
 * producer loads head with acquire before reusing a slot.
 *
 * Doorbell: a consumer about to block announces it (ring_consumer_prepare_
 * sleep sets the `sleeping` flag and re-checks the ring); the producer,
 * after publishing, calls its doorbell hook (e.g. Signal a notification)
 * only if the ring was empty before this message and the flag is set.
 * See docs/RUNTIME.md for why no wake-up is lost.
 */
#ifndef LAKE_RING_H
#define LAKE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CACHE_LINE     64
#define RING_SLOT_SIZE      64
#define RING_SLOT_HEADER    8
#define RING_SLOT_PAYLOAD   (RING_SLOT_SIZE - RING_SLOT_HEADER)    /* 56 */
#define RING_MAGIC          0x676e6952u         /* "Ring" */

#define RING_SLOT_CONT      1u      /* this slot continues the previous one's message */

struct ring_slot {
    uint32_t length;        /* first slot: the message's total length in bytes */
    uint32_t flags;         /* RING_SLOT_CONT */
    uint8_t data[RING_SLOT_PAYLOAD];
} __attribute__((aligned(RING_SLOT_SIZE)));

struct ring_shared {
    /* Line 0: written once by ring_init. */
    uint32_t magic;
    uint32_t order;                 /* 2^order slots */
    uint8_t pad0[RING_CACHE_LINE - 8];
    /* Line 1: written by the producer only. */
    uint32_t tail;
    uint8_t pad1[RING_CACHE_LINE - 4];
    /* Line 2: written by the consumer only. */
    uint32_t head;
    uint32_t sleeping;              /* the consumer is about to block / blocked */
    uint8_t pad2[RING_CACHE_LINE - 8];
    struct ring_slot slots[];
} __attribute__((aligned(RING_CACHE_LINE)));

/* Bytes of shared memory for 2^order slots. */
static inline size_t ring_bytes(unsigned order)
{
    return sizeof(struct ring_shared) + ((size_t)1 << order) * sizeof(struct ring_slot);
}

enum ring_status {
    RING_OK = 0,
    RING_FULL = 1,          /* try_send: not enough free slots now */
    RING_EMPTY = 2,         /* try_recv: nothing to read */
    RING_TOO_BIG = 3,       /* send: longer than the ring; recv: buffer too small */
    RING_BAD = 4,           /* not an initialised ring or a corrupt slot */
};

/* Initialise the shared area (once, by whoever creates it). order 1..24. */
int ring_init(struct ring_shared *shared, size_t bytes, unsigned order);

typedef void (*ring_doorbell_fn)(void *ctx);

struct ring_producer {
    struct ring_shared *shared;
    uint32_t mask;
    uint32_t tail;          /* our copy (we are the only writer) */
    uint32_t head_cache;    /* last head seen */
    ring_doorbell_fn doorbell;
    void *doorbell_ctx;
    uint64_t doorbells;     /* how many times the doorbell rang */
};

struct ring_consumer {
    struct ring_shared *shared;
    uint32_t mask;
    uint32_t head;          /* our copy */
    uint32_t tail_cache;    /* last tail seen */
};

int ring_producer_init(struct ring_producer *p, struct ring_shared *shared,
                       ring_doorbell_fn doorbell, void *ctx);
int ring_consumer_init(struct ring_consumer *c, struct ring_shared *shared);

/* Largest message the ring can carry. */
size_t ring_max_message(const struct ring_shared *shared);

/* Copy a message of `length` bytes in (length 0 is a valid message).
 * RING_OK, RING_FULL or RING_TOO_BIG. */
int ring_try_send(struct ring_producer *p, const void *data, size_t length);

/* Take the next message: RING_OK (*length set), RING_EMPTY, RING_TOO_BIG
 * (capacity too small: *length is the size needed, the message stays) or
 * RING_BAD. */
int ring_try_recv(struct ring_consumer *c, void *buffer, size_t capacity, size_t *length);

/* Slots used now (as seen by the caller). */
uint32_t ring_consumer_available(struct ring_consumer *c);

/* Before blocking on the doorbell: announce it and re-check. Returns true if
 * the caller may block (the ring is empty and the producer will ring), false
 * if a message arrived meanwhile (the announcement is withdrawn). */
bool ring_consumer_prepare_sleep(struct ring_consumer *c);
/* After waking (or to give up sleeping): withdraw the announcement. */
void ring_consumer_awake(struct ring_consumer *c);

#endif
