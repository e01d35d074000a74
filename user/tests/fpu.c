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

/*
 * What a system call does to the FP registers (docs/ABI.md): v8-v15 (all
 * 128 bits), FPCR and FPSR come back as they were; v0-v7 and v16-v31 may
 * come back with older values of the thread's own, never another thread's.
 * Each thread's values carry its tag in their top 16 bits.
 */
#define FP_ROUNDS 24
#define FP_OUT_WORDS 65         /* q0-q31, then FPCR */
#define FPCR_ROUND_TO_ZERO (3ul << 22)
#define TAG(v) ((v) >> 48)

#define FP_REGS "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31"

/* Loads every v register with the seed's pattern (lane 0: seed + n, lane 1:
 * seed + 0x100 + n) and FPCR with fpcr, makes system call number on cptr
 * with an empty message, and stores q0-q31 and FPCR to out. */
static __attribute__((noinline)) void fp_syscall(lake_word_t seed, lake_word_t fpcr, long number,
                                                 lake_cptr_t cptr, lake_word_t out[FP_OUT_WORDS])
{
    register lake_word_t x0 __asm__("x0") = cptr;
    register lake_word_t x1 __asm__("x1") = 0;
    register long x7 __asm__("x7") = number;
    __asm__ volatile(
        "msr fpcr, %[c]\n\t"
        ".irp n," FP_REGS "\n\t"
        "add x9, %[s], #\\n\n\t"
        "fmov d\\n, x9\n\t"
        "add x9, x9, #0x100\n\t"
        "mov v\\n\\().d[1], x9\n\t"
        ".endr\n\t"
        "svc #0\n\t"
        ".irp n," FP_REGS "\n\t"
        "str q\\n, [%[o], #(\\n * 16)]\n\t"
        ".endr\n\t"
        "mrs x9, fpcr\n\t"
        "str x9, [%[o], #512]"
        : "+r"(x0), "+r"(x1)
        : [s] "r"(seed), [c] "r"(fpcr), [o] "r"(out), "r"(x7)
        : "x2", "x3", "x4", "x5", "x9", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15",
          LAKE_SYSCALL_CLOBBERS);
    __asm__ volatile("msr fpcr, xzr");
}

static void fp_check(const lake_word_t out[FP_OUT_WORDS], lake_word_t seed, lake_word_t fpcr,
                     lake_word_t other_seed)
{
    for (unsigned n = 0; n < 32; n++) {
        if (n >= 8 && n <= 15) {
            test_eq(out[2 * n], seed + n);
            test_eq(out[2 * n + 1], seed + 0x100 + n);
        } else {
            test_assert(TAG(out[2 * n]) != TAG(other_seed));
            test_assert(TAG(out[2 * n + 1]) != TAG(other_seed));
        }
    }
    test_eq(out[64], fpcr);
}

/* Round `round` of a thread whose patterns start at base: fill, make the
 * system call, check against the thread on the other side. */
static void fp_round(lake_word_t base, unsigned round, lake_word_t fpcr, long number,
                     lake_cptr_t cptr, lake_word_t other_base)
{
    lake_word_t out[FP_OUT_WORDS];
    lake_word_t seed = base + round * 0x1000;
    fp_syscall(seed, fpcr, number, cptr, out);
    fp_check(out, seed, fpcr, other_base);
}

#define SERVER_FP_SEED 0xb00d000000000000ul
#define CLIENT_FP_SEED 0xc11e000000000000ul
#define YIELD_FP_SEED 0xd1e1000000000000ul

/* arg[0] = endpoint. Answers calls with ReplyRecv (the fast path's
 * switch), every v register full of its own pattern and FPCR rounding
 * towards zero. */
static void fp_server(struct test_thread *t)
{
    lake_recv(t->arg[0], NULL);
    for (unsigned round = 1; round < FP_ROUNDS; round++)
        fp_round(SERVER_FP_SEED, round, FPCR_ROUND_TO_ZERO, LAKE_SYS_REPLY_RECV, t->arg[0],
                 CLIENT_FP_SEED);
    lake_reply(lake_msginfo(0, 0, 0, 0));
    t->result[0] = 1;
}

TEST(FPU_002, "Call and ReplyRecv keep v8-v15 and FPCR, and never bring back another thread's v registers")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, fp_server, env->priority, 0);
    t.arg[0] = ep;
    test_thread_start(&t);
    for (unsigned round = 0; round < FP_ROUNDS; round++)
        fp_round(CLIENT_FP_SEED, round, 0, LAKE_SYS_CALL, ep, SERVER_FP_SEED);
    test_thread_join(&t);
    test_eq(t.result[0], 1);
}

static void fp_yielder(struct test_thread *t)
{
    for (unsigned round = 0; round < FP_ROUNDS; round++)
        fp_round(t->arg[0], round, FPCR_ROUND_TO_ZERO, LAKE_SYS_YIELD, 0, t->arg[1]);
    t->result[0] = 1;
}

TEST(FPU_003, "Yield between FP users keeps v8-v15 and FPCR, and never brings back another thread's v registers")
{
    struct test_thread t;
    test_thread_init(env, &t, fp_yielder, env->priority, 0);
    t.arg[0] = YIELD_FP_SEED;
    t.arg[1] = CLIENT_FP_SEED;
    test_thread_start(&t);
    for (unsigned round = 0; round < FP_ROUNDS; round++)
        fp_round(CLIENT_FP_SEED, round, 0, LAKE_SYS_YIELD, 0, YIELD_FP_SEED);
    test_thread_join(&t);
    test_eq(t.result[0], 1);
}
