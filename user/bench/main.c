/*
 * bench, the root task of the benchmark image (build/kernel-bench): counts
 * the instructions of kernel operations with the PMU and prints one line
 * `BENCH <name> <value> insns` per figure, then halts with status 0.
 *
 * Counters (set up by the kernel's pmu_init for CONFIG_BENCH images, and
 * readable at EL0 there): PMEVCNTR0 counts INST_RETIRED at EL1 only (the
 * kernel), PMEVCNTR1 at EL0 and EL1. Under QEMU's -icount both are exact.
 * Every figure is printed twice: <name>_kernel (EL1) and <name>_total
 * (EL0 + EL1; the svc itself is an EL0 instruction).
 *
 * Method: each scenario runs WARMUP iterations and then ITERATIONS measured
 * ones. Each measured iteration reads both counters before and after the
 * operation (pmu_read: two mrs), subtracts the cost of the reading itself
 * (the median of back-to-back reads, 0 for the kernel counter) and keeps the
 * sample; the figure is the median sample, so an iteration that a timer
 * tick happened to hit does not count. See docs/PERFORMANCE.md.
 *
 * Address spaces: the root task is the client in its own VSpace. A second
 * VSpace (its own ASID from the root's pool and its own page tables) maps
 * copies of the root's image frames at the same addresses, so code and
 * globals are shared between both (results travel through plain memory),
 * while every switch between a thread of one and a thread of the other is
 * a real address-space switch (TTBR0 + ASID). Every thread has its own
 * stack, TLS block and IPC buffer frame; all share the root's CSpace.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lake/runtime.h>
#include <lake/env.h>

/* malloc's memory (no process environment in the root task). */
LAKE_STATIC_HEAP(256u << 10);
LAKE_ROOT_STACK(65536);

#define ITERATIONS      1000
#define WARMUP          100
#define ROOT_DEPTH      64
#define PRIO            100             /* client, server: equal priorities */
#define PRIO_LOW        50              /* signal_noswitch: the waiter */
#define PRIO_IDLE       10              /* signal_noswitch: the re-arming thread */
#define PRIO_IRQ        150             /* irq_to_user: the handler thread */
#define MAX_THREADS     16
#define STACK_SIZE      8192
#define TLS_SIZE        512
#define IPC_VADDR       0x10000000ul    /* thread IPC buffers, one page each */
#define FAULT_VADDR     0x20000000ul    /* fault_roundtrip, frame_map */
#define TIMER_VADDR     0x30000000ul    /* BCM2835 system timer registers */

/* BCM2835 system timer (device memory), compare channel 1 -> GPU IRQ 1. */
#define SYSTIMER_PADDR  0x3f003000ul
#define SYSTIMER_CS     0x00            /* match flags, write 1 to clear */
#define SYSTIMER_CLO    0x04            /* 1 MHz counter, low word */
#define SYSTIMER_C1     0x10            /* compare 1 */
#define SYSTIMER_IRQ    1

/* ---- counters ---------------------------------------------------------- */

struct counts {
    uint64_t k;     /* PMEVCNTR0: EL1 */
    uint64_t t;     /* PMEVCNTR1: EL0 + EL1 */
};

static inline __attribute__((always_inline)) struct counts pmu_read(void)
{
    struct counts c;
    __asm__ volatile("mrs %0, pmevcntr0_el0\n\t"
                     "mrs %1, pmevcntr1_el0"
                     : "=&r"(c.k), "=&r"(c.t) : : "memory");
    return c;
}

static inline uint64_t counter_ticks(void)
{
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(v) : : "memory");
    return v;
}

/* The counters are 32 bits wide: differences are taken modulo 2^32. */
static inline uint32_t delta(uint64_t end, uint64_t start)
{
    return (uint32_t)(end - start);
}

/* ---- samples and results ------------------------------------------------ */

static struct counts overhead;                  /* cost of one pmu_read pair */
static uint32_t samples_k[ITERATIONS], samples_t[ITERATIONS];

/* Results shared between threads of both address spaces (the image's
 * frames are mapped in both). */
static volatile struct {
    struct counts a[ITERATIONS];                /* per-iteration readings */
    struct counts b[ITERATIONS];
    struct counts last;                         /* irq_to_user: spinner's last reading */
    volatile unsigned count;
} shared;

static void record(unsigned i, struct counts start, struct counts end)
{
    samples_k[i] = delta(end.k, start.k) - (uint32_t)overhead.k;
    samples_t[i] = delta(end.t, start.t) - (uint32_t)overhead.t;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t median(uint32_t *v, unsigned n, uint32_t *min, uint32_t *max)
{
    qsort(v, n, sizeof(v[0]), compare_u32);
    *min = v[0];
    *max = v[n - 1];
    return v[n / 2];
}

struct figure {
    uint32_t k, t;
};

static struct figure summarise(const char *name, unsigned n)
{
    struct figure f;
    uint32_t kmin, kmax, tmin, tmax;
    f.k = median(samples_k, n, &kmin, &kmax);
    f.t = median(samples_t, n, &tmin, &tmax);
    /* Not a BENCH line: the spread, to see that the median is the rule. */
    printf("bench: %-26s kernel min %5" PRIu32 " median %5" PRIu32 " max %6" PRIu32
           "   total min %5" PRIu32 " median %5" PRIu32 " max %6" PRIu32 "  (n=%u)\n",
           name, kmin, f.k, kmax, tmin, f.t, tmax, n);
    return f;
}

static void print_figure(const char *name, struct figure f)
{
    printf("BENCH %s_kernel %" PRIu32 " insns\n", name, f.k);
    printf("BENCH %s_total %" PRIu32 " insns\n", name, f.t);
    fflush(stdout);
}

/* Median of the samples, divided by `per` operations per sample. */
static struct figure report(const char *name, unsigned n, unsigned per)
{
    struct figure f = summarise(name, n);
    f.k = (f.k + per / 2) / per;
    f.t = (f.t + per / 2) / per;
    print_figure(name, f);
    return f;
}

static void __attribute__((noreturn)) fail(const char *what, int error)
{
    printf("bench: %s failed: %s\n", what, lake_error_name(error));
    fflush(stdout);
    lake_debug_halt(1);
}

#define CHECK(call)                                                     \
    do {                                                                \
        int check_error_ = (call);                                      \
        if (check_error_ != LAKE_OK)                                    \
            fail(#call, check_error_);                                  \
    } while (0)

/* ---- objects, address spaces, threads ------------------------------------ */

static struct lake_alloc alloc;
static lake_cptr_t vspace2;                     /* the second address space */

static lake_cptr_t new_object(unsigned type, unsigned size_bits)
{
    lake_cptr_t slot;
    CHECK(lake_alloc_object(&alloc, type, size_bits, &slot));
    return slot;
}

static lake_cptr_t new_slot(void)
{
    lake_cptr_t slot;
    CHECK(lake_alloc_slot(&alloc, &slot));
    return slot;
}

static lake_cptr_t copy_cap(lake_cptr_t src, unsigned rights)
{
    lake_cptr_t dest = new_slot();
    CHECK(lake_cnode_copy(LAKE_ROOT_CNODE, dest, ROOT_DEPTH, LAKE_ROOT_CNODE, src, ROOT_DEPTH,
                          rights));
    return dest;
}

/* A VSpace with an ASID that maps the root's image frames (copies of the
 * caps) at the same addresses with the same permissions. */
static lake_cptr_t make_vspace_alias(void)
{
    const struct lake_bootinfo *bi = lake_bootinfo;
    lake_cptr_t vs = new_object(LAKE_OBJ_VSPACE, 0);
    CHECK(lake_asid_pool_assign(LAKE_ROOT_ASID_POOL, vs));
    for (uintptr_t va = (uintptr_t)__image_start; va < (uintptr_t)__image_end;
         va += LAKE_PAGE_SIZE) {
        lake_cptr_t frame = bi->user_image_frames.start + (va - bi->image_start) / LAKE_PAGE_SIZE;
        unsigned rights = va < (uintptr_t)__data_start ? LAKE_RIGHT_READ : LAKE_RIGHTS_RW;
        unsigned attrs = va < (uintptr_t)__text_end ? 0 : LAKE_ATTR_EXECUTE_NEVER;
        CHECK(lake_map_page(&alloc, copy_cap(frame, rights), vs, va, rights, attrs));
    }
    return vs;
}

struct thread {
    lake_cptr_t tcb;
    lake_word_t ipc_buffer;
    void (*fn)(lake_word_t arg);
    lake_word_t arg;
};

static struct thread threads[MAX_THREADS];
static unsigned threads_used;
static char stacks[MAX_THREADS][STACK_SIZE] __attribute__((aligned(16)));
static char tls_areas[MAX_THREADS][TLS_SIZE] __attribute__((aligned(64)));

static void __attribute__((noreturn)) thread_entry(struct thread *t)
{
    lake_ipc_buffer = (struct lake_ipc_buffer *)t->ipc_buffer;
    t->fn(t->arg);
    for (;;)
        lake_tcb_suspend(t->tcb);
}

/* A thread in `vspace` (the root's or vspace2) running fn(arg), started at
 * once. fault_ep: its fault handler (0: none). */
static struct thread *start_thread(lake_cptr_t vspace, void (*fn)(lake_word_t), lake_word_t arg,
                                   unsigned priority, lake_cptr_t fault_ep)
{
    if (threads_used >= MAX_THREADS)
        fail("start_thread: too many threads", LAKE_RANGE_ERROR);
    if (lake_tls_area_size() > TLS_SIZE)
        fail("start_thread: TLS area too large", LAKE_RANGE_ERROR);
    unsigned i = threads_used++;
    struct thread *t = &threads[i];
    t->fn = fn;
    t->arg = arg;
    t->ipc_buffer = IPC_VADDR + i * LAKE_PAGE_SIZE;
    t->tcb = new_object(LAKE_OBJ_TCB, 0);
    lake_cptr_t ipc_frame = new_object(LAKE_OBJ_FRAME_4K, 0);
    CHECK(lake_map_page(&alloc, ipc_frame, vspace, t->ipc_buffer, LAKE_RIGHTS_RW,
                        LAKE_ATTR_EXECUTE_NEVER));
    CHECK(lake_tcb_configure(t->tcb, fault_ep, LAKE_ROOT_CNODE, 0, vspace, t->ipc_buffer,
                             ipc_frame));
    CHECK(lake_tcb_set_priority(t->tcb, LAKE_ROOT_TCB, priority));

    lake_word_t regs[LAKE_NUM_REGS] = {0};
    regs[LAKE_REG_PC] = (lake_word_t)thread_entry;
    regs[LAKE_REG_SP] = (lake_word_t)&stacks[i][STACK_SIZE];
    regs[LAKE_REG_X0] = (lake_word_t)t;
    regs[LAKE_REG_TPIDR] = lake_tls_init(tls_areas[i], TLS_SIZE);
    CHECK(lake_tcb_write_registers(t->tcb, true, LAKE_NUM_REGS, regs));
    return t;
}

static void stop_thread(struct thread *t)
{
    CHECK(lake_tcb_suspend(t->tcb));
}

/* ---- system call stubs kept to the registers ------------------------------ */

static inline lake_msginfo_t sys(long number, lake_cptr_t cptr, lake_msginfo_t info)
{
    lake_word_t x0 = cptr;
    return lake_syscall_mrs(number, &x0, info, NULL, NULL, NULL, NULL);
}

static inline lake_msginfo_t sys4(long number, lake_cptr_t cptr, lake_msginfo_t info,
                                  lake_word_t w[4])
{
    lake_word_t x0 = cptr;
    return lake_syscall_mrs(number, &x0, info, &w[0], &w[1], &w[2], &w[3]);
}

static inline void fpu_touch(void)
{
    __asm__ volatile("fadd d0, d0, d1" : : : "v0", "v1");
}

/* ---- the measurement itself ---------------------------------------------- */

static void measure_overhead(void)
{
    overhead.k = overhead.t = 0;
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    struct figure f = summarise("measurement overhead", ITERATIONS);
    overhead.k = f.k;
    overhead.t = f.t;

    /* Self-check: 1000 EL0 instructions count 1000 in the total and
     * nothing in the kernel counter. */
    struct counts s = pmu_read();
    __asm__ volatile(".rept 1000\n\tnop\n\t.endr" : : : "memory");
    struct counts e = pmu_read();
    uint32_t k = delta(e.k, s.k) - (uint32_t)overhead.k, t = delta(e.t, s.t) - (uint32_t)overhead.t;
    printf("bench: check: 1000 nops at EL0 count kernel %" PRIu32 ", total %" PRIu32 "\n", k, t);
    if (k != 0 || t != 1000)
        fail("counter self-check", LAKE_INVALID_ARGUMENT);
}

/* ---- boot ------------------------------------------------------------------ */

static struct counts boot_pmu;
static uint64_t boot_ticks;

static void report_boot(void)
{
    /* Read in main before anything else: the counters started in the
     * kernel's pmu_init (just before it built the root task), the generic
     * counter (62.5 MHz, 16 ns = 16 instructions under -icount shift=0) at
     * reset. boot_pmu.t - boot_pmu.k are the root task's own instructions
     * before main (crt0, TLS, constructors). */
    uint32_t el1 = (uint32_t)boot_pmu.k;
    uint32_t el0 = (uint32_t)(boot_pmu.t - boot_pmu.k);
    uint64_t freq = lake_bootinfo->timer_frequency;
    uint64_t insns = boot_ticks * (1000000000ull / freq) - el0;
    printf("bench: boot: generic counter %" PRIu64 " ticks at %" PRIu64 " Hz; since pmu_init "
           "%" PRIu32 " kernel + %" PRIu32 " root task instructions before main\n",
           boot_ticks, freq, el1, el0);
    printf("BENCH boot_to_roottask %" PRIu64 " insns\n", insns);
    printf("BENCH boot_pmu_init_to_roottask_kernel %" PRIu32 " insns\n", el1);
}

/* ---- IPC ------------------------------------------------------------------ */

static lake_cptr_t ep;

static void server_0w(lake_word_t arg)
{
    (void)arg;
    sys(LAKE_SYS_RECV, ep, 0);
    for (;;)
        sys(LAKE_SYS_REPLY_RECV, ep, lake_msginfo(0, 0, 0, 0));
}

static void server_4w(lake_word_t arg)
{
    (void)arg;
    lake_word_t w[4] = {0};
    sys4(LAKE_SYS_RECV, ep, 0, w);
    for (;;)
        sys4(LAKE_SYS_REPLY_RECV, ep, lake_msginfo(0, 0, 0, 4), w);
}

static void server_fpu(lake_word_t arg)
{
    (void)arg;
    sys(LAKE_SYS_RECV, ep, 0);
    for (;;) {
        fpu_touch();
        sys(LAKE_SYS_REPLY_RECV, ep, lake_msginfo(0, 0, 0, 0));
    }
}

/* Reads the counters right after Recv returns (a[]) and right before
 * ReplyRecv (b[]). */
static void server_oneway(lake_word_t arg)
{
    (void)arg;
    unsigned i = 0;
    sys(LAKE_SYS_RECV, ep, 0);
    for (;;) {
        struct counts after_recv = pmu_read();
        shared.a[i] = after_recv;
        struct counts before_reply = pmu_read();
        shared.b[i] = before_reply;
        i = (i + 1) % ITERATIONS;
        sys(LAKE_SYS_REPLY_RECV, ep, lake_msginfo(0, 0, 0, 0));
    }
}

static void bench_ipc(void)
{
    lake_msginfo_t info0 = lake_msginfo(0, 0, 0, 0), info4 = lake_msginfo(0, 0, 0, 4);
    ep = new_object(LAKE_OBJ_ENDPOINT, 0);

    struct thread *server = start_thread(vspace2, server_0w, 0, PRIO, 0);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        sys(LAKE_SYS_CALL, ep, info0);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    report("ipc_call_roundtrip", ITERATIONS, 1);
    stop_thread(server);

    server = start_thread(vspace2, server_4w, 0, PRIO, 0);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        lake_word_t w[4] = {i, 2, 3, 4};
        struct counts s = pmu_read();
        sys4(LAKE_SYS_CALL, ep, info4, w);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
        if (w[0] != i)
            fail("ipc_call_roundtrip_4w: wrong reply", LAKE_INVALID_ARGUMENT);
    }
    report("ipc_call_roundtrip_4w", ITERATIONS, 1);
    stop_thread(server);

    /* One-way: the client's Call up to the server's first instruction
     * after Recv, and the server's ReplyRecv up to the client's first
     * instruction after Call. */
    server = start_thread(vspace2, server_oneway, 0, PRIO, 0);
    static struct counts client_start[ITERATIONS], client_end[ITERATIONS];
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        unsigned j = i % ITERATIONS;
        struct counts s = pmu_read();
        sys(LAKE_SYS_CALL, ep, info0);
        struct counts e = pmu_read();
        client_start[j] = s;
        client_end[j] = e;
    }
    /* The last ITERATIONS iterations are in the arrays (i % ITERATIONS). */
    for (unsigned j = 0; j < ITERATIONS; j++)
        record(j, client_start[j], shared.a[j]);
    report("ipc_call_oneway", ITERATIONS, 1);
    for (unsigned j = 0; j < ITERATIONS; j++)
        record(j, shared.b[j], client_end[j]);
    report("ipc_replyrecv_oneway", ITERATIONS, 1);
    stop_thread(server);

    /* FPU: client and server each use FP/SIMD registers once per round
     * trip (the kernel switches FP state lazily). */
    server = start_thread(vspace2, server_fpu, 0, PRIO, 0);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        fpu_touch();
        sys(LAKE_SYS_CALL, ep, info0);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    report("ipc_call_roundtrip_fpu", ITERATIONS, 1);
    stop_thread(server);
}

/* ---- system calls, scheduling ------------------------------------------------ */

static void bench_null_syscall(void)
{
    /* Reply with an empty reply slot: trap, dispatch, nothing to do, return. */
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        sys(LAKE_SYS_REPLY, 0, 0);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    report("null_syscall", ITERATIONS, 1);
}

static void yielder(lake_word_t arg)
{
    (void)arg;
    for (;;)
        sys(LAKE_SYS_YIELD, 0, 0);
}

static void bench_yield(void)
{
    /* Nothing else at the root's priority is runnable. */
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        sys(LAKE_SYS_YIELD, 0, 0);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    report("yield", ITERATIONS, 1);

    /* Two threads of equal priority in different address spaces; one
     * sample is root Yield -> other thread's Yield -> root: two switches. */
    struct thread *other = start_thread(vspace2, yielder, 0, PRIO, 0);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        sys(LAKE_SYS_YIELD, 0, 0);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    report("yield_switch", ITERATIONS, 2);
    stop_thread(other);
}

/* ---- notifications ---------------------------------------------------------- */

static lake_cptr_t ntfn_a, ntfn_b;              /* badged caps (Read and Write) */

static void ntfn_partner(lake_word_t arg)
{
    (void)arg;
    for (;;) {
        sys(LAKE_SYS_RECV, ntfn_b, 0);
        sys(LAKE_SYS_SEND, ntfn_a, 0);
    }
}

static void ntfn_waiter(lake_word_t arg)
{
    (void)arg;
    for (;;)
        sys(LAKE_SYS_RECV, ntfn_b, 0);
}

static void ntfn_rearm(lake_word_t arg)
{
    (void)arg;
    for (;;)
        sys(LAKE_SYS_SEND, ntfn_a, 0);
}

/* A notification cap with badge 1 (a badge of 0 would signal nothing). */
static lake_cptr_t new_badged_notification(void)
{
    lake_cptr_t ntfn = new_object(LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = new_slot();
    CHECK(lake_cnode_mint(LAKE_ROOT_CNODE, badged, ROOT_DEPTH, LAKE_ROOT_CNODE, ntfn,
                          ROOT_DEPTH, LAKE_RIGHTS_ALL, 1));
    return badged;
}

static void bench_notification(void)
{
    ntfn_a = new_badged_notification();
    ntfn_b = new_badged_notification();

    /* Round trip: the root signals b and waits on a; the partner (other
     * address space, same priority) waits on b and signals a. */
    struct thread *partner = start_thread(vspace2, ntfn_partner, 0, PRIO, 0);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        sys(LAKE_SYS_SEND, ntfn_b, 0);
        sys(LAKE_SYS_RECV, ntfn_a, 0);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    report("notification_roundtrip", ITERATIONS, 1);
    stop_thread(partner);

    /* Signal to a waiting lower-priority thread: the root keeps running.
     * The waiter (priority 50, other address space) waits on b; after each
     * sample the root waits on a, the waiter runs and waits again, and a
     * thread at priority 10 (it runs only when both are blocked) signals
     * a. */
    struct thread *waiter = start_thread(vspace2, ntfn_waiter, 0, PRIO_LOW, 0);
    struct thread *rearm = start_thread(LAKE_ROOT_VSPACE, ntfn_rearm, 0, PRIO_IDLE, 0);
    sys(LAKE_SYS_RECV, ntfn_a, 0);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        sys(LAKE_SYS_SEND, ntfn_b, 0);
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
        sys(LAKE_SYS_RECV, ntfn_a, 0);
    }
    report("signal_noswitch", ITERATIONS, 1);
    stop_thread(rearm);
    stop_thread(waiter);
}

/* ---- faults and mappings ------------------------------------------------------ */

static lake_cptr_t fault_ep, fault_frame, done_ntfn;

/* Handler of user exceptions: resume at the next instruction. */
static void exception_handler(lake_word_t arg)
{
    (void)arg;
    lake_word_t w[4] = {0};
    sys4(LAKE_SYS_RECV, fault_ep, 0, w);
    for (;;) {
        w[0] += 4;      /* pc of the faulting instruction -> the next one */
        sys4(LAKE_SYS_REPLY_RECV, fault_ep, lake_msginfo(0, 0, 0, 1), w);
    }
}

/* Handler of VM faults: map the frame, resume (the access is retried). */
static void vm_fault_handler(lake_word_t arg)
{
    (void)arg;
    sys(LAKE_SYS_RECV, fault_ep, 0);
    for (;;) {
        lake_frame_map(fault_frame, LAKE_ROOT_VSPACE, FAULT_VADDR, LAKE_RIGHT_READ,
                       LAKE_ATTR_EXECUTE_NEVER);
        sys(LAKE_SYS_REPLY_RECV, fault_ep, lake_msginfo(0, 0, 0, 0));
    }
}

static void exception_thrower(lake_word_t arg)
{
    (void)arg;
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        __asm__ volatile("udf #0" : : : "memory");
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
    }
    sys(LAKE_SYS_SEND, done_ntfn, 0);
}

static void vm_faulter(lake_word_t arg)
{
    (void)arg;
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        (void)*(volatile uint64_t *)FAULT_VADDR;
        struct counts e = pmu_read();
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
        lake_frame_unmap(fault_frame);
    }
    sys(LAKE_SYS_SEND, done_ntfn, 0);
}

static struct figure bench_frame_map(void)
{
    struct figure map;
    static uint32_t unmap_k[ITERATIONS], unmap_t[ITERATIONS];
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        int error = lake_frame_map(fault_frame, LAKE_ROOT_VSPACE, FAULT_VADDR, LAKE_RIGHT_READ,
                                   LAKE_ATTR_EXECUTE_NEVER);
        struct counts e = pmu_read();
        if (error)
            fail("frame_map", error);
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
        s = pmu_read();
        error = lake_frame_unmap(fault_frame);
        e = pmu_read();
        if (error)
            fail("frame_unmap", error);
        if (i >= WARMUP) {
            unmap_k[i - WARMUP] = delta(e.k, s.k) - (uint32_t)overhead.k;
            unmap_t[i - WARMUP] = delta(e.t, s.t) - (uint32_t)overhead.t;
        }
    }
    map = report("frame_map", ITERATIONS, 1);
    memcpy(samples_k, unmap_k, sizeof(samples_k));
    memcpy(samples_t, unmap_t, sizeof(samples_t));
    report("frame_unmap", ITERATIONS, 1);
    return map;
}

static void bench_faults(void)
{
    fault_ep = new_object(LAKE_OBJ_ENDPOINT, 0);
    done_ntfn = new_badged_notification();

    /* The page tables for FAULT_VADDR exist from here on. */
    fault_frame = new_object(LAKE_OBJ_FRAME_4K, 0);
    CHECK(lake_map_page(&alloc, fault_frame, LAKE_ROOT_VSPACE, FAULT_VADDR, LAKE_RIGHT_READ,
                        LAKE_ATTR_EXECUTE_NEVER));
    CHECK(lake_frame_unmap(fault_frame));

    struct figure map = bench_frame_map();

    /* User exception (undefined instruction): the handler (other address
     * space, same priority) replies with the next pc. */
    struct thread *handler = start_thread(vspace2, exception_handler, 0, PRIO, 0);
    struct thread *thrower = start_thread(LAKE_ROOT_VSPACE, exception_thrower, 0, PRIO, fault_ep);
    sys(LAKE_SYS_RECV, done_ntfn, 0);
    report("user_exception_roundtrip", ITERATIONS, 1);
    stop_thread(thrower);
    stop_thread(handler);

    /* VM fault: a read of an unmapped page; the handler maps the frame and
     * replies, the read is retried and succeeds; the faulting thread unmaps
     * it again outside the measurement. The handler's Frame Map is taken
     * out with the frame_map figure measured above. */
    handler = start_thread(vspace2, vm_fault_handler, 0, PRIO, 0);
    struct thread *faulter = start_thread(LAKE_ROOT_VSPACE, vm_faulter, 0, PRIO, fault_ep);
    sys(LAKE_SYS_RECV, done_ntfn, 0);
    struct figure with_map = summarise("fault_roundtrip + frame_map", ITERATIONS);
    print_figure("fault_roundtrip", (struct figure){with_map.k - map.k, with_map.t - map.t});
    stop_thread(faulter);
    stop_thread(handler);
}

/* ---- untyped ------------------------------------------------------------------ */

static void bench_retype(void)
{
    /* A 4 KiB untyped of its own: deleting the frame returns its watermark
     * to the start, so every iteration retypes the same memory. */
    lake_cptr_t ut = new_object(LAKE_OBJ_UNTYPED, LAKE_PAGE_BITS);
    lake_cptr_t slot = new_slot();
    static uint32_t delete_k[ITERATIONS], delete_t[ITERATIONS];
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = pmu_read();
        int error = lake_untyped_retype(ut, LAKE_OBJ_FRAME_4K, 0, LAKE_ROOT_CNODE, 0, 0, slot, 1);
        struct counts e = pmu_read();
        if (error)
            fail("retype_frame", error);
        if (i >= WARMUP)
            record(i - WARMUP, s, e);
        s = pmu_read();
        error = lake_cnode_delete(LAKE_ROOT_CNODE, slot, ROOT_DEPTH);
        e = pmu_read();
        if (error)
            fail("delete_frame", error);
        if (i >= WARMUP) {
            delete_k[i - WARMUP] = delta(e.k, s.k) - (uint32_t)overhead.k;
            delete_t[i - WARMUP] = delta(e.t, s.t) - (uint32_t)overhead.t;
        }
    }
    report("retype_frame", ITERATIONS, 1);
    memcpy(samples_k, delete_k, sizeof(samples_k));
    memcpy(samples_t, delete_t, sizeof(samples_t));
    report("delete_frame", ITERATIONS, 1);
}

/* ---- interrupts ------------------------------------------------------------------ */

static lake_cptr_t irq_ntfn;

/* The handler thread (other address space, above the root's priority):
 * reads the counters as soon as its Wait returns. */
static void irq_handler_thread(lake_word_t arg)
{
    (void)arg;
    for (;;) {
        sys(LAKE_SYS_RECV, irq_ntfn, 0);
        struct counts c = pmu_read();
        shared.b[shared.count % ITERATIONS] = c;
        shared.count = shared.count + 1;
    }
}

static inline void mmio_write32(uintptr_t addr, uint32_t value)
{
    *(volatile uint32_t *)addr = value;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
    return *(volatile uint32_t *)addr;
}

/* Interrupt to the user-level handler thread running: the root programs
 * the BCM2835 system timer's compare channel 1 a few microseconds ahead
 * and spins reading the counters; the interrupt arrives in the spin loop,
 * the kernel signals the notification bound to IRQ 1 and switches to the
 * waiting handler, whose first reading ends the sample. The sample starts
 * at the spinner's last reading, at most one loop turn (5 EL0
 * instructions) before the interrupt: exact for the kernel count. */
static void bench_irq(void)
{
    const struct lake_bootinfo *bi = lake_bootinfo;
    lake_word_t count = bi->untyped.end - bi->untyped.start;
    lake_cptr_t dev = 0;
    uint64_t dev_base = 0;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        if (u->is_device && u->paddr <= SYSTIMER_PADDR &&
            SYSTIMER_PADDR < u->paddr + (1ull << u->size_bits)) {
            dev = bi->untyped.start + i;
            dev_base = u->paddr;
        }
    }
    if (dev == 0) {
        printf("bench: irq_to_user: no device untyped covers the system timer; skipped\n");
        return;
    }
    /* Frames are carved in order: the timer's page is the last of these. */
    unsigned frames = (unsigned)((SYSTIMER_PADDR - dev_base) / LAKE_PAGE_SIZE) + 1;
    if (frames > 256 || alloc.next_slot + frames > alloc.end_slot) {
        printf("bench: irq_to_user: system timer too far into its untyped; skipped\n");
        return;
    }
    lake_cptr_t first = alloc.next_slot;
    alloc.next_slot += frames;
    CHECK(lake_untyped_retype(dev, LAKE_OBJ_FRAME_4K, 0, LAKE_ROOT_CNODE, 0, 0, first, frames));
    lake_cptr_t timer_frame = first + frames - 1;
    lake_word_t paddr;
    CHECK(lake_frame_get_address(timer_frame, &paddr));
    if (paddr != SYSTIMER_PADDR)
        fail("irq_to_user: wrong timer frame", LAKE_INVALID_ARGUMENT);
    CHECK(lake_map_page(&alloc, timer_frame, LAKE_ROOT_VSPACE, TIMER_VADDR, LAKE_RIGHTS_RW,
                        LAKE_ATTR_DEVICE | LAKE_ATTR_EXECUTE_NEVER));

    lake_cptr_t irq = new_slot();
    CHECK(lake_irq_control_get(LAKE_ROOT_IRQ_CONTROL, SYSTIMER_IRQ, LAKE_ROOT_CNODE, irq,
                               ROOT_DEPTH));
    irq_ntfn = new_badged_notification();
    CHECK(lake_irq_handler_set_notification(irq, irq_ntfn));
    shared.count = 0;
    struct thread *handler = start_thread(vspace2, irq_handler_thread, 0, PRIO_IRQ, 0);

    mmio_write32(TIMER_VADDR + SYSTIMER_CS, 1u << SYSTIMER_IRQ);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        unsigned seen = shared.count;
        CHECK(lake_irq_handler_ack(irq));
        mmio_write32(TIMER_VADDR + SYSTIMER_C1, mmio_read32(TIMER_VADDR + SYSTIMER_CLO) + 3);
        struct counts last, cur = pmu_read();
        uint64_t spins = 0;
        do {
            last = cur;
            cur = pmu_read();
            spins++;
        } while (shared.count == seen && spins < 100000000ull);
        if (shared.count == seen) {
            printf("bench: irq_to_user: no interrupt arrived; skipped\n");
            stop_thread(handler);
            return;
        }
        /* The interrupt came after `cur` if the handler's reading is later
         * than it, else (it came between reading `last` and `cur`). */
        struct counts handler_read = shared.b[seen % ITERATIONS];
        struct counts start = delta(handler_read.t, cur.t) < (1u << 31) ? cur : last;
        if (i >= WARMUP)
            record(i - WARMUP, start, handler_read);
        mmio_write32(TIMER_VADDR + SYSTIMER_CS, 1u << SYSTIMER_IRQ);
    }
    report("irq_to_user", ITERATIONS, 1);
    stop_thread(handler);
}

/* ---- main ------------------------------------------------------------------------ */

void bench_rpc(struct lake_alloc *alloc, lake_cptr_t vspace2);    /* rpc.c */
void bench_runtime(struct lake_alloc *alloc);                     /* runtime.c */

static void setup(void)
{
    const struct lake_bootinfo *bi = lake_bootinfo;
    lake_word_t count = bi->untyped.end - bi->untyped.start;
    int largest = -1;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        if (!u->is_device &&
            (largest < 0 || u->size_bits > bi->untyped_list[largest].size_bits))
            largest = (int)i;
    }
    if (largest < 0)
        fail("setup: no RAM untyped", LAKE_NOT_ENOUGH_MEMORY);
    alloc.untyped = bi->untyped.start + (lake_cptr_t)largest;
    alloc.next_slot = bi->empty.start;
    alloc.end_slot = bi->empty.end;
    vspace2 = make_vspace_alias();
}

int main(void)
{
    boot_pmu = pmu_read();
    boot_ticks = counter_ticks();

    printf("bench: LakeOS kernel benchmarks, %u iterations after %u warm-up, medians\n",
           ITERATIONS, WARMUP);
    setup();
    /* Measure at an ordinary priority, equal to the other threads'. */
    CHECK(lake_tcb_set_priority(LAKE_ROOT_TCB, LAKE_ROOT_TCB, PRIO));

    measure_overhead();
    report_boot();
    bench_null_syscall();
    bench_yield();
    bench_ipc();
    bench_rpc(&alloc, vspace2);
    bench_notification();
    bench_faults();
    bench_retype();
    bench_irq();
    bench_runtime(&alloc);
    printf("bench: done\n");
    fflush(stdout);
    return 0;
}
