/*
 * NOTIF: Signal, Wait, Poll, badge OR, and bound notifications waking an
 * endpoint Recv.
 */
#include "test.h"

TEST(NOTIF_001, "Signal then Poll returns the badge and clears the word")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t b = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x10);
    lake_signal(b);
    lake_word_t badge = 0;
    test_eq(lake_poll(ntfn, &badge), 0x10);
    test_eq(badge, 0x10);
    test_eq(lake_poll(ntfn, NULL), 0);
}

TEST(NOTIF_002, "badges of several signals are ORed together")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t b1 = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x1);
    lake_cptr_t b4 = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x4);
    lake_signal(b1);
    lake_signal(b4);
    lake_signal(b1);
    test_eq(lake_poll(ntfn, NULL), 0x5);
}

TEST(NOTIF_003, "Poll of an idle notification returns 0 at once")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_eq(lake_poll(ntfn, NULL), 0);
}

TEST(NOTIF_004, "Wait returns at once when the word is already set")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t b = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x80);
    lake_signal(b);
    test_eq(lake_wait(ntfn, NULL), 0x80);
}

static void waiter(struct test_thread *t)
{
    t->result[0] = lake_wait(t->arg[0], NULL);
}

TEST(NOTIF_005, "Signal wakes a thread blocked in Wait")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t b = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x8);
    struct test_thread t;
    test_thread_init(env, &t, waiter, env->priority, 0);
    t.arg[0] = ntfn;
    test_thread_start(&t);
    test_yield_many(3);
    test_eq(t.result[0], 0);
    lake_signal(b);
    test_thread_join(&t);
    test_eq(t.result[0], 0x8);
}

static void bound_receiver(struct test_thread *t)
{
    lake_word_t badge = 0;
    lake_msginfo_t info = lake_recv(t->arg[0], &badge);
    t->result[0] = info;
    t->result[1] = badge;
    t->result[2] = 1;
}

TEST(NOTIF_006, "a bound notification wakes an endpoint Recv with its word as badge")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t b = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x3);
    struct test_thread t;
    test_thread_init(env, &t, bound_receiver, env->priority, 0);
    test_ok(lake_tcb_bind_notification(t.tcb, ntfn));
    t.arg[0] = ep;
    test_thread_start(&t);
    test_yield_many(3);
    test_eq(t.result[2], 0);
    lake_signal(b);
    test_thread_join(&t);
    test_eq(lake_msginfo_label(t.result[0]), 0);
    test_eq(lake_msginfo_length(t.result[0]), 0);
    test_eq(t.result[1], 0x3);
}

TEST(NOTIF_007, "a bound notification signalled before Recv is delivered at once")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t b = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x30);
    test_ok(lake_tcb_bind_notification(env->tcb, ntfn));
    lake_signal(b);
    lake_word_t badge = 0;
    lake_msginfo_t info = lake_recv(ep, &badge);
    test_eq(lake_msginfo_label(info), 0);
    test_eq(badge, 0x30);
    test_ok(lake_tcb_unbind_notification(env->tcb));
}

TEST(NOTIF_008, "an endpoint message still arrives with a notification bound")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    struct test_thread t;
    test_thread_init(env, &t, bound_receiver, env->priority, 0);
    test_ok(lake_tcb_bind_notification(t.tcb, ntfn));
    t.arg[0] = ep;
    test_thread_start(&t);
    test_yield_many(3);
    lake_set_mr(0, 5);
    lake_send(ep, lake_msginfo(0x31, 0, 0, 1));
    test_thread_join(&t);
    test_eq(lake_msginfo_label(t.result[0]), 0x31);
    test_eq(t.result[1], 0);
}

static void signaller(struct test_thread *t)
{
    for (lake_word_t i = 0; i < t->arg[1]; i++) {
        lake_signal(t->arg[0]);
        lake_yield();
    }
}

TEST(NOTIF_009, "signals from another thread are counted by Wait")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t b = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x1);
    struct test_thread t;
    test_thread_init(env, &t, signaller, env->priority, 0);
    t.arg[0] = b;
    t.arg[1] = 3;
    test_thread_start(&t);
    unsigned woken = 0;
    while (woken < 3) {
        test_eq(lake_wait(ntfn, NULL), 1);
        woken++;
    }
    test_thread_join(&t);
}
