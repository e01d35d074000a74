/*
 * FPU: floating point and SIMD registers belong to each thread.
 */
#include "test.h"

/* A few hundred dependent floating point steps, yielding in between. */
static double compute(double seed, int steps, bool yield)
{
    volatile double x = seed;
    for (int i = 0; i < steps; i++) {
        x = x * 1.0000001 + seed / (i + 1);
        if (yield && i % 16 == 0)
            lake_yield();
    }
    return x;
}

static void fp_worker(struct test_thread *t)
{
    union { double d; lake_word_t w; } u;
    u.d = compute((double)t->arg[0], 256, true);
    t->result[0] = u.w;
}

TEST(FPU_001, "two threads computing with doubles keep their own results")
{
    union { double d; lake_word_t w; } expect1, expect2;
    expect1.d = compute(3.0, 256, false);
    expect2.d = compute(7.0, 256, false);
    struct test_thread a, b;
    test_thread_init(env, &a, fp_worker, env->priority, 0);
    test_thread_init(env, &b, fp_worker, env->priority, 0);
    a.arg[0] = 3;
    b.arg[0] = 7;
    test_thread_start(&a);
    test_thread_start(&b);
    /* And this thread computes too while they run. */
    union { double d; lake_word_t w; } mine;
    mine.d = compute(5.0, 256, true);
    test_thread_join(&a);
    test_thread_join(&b);
    test_eq(a.result[0], expect1.w);
    test_eq(b.result[0], expect2.w);
    union { double d; lake_word_t w; } expect_mine;
    expect_mine.d = compute(5.0, 256, false);
    test_eq(mine.w, expect_mine.w);
}

/* Load v0-v7 and v16-v23 with a pattern, yield (a system call), store. */
static void fill_yield_check(lake_word_t seed, lake_word_t out[16])
{
    register lake_word_t x0 __asm__("x0") = 0;
    register lake_word_t x1 __asm__("x1") = 0;
    register long x7 __asm__("x7") = LAKE_SYS_YIELD;
    __asm__ volatile(
        "fmov d0, %[s]\n\t"
        "add  x9, %[s], #1\n\tfmov d1, x9\n\t"
        "add  x9, %[s], #2\n\tfmov d2, x9\n\t"
        "add  x9, %[s], #3\n\tfmov d3, x9\n\t"
        "add  x9, %[s], #4\n\tfmov d4, x9\n\t"
        "add  x9, %[s], #5\n\tfmov d5, x9\n\t"
        "add  x9, %[s], #6\n\tfmov d6, x9\n\t"
        "add  x9, %[s], #7\n\tfmov d7, x9\n\t"
        "add  x9, %[s], #16\n\tfmov d16, x9\n\t"
        "add  x9, %[s], #17\n\tfmov d17, x9\n\t"
        "add  x9, %[s], #18\n\tfmov d18, x9\n\t"
        "add  x9, %[s], #19\n\tfmov d19, x9\n\t"
        "add  x9, %[s], #20\n\tfmov d20, x9\n\t"
        "add  x9, %[s], #21\n\tfmov d21, x9\n\t"
        "add  x9, %[s], #22\n\tfmov d22, x9\n\t"
        "add  x9, %[s], #23\n\tfmov d23, x9\n\t"
        "svc #0\n\t"
        "svc #0\n\t"
        "str d0, [%[o], #0]\n\tstr d1, [%[o], #8]\n\t"
        "str d2, [%[o], #16]\n\tstr d3, [%[o], #24]\n\t"
        "str d4, [%[o], #32]\n\tstr d5, [%[o], #40]\n\t"
        "str d6, [%[o], #48]\n\tstr d7, [%[o], #56]\n\t"
        "str d16, [%[o], #64]\n\tstr d17, [%[o], #72]\n\t"
        "str d18, [%[o], #80]\n\tstr d19, [%[o], #88]\n\t"
        "str d20, [%[o], #96]\n\tstr d21, [%[o], #104]\n\t"
        "str d22, [%[o], #112]\n\tstr d23, [%[o], #120]\n\t"
        : "+r"(x0), "+r"(x1)
        : [s] "r"(seed), [o] "r"(out), "r"(x7)
        : "x2", "x3", "x4", "x5", "x9", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7",
          "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", LAKE_SYSCALL_CLOBBERS);
}

static void check_pattern(lake_word_t seed, const lake_word_t out[16])
{
    for (unsigned i = 0; i < 8; i++)
        test_eq(out[i], seed + i);
    for (unsigned i = 0; i < 8; i++)
        test_eq(out[8 + i], seed + 16 + i);
}

static void register_worker(struct test_thread *t)
{
    lake_word_t out[16];
    for (int round = 0; round < 4; round++) {
        fill_yield_check(t->arg[0] + round, out);
        check_pattern(t->arg[0] + round, out);
    }
}

TEST(FPU_002, "SIMD registers survive system calls and switches to other FP users")
{
    struct test_thread a, b;
    test_thread_init(env, &a, register_worker, env->priority, 0);
    test_thread_init(env, &b, register_worker, env->priority, 0);
    a.arg[0] = 0x1000;
    b.arg[0] = 0x2000;
    test_thread_start(&a);
    test_thread_start(&b);
    lake_word_t out[16];
    fill_yield_check(0x3000, out);
    check_pattern(0x3000, out);
    test_thread_join(&a);
    test_thread_join(&b);
}
