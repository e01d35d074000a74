/*
 * Host tests of the timer driver's deadline queue and time arithmetic
 * (user/timer/tqueue.c): ordering, equal deadlines, many clients, removal
 * and stale ids, capacity exhaustion, the 64-bit counter read in halves,
 * and planning the 32-bit compare across its wrap-around; a random test
 * against a plain array model.
 */
#include <stdint.h>

#include <lake/errors.h>

#include "tqueue.h"
#include "unit.h"

#define CAP 64

static struct tqueue_node heap[CAP];
static struct tqueue_slot slots[CAP];
static struct tqueue q;

static struct tqueue *fresh(uint32_t capacity)
{
    CHECK_EQ(tqueue_init(&q, heap, slots, capacity), LAKE_OK);
    return &q;
}

static tqueue_id insert(uint64_t deadline)
{
    tqueue_id id = 0;
    CHECK_EQ(tqueue_insert(&q, deadline, &id), LAKE_OK);
    CHECK(id != 0);
    return id;
}

/* Pops everything expired at `now`; returns how many. */
static unsigned pop_all(uint64_t now, tqueue_id *ids)
{
    unsigned n = 0;
    tqueue_id id;
    while (tqueue_pop_expired(&q, now, &id))
        ids[n++] = id;
    return n;
}

TEST(init_rejects_bad_arguments)
{
    CHECK_EQ(tqueue_init(&q, heap, slots, 0), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(tqueue_init(&q, NULL, slots, 4), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(tqueue_init(&q, heap, NULL, 4), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(tqueue_init(&q, heap, slots, TQUEUE_MAX + 1), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(tqueue_init(&q, heap, slots, CAP), LAKE_OK);
}

TEST(empty_queue)
{
    fresh(CAP);
    uint64_t d = 123;
    tqueue_id id = 0;
    CHECK(!tqueue_earliest(&q, &d));
    CHECK_EQ(d, 123);
    CHECK(!tqueue_pop_expired(&q, UINT64_MAX, &id));
    CHECK_EQ(tqueue_count(&q), 0);
}

TEST(ordering)
{
    fresh(CAP);
    uint64_t deadlines[] = { 50, 10, 40, 20, 30, 5, 45 };
    tqueue_id ids[7], got[7];
    for (unsigned i = 0; i < 7; i++)
        ids[i] = insert(deadlines[i]);
    uint64_t earliest = 0;
    CHECK(tqueue_earliest(&q, &earliest));
    CHECK_EQ(earliest, 5);
    CHECK_EQ(pop_all(4, got), 0);
    CHECK_EQ(pop_all(20, got), 3);
    CHECK_EQ(got[0], ids[5]);
    CHECK_EQ(got[1], ids[1]);
    CHECK_EQ(got[2], ids[3]);
    CHECK(tqueue_earliest(&q, &earliest));
    CHECK_EQ(earliest, 30);
    CHECK_EQ(pop_all(UINT64_MAX, got), 4);
    CHECK_EQ(got[0], ids[4]);
    CHECK_EQ(got[1], ids[2]);
    CHECK_EQ(got[2], ids[6]);
    CHECK_EQ(got[3], ids[0]);
    CHECK_EQ(tqueue_count(&q), 0);
}

TEST(equal_deadlines_first_in_first_out)
{
    fresh(CAP);
    tqueue_id ids[20], got[20];
    for (unsigned i = 0; i < 20; i++)
        ids[i] = insert(i % 2 ? 100 : 200);
    CHECK_EQ(pop_all(100, got), 10);
    for (unsigned i = 0; i < 10; i++)
        CHECK_EQ(got[i], ids[2 * i + 1]);
    CHECK_EQ(pop_all(200, got), 10);
    for (unsigned i = 0; i < 10; i++)
        CHECK_EQ(got[i], ids[2 * i]);
}

TEST(ids_are_distinct_and_name_slots)
{
    fresh(CAP);
    tqueue_id ids[CAP];
    for (unsigned i = 0; i < CAP; i++) {
        ids[i] = insert(1000 - i);
        CHECK(tqueue_slot_of(ids[i]) < CAP);
        for (unsigned j = 0; j < i; j++)
            CHECK(tqueue_slot_of(ids[j]) != tqueue_slot_of(ids[i]));
    }
}

TEST(capacity_exhaustion_changes_nothing)
{
    fresh(8);
    tqueue_id ids[8];
    for (unsigned i = 0; i < 8; i++)
        ids[i] = insert(10 * (i + 1));
    tqueue_id extra = 77;
    CHECK_EQ(tqueue_insert(&q, 1, &extra), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(extra, 77);
    CHECK_EQ(tqueue_count(&q), 8);
    uint64_t earliest = 0;
    CHECK(tqueue_earliest(&q, &earliest));
    CHECK_EQ(earliest, 10);
    tqueue_id got[8];
    CHECK_EQ(pop_all(UINT64_MAX, got), 8);
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ(got[i], ids[i]);
    /* and there is room again */
    insert(5);
}

TEST(removal)
{
    fresh(CAP);
    tqueue_id a = insert(30), b = insert(10), c = insert(20), d = insert(40);
    CHECK_EQ(tqueue_remove(&q, b), LAKE_OK);
    CHECK(!tqueue_contains(&q, b));
    CHECK(tqueue_contains(&q, a));
    uint64_t earliest = 0;
    CHECK(tqueue_earliest(&q, &earliest));
    CHECK_EQ(earliest, 20);
    CHECK_EQ(tqueue_remove(&q, d), LAKE_OK);
    tqueue_id got[4];
    CHECK_EQ(pop_all(UINT64_MAX, got), 2);
    CHECK_EQ(got[0], c);
    CHECK_EQ(got[1], a);
}

TEST(stale_and_forged_ids_are_refused)
{
    fresh(4);
    tqueue_id a = insert(10);
    tqueue_id got[4];
    CHECK_EQ(pop_all(10, got), 1);
    CHECK_EQ(tqueue_remove(&q, a), LAKE_INVALID_ARGUMENT);     /* expired */
    tqueue_id b = insert(20);                                  /* reuses a's slot */
    CHECK_EQ(tqueue_slot_of(b), tqueue_slot_of(a));
    CHECK(a != b);
    CHECK_EQ(tqueue_remove(&q, a), LAKE_INVALID_ARGUMENT);     /* stale */
    CHECK(tqueue_contains(&q, b));
    CHECK_EQ(tqueue_remove(&q, 0), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(tqueue_remove(&q, (uint64_t)1 << 32 | 4), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(tqueue_remove(&q, UINT64_MAX), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(tqueue_count(&q), 1);
    CHECK_EQ(tqueue_remove(&q, b), LAKE_OK);
    CHECK_EQ(tqueue_remove(&q, b), LAKE_INVALID_ARGUMENT);     /* twice */
    CHECK_EQ(tqueue_count(&q), 0);
}

TEST(generations_wrap_without_zero_ids)
{
    fresh(1);
    slots[0].generation = UINT32_MAX;
    tqueue_id a = insert(1);
    CHECK_EQ(a >> 32, UINT32_MAX);
    CHECK_EQ(tqueue_remove(&q, a), LAKE_OK);
    tqueue_id b = insert(1);
    CHECK_EQ(b >> 32, 1);
    CHECK(b != 0);
}

TEST(many_clients_with_reuse)
{
    /* 64 clients sleeping over and over, each for its own period: the
     * queue always hands back the earliest, never loses anyone. */
    fresh(CAP);
    uint64_t period[CAP], due[CAP];
    tqueue_id id_of[CAP];
    for (unsigned c = 0; c < CAP; c++) {
        period[c] = 3 + (c * 37) % 101;
        due[c] = period[c];
        id_of[c] = insert(due[c]);
    }
    uint64_t now = 0, last = 0;
    unsigned wakes = 0;
    while (wakes < 20000) {
        uint64_t next;
        CHECK(tqueue_earliest(&q, &next));
        CHECK(next >= last);
        now = next;
        tqueue_id id;
        while (tqueue_pop_expired(&q, now, &id)) {
            unsigned c = 0;
            while (c < CAP && id_of[c] != id)
                c++;
            CHECK(c < CAP);
            if (c == CAP)
                return;
            CHECK_EQ(due[c], now);
            due[c] = now + period[c];
            id_of[c] = insert(due[c]);
            wakes++;
        }
        last = now;
    }
    CHECK_EQ(tqueue_count(&q), CAP);
}

/* A random mix of inserts, removals and pops against a plain array. */
TEST(random_against_model)
{
    fresh(CAP);
    struct { tqueue_id id; uint64_t deadline, order; } model[CAP];
    unsigned n = 0;
    uint64_t order = 0;
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (unsigned step = 0; step < 200000; step++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        unsigned op = seed % 4;
        if (op <= 1) {
            uint64_t deadline = (seed >> 8) % 50;
            tqueue_id id;
            int status = tqueue_insert(&q, deadline, &id);
            CHECK_EQ(status, n == CAP ? LAKE_NOT_ENOUGH_MEMORY : LAKE_OK);
            if (status == LAKE_OK)
                model[n].id = id, model[n].deadline = deadline, model[n++].order = order++;
        } else if (op == 2 && n > 0) {
            unsigned i = (seed >> 8) % n;
            CHECK_EQ(tqueue_remove(&q, model[i].id), LAKE_OK);
            model[i] = model[--n];
        } else if (n > 0) {
            unsigned best = 0;
            for (unsigned i = 1; i < n; i++)
                if (model[i].deadline < model[best].deadline ||
                    (model[i].deadline == model[best].deadline && model[i].order < model[best].order))
                    best = i;
            tqueue_id id = 0;
            if (model[best].deadline > 0)
                CHECK(!tqueue_pop_expired(&q, model[best].deadline - 1, &id));
            CHECK(tqueue_pop_expired(&q, model[best].deadline, &id));
            CHECK_EQ(id, model[best].id);
            model[best] = model[--n];
        }
        CHECK_EQ(tqueue_count(&q), n);
        if (unit_failures)
            return;
    }
}

/* ---- time ------------------------------------------------------------- */

TEST(ns_and_ticks)
{
    CHECK_EQ(timer_ns_to_ticks(0), 0);
    CHECK_EQ(timer_ns_to_ticks(1), 1);
    CHECK_EQ(timer_ns_to_ticks(999), 1);
    CHECK_EQ(timer_ns_to_ticks(1000), 1);
    CHECK_EQ(timer_ns_to_ticks(1001), 2);
    CHECK_EQ(timer_ns_to_ticks(UINT64_MAX), UINT64_MAX / 1000 + 1);
    CHECK_EQ(timer_ticks_to_ns(7), 7000);
    CHECK_EQ(timer_ticks_to_ns(UINT64_MAX / 1000), UINT64_MAX / 1000 * 1000);
    CHECK_EQ(timer_ticks_to_ns(UINT64_MAX / 1000 + 1), UINT64_MAX);
    CHECK_EQ(timer_deadline_after(10, 5), 15);
    CHECK_EQ(timer_deadline_after(UINT64_MAX - 3, 5), UINT64_MAX);
}

TEST(counter_read_in_halves)
{
    CHECK_EQ(timer_counter_combine(3, 0x1234, 3), 0x300001234ull);
    /* the low half wrapped between the two reads of the high half */
    CHECK_EQ(timer_counter_combine(3, 0xffffffff, 4), 0x400000000ull);
    CHECK_EQ(timer_counter_combine(3, 0x5, 4), 0x400000000ull);
}

TEST(plan_compare_due_exact_and_steps)
{
    uint32_t compare = 0xdead;
    CHECK_EQ(timer_plan_compare(100, 100, &compare), TIMER_ARM_DUE);
    CHECK_EQ(timer_plan_compare(100, 50, &compare), TIMER_ARM_DUE);
    CHECK_EQ(timer_plan_compare(100, 100 + TIMER_ARM_MIN_LEAD - 1, &compare), TIMER_ARM_DUE);
    CHECK_EQ(compare, 0xdead);
    CHECK_EQ(timer_plan_compare(100, 100 + TIMER_ARM_MIN_LEAD, &compare), TIMER_ARM_EXACT);
    CHECK_EQ(compare, 100 + TIMER_ARM_MIN_LEAD);
    CHECK_EQ(timer_plan_compare(100, 1000000, &compare), TIMER_ARM_EXACT);
    CHECK_EQ(compare, 1000000);
    /* more than 2^31 ticks (36 minutes) away: an intermediate step */
    CHECK_EQ(timer_plan_compare(100, 100 + (1ull << 32), &compare), TIMER_ARM_STEP);
    CHECK_EQ(compare, 100 + (1u << 31));
    CHECK_EQ(timer_plan_compare(0, UINT64_MAX, &compare), TIMER_ARM_STEP);
}

TEST(plan_compare_across_the_32_bit_wrap)
{
    /* now just below a multiple of 2^32, the deadline just above */
    uint64_t now = 0x1fffffff0ull, deadline = 0x200000010ull;
    uint32_t compare = 0;
    CHECK_EQ(timer_plan_compare(now, deadline, &compare), TIMER_ARM_EXACT);
    CHECK_EQ(compare, 0x10);
    CHECK(!timer_compare_passed((uint32_t)now, compare));
    CHECK(!timer_compare_passed(0xffffffff, compare));
    CHECK(!timer_compare_passed(0x0f, compare));
    CHECK(timer_compare_passed(0x10, compare));
    CHECK(timer_compare_passed(0x11, compare));
    /* a far deadline reached in steps, each step within the 32-bit range */
    now = 0xfffffff0ull;
    deadline = now + 5 * (1ull << 32) + 7;
    unsigned steps = 0;
    for (;;) {
        enum timer_arm arm = timer_plan_compare(now, deadline, &compare);
        if (arm == TIMER_ARM_DUE)
            break;
        CHECK(!timer_compare_passed((uint32_t)now, compare));
        /* the counter runs until its low half matches the compare */
        uint64_t next = (now & ~0xffffffffull) | compare;
        if (next <= now)
            next += 1ull << 32;
        CHECK(next - now <= TIMER_ARM_MAX_STEP);
        now = next;
        if (arm == TIMER_ARM_EXACT)
            break;
        CHECK(++steps < 20);
    }
    CHECK_EQ(now, deadline);
    CHECK(steps >= 10);
}
