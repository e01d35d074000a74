/*
 * PAGER_1xx: the VSpace region manager (lib/runtime/vspace.c) with the
 * real kernel calls, its self-pager core resolving real VM faults, and the
 * shared-memory ring channel (lib/runtime/ring.c) between two threads.
 */
#include <stdlib.h>
#include <string.h>

#include <lake/ring.h>
#include <lake/vspace.h>

#include "test.h"

#define PAGE VSPACE_PAGE_SIZE

static struct vspace_lake_ctx lake_ctx;

/* A manager for [TEST_FREE_VADDR, +1 GiB) of the child; the level-1 table
 * under it exists already (the image uses it). */
static void vs_setup(struct test_env *env, struct vspace *vs)
{
    struct vspace_ops ops;
    lake_ctx = (struct vspace_lake_ctx){
        .vspace = env->vspace, .alloc = &env->alloc, .cnode = env->cnode, .depth = TEST_DEPTH,
    };
    vspace_lake_ops(&ops, &lake_ctx);
    test_ok(vspace_init(vs, &ops, TEST_FREE_VADDR, TEST_FREE_VADDR + 0x40000000ul));
    test_ok(vspace_note_table(vs, 1, 0, 0));
}

static const struct vspace_attr anon_rw = { VSPACE_ANON, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER, 0 };
static const struct vspace_attr fixed_rw = { VSPACE_FIXED, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER, 0 };

TEST(PAGER_101, "vspace: reserve, map fresh frames with the tables they need, write and read")
{
    struct vspace vs;
    vs_setup(env, &vs);
    struct vspace_region *r;
    test_ok(vspace_reserve_anywhere(&vs, 16 * PAGE, 0x200000, VSPACE_FIRST_FIT, &anon_rw, &r));
    test_eq(r->start, TEST_FREE_VADDR);
    test_ok(vspace_map(&vs, r->start, 4, NULL));
    test_eq(vs.tables_made, 2);             /* levels 2 and 3 */
    test_ok(vspace_map(&vs, r->start + 8 * PAGE, 2, NULL));
    test_eq(vs.tables_made, 2);             /* same 2 MiB */
    test_eq(r->mapped, 6);
    test_eq(vs.frames_allocated, 6);
    for (int i = 0; i < 4; i++) {
        volatile lake_word_t *p = (volatile lake_word_t *)(r->start + i * PAGE);
        test_eq(p[7], 0);                   /* fresh frames are zero */
        p[7] = 0x1000 + i;
    }
    for (int i = 0; i < 4; i++)
        test_eq(((volatile lake_word_t *)(r->start + i * PAGE))[7], 0x1000 + i);
    lake_cptr_t frame;
    test_eq(vspace_lookup(&vs, r->start + 0x10, NULL, &frame), VSPACE_MAPPED);
    test_eq(lake_debug_cap_identify(frame), LAKE_OBJ_FRAME_4K);
    test_eq(vspace_lookup(&vs, r->start + 5 * PAGE, NULL, NULL), VSPACE_UNMAPPED);
    test_error(vspace_map(&vs, r->start, 1, NULL), LAKE_DELETE_FIRST);
    /* A region in another 2 MiB gets a level-3 table of its own. */
    struct vspace_region *r2;
    test_ok(vspace_reserve_at(&vs, TEST_FREE_VADDR + 0x200000, PAGE, &fixed_rw, &r2));
    lake_cptr_t mine = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    test_ok(vspace_map(&vs, r2->start, 1, &mine));
    test_eq(vs.tables_made, 3);
    *(volatile int *)r2->start = 42;
    test_ok(vspace_release(&vs, r2));
    test_eq(lake_debug_cap_identify(mine), LAKE_OBJ_FRAME_4K);     /* ours: kept */
    test_ok(vspace_release(&vs, r));
    test_eq(vs.frames_allocated, 0);
    test_eq(lake_debug_cap_identify(frame), 0);                    /* fresh: deleted */
    vspace_destroy(&vs);
}

/* ---- faults through a helper thread ---- */

static void write_word(struct test_thread *t)
{
    *(volatile lake_word_t *)t->arg[0] = t->arg[1];
    t->result[0] = 1;
}

static void read_word(struct test_thread *t)
{
    t->result[1] = *(volatile lake_word_t *)t->arg[0];
    t->result[0] = 1;
}

/* Start fn in a helper thread whose faults come to `handler`; wait for
 * its VM fault and return the fault address (is_write from the ESR). */
static lake_word_t expect_fault(struct test_env *env, struct test_thread *t,
                                void (*fn)(struct test_thread *), lake_cptr_t handler,
                                lake_word_t addr, lake_word_t value, bool *is_write)
{
    test_thread_init(env, t, fn, env->priority, handler);
    t->arg[0] = addr;
    t->arg[1] = value;
    test_thread_start(t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    lake_word_t esr = lake_get_mr(LAKE_VM_FAULT_FSR);
    *is_write = (esr >> 6) & 1;             /* data abort ISS: WnR */
    test_eq(lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH), 0);
    return lake_get_mr(LAKE_VM_FAULT_ADDR);
}

TEST(PAGER_102, "vspace: protect to read-only keeps the data and a write then faults")
{
    struct vspace vs;
    vs_setup(env, &vs);
    struct vspace_region *r;
    test_ok(vspace_reserve_anywhere(&vs, 4 * PAGE, 0, VSPACE_FIRST_FIT, &anon_rw, &r));
    test_ok(vspace_map(&vs, r->start, 4, NULL));
    for (int i = 0; i < 4; i++)
        *(volatile lake_word_t *)(r->start + i * PAGE + 8) = 0xabc0 + i;
    test_ok(vspace_protect(&vs, r, LAKE_RIGHT_READ));
    for (int i = 0; i < 4; i++)
        test_eq(*(volatile lake_word_t *)(r->start + i * PAGE + 8), 0xabc0 + i);

    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    bool is_write;
    lake_word_t addr = expect_fault(env, &t, write_word, handler, r->start + 2 * PAGE + 8, 7,
                                    &is_write);
    test_eq(addr, r->start + 2 * PAGE + 8);
    test_assert(is_write);
    test_eq(t.result[0], 0);
    const char *why;
    test_eq(vspace_handle_fault(&vs, addr, is_write, false, &why), VSPACE_KILL);
    test_assert(strcmp(why, "write to a read-only region") == 0);
    test_eq(*(volatile lake_word_t *)(r->start + 2 * PAGE + 8), 0xabc2);

    /* Back to read-write: the faulting write now succeeds when retried. */
    test_ok(vspace_protect(&vs, r, LAKE_RIGHTS_RW));
    lake_reply(lake_msginfo(0, 0, 0, 0));
    test_thread_join(&t);
    test_eq(*(volatile lake_word_t *)(r->start + 2 * PAGE + 8), 7);
    vspace_destroy(&vs);
}

TEST(PAGER_103, "vspace: unmap makes a read fault; the pager core refills a lazy page with zeros")
{
    struct vspace vs;
    vs_setup(env, &vs);
    struct vspace_region *lazy, *fixed;
    test_ok(vspace_reserve_anywhere(&vs, 4 * PAGE, 0, VSPACE_FIRST_FIT, &anon_rw, &lazy));
    test_ok(vspace_reserve_anywhere(&vs, 4 * PAGE, 0, VSPACE_FIRST_FIT, &fixed_rw, &fixed));
    test_ok(vspace_map(&vs, lazy->start, 4, NULL));
    test_ok(vspace_map(&vs, fixed->start, 4, NULL));
    *(volatile lake_word_t *)(lazy->start + PAGE) = 99;
    *(volatile lake_word_t *)(fixed->start + PAGE) = 98;
    test_ok(vspace_unmap(&vs, lazy->start + PAGE, 1));
    test_ok(vspace_unmap(&vs, fixed->start + PAGE, 1));
    test_eq(vspace_lookup(&vs, lazy->start + PAGE, NULL, NULL), VSPACE_UNMAPPED);

    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t1, t2;
    bool is_write;
    const char *why;
    /* Fixed region: fatal. */
    lake_word_t addr = expect_fault(env, &t1, read_word, handler, fixed->start + PAGE, 0, &is_write);
    test_eq(addr, fixed->start + PAGE);
    test_assert(!is_write);
    test_eq(vspace_handle_fault(&vs, addr, is_write, false, &why), VSPACE_KILL);
    test_assert(strcmp(why, "unmapped page of a fixed region") == 0);
    /* Lazy region: a fresh zero page, and the read is retried. */
    addr = expect_fault(env, &t2, read_word, handler, lazy->start + PAGE, 0, &is_write);
    test_eq(addr, lazy->start + PAGE);
    test_eq(vspace_handle_fault(&vs, addr, is_write, false, &why), VSPACE_RESUME);
    lake_reply(lake_msginfo(0, 0, 0, 0));
    test_thread_join(&t2);
    test_eq(t2.result[0], 1);
    test_eq(t2.result[1], 0);
    test_eq(vs.faults_resolved, 1);
    vspace_destroy(&vs);
}

/* ---- a thread on a lazily backed stack, paged by the main thread ---- */

static volatile lake_word_t stack_sum;

static void __attribute__((noinline)) use_stack(size_t bytes)
{
    volatile char buf[bytes];
    for (size_t i = 0; i < bytes; i += 512)
        buf[i] = (char)(i / 512 + 1);
    lake_word_t s = 0;
    for (size_t i = 0; i < bytes; i += 512)
        s += (unsigned char)buf[i];
    stack_sum = s;
}

static void stack_user(struct test_thread *t)
{
    use_stack(t->arg[0]);
}

/* Run a thread on a stack of `pages` lazily backed pages, serving its VM
 * faults with vspace_handle_fault until it finishes (returns NULL) or a
 * fault is fatal (returns the reason). */
static const char *run_paged(struct test_env *env, struct vspace *vs, size_t pages,
                             lake_word_t use_bytes, lake_word_t *faults)
{
    struct vspace_region *stack;
    test_ok(vspace_reserve_stack(vs, pages, 1, &stack));
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, stack_user, env->priority, handler);
    t.arg[0] = use_bytes;
    t.stack_top = vspace_region_top(stack);
    /* Its `done` wakes our Recv on the handler (bound notification). */
    test_ok(lake_tcb_bind_notification(env->tcb, t.done));
    test_thread_start(&t);
    const char *why = NULL;
    *faults = 0;
    for (;;) {
        lake_word_t badge;
        lake_msginfo_t info = lake_recv(handler, &badge);
        if (lake_msginfo_label(info) != LAKE_FAULT_VM)
            break;                          /* the thread is done */
        (*faults)++;
        lake_word_t addr = lake_get_mr(LAKE_VM_FAULT_ADDR);
        bool is_write = (lake_get_mr(LAKE_VM_FAULT_FSR) >> 6) & 1;
        bool is_exec = lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH);
        if (vspace_handle_fault(vs, addr, is_write, is_exec, &why) != VSPACE_RESUME)
            break;
        lake_reply(lake_msginfo(0, 0, 0, 0));
    }
    test_ok(lake_tcb_unbind_notification(env->tcb));
    return why;
}

TEST(PAGER_104, "vspace: a thread runs on a lazily backed stack; overflow hits the guard page")
{
    struct vspace vs;
    vs_setup(env, &vs);
    lake_word_t faults;
    /* 3 pages of locals on an 8-page stack: faulted in page by page. */
    test_assert(run_paged(env, &vs, 8, 3 * PAGE, &faults) == NULL);
    test_assert(faults >= 3 && faults <= 5);
    test_eq(vs.faults_resolved, faults);
    lake_word_t n = 3 * PAGE / 512;
    test_eq(stack_sum, n * (n + 1) / 2);
    /* 6 pages of locals on a 4-page stack: the guard page stops it. */
    const char *why = run_paged(env, &vs, 4, 6 * PAGE, &faults);
    test_assert(why != NULL);
    test_assert(strcmp(why, "stack overflow (guard page)") == 0);
    vspace_destroy(&vs);
}

/* ---- the ring between two threads ---- */

#define RING_MESSAGES 10000u

struct ring_test {
    struct ring_shared *shared;
    lake_cptr_t doorbell;           /* notification */
};

static void ring_doorbell(void *ctx)
{
    lake_signal(((struct ring_test *)ctx)->doorbell);
}

static size_t ring_message(uint32_t i, uint8_t *buf)
{
    size_t n = 4 + i % 100;         /* 1 or 2 slots */
    memcpy(buf, &i, 4);
    for (size_t k = 4; k < n; k++)
        buf[k] = (uint8_t)(i + k);
    return n;
}

static void ring_producer_fn(struct test_thread *t)
{
    struct ring_test *rt = (struct ring_test *)t->arg[0];
    struct ring_producer p;
    if (ring_producer_init(&p, rt->shared, ring_doorbell, rt) != RING_OK)
        return;
    uint8_t buf[128];
    for (uint32_t i = 0; i < RING_MESSAGES; i++) {
        size_t n = ring_message(i, buf);
        while (ring_try_send(&p, buf, n) == RING_FULL)
            lake_yield();
    }
    t->result[0] = RING_MESSAGES;
    t->result[1] = p.doorbells;
}

TEST(PAGER_105, "ring: 10,000 messages between two threads, a notification as doorbell")
{
    struct vspace vs;
    vs_setup(env, &vs);
    struct vspace_region *r;
    size_t bytes = ring_bytes(5);           /* 32 slots */
    test_ok(vspace_reserve_anywhere(&vs, (bytes + PAGE - 1) & ~(PAGE - 1), 0, VSPACE_FIRST_FIT,
                                    &anon_rw, &r));
    test_ok(vspace_map(&vs, r->start, (bytes + PAGE - 1) / PAGE, NULL));
    struct ring_test rt = {
        .shared = (struct ring_shared *)r->start,
        .doorbell = test_new(env, LAKE_OBJ_NOTIFICATION, 0),
    };
    test_eq(ring_init(rt.shared, bytes, 5), RING_OK);
    struct ring_consumer c;
    test_eq(ring_consumer_init(&c, rt.shared), RING_OK);

    struct test_thread t;
    test_thread_init(env, &t, ring_producer_fn, env->priority, 0);
    t.arg[0] = (lake_word_t)&rt;
    test_thread_start(&t);

    uint8_t buf[128], expect[128];
    unsigned sleeps = 0;
    for (uint32_t i = 0; i < RING_MESSAGES;) {
        size_t len;
        int e = ring_try_recv(&c, buf, sizeof(buf), &len);
        if (e == RING_EMPTY) {
            if (ring_consumer_prepare_sleep(&c)) {
                sleeps++;
                lake_wait(rt.doorbell, NULL);
                ring_consumer_awake(&c);
            }
            continue;
        }
        test_eq(e, RING_OK);
        size_t n = ring_message(i, expect);
        test_eq(len, n);
        test_assert(memcmp(buf, expect, n) == 0);
        i++;
    }
    test_thread_join(&t);
    test_eq(t.result[0], RING_MESSAGES);
    test_assert(sleeps > 0);
    test_assert(t.result[1] <= sleeps + 1);     /* a doorbell only for a sleeper */
    size_t len;
    test_eq(ring_try_recv(&c, buf, sizeof(buf), &len), RING_EMPTY);
    vspace_destroy(&vs);
}

/* ---- a ring moving 64 MiB with checksums ---- */

#define BULK_BYTES      (64ul << 20)
#define BULK_WORDS      119             /* 952 bytes: 17 slots of 56 */

struct bulk_test {
    struct ring_test rt;
    uint64_t sent_sum;
};

/* Both sides fold every word into a checksum that depends on order. */
static uint64_t fold(uint64_t sum, uint64_t word)
{
    sum ^= word;
    return (sum << 7 | sum >> 57) * 0x9e3779b97f4a7c15ull;
}

static void bulk_producer_fn(struct test_thread *t)
{
    struct bulk_test *bt = (struct bulk_test *)t->arg[0];
    struct ring_producer p;
    if (ring_producer_init(&p, bt->rt.shared, ring_doorbell, &bt->rt) != RING_OK)
        return;
    uint64_t words[BULK_WORDS], x = 0x243f6a8885a308d3ull, sum = 0, sent = 0;
    while (sent < BULK_BYTES) {
        size_t n = BULK_BYTES - sent < sizeof(words) ? (BULK_BYTES - sent) / 8 : BULK_WORDS;
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;    /* xorshift64 */
            words[k] = x;
            sum = fold(sum, x);
        }
        while (ring_try_send(&p, words, n * 8) == RING_FULL)
            lake_yield();
        sent += n * 8;
    }
    bt->sent_sum = sum;
    t->result[0] = sent;
}

TEST(CHAN_004, "ring channel: 64 MiB in 952-byte messages between two threads, checksums equal")
{
    struct vspace vs;
    vs_setup(env, &vs);
    struct vspace_region *r;
    size_t bytes = ring_bytes(8);           /* 256 slots: 15 messages */
    test_ok(vspace_reserve_anywhere(&vs, (bytes + PAGE - 1) & ~(PAGE - 1), 0, VSPACE_FIRST_FIT,
                                    &anon_rw, &r));
    test_ok(vspace_map(&vs, r->start, (bytes + PAGE - 1) / PAGE, NULL));
    static struct bulk_test bt;
    bt.rt = (struct ring_test){ (struct ring_shared *)r->start,
                                test_new(env, LAKE_OBJ_NOTIFICATION, 0) };
    test_eq(ring_init(bt.rt.shared, bytes, 8), RING_OK);
    struct ring_consumer c;
    test_eq(ring_consumer_init(&c, bt.rt.shared), RING_OK);

    struct test_thread t;
    test_thread_init(env, &t, bulk_producer_fn, env->priority, 0);
    t.arg[0] = (lake_word_t)&bt;
    test_thread_start(&t);

    static uint64_t words[BULK_WORDS];
    uint64_t received = 0, sum = 0;
    while (received < BULK_BYTES) {
        size_t len;
        int e = ring_try_recv(&c, words, sizeof(words), &len);
        if (e == RING_EMPTY) {
            if (ring_consumer_prepare_sleep(&c)) {
                lake_wait(bt.rt.doorbell, NULL);
                ring_consumer_awake(&c);
            }
            continue;
        }
        test_eq(e, RING_OK);
        test_assert(len % 8 == 0 && len > 0);
        for (size_t k = 0; k < len / 8; k++)
            sum = fold(sum, words[k]);
        received += len;
    }
    test_thread_join(&t);
    test_eq(t.result[0], BULK_BYTES);
    test_eq(received, BULK_BYTES);
    test_eq(sum, bt.sent_sum);
    vspace_destroy(&vs);
}
