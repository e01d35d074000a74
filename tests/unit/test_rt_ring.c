/*
 * Host tests of the shared-memory SPSC ring (lib/runtime/ring.c): slot
 * layout, wrap-around, full and empty, multi-slot messages, the doorbell
 * rule, and a two-thread stress test (pthreads, a semaphore as doorbell).
 */
#include <pthread.h>
/* kernel/include/sched.h shadows <sched.h> on the unit-test include path */
extern int sched_yield(void);
#include <semaphore.h>
#include <stdint.h>

#include <lake/ring.h>

#include "unit.h"

static struct ring_shared *new_ring(unsigned order)
{
    size_t bytes = ring_bytes(order);
    struct ring_shared *sh = aligned_alloc(RING_CACHE_LINE, (bytes + 63) & ~(size_t)63);
    memset(sh, 0xa5, bytes);    /* garbage: ring_init must not rely on zeroed memory */
    CHECK_EQ(ring_init(sh, bytes, order), RING_OK);
    return sh;
}

struct bell {
    int rings;
};

static void ring_bell(void *ctx)
{
    ((struct bell *)ctx)->rings++;
}

TEST(layout)
{
    CHECK_EQ(sizeof(struct ring_slot), 64);
    CHECK_EQ(__builtin_offsetof(struct ring_shared, tail), 64);
    CHECK_EQ(__builtin_offsetof(struct ring_shared, head), 128);
    CHECK_EQ(__builtin_offsetof(struct ring_shared, slots), 192);
    CHECK_EQ(ring_bytes(4), 192 + 16 * 64);
    struct ring_shared *sh = new_ring(4);
    CHECK_EQ(ring_max_message(sh), 16 * 56);
    struct ring_producer p;
    struct ring_consumer c;
    CHECK_EQ(ring_init(sh, ring_bytes(4) - 1, 4), RING_BAD);
    CHECK_EQ(ring_init(sh, ring_bytes(4), 0), RING_BAD);
    sh->magic = 0;
    CHECK_EQ(ring_producer_init(&p, sh, NULL, NULL), RING_BAD);
    CHECK_EQ(ring_consumer_init(&c, sh), RING_BAD);
    free(sh);
}

TEST(full_empty_wraparound)
{
    struct ring_shared *sh = new_ring(2);      /* 4 slots */
    struct ring_producer p;
    struct ring_consumer c;
    CHECK_EQ(ring_producer_init(&p, sh, NULL, NULL), RING_OK);
    CHECK_EQ(ring_consumer_init(&c, sh), RING_OK);
    uint64_t v, out;
    size_t len;
    CHECK_EQ(ring_try_recv(&c, &out, sizeof(out), &len), RING_EMPTY);
    uint64_t sent = 0, received = 0;
    /* Many rounds of fill-to-full and drain-to-empty with a changing phase,
     * so the indices wrap around the slots many times. */
    for (int round = 0; round < 100; round++) {
        int fill = 1 + round % 4;
        for (int i = 0; i < fill; i++) {
            v = sent++;
            CHECK_EQ(ring_try_send(&p, &v, sizeof(v)), RING_OK);
        }
        if (fill == 4) {
            v = 999;
            CHECK_EQ(ring_try_send(&p, &v, sizeof(v)), RING_FULL);
        }
        CHECK_EQ(ring_consumer_available(&c), fill);
        for (int i = 0; i < fill; i++) {
            CHECK_EQ(ring_try_recv(&c, &out, sizeof(out), &len), RING_OK);
            CHECK_EQ(len, sizeof(out));
            CHECK_EQ(out, received++);
        }
        CHECK_EQ(ring_try_recv(&c, &out, sizeof(out), &len), RING_EMPTY);
    }
    CHECK_EQ(sent, received);
    free(sh);
}

TEST(indices_wrap_32_bits)
{
    struct ring_shared *sh = new_ring(3);
    sh->head = sh->tail = UINT32_MAX - 5;      /* just below the counter wrap */
    struct ring_producer p;
    struct ring_consumer c;
    CHECK_EQ(ring_producer_init(&p, sh, NULL, NULL), RING_OK);
    CHECK_EQ(ring_consumer_init(&c, sh), RING_OK);
    for (uint32_t i = 0; i < 100; i++) {
        CHECK_EQ(ring_try_send(&p, &i, sizeof(i)), RING_OK);
        CHECK_EQ(ring_try_send(&p, &i, sizeof(i)), RING_OK);
        uint32_t a, b;
        size_t len;
        CHECK_EQ(ring_try_recv(&c, &a, sizeof(a), &len), RING_OK);
        CHECK_EQ(ring_try_recv(&c, &b, sizeof(b), &len), RING_OK);
        CHECK_EQ(a, i);
        CHECK_EQ(b, i);
    }
    free(sh);
}

TEST(multi_slot_messages)
{
    struct ring_shared *sh = new_ring(3);      /* 8 slots, 448 bytes */
    struct ring_producer p;
    struct ring_consumer c;
    CHECK_EQ(ring_producer_init(&p, sh, NULL, NULL), RING_OK);
    CHECK_EQ(ring_consumer_init(&c, sh), RING_OK);
    uint8_t msg[448], out[448];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    size_t len;
    CHECK_EQ(ring_try_send(&p, msg, 449), RING_TOO_BIG);
    /* Lengths around the slot boundaries, including 0, wrapping around. */
    size_t lengths[] = { 0, 1, 55, 56, 57, 112, 113, 200, 447, 448, 3, 300, 56 };
    for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
        size_t n = lengths[k];
        CHECK_EQ(ring_try_send(&p, msg + (448 - n), n), RING_OK);
        CHECK_EQ(ring_try_recv(&c, out, 10, &len), n <= 10 ? RING_OK : RING_TOO_BIG);
        CHECK_EQ(len, n);
        if (n > 10)
            CHECK_EQ(ring_try_recv(&c, out, sizeof(out), &len), RING_OK);
        CHECK_EQ(len, n);
        CHECK(memcmp(out, msg + (448 - n), n) == 0);
    }
    /* Full with a partly used ring: 7 slots free after one small message. */
    CHECK_EQ(ring_try_send(&p, msg, 10), RING_OK);
    CHECK_EQ(ring_try_send(&p, msg, 448), RING_FULL);
    CHECK_EQ(ring_try_send(&p, msg, 7 * 56), RING_OK);
    CHECK_EQ(ring_try_send(&p, msg, 0), RING_FULL);
    CHECK_EQ(ring_try_recv(&c, out, sizeof(out), &len), RING_OK);
    CHECK_EQ(len, 10);
    CHECK_EQ(ring_try_recv(&c, out, sizeof(out), &len), RING_OK);
    CHECK_EQ(len, 7 * 56);
    CHECK(memcmp(out, msg, len) == 0);
    CHECK_EQ(ring_try_recv(&c, out, sizeof(out), &len), RING_EMPTY);
    /* A corrupt continuation slot at the head is reported, not read. */
    CHECK_EQ(ring_try_send(&p, msg, 100), RING_OK);
    sh->slots[c.head & c.mask].flags = RING_SLOT_CONT;
    CHECK_EQ(ring_try_recv(&c, out, sizeof(out), &len), RING_BAD);
    free(sh);
}

TEST(doorbell_only_when_needed)
{
    struct ring_shared *sh = new_ring(3);
    struct bell bell = { 0 };
    struct ring_producer p;
    struct ring_consumer c;
    CHECK_EQ(ring_producer_init(&p, sh, ring_bell, &bell), RING_OK);
    CHECK_EQ(ring_consumer_init(&c, sh), RING_OK);
    uint32_t v = 1, out;
    size_t len;
    /* The consumer is awake: no doorbell, even on empty -> non-empty. */
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);
    CHECK_EQ(bell.rings, 0);
    /* Not empty: prepare_sleep refuses and withdraws the flag. */
    CHECK(!ring_consumer_prepare_sleep(&c));
    CHECK_EQ(sh->sleeping, 0);
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);
    CHECK_EQ(bell.rings, 0);
    CHECK_EQ(ring_try_recv(&c, &out, 4, &len), RING_OK);
    CHECK_EQ(ring_try_recv(&c, &out, 4, &len), RING_OK);
    /* Empty and going to sleep: the next send rings, once. */
    CHECK(ring_consumer_prepare_sleep(&c));
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);
    CHECK_EQ(bell.rings, 1);
    CHECK_EQ(p.doorbells, 1);
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);    /* not empty -> non-empty */
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);
    CHECK_EQ(bell.rings, 1);
    /* It wakes, drains; the producer sends while it is awake: silence. */
    ring_consumer_awake(&c);
    while (ring_try_recv(&c, &out, 4, &len) == RING_OK)
        ;
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);
    CHECK_EQ(bell.rings, 1);
    CHECK_EQ(ring_try_recv(&c, &out, 4, &len), RING_OK);
    /* Sleeping flag set but the consumer had not drained everything: the
     * send is not an empty -> non-empty transition, no doorbell (and
     * prepare_sleep itself would not have let it block). */
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);
    __atomic_store_n(&sh->sleeping, 1, __ATOMIC_SEQ_CST);
    CHECK_EQ(ring_try_send(&p, &v, 4), RING_OK);
    CHECK_EQ(bell.rings, 1);
    free(sh);
}

/* ---- two threads ---- */

#define STRESS_MESSAGES 1000000u

struct stress {
    struct ring_shared *sh;
    sem_t bell;
    uint64_t sleeps, checksum_sent, checksum_received;
    int errors;
};

static void stress_doorbell(void *ctx)
{
    sem_post(&((struct stress *)ctx)->bell);
}

/* Message i: 8-byte sequence number, then (i % 120) bytes derived from it;
 * lengths 8..127 span one to three slots. */
static size_t make_message(uint64_t i, uint8_t *buf)
{
    size_t n = 8 + (size_t)(i % 120);
    memcpy(buf, &i, 8);
    for (size_t k = 8; k < n; k++)
        buf[k] = (uint8_t)(i * 31 + k);
    return n;
}

static void *producer_thread(void *arg)
{
    struct stress *s = arg;
    struct ring_producer p;
    if (ring_producer_init(&p, s->sh, stress_doorbell, s) != RING_OK) {
        s->errors++;
        return NULL;
    }
    uint8_t buf[128];
    for (uint64_t i = 0; i < STRESS_MESSAGES; i++) {
        size_t n = make_message(i, buf);
        int e;
        while ((e = ring_try_send(&p, buf, n)) == RING_FULL)
            sched_yield();
        if (e != RING_OK) {
            s->errors++;
            return NULL;
        }
        s->checksum_sent += buf[n - 1];
    }
    return NULL;
}

static void *consumer_thread(void *arg)
{
    struct stress *s = arg;
    struct ring_consumer c;
    if (ring_consumer_init(&c, s->sh) != RING_OK) {
        s->errors++;
        return NULL;
    }
    uint8_t buf[128], expect[128];
    for (uint64_t i = 0; i < STRESS_MESSAGES;) {
        size_t len;
        int e = ring_try_recv(&c, buf, sizeof(buf), &len);
        if (e == RING_EMPTY) {
            /* Block on the doorbell now and then, to exercise the
             * sleep/wake protocol (a lost wake-up hangs the test). */
            if ((i & 7) == 0 && ring_consumer_prepare_sleep(&c)) {
                s->sleeps++;
                sem_wait(&s->bell);
                ring_consumer_awake(&c);
            } else {
                sched_yield();
            }
            continue;
        }
        size_t n = make_message(i, expect);
        if (e != RING_OK || len != n || memcmp(buf, expect, n) != 0) {
            s->errors++;
            return NULL;
        }
        s->checksum_received += buf[n - 1];
        i++;
    }
    return NULL;
}

TEST(two_thread_stress)
{
    struct stress s = { .sh = new_ring(6) };    /* 64 slots */
    sem_init(&s.bell, 0, 0);
    pthread_t pt, ct;
    pthread_create(&ct, NULL, consumer_thread, &s);
    pthread_create(&pt, NULL, producer_thread, &s);
    pthread_join(pt, NULL);
    pthread_join(ct, NULL);
    CHECK_EQ(s.errors, 0);
    CHECK_EQ(s.checksum_sent, s.checksum_received);
    CHECK_EQ(s.sh->head, s.sh->tail);
    printf("  %u messages, consumer slept %llu times\n", STRESS_MESSAGES,
           (unsigned long long)s.sleeps);
    sem_destroy(&s.bell);
    free(s.sh);
}
