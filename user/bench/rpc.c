/*
 * RPC benchmarks (lib/runtime/rpc.c, event.c), called from main.c after the
 * raw IPC figures so the two compare directly:
 *
 *   rpc_roundtrip        one blocking RPC (1 word in, 1 word out) through
 *                        the generated stub, Call, the server's event loop
 *                        (badge lookup, method table, handler) and its
 *                        ReplyRecv; the server runs in the second address
 *                        space, as for ipc_call_roundtrip.
 *   rpc_async_batch64    64 asynchronous calls over a ring channel and
 *                        their continuations, per call (issue all, then
 *                        sleep until the replies are in); the server is the
 *                        same loop, the channel lives in .bss (mapped in
 *                        both address spaces).
 *
 * Same method as main.c: medians of ITERATIONS samples after WARMUP, minus
 * the cost of reading the counters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <lake/event.h>
#include <lake/rpc.h>
#include <lake/runtime.h>

#include "../benchchild/profile_mark.h"

#define ITERATIONS      1000
#define WARMUP          100
#define ROOT_DEPTH      64
#define PRIO            100
#define SERVER_IPC      0x10080000ul    /* clear of main.c's thread IPC buffers */
#define CLIENT_BADGE    1
#define BATCH           64
#define CHAN_ORDER      7               /* 128 slots per ring */
#define RING_BIT        0               /* server: requests */
#define REPLY_BIT       0               /* client: replies */

#define BENCH_INTERFACE(M, X)                                               \
    M(X, echo, 1, (lake_word_t v;), (lake_word_t v;), 0, 0)

LAKE_RPC_DECLARE(bench, BENCH_INTERFACE)
LAKE_RPC_DEFINE_SERVER(bench, BENCH_INTERFACE)

void bench_rpc(struct lake_alloc *alloc, lake_cptr_t vspace2);

struct counts {
    uint64_t k, t;
};

static inline __attribute__((always_inline)) struct counts read_counts(void)
{
    struct counts c;
    __asm__ volatile("mrs %0, pmevcntr0_el0\n\t"
                     "mrs %1, pmevcntr1_el0"
                     : "=&r"(c.k), "=&r"(c.t) : : "memory");
    return c;
}

static uint32_t sample_k[ITERATIONS], sample_t[ITERATIONS];
static struct counts overhead;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void sample(unsigned i, struct counts s, struct counts e)
{
    sample_k[i] = (uint32_t)(e.k - s.k) - (uint32_t)overhead.k;
    sample_t[i] = (uint32_t)(e.t - s.t) - (uint32_t)overhead.t;
}

static struct counts medians(void)
{
    qsort(sample_k, ITERATIONS, sizeof(uint32_t), cmp_u32);
    qsort(sample_t, ITERATIONS, sizeof(uint32_t), cmp_u32);
    return (struct counts){ sample_k[ITERATIONS / 2], sample_t[ITERATIONS / 2] };
}

static void print(const char *name, struct counts m, unsigned per)
{
    printf("bench: %-26s kernel min %5" PRIu32 " median %5" PRIu64 "   total min %5" PRIu32
           " median %5" PRIu64 "  (n=%u, per %u)\n", name, sample_k[0], m.k, sample_t[0], m.t,
           ITERATIONS, per);
    printf("BENCH %s_kernel %" PRIu64 " insns\n", name, (m.k + per / 2) / per);
    printf("BENCH %s_total %" PRIu64 " insns\n", name, (m.t + per / 2) / per);
    fflush(stdout);
}

static void __attribute__((noreturn)) fail(const char *what, int error)
{
    printf("bench: rpc: %s failed: %d\n", what, error);
    fflush(stdout);
    lake_debug_halt(1);
}

#define CHECK(call)                                                     \
    do {                                                                \
        int check_error_ = (call);                                      \
        if (check_error_ != LAKE_OK)                                    \
            fail(#call, check_error_);                                  \
    } while (0)

/* ---- the server: an event loop in the second address space ---------------- */

static int echo(struct lake_rpc_call *call, const struct bench_echo_in *in,
                struct bench_echo_out *out)
{
    (void)call;
    out->v = in->v;
    return LAKE_OK;
}

static const struct bench_server_ops ops = { .echo = echo };
static struct lake_event_loop server_loop;
static struct lake_rpc_server server;
static struct lake_rpc_ring_conn conn;
static char server_stack[16384] __attribute__((aligned(16)));
static char server_tls[512] __attribute__((aligned(64)));

static void __attribute__((noreturn)) server_main(void)
{
    lake_ipc_buffer = (struct lake_ipc_buffer *)SERVER_IPC;
    lake_event_loop_run(&server_loop);
    for (;;)
        lake_yield();                   /* never stopped: suspended by the client */
}

static lake_cptr_t new_object(struct lake_alloc *alloc, unsigned type)
{
    lake_cptr_t slot;
    CHECK(lake_alloc_object(alloc, type, 0, &slot));
    return slot;
}

static lake_cptr_t mint(struct lake_alloc *alloc, lake_cptr_t src, unsigned rights,
                        lake_word_t badge)
{
    lake_cptr_t slot;
    CHECK(lake_alloc_slot(alloc, &slot));
    CHECK(lake_cnode_mint(LAKE_ROOT_CNODE, slot, ROOT_DEPTH, LAKE_ROOT_CNODE, src, ROOT_DEPTH,
                          rights, badge));
    return slot;
}

static lake_cptr_t start_server(struct lake_alloc *alloc, lake_cptr_t vspace2)
{
    lake_cptr_t tcb = new_object(alloc, LAKE_OBJ_TCB);
    lake_cptr_t frame = new_object(alloc, LAKE_OBJ_FRAME_4K);
    CHECK(lake_map_page(alloc, frame, vspace2, SERVER_IPC, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER));
    CHECK(lake_tcb_configure(tcb, 0, LAKE_ROOT_CNODE, 0, vspace2, SERVER_IPC, frame));
    CHECK(lake_tcb_set_priority(tcb, LAKE_ROOT_TCB, PRIO));
    CHECK(lake_tcb_bind_notification(tcb, server_loop.ntfn));
    if (lake_tls_area_size() > sizeof(server_tls))
        fail("server TLS area", LAKE_RANGE_ERROR);
    lake_word_t regs[LAKE_NUM_REGS] = { 0 };
    regs[LAKE_REG_PC] = (lake_word_t)server_main;
    regs[LAKE_REG_SP] = (lake_word_t)&server_stack[sizeof(server_stack)];
    regs[LAKE_REG_TPIDR] = lake_tls_init(server_tls, sizeof(server_tls));
    CHECK(lake_tcb_write_registers(tcb, true, LAKE_NUM_REGS, regs));
    return tcb;
}

/* ---- the client side ------------------------------------------------------------ */

static void measure_overhead(void)
{
    overhead = (struct counts){ 0, 0 };
    for (unsigned i = 0; i < ITERATIONS; i++) {
        struct counts s = read_counts();
        struct counts e = read_counts();
        sample(i, s, e);
    }
    overhead = medians();
}

static void bench_blocking(const struct lake_rpc_client *client)
{
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct bench_echo_out out;
        bool profiled = i == WARMUP + ITERATIONS / 2;
        if (profiled)
            bench_profile_mark(9);
        struct counts s = read_counts();
        int error = bench_echo(client, &(struct bench_echo_in){ i }, &out);
        struct counts e = read_counts();
        if (profiled)
            bench_profile_mark(10);
        if (error != LAKE_OK || out.v != i)
            fail("rpc_roundtrip: echo", error ? error : LAKE_INVALID_ARGUMENT);
        if (i >= WARMUP)
            sample(i - WARMUP, s, e);
    }
    print("rpc_roundtrip", medians(), 1);
}

static unsigned replies;

static void echo_done(void *ctx, int status, const struct bench_echo_out *out)
{
    (void)out;
    if (status != LAKE_OK)
        fail("rpc_async: reply", status);
    if (++replies == BATCH)
        lake_event_loop_stop(ctx, 0);
}

static void ring(void *ctx)
{
    lake_signal((lake_cptr_t)(uintptr_t)ctx);
}

static char chan[2 * (192 + (64 << CHAN_ORDER))] __attribute__((aligned(64)));
static struct lake_rpc_pending pending[BATCH * 2];

static void bench_async(struct lake_alloc *alloc)
{
    static struct lake_event_loop client_loop;
    static struct lake_rpc_async async;
    if (lake_rpc_chan_bytes(CHAN_ORDER) > sizeof(chan))
        fail("rpc_async: channel size", LAKE_RANGE_ERROR);
    CHECK(lake_rpc_chan_init(chan, sizeof(chan), CHAN_ORDER));
    lake_cptr_t client_ntfn = new_object(alloc, LAKE_OBJ_NOTIFICATION);
    lake_event_loop_init(&client_loop, 0, client_ntfn, NULL);
    lake_cptr_t to_client = mint(alloc, client_ntfn, LAKE_RIGHT_WRITE,
                                 LAKE_EVENT_NTFN_FLAG | 1ul << REPLY_BIT);
    lake_cptr_t to_server = mint(alloc, server_loop.ntfn, LAKE_RIGHT_WRITE,
                                 LAKE_EVENT_NTFN_FLAG | 1ul << RING_BIT);
    /* The server's loop is blocked in Recv; its tables are plain memory
     * that both address spaces share. */
    CHECK(lake_rpc_serve_ring(&server, &conn, chan, RING_BIT, 2, ring,
                              (void *)(uintptr_t)to_client));
    CHECK(lake_rpc_async_init(&async, chan, pending, BATCH * 2, ring,
                              (void *)(uintptr_t)to_server));
    CHECK(lake_rpc_async_attach(&async, &client_loop, REPLY_BIT));
    /* A ring source added to a loop that is already blocked: wake it once,
     * so it drains the ring and announces its sleep there before it
     * blocks again (otherwise the first requests would not ring). */
    lake_signal(to_server);
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        replies = 0;
        struct counts s = read_counts();
        for (unsigned j = 0; j < BATCH; j++)
            CHECK(bench_echo_async(&async, &(struct bench_echo_in){ j }, echo_done,
                                   &client_loop));
        lake_event_loop_run(&client_loop);
        struct counts e = read_counts();
        if (i >= WARMUP)
            sample(i - WARMUP, s, e);
    }
    print("rpc_async_batch64", medians(), BATCH);
}

void bench_rpc(struct lake_alloc *alloc, lake_cptr_t vspace2)
{
    lake_cptr_t ep = new_object(alloc, LAKE_OBJ_ENDPOINT);
    lake_event_loop_init(&server_loop, ep, new_object(alloc, LAKE_OBJ_NOTIFICATION), NULL);
    lake_rpc_server_init(&server, &bench_interface, &ops, NULL, &server_loop);
    CHECK(lake_rpc_serve_endpoint(&server, CLIENT_BADGE, CLIENT_BADGE));
    struct lake_rpc_client client = {
        mint(alloc, ep, LAKE_RIGHT_WRITE | LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY,
             CLIENT_BADGE),
        LAKE_ROOT_CNODE, ROOT_DEPTH };
    lake_cptr_t tcb = start_server(alloc, vspace2);
    measure_overhead();
    bench_blocking(&client);
    bench_async(alloc);
    CHECK(lake_tcb_suspend(tcb));
}
