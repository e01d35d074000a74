/*
 * CDT: the capability derivation tree: revoke of subtrees, deletion of
 * intermediate copies, destruction of objects with their last capability.
 */
#include "test.h"

#define ROOT TEST_CNODE
#define D TEST_DEPTH

static unsigned type_of(lake_cptr_t slot)
{
    return lake_debug_cap_identify(slot);
}

TEST(CDT_001, "Revoke deletes children and grandchildren")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t child = test_copy(env, ep, LAKE_RIGHTS_ALL);
    lake_cptr_t grandchild = test_copy(env, child, LAKE_RIGHTS_ALL);
    lake_cptr_t minted = test_mint(env, child, LAKE_RIGHTS_ALL, 9);
    test_ok(lake_cnode_revoke(ROOT, ep, D));
    test_eq(type_of(child), LAKE_OBJ_NULL);
    test_eq(type_of(grandchild), LAKE_OBJ_NULL);
    test_eq(type_of(minted), LAKE_OBJ_NULL);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CDT_002, "Revoke of a badged child deletes only its own subtree")
{
    /* Plain copies are leaves (as in seL4); a newly badged cap is the
     * parent of its own copies. */
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t a = test_mint(env, ep, LAKE_RIGHTS_ALL, 5);
    lake_cptr_t a1 = test_copy(env, a, LAKE_RIGHTS_ALL);
    lake_cptr_t b = test_copy(env, ep, LAKE_RIGHTS_ALL);
    test_ok(lake_cnode_revoke(ROOT, a, D));
    test_eq(type_of(a1), LAKE_OBJ_NULL);
    test_eq(type_of(a), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(b), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CDT_003, "deleting a middle copy keeps its children in the tree")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t mid = test_copy(env, ep, LAKE_RIGHTS_ALL);
    lake_cptr_t leaf = test_copy(env, mid, LAKE_RIGHTS_ALL);
    test_ok(lake_cnode_delete(ROOT, mid, D));
    test_eq(type_of(leaf), LAKE_OBJ_ENDPOINT);
    test_ok(lake_cnode_revoke(ROOT, ep, D));
    test_eq(type_of(leaf), LAKE_OBJ_NULL);
}

TEST(CDT_004, "objects retyped from an untyped are its descendants")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t ep = test_slot(env);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_ENDPOINT, 0, ROOT, 0, 0, ep, 1));
    lake_cptr_t copy = test_copy(env, ep, LAKE_RIGHTS_ALL);
    test_ok(lake_cnode_revoke(ROOT, ut, D));
    test_eq(type_of(ep), LAKE_OBJ_NULL);
    test_eq(type_of(copy), LAKE_OBJ_NULL);
}

static void recv_forever(struct test_thread *t)
{
    lake_word_t badge;
    lake_recv(t->arg[0], &badge);
    /* Woken without a sender: tell the test on the other endpoint. */
    t->result[0] = 1;
    lake_send(t->arg[1], lake_msginfo(0x77, 0, 0, 0));
}

TEST(CDT_005, "deleting the last capability of an endpoint wakes its waiter")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t watch = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    /* The waiter's faults come to `watch` as well. */
    test_thread_init(env, &t, recv_forever, env->priority, watch);
    t.arg[0] = ep;
    t.arg[1] = watch;
    test_thread_start(&t);
    test_yield_many(3);         /* let it block in Recv */
    test_ok(lake_cnode_delete(ROOT, ep, D));
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(watch, &badge);
    /* Either a capability fault on restart, or a return from Recv. */
    lake_word_t label = lake_msginfo_label(info);
    test_assert(label == LAKE_FAULT_CAP || label == 0x77);
}

static void wait_forever(struct test_thread *t)
{
    for (;;)
        lake_wait(t->arg[0], NULL);
}

TEST(CDT_006, "revoking an untyped destroys a thread blocked on an object from it")
{
    lake_cptr_t ut = test_new_untyped(env, 14);
    lake_cptr_t main_untyped = env->alloc.untyped;
    env->alloc.untyped = ut;    /* the thread and its notification come from `ut` */
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    struct test_thread t;
    test_thread_init(env, &t, wait_forever, env->priority, 0);
    env->alloc.untyped = main_untyped;
    t.arg[0] = ntfn;
    test_thread_start(&t);
    test_yield_many(3);         /* it blocks in Wait */
    test_eq(type_of(t.tcb), LAKE_OBJ_TCB);
    test_ok(lake_cnode_revoke(ROOT, ut, D));
    test_eq(type_of(t.tcb), LAKE_OBJ_NULL);
    test_eq(type_of(ntfn), LAKE_OBJ_NULL);
    /* All of the untyped is free again. */
    lake_cptr_t whole = test_slot(env);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_UNTYPED, 14, ROOT, 0, 0, whole, 1));
}

TEST(CDT_007, "deleting a CNode deletes the capabilities inside it")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t node = test_new(env, LAKE_OBJ_CNODE, 2);
    /* An endpoint from `ut`, placed inside the CNode only. */
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_ENDPOINT, 0, ROOT, node, D, 1, 1));
    test_error(lake_untyped_retype(ut, LAKE_OBJ_FRAME_4K, 0, ROOT, 0, 0, test_slot(env), 1),
               LAKE_NOT_ENOUGH_MEMORY);
    test_ok(lake_cnode_delete(ROOT, node, D));
    /* The endpoint died with the CNode, so `ut` has no children left. */
    lake_cptr_t frame = test_slot(env);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_FRAME_4K, 0, ROOT, 0, 0, frame, 1));
}

TEST(CDT_008, "a capability in a CNode can be revoked through a two-level path")
{
    lake_cptr_t node = test_new(env, LAKE_OBJ_CNODE, 3);
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_ok(lake_cnode_copy(node, 5, 3, ROOT, ep, D, LAKE_RIGHTS_ALL));
    test_ok(lake_cnode_revoke(ROOT, ep, D));
    /* The copy inside the CNode is gone: moving it out fails. */
    lake_cptr_t dest = test_slot(env);
    test_error(lake_cnode_move(ROOT, dest, D, node, 5, 3), LAKE_FAILED_LOOKUP);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
}

/* ---- bounded latency: long revocations stop for interrupts ------------ */

#define BIG_RADIX   16
#define BIG_NODES   3           /* 2 MiB each; together more than two time slices of work */
#define BIG_COPIES  (1ul << BIG_RADIX)

static volatile int revoke_started;

/* Whether slot i of a big CNode holds a capability (a Move onto itself
 * reports "occupied" or "missing" and changes nothing). */
static bool big_slot_full(lake_cptr_t node, lake_word_t i)
{
    return lake_cnode_move(node, i, BIG_RADIX, node, i, BIG_RADIX) == LAKE_DELETE_FIRST;
}

/* Same priority as the test: it only runs inside the revocation if the
 * kernel stopped for the timer and the time slice ran out. Revoke deletes
 * the newest copies first. */
static void watch_revocation(struct test_thread *t)
{
    lake_cptr_t first = t->arg[0], last = t->arg[1];
    while (!revoke_started)
        lake_yield();
    for (;;) {
        bool newest = big_slot_full(last, BIG_COPIES - 1);
        bool oldest = big_slot_full(first, 0);
        if (!newest && oldest)
            t->result[0] = 1;       /* saw it half done */
        if (!oldest)
            return;
    }
}

TEST(CDT_020, "revoking 196608 capabilities is preemptible: another thread runs in between")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread w;
    test_thread_init(env, &w, watch_revocation, env->priority, 0);
    lake_cptr_t nodes[BIG_NODES];
    for (int n = 0; n < BIG_NODES; n++) {
        nodes[n] = test_new(env, LAKE_OBJ_CNODE, BIG_RADIX);
        for (lake_word_t i = 0; i < BIG_COPIES; i++)
            test_ok(lake_cnode_copy(nodes[n], i, BIG_RADIX, TEST_CNODE, ep, TEST_DEPTH,
                                    LAKE_RIGHTS_ALL));
    }
    w.arg[0] = nodes[0];
    w.arg[1] = nodes[BIG_NODES - 1];
    test_thread_start(&w);
    revoke_started = 1;
    test_ok(lake_cnode_revoke(TEST_CNODE, ep, TEST_DEPTH));
    test_thread_join(&w);
    test_eq(w.result[0], 1);
    for (int n = 0; n < BIG_NODES; n++) {
        test_assert(!big_slot_full(nodes[n], 0));
        test_assert(!big_slot_full(nodes[n], BIG_COPIES - 1));
    }
    test_eq(lake_debug_cap_identify(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CDT_021, "deleting a CNode holding 65536 capabilities completes and frees its memory")
{
    lake_cptr_t ut = test_new_untyped(env, BIG_RADIX + 5);
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t node = test_slot(env);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_CNODE, BIG_RADIX, TEST_CNODE, 0, 0, node, 1));
    for (lake_word_t i = 0; i < BIG_COPIES; i++)
        test_ok(lake_cnode_copy(node, i, BIG_RADIX, TEST_CNODE, ep, TEST_DEPTH, LAKE_RIGHTS_ALL));
    test_ok(lake_cnode_delete(TEST_CNODE, node, TEST_DEPTH));
    test_eq(lake_debug_cap_identify(node), LAKE_OBJ_NULL);
    /* The untyped has no children left, so the whole of it can be used again. */
    lake_cptr_t again = test_slot(env);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_CNODE, BIG_RADIX, TEST_CNODE, 0, 0, again, 1));
}
