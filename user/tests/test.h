/*
 * The in-OS test suite (like seL4's sel4test).
 *
 * The root task is a driver (driver.c). Every test registered with TEST()
 * runs in a fresh child process built from a 16 MiB untyped quota:
 *
 *   child CSpace: one CNode of 2^12 slots with a 52-bit zero guard, so a
 *   cptr is a slot number and a slot is (TEST_CNODE, n, 64):
 *     1 TCB          2 CNode        3 VSpace         4 IRQControl (copy)
 *     5 ASIDControl  6 ASID pool    7 IPC buffer     9 report endpoint
 *     10 untyped (4 MiB)            11 device untyped (copy; 0 if none)
 *     12 fault endpoint (badged; the default fault handler of new threads)
 *     16 and up: free (env->alloc hands them out)
 *   child VSpace: the driver's text and rodata (the same frames, read-only),
 *   fresh copies of its data and bss, the IPC buffer at TEST_IPC_BUFFER
 *   with struct test_env at TEST_ENV_ADDR, helper thread IPC buffers after
 *   it. Everything from TEST_FREE_VADDR up is free; the page tables it
 *   needs are not there yet.
 *
 * A test passes when its function returns. test_assert / test_eq /
 * test_error report the first failed check (file:line and the check) and
 * stop the test; a fault of any thread whose fault handler is the default
 * is reported as a failure too. After each test the driver revokes the
 * quota, which destroys everything the child had.
 *
 * TEST_ROOT() tests run inside the driver itself (read-only checks of the
 * root task's boot state only: a crash there ends the suite).
 */
#ifndef TEST_H
#define TEST_H

#include <inttypes.h>
#include <stdint.h>

#include <lake/runtime.h>

/* ---- child layout ---------------------------------------------------- */

enum test_slot {
    TEST_TCB = 1,
    TEST_CNODE = 2,
    TEST_VSPACE = 3,
    TEST_IRQ_CONTROL = 4,
    TEST_ASID_CONTROL = 5,
    TEST_ASID_POOL = 6,
    TEST_IPC_FRAME = 7,
    TEST_REPORT_EP = 9,
    TEST_UNTYPED = 10,
    TEST_DEVICE_UNTYPED = 11,
    TEST_FAULT_EP = 12,
    TEST_FIRST_FREE_SLOT = 16,
};

#define TEST_CNODE_RADIX    12
#define TEST_DEPTH          64          /* depth of a slot in the child CNode */
#define TEST_UNTYPED_BITS   23
#define TEST_BIG_UNTYPED_BITS 27        /* tests flagged TEST_BIG_MEMORY */
#define TEST_PRIORITY       100         /* the child's main thread */
#define TEST_MCP            200

#define TEST_IPC_BUFFER     0x10000000ul
#define TEST_ENV_ADDR       (TEST_IPC_BUFFER + 0x800)
#define TEST_THREAD_IPC_BASE (TEST_IPC_BUFFER + 0x1000)
#define TEST_FREE_VADDR     0x40000000ul    /* page tables for levels 2 and 3 missing */
#define TEST_MAX_THREADS    6
#define TEST_SYSTEM_TIMER_PADDR 0x3f003000ul   /* BCM2835 system timer (1 MHz, IRQs 0-3) */

/* Badges of the driver's endpoint: the report cap and the fault cap. */
#define TEST_BADGE_REPORT   1
#define TEST_BADGE_FAULT    2

/* Report labels. */
#define TEST_REPORT_PASS    0
#define TEST_REPORT_FAIL    1

struct test_env {
    lake_cptr_t tcb, cnode, vspace;
    lake_cptr_t irq_control, asid_control, asid_pool;
    lake_cptr_t ipc_frame, report_ep, fault_ep;
    lake_cptr_t untyped;                /* RAM untyped of 2^untyped_size_bits bytes */
    unsigned untyped_size_bits;
    lake_cptr_t device_untyped;         /* 0 if the machine has none; holds the */
    unsigned device_untyped_size_bits;  /* BCM2835 system timer when there is one */
    lake_word_t device_untyped_paddr;
    lake_word_t ipc_buffer;             /* main thread's IPC buffer address */
    unsigned priority, mcp;             /* of the main thread */
    const struct lake_bootinfo *bootinfo;   /* a copy of the root task's */
    struct lake_alloc alloc;            /* free slots, objects from `untyped` */
    unsigned threads_used;
    const struct test_desc *test;
};

/* ---- registration ---------------------------------------------------- */

#define TEST_IN_ROOT 1u
#define TEST_BIG_MEMORY 2u      /* a 128 MiB untyped instead of 8 MiB */

struct test_desc {
    const char *name;           /* CATEGORY_NNN */
    const char *description;
    void (*run)(struct test_env *env);
    unsigned flags;
};

#define TEST_FLAGS(NAME, DESCRIPTION, FLAGS)                                        \
    static void test_run_##NAME(struct test_env *env);                             \
    static const struct test_desc test_desc_##NAME                                 \
        __attribute__((used, section("lake_tests"), aligned(8))) = {               \
            #NAME, DESCRIPTION, test_run_##NAME, FLAGS};                            \
    static void test_run_##NAME(struct test_env *env __attribute__((unused)))

#define TEST(NAME, DESCRIPTION) TEST_FLAGS(NAME, DESCRIPTION, 0)
#define TEST_ROOT(NAME, DESCRIPTION) TEST_FLAGS(NAME, DESCRIPTION, TEST_IN_ROOT)
#define TEST_BIG(NAME, DESCRIPTION) TEST_FLAGS(NAME, DESCRIPTION, TEST_BIG_MEMORY)

/* ---- checks ---------------------------------------------------------- */

void test_fail(const char *file, int line, const char *format, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#define test_assert(cond)                                                           \
    do {                                                                            \
        if (!(cond))                                                                \
            test_fail(__FILE__, __LINE__, "test_assert(%s)", #cond);                \
    } while (0)

#define test_eq(a, b)                                                               \
    do {                                                                            \
        lake_word_t test_a_ = (lake_word_t)(a), test_b_ = (lake_word_t)(b);         \
        if (test_a_ != test_b_)                                                     \
            test_fail(__FILE__, __LINE__, "test_eq(%s, %s): %" PRId64 " (%#" PRIx64 \
                      ") != %" PRId64 " (%#" PRIx64 ")", #a, #b, (int64_t)test_a_,  \
                      test_a_, (int64_t)test_b_, test_b_);                          \
    } while (0)

#define test_error(call, expected)                                                  \
    do {                                                                            \
        int test_e_ = (call), test_x_ = (expected);                                 \
        if (test_e_ != test_x_)                                                     \
            test_fail(__FILE__, __LINE__, "%s: %s (%d), expected %s", #call,        \
                      lake_error_name(test_e_), test_e_, lake_error_name(test_x_)); \
    } while (0)

#define test_ok(call) test_error(call, LAKE_OK)

/* ---- helpers for tests (child side) ---------------------------------- */

/* A free slot of the child CNode. */
lake_cptr_t test_slot(struct test_env *env);
/* One new object from env->untyped (the test fails if that fails). */
lake_cptr_t test_new(struct test_env *env, unsigned type, unsigned size_bits);
/* An untyped of 2^bits bytes carved from env->untyped. */
lake_cptr_t test_new_untyped(struct test_env *env, unsigned bits);
/* Map `frame` at vaddr, adding page tables from env->untyped as needed. */
void test_map(struct test_env *env, lake_cptr_t frame, lake_word_t vaddr, unsigned rights,
              unsigned attrs);
/* A fresh 4 KiB frame mapped read-write at vaddr; returns its cptr. */
lake_cptr_t test_new_page(struct test_env *env, lake_word_t vaddr);

/* A copy of the cap at `slot` with `rights`, in a new slot. */
lake_cptr_t test_copy(struct test_env *env, lake_cptr_t slot, unsigned rights);
/* A badged copy (Mint) of the cap at `slot`, in a new slot. */
lake_cptr_t test_mint(struct test_env *env, lake_cptr_t slot, unsigned rights, lake_word_t badge);

/* Helper threads in the child's CSpace and VSpace, each with its own
 * stack, TLS area and IPC buffer. fn runs in the new thread; when it
 * returns, the thread signals `done` and suspends itself. */
struct test_thread {
    struct test_env *env;
    void (*fn)(struct test_thread *self);
    lake_word_t arg[4];                 /* free for the test */
    volatile lake_word_t result[4];     /* free for the test */
    lake_cptr_t tcb;
    lake_cptr_t ipc_frame;
    lake_cptr_t done;                   /* notification signalled when fn returns */
    lake_word_t ipc_buffer;
    lake_word_t stack_top;
    lake_word_t tls_base;               /* TPIDR_EL0 */
};

/* Make a thread (not started). fault_ep 0: the default handler (the
 * driver, which fails the test on any fault). */
void test_thread_init(struct test_env *env, struct test_thread *t,
                      void (*fn)(struct test_thread *), unsigned priority, lake_cptr_t fault_ep);
/* Set its registers to enter fn and resume it. */
void test_thread_start(struct test_thread *t);
/* Wait until fn has returned. */
void test_thread_join(struct test_thread *t);
/* The register file a thread starts with (for tests that write registers). */
void test_thread_initial_registers(struct test_thread *t, lake_word_t regs[LAKE_NUM_REGS]);

/* A few yields, to let threads of the same priority run. */
void test_yield_many(int count);

/* ---- driver and child internals -------------------------------------- */

void test_child_entry(struct test_env *env) __attribute__((noreturn));
/* Set by the driver while a TEST_ROOT test runs. */
extern int test_running_in_root;
void test_root_failed(const char *message) __attribute__((noreturn));

#endif
