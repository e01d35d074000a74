/*
 * SCHED: priorities, preemption on Resume, Yield round robin.
 */
#include "test.h"

static char order[16];
static volatile unsigned order_length;

static void append(char c)
{
    if (order_length < sizeof(order) - 1)
        order[order_length++] = c;
}

static void record_once(struct test_thread *t)
{
    append((char)t->arg[0]);
}

TEST(SCHED_001, "the higher-priority runnable thread runs first")
{
    struct test_thread low, high;
    test_thread_init(env, &low, record_once, 50, 0);
    test_thread_init(env, &high, record_once, 60, 0);
    low.arg[0] = 'L';
    high.arg[0] = 'H';
    test_thread_start(&low);
    test_thread_start(&high);
    test_eq(order_length, 0);       /* both below us: nothing ran yet */
    test_thread_join(&low);         /* blocks us: they run, highest first */
    test_thread_join(&high);
    test_eq(order_length, 2);
    test_eq(order[0], 'H');
    test_eq(order[1], 'L');
}

TEST(SCHED_002, "resuming a higher-priority thread preempts the caller at once")
{
    struct test_thread t;
    test_thread_init(env, &t, record_once, env->priority + 10, 0);
    t.arg[0] = 'X';
    test_thread_start(&t);
    test_eq(order_length, 1);
    test_eq(order[0], 'X');
}

static void spin_flag(struct test_thread *t)
{
    t->result[0] = 1;
}

TEST(SCHED_003, "a lower-priority thread does not run while the caller is runnable")
{
    struct test_thread t;
    test_thread_init(env, &t, spin_flag, env->priority - 10, 0);
    test_thread_start(&t);
    test_yield_many(10);
    for (volatile int i = 0; i < 100000; i++)
        ;
    test_eq(t.result[0], 0);
    test_thread_join(&t);
    test_eq(t.result[0], 1);
}

static void record_three(struct test_thread *t)
{
    for (int i = 0; i < 3; i++) {
        append((char)t->arg[0]);
        lake_yield();
    }
}

TEST(SCHED_004, "Yield takes turns between threads of the same priority")
{
    struct test_thread a, b;
    test_thread_init(env, &a, record_three, 50, 0);
    test_thread_init(env, &b, record_three, 50, 0);
    a.arg[0] = 'A';
    b.arg[0] = 'B';
    test_thread_start(&a);
    test_thread_start(&b);
    test_thread_join(&a);
    test_thread_join(&b);
    test_eq(order_length, 6);
    for (int i = 0; i < 6; i++)
        test_eq(order[i], i % 2 ? 'B' : 'A');
}

TEST(SCHED_005, "lowering our own priority lets a waiting thread run")
{
    struct test_thread t;
    test_thread_init(env, &t, spin_flag, env->priority - 10, 0);
    test_thread_start(&t);
    test_eq(t.result[0], 0);
    test_ok(lake_tcb_set_priority(env->tcb, env->tcb, env->priority - 20));
    test_eq(t.result[0], 1);
    test_ok(lake_tcb_set_priority(env->tcb, env->tcb, env->priority));
}

TEST(SCHED_006, "a suspended thread does not run even at a higher priority")
{
    struct test_thread t;
    test_thread_init(env, &t, spin_flag, env->priority + 10, 0);
    lake_word_t regs[LAKE_NUM_REGS];
    test_thread_initial_registers(&t, regs);
    test_ok(lake_tcb_write_registers(t.tcb, false, LAKE_NUM_REGS, regs));
    test_yield_many(3);
    test_eq(t.result[0], 0);
    test_ok(lake_tcb_resume(t.tcb));
    test_eq(t.result[0], 1);
}

static void recv_and_record(struct test_thread *t)
{
    lake_recv(t->arg[1], NULL);
    append((char)t->arg[0]);
}

TEST(SCHED_007, "a higher-priority receiver runs as soon as a message reaches it")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, recv_and_record, env->priority + 10, 0);
    t.arg[0] = 'R';
    t.arg[1] = ep;
    test_thread_start(&t);      /* it runs and blocks in Recv */
    test_eq(order_length, 0);
    lake_send(ep, lake_msginfo(0, 0, 0, 0));
    test_eq(order_length, 1);
    test_eq(order[0], 'R');
}
