/*
 * CHAN_xxx and RPC_xxx: the event loop (lib/runtime/event.c), channels over
 * badged endpoints and rings, and RPC (lib/runtime/rpc.c) for real.
 *
 * Threads: the main thread (priority 100) sets everything up and is the
 * highest; servers run at 80 and clients at 90, so nothing but the main
 * thread runs while it allocates from env->alloc (which is not
 * thread-safe), and a client issues all its asynchronous requests before
 * the server takes any.
 */
#include <stdlib.h>
#include <string.h>

#include <lake/event.h>
#include <lake/rpc.h>
#include <lake/thread.h>

#include "rpc_iface.h"
#include "test.h"

#define PAGE            LAKE_PAGE_SIZE
#define STACK_PAGES     8
#define THREAD_VSPAN    (16 * PAGE)
#define RING_VADDR      (TEST_FREE_VADDR + 0x1000000ul)
#define PRIO_SERVER     80
#define PRIO_CLIENT     90

/* ---- the interface of these tests (rpc_iface.h) ------------------------------- */

LAKE_RPC_DEFINE_SERVER(trpc, TRPC_INTERFACE)

/* ---- threads and slots ---------------------------------------------------------- */

static struct lake_thread_alloc_ctx actx;
static struct lake_thread_ops ops;

static void setup(struct test_env *env)
{
    actx = (struct lake_thread_alloc_ctx){ .alloc = &env->alloc, .cnode = env->cnode,
                                           .depth = TEST_DEPTH };
    lake_thread_alloc_ops(&ops, &actx, env->cnode, env->vspace, env->tcb);
    lake_thread_set_default_ops(&ops);
    lake_thread_adopt_main(env->tcb, env->priority, test_new(env, LAKE_OBJ_NOTIFICATION, 0));
}

static void create(struct test_env *env, struct lake_thread *t, unsigned index, int priority,
                   void (*fn)(void *), void *arg)
{
    struct lake_thread_attr attr;
    lake_thread_attr_init(&attr);
    attr.vaddr = TEST_FREE_VADDR + index * THREAD_VSPAN;
    attr.stack_pages = STACK_PAGES;
    attr.fault_ep = env->fault_ep;
    attr.priority = priority;
    attr.name = "rpc-thread";
    test_ok(lake_thread_create(t, &attr, fn, arg));
}

/* Slots of a loop: from env->alloc (consecutive there), single ones
 * recycled. Freeing deletes whatever cap is in the slot. */
static struct {
    struct test_env *env;
    lake_cptr_t free[64];
    unsigned nfree, allocated, freed;
} pool;

static int pool_alloc(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    if (count == 1 && pool.nfree) {
        *first = pool.free[--pool.nfree];
        return LAKE_OK;
    }
    for (unsigned i = 0; i < count; i++) {
        lake_cptr_t s;
        int error = lake_alloc_slot(&pool.env->alloc, &s);
        if (error)
            return error;
        if (i == 0)
            *first = s;
        else if (s != *first + i)
            return LAKE_RANGE_ERROR;
    }
    pool.allocated += count;
    return LAKE_OK;
}

static void pool_free(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    for (unsigned i = 0; i < count; i++) {
        lake_cnode_delete(pool.env->cnode, first + i, TEST_DEPTH);
        pool.freed++;
        if (pool.nfree < 64)
            pool.free[pool.nfree++] = first + i;
    }
}

static struct lake_event_slots pool_slots(struct test_env *env)
{
    memset(&pool, 0, sizeof(pool));
    pool.env = env;
    return (struct lake_event_slots){ NULL, pool_alloc, pool_free, env->cnode, TEST_DEPTH, NULL };
}

/* A loop with an endpoint and a notification bound to the thread that
 * runs it (bound by that thread itself). */
static void loop_init(struct test_env *env, struct lake_event_loop *loop)
{
    struct lake_event_slots slots = pool_slots(env);
    lake_event_loop_init(loop, test_new(env, LAKE_OBJ_ENDPOINT, 0),
                         test_new(env, LAKE_OBJ_NOTIFICATION, 0), &slots);
}

static lake_cptr_t mint_ep(struct test_env *env, struct lake_event_loop *loop, lake_word_t badge)
{
    lake_cptr_t s = test_slot(env);
    test_ok(lake_event_mint_endpoint(loop, badge, s));
    return s;
}

static lake_cptr_t mint_bits(struct test_env *env, struct lake_event_loop *loop, lake_word_t bits)
{
    lake_cptr_t s = test_slot(env);
    test_ok(lake_event_mint_bits(loop, bits, s));
    return s;
}

static void bind_and_run(void *arg)
{
    struct lake_event_loop *loop = arg;
    if (lake_tcb_bind_notification(lake_thread_self()->tcb, loop->ntfn) != LAKE_OK)
        lake_thread_exit(0xbad);
    lake_thread_exit((lake_word_t)lake_event_loop_run(loop));
}

static lake_msginfo_t call1(lake_cptr_t ep, lake_word_t label, lake_word_t w0, lake_word_t *r0)
{
    lake_word_t m0 = w0, m1 = 0, m2 = 0, m3 = 0;
    lake_msginfo_t info = lake_call_with_mrs(ep, lake_msginfo(label, 0, 0, 1), &m0, &m1, &m2, &m3);
    if (r0)
        *r0 = m0;
    return info;
}

/* Contiguous fresh pages at vaddr. */
static void *new_pages(struct test_env *env, lake_word_t vaddr, size_t bytes)
{
    for (size_t off = 0; off < bytes; off += PAGE)
        test_new_page(env, vaddr + off);
    return (void *)vaddr;
}

static void bell(void *ctx)
{
    lake_signal((lake_cptr_t)(uintptr_t)ctx);
}

/* ---- CHAN_001: badge ranges, unknown badges, notification bits ----------------- */

static struct lake_event_loop loop_a;
/* Written by the server thread, polled by the main thread. */
static volatile lake_word_t bits_a, bits_b;

static enum lake_event_action range_low(struct lake_event_msg *m, void *arg)
{
    lake_set_mr(0, m->badge * 100 + lake_get_mr(0));
    lake_set_mr(1, (lake_word_t)arg);
    m->reply = lake_msginfo(lake_msginfo_label(m->info), 0, 0, 2);
    return LAKE_EVENT_REPLY;
}

static enum lake_event_action range_high(struct lake_event_msg *m, void *arg)
{
    (void)arg;
    if (lake_msginfo_label(m->info) == 99)
        lake_event_loop_stop(m->loop, 1234);
    lake_set_mr(0, bits_a);
    lake_set_mr(1, bits_b);
    m->reply = lake_msginfo(0, 0, 0, 2);
    return LAKE_EVENT_REPLY;
}

static void on_bits_a(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop;
    (void)arg;
    bits_a |= bits;
}

static void on_bits_b(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop;
    (void)arg;
    bits_b |= bits;
}

TEST(CHAN_001, "event loop: messages by badge range, an unknown badge answered, notification bits to their handlers")
{
    setup(env);
    loop_init(env, &loop_a);
    bits_a = bits_b = 0;
    test_ok(lake_event_on_badge(&loop_a, 1, 9, range_low, (void *)7));
    test_ok(lake_event_on_badge(&loop_a, 10, 19, range_high, NULL));
    test_error(lake_event_on_badge(&loop_a, 9, 10, range_high, NULL), LAKE_DELETE_FIRST);
    test_ok(lake_event_on_bits(&loop_a, 0x3, on_bits_a, NULL));
    test_ok(lake_event_on_bits(&loop_a, 0x20, on_bits_b, NULL));
    lake_cptr_t c3 = mint_ep(env, &loop_a, 3), c9 = mint_ep(env, &loop_a, 9);
    lake_cptr_t c12 = mint_ep(env, &loop_a, 12), c50 = mint_ep(env, &loop_a, 50);
    lake_cptr_t b0 = mint_bits(env, &loop_a, 0x1), b5 = mint_bits(env, &loop_a, 0x20);
    test_error(lake_event_mint_endpoint(&loop_a, LAKE_EVENT_NTFN_FLAG | 1, test_slot(env)),
               LAKE_INVALID_ARGUMENT);

    struct lake_thread server;
    create(env, &server, 0, PRIO_SERVER, bind_and_run, &loop_a);
    lake_word_t r;
    lake_set_mr(0, 1);
    lake_msginfo_t info = lake_call(c3, lake_msginfo(5, 0, 0, 1));     /* staged words */
    test_eq(lake_msginfo_label(info), 5);
    test_eq(lake_msginfo_length(info), 2);
    test_eq(lake_get_mr(0), 301);
    test_eq(lake_get_mr(1), 7);
    info = call1(c9, 6, 2, &r);
    test_eq(r, 902);
    info = call1(c50, 1, 0, NULL);
    test_eq(lake_msginfo_label(info), LAKE_EVENT_NO_HANDLER);

    lake_signal(b0);
    lake_signal(b5);
    for (int i = 0; i < 100 && !(bits_a == 0x1 && bits_b == 0x20); i++)
        call1(c12, 0, 0, NULL);
    test_eq(bits_a, 0x1);
    test_eq(bits_b, 0x20);
    call1(c12, 99, 0, NULL);                /* stop after this reply */
    lake_word_t status;
    test_ok(lake_thread_join(&server, &status));
    test_eq(status, 1234);
    test_eq(loop_a.unhandled, 1);
    test_assert(loop_a.signals >= 1);
}

/* ---- CHAN_002: a ring channel as a notification-bit source ------------------------ */

#define RING_MESSAGES   20000
#define RING_ORDER      6

static struct {
    struct ring_shared *shared;
    struct ring_producer producer;
    struct ring_consumer consumer;
    lake_cptr_t doorbell;
    lake_word_t received, sum, order_errors, endpoint_calls;
} rc;

static void ring_message(struct lake_event_loop *loop, const void *data, size_t length, void *arg)
{
    (void)arg;
    lake_word_t v;
    if (length < sizeof(v)) {
        rc.order_errors++;
        return;
    }
    memcpy(&v, data, sizeof(v));
    if (v != rc.received || length != sizeof(v) + v % 100)
        rc.order_errors++;
    rc.received++;
    rc.sum += v;
    if (rc.received == RING_MESSAGES)
        lake_event_loop_stop(loop, 0);
}

static enum lake_event_action count_call(struct lake_event_msg *m, void *arg)
{
    (void)arg;
    rc.endpoint_calls++;
    lake_set_mr(0, rc.received);
    m->reply = lake_msginfo(0, 0, 0, 1);
    return LAKE_EVENT_REPLY;
}

/* Sends the messages, and every 997 of them asks the loop over the
 * endpoint how many it has taken (never more than were sent). */
static void ring_producer_thread(void *arg)
{
    lake_cptr_t ep = (lake_cptr_t)(uintptr_t)arg;
    uint8_t buf[8 + 100];
    for (lake_word_t v = 0; v < RING_MESSAGES; v++) {
        memcpy(buf, &v, sizeof(v));
        memset(buf + 8, (int)v, sizeof(buf) - 8);
        while (ring_try_send(&rc.producer, buf, sizeof(v) + v % 100) == RING_FULL)
            lake_yield();
        if (v % 997 == 0) {
            lake_word_t taken;
            call1(ep, 0, 0, &taken);
            if (taken > v + 1)
                lake_thread_exit(0xbad);
        }
    }
    lake_thread_exit(0);
}

TEST(CHAN_002, "event loop: 20,000 ring messages through a ring source with a doorbell bit, endpoint calls in between")
{
    setup(env);
    memset(&rc, 0, sizeof(rc));
    loop_init(env, &loop_a);
    size_t bytes = ring_bytes(RING_ORDER);
    rc.shared = new_pages(env, RING_VADDR, bytes);
    test_eq(ring_init(rc.shared, bytes, RING_ORDER), RING_OK);
    test_eq(ring_consumer_init(&rc.consumer, rc.shared), RING_OK);
    rc.doorbell = mint_bits(env, &loop_a, 1ul << 4);
    test_eq(ring_producer_init(&rc.producer, rc.shared, bell, (void *)(uintptr_t)rc.doorbell),
            RING_OK);
    test_ok(lake_event_add_ring(&loop_a, 4, &rc.consumer, ring_message, NULL));
    test_error(lake_event_on_bits(&loop_a, 1ul << 4, on_bits_a, NULL), LAKE_DELETE_FIRST);
    test_ok(lake_event_on_badge(&loop_a, 1, 1, count_call, NULL));
    lake_cptr_t ep = mint_ep(env, &loop_a, 1);

    struct lake_thread server, producer;
    create(env, &server, 0, PRIO_SERVER, bind_and_run, &loop_a);
    create(env, &producer, 1, PRIO_SERVER, ring_producer_thread, (void *)(uintptr_t)ep);
    lake_word_t status;
    test_ok(lake_thread_join(&producer, &status));
    test_eq(status, 0);
    test_ok(lake_thread_join(&server, &status));
    test_eq(status, 0);
    test_eq(rc.received, RING_MESSAGES);
    test_eq(rc.order_errors, 0);
    test_eq(rc.sum, (lake_word_t)RING_MESSAGES * (RING_MESSAGES - 1) / 2);
    test_eq(rc.endpoint_calls, RING_MESSAGES / 997 + 1);
    test_assert(rc.producer.doorbells >= 1);
    test_assert(rc.producer.doorbells < RING_MESSAGES);     /* doorbells coalesce */
}

/* ---- CHAN_003: deferred replies with SaveCaller ------------------------------- */

#define DEFERRED_CALLERS    3

static struct {
    lake_cptr_t saved[DEFERRED_CALLERS];
    lake_word_t value[DEFERRED_CALLERS];
    unsigned count;
    lake_cptr_t ep;
} dc;

static enum lake_event_action defer_call(struct lake_event_msg *m, void *arg)
{
    (void)arg;
    lake_word_t v = lake_get_mr(0);         /* before SaveCaller reuses the words */
    if (lake_msginfo_label(m->info) == 1) {
        if (lake_event_save_reply(m, &dc.saved[dc.count]) != LAKE_OK) {
            m->reply = lake_msginfo(LAKE_ILLEGAL_OPERATION, 0, 0, 0);
            return LAKE_EVENT_REPLY;
        }
        dc.value[dc.count++] = v;
        return LAKE_EVENT_NO_REPLY;
    }
    /* Label 2: answer the saved callers, newest first, then this one. */
    unsigned n = dc.count;
    while (dc.count > 0) {
        dc.count--;
        lake_set_mr(0, dc.value[dc.count] * 2);
        lake_event_send_saved_reply(m->loop, dc.saved[dc.count], lake_msginfo(0, 0, 0, 1));
    }
    if (lake_msginfo_label(m->info) == 3)
        lake_event_loop_stop(m->loop, 0);
    lake_set_mr(0, n);
    m->reply = lake_msginfo(0, 0, 0, 1);
    return LAKE_EVENT_REPLY;
}

static void deferred_caller(void *arg)
{
    lake_word_t r = 0;
    lake_msginfo_t info = call1(dc.ep, 1, (lake_word_t)arg, &r);
    lake_thread_exit(lake_msginfo_label(info) ? 0 : r);
}

TEST(CHAN_003, "event loop: three callers answered later through saved reply caps, in reverse order")
{
    setup(env);
    memset(&dc, 0, sizeof(dc));
    loop_init(env, &loop_a);
    test_ok(lake_event_on_badge(&loop_a, 1, 1, defer_call, NULL));
    dc.ep = mint_ep(env, &loop_a, 1);
    struct lake_thread server, callers[DEFERRED_CALLERS];
    create(env, &server, 0, PRIO_SERVER, bind_and_run, &loop_a);
    for (unsigned i = 0; i < DEFERRED_CALLERS; i++)
        create(env, &callers[i], i + 1, PRIO_CLIENT, deferred_caller, (void *)(lake_word_t)(10 + i));
    lake_word_t released = 0, r;
    for (int i = 0; i < 100 && released < DEFERRED_CALLERS; i++) {
        call1(dc.ep, 2, 0, &r);
        released += r;
    }
    test_eq(released, DEFERRED_CALLERS);
    for (unsigned i = 0; i < DEFERRED_CALLERS; i++) {
        test_ok(lake_thread_join(&callers[i], &r));
        test_eq(r, (10 + i) * 2);
    }
    call1(dc.ep, 3, 0, &r);
    test_ok(lake_thread_join(&server, NULL));
    test_eq(pool.freed, DEFERRED_CALLERS);      /* every saved reply slot came back */
}

/* ---- the RPC server of the tests ------------------------------------------------ */

#define MAX_DEFERRED 16

static struct trpc_state {
    struct test_env *env;
    unsigned connected;                 /* channels made by connect */
    lake_word_t bits;
    struct lake_rpc_deferred deferred[MAX_DEFERRED];
    lake_word_t deferred_v[MAX_DEFERRED];
    unsigned ndeferred;
    lake_cptr_t bell_slot;
} ts;

static int do_echo(struct lake_rpc_call *call, const struct trpc_echo_in *in,
                   struct trpc_echo_out *out)
{
    (void)call;
    out->v = in->v;
    return LAKE_OK;
}

static int do_add(struct lake_rpc_call *call, const struct trpc_add_in *in,
                  struct trpc_add_out *out)
{
    out->sum = in->a + in->b;
    out->badge = call->badge;
    return LAKE_OK;
}

static int do_mix(struct lake_rpc_call *call, const struct trpc_mix_in *in,
                  struct trpc_mix_out *out)
{
    (void)call;
    out->w[0] = (lake_word_t)in->x << 32 | in->y;
    for (int i = 0; i < 8; i++)
        out->w[i + 1] = in->w[i] + (lake_word_t)i;
    return LAKE_OK;
}

/* A cap that signals bit 3 of the server's own loop. */
static int do_bell(struct lake_rpc_call *call, const struct trpc_bell_in *in,
                   struct trpc_bell_out *out)
{
    (void)in;
    struct lake_event_loop *loop = call->server->loop;
    if (ts.bell_slot == 0) {
        int error = loop->slots.alloc(loop->slots.ctx, 1, &ts.bell_slot);
        if (error == LAKE_OK)
            error = lake_event_mint_bits(loop, 1ul << 3, ts.bell_slot);
        if (error)
            return error;
    }
    out->caps[0] = ts.bell_slot;
    return LAKE_OK;
}

static int do_rung(struct lake_rpc_call *call, const struct trpc_rung_in *in,
                   struct trpc_rung_out *out)
{
    (void)call;
    (void)in;
    out->bits = ts.bits;
    return LAKE_OK;
}

/* Signal the notification cap the client sent, then drop it. */
static int do_poke(struct lake_rpc_call *call, const struct trpc_poke_in *in,
                   struct trpc_poke_out *out)
{
    struct lake_event_loop *loop = call->server->loop;
    if (lake_debug_cap_identify(in->caps[0]) != LAKE_OBJ_NOTIFICATION)
        return LAKE_INVALID_CAPABILITY;
    out->tag = in->tag;             /* words and a cap in one message */
    for (lake_word_t i = 0; i < in->tag; i++)
        lake_signal(in->caps[0]);
    loop->slots.free(loop->slots.ctx, in->caps[0], 1);
    return LAKE_OK;
}

static int do_later(struct lake_rpc_call *call, const struct trpc_later_in *in,
                    struct trpc_later_out *out)
{
    (void)out;
    if (ts.ndeferred == MAX_DEFERRED)
        return LAKE_RPC_BUSY;
    ts.deferred_v[ts.ndeferred] = in->v;
    int error = lake_rpc_defer(call, &ts.deferred[ts.ndeferred]);
    if (error == LAKE_OK)
        ts.ndeferred++;
    return error;
}

static int do_release(struct lake_rpc_call *call, const struct trpc_release_in *in,
                      struct trpc_release_out *out)
{
    (void)call;
    (void)in;
    out->n = ts.ndeferred;
    while (ts.ndeferred > 0) {
        ts.ndeferred--;
        struct trpc_later_out r = { ts.deferred_v[ts.ndeferred] + 1000 };
        int error = trpc_later_reply(&ts.deferred[ts.ndeferred], LAKE_OK, &r);
        if (error)
            return error;
    }
    return LAKE_OK;
}

static int do_stop(struct lake_rpc_call *call, const struct trpc_stop_in *in,
                   struct trpc_stop_out *out)
{
    (void)in;
    (void)out;
    lake_event_loop_stop(call->server->loop, 0);
    return LAKE_OK;
}

#define ASYNC_CLIENTS   4
#define CONNECT_VADDR   (RING_VADDR + 0x800000ul)

static struct lake_rpc_ring_conn conns[ASYNC_CLIENTS];
static void bell(void *ctx);

/* A channel for a client in another process, all of it ours: the frame
 * (mapped here), the client's notification (our replies ring its bit 0)
 * and a cap for our bit 8 + k, which serves the requests. */
static int do_connect(struct lake_rpc_call *call, const struct trpc_connect_in *in,
                      struct trpc_connect_out *out)
{
    struct test_env *env = ts.env;
    struct lake_event_loop *loop = call->server->loop;
    if (in->order != TRPC_CHAN_ORDER || ts.connected == ASYNC_CLIENTS)
        return LAKE_INVALID_ARGUMENT;
    unsigned k = ts.connected, bit = 8 + k;
    lake_word_t va = CONNECT_VADDR + k * TRPC_CHAN_PAGES * PAGE;
    lake_cptr_t frame, ntfn, to_client, to_server;
    int error = lake_alloc_object(&env->alloc, LAKE_OBJ_FRAME_4K, 0, &frame);
    if (error == LAKE_OK)
        error = lake_map_page(&env->alloc, frame, env->vspace, va, LAKE_RIGHTS_RW,
                              LAKE_ATTR_EXECUTE_NEVER);
    if (error == LAKE_OK)
        error = lake_rpc_chan_init((void *)va, TRPC_CHAN_PAGES * PAGE, TRPC_CHAN_ORDER);
    if (error == LAKE_OK)
        error = lake_alloc_object(&env->alloc, LAKE_OBJ_NOTIFICATION, 0, &ntfn);
    if (error == LAKE_OK)
        error = lake_alloc_slot(&env->alloc, &to_client);
    if (error == LAKE_OK)
        error = lake_cnode_mint(env->cnode, to_client, TEST_DEPTH, env->cnode, ntfn, TEST_DEPTH,
                                LAKE_RIGHT_WRITE, LAKE_EVENT_NTFN_FLAG | 1);
    if (error == LAKE_OK)
        error = lake_rpc_serve_ring(call->server, &conns[k], (void *)va, bit, 300 + k, bell,
                                    (void *)(uintptr_t)to_client);
    if (error == LAKE_OK)
        error = loop->slots.alloc(loop->slots.ctx, 1, &to_server);
    if (error == LAKE_OK)
        error = lake_event_mint_bits(loop, 1ul << bit, to_server);
    if (error)
        return error;
    out->bit = bit;
    out->caps[0] = frame;
    out->caps[1] = to_server;
    out->caps[2] = ntfn;
    ts.connected++;
    return LAKE_OK;
}

static const struct trpc_server_ops trpc_ops = {
    .echo = do_echo, .add = do_add, .mix = do_mix, .bell = do_bell, .rung = do_rung,
    .poke = do_poke, .later = do_later, .release = do_release, .stop = do_stop,
    .connect = do_connect,
};

static void on_bell(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop;
    (void)arg;
    ts.bits |= bits;
}

static struct lake_rpc_server rpc_server;

/* The server on loop_a: clients with badges 1-99 over the endpoint. */
static void rpc_server_setup(struct test_env *env, struct lake_thread *thread)
{
    memset(&ts, 0, sizeof(ts));
    ts.env = env;
    loop_init(env, &loop_a);
    lake_rpc_server_init(&rpc_server, &trpc_interface, &trpc_ops, &ts, &loop_a);
    test_ok(lake_rpc_serve_endpoint(&rpc_server, 1, 99));
    test_ok(lake_event_on_bits(&loop_a, 1ul << 3, on_bell, NULL));
    create(env, thread, 0, PRIO_SERVER, bind_and_run, &loop_a);
}

static void rpc_server_stop(struct lake_thread *thread, const struct lake_rpc_client *c)
{
    test_ok(trpc_stop(c, &(struct trpc_stop_in){}, &(struct trpc_stop_out){}));
    lake_word_t status;
    test_ok(lake_thread_join(thread, &status));
    test_eq(status, 0);
}

static struct lake_rpc_client client_for(struct test_env *env, lake_word_t badge)
{
    return (struct lake_rpc_client){ mint_ep(env, &loop_a, badge), env->cnode, TEST_DEPTH };
}

/* ---- RPC_001: blocking calls ------------------------------------------------------ */

TEST(RPC_001, "RPC: blocking echo, add and a 10-word request over badged endpoints; the badge names the client")
{
    setup(env);
    struct lake_thread server;
    rpc_server_setup(env, &server);
    struct lake_rpc_client a = client_for(env, 5), b = client_for(env, 77);
    for (lake_word_t i = 0; i < 100; i++) {
        struct trpc_echo_out e;
        test_ok(trpc_echo(&a, &(struct trpc_echo_in){ i * 3 }, &e));
        test_eq(e.v, i * 3);
        struct trpc_add_out s;
        test_ok(trpc_add(i % 2 ? &a : &b, &(struct trpc_add_in){ i, 1000 }, &s));
        test_eq(s.sum, i + 1000);
        test_eq(s.badge, i % 2 ? 5 : 77);
    }
    struct trpc_mix_in in = { .x = 0x12345, .y = 0xfedc };
    for (int i = 0; i < 8; i++)
        in.w[i] = 100u * (lake_word_t)i;
    struct trpc_mix_out out;
    test_eq(trpc_mix_in_words, 9);
    test_ok(trpc_mix(&b, &in, &out));
    test_eq(out.w[0], 0x123450000fedcul);
    for (int i = 0; i < 8; i++)
        test_eq(out.w[i + 1], 101u * (lake_word_t)i);
    test_eq(rpc_server.errors, 0);
    test_eq(rpc_server.calls, 201);
    rpc_server_stop(&server, &a);
}

/* ---- RPC_002: errors ------------------------------------------------------------------ */

TEST(RPC_002, "RPC: an unknown method, a method without a handler and a short request get error replies")
{
    setup(env);
    struct lake_thread server;
    rpc_server_setup(env, &server);
    struct lake_rpc_client a = client_for(env, 1);
    lake_msginfo_t info = call1(a.ep, 55, 0, NULL);
    test_eq(lake_msginfo_label(info), LAKE_RPC_UNKNOWN_METHOD);
    test_eq(lake_msginfo_length(info), 0);
    info = call1(a.ep, 0, 0, NULL);
    test_eq(lake_msginfo_label(info), LAKE_RPC_UNKNOWN_METHOD);
    test_error(trpc_missing(&a, &(struct trpc_missing_in){}, &(struct trpc_missing_out){}),
               LAKE_RPC_UNKNOWN_METHOD);
    info = call1(a.ep, trpc_add_id, 1, NULL);           /* add takes two words */
    test_eq(lake_msginfo_label(info), LAKE_RPC_BAD_REQUEST);
    /* poke without its cap. */
    info = call1(a.ep, trpc_poke_id, 1, NULL);
    test_eq(lake_msginfo_label(info), LAKE_RPC_BAD_REQUEST);
    /* The server still works. */
    struct trpc_echo_out e;
    test_ok(trpc_echo(&a, &(struct trpc_echo_in){ 9 }, &e));
    test_eq(e.v, 9);
    test_eq(rpc_server.errors, 5);
    rpc_server_stop(&server, &a);
}

/* ---- RPC_003: capabilities ------------------------------------------------------------ */

TEST(RPC_003, "RPC: capability passing: the server returns a notification cap the client signals, and signals one the client sends")
{
    setup(env);
    struct lake_thread server;
    rpc_server_setup(env, &server);
    struct lake_rpc_client a = client_for(env, 1);
    struct trpc_bell_out bo = { .caps = { test_slot(env) } };
    test_ok(trpc_bell(&a, &(struct trpc_bell_in){}, &bo));
    test_eq(lake_debug_cap_identify(bo.caps[0]), LAKE_OBJ_NOTIFICATION);
    lake_signal(bo.caps[0]);
    struct trpc_rung_out ro = { 0 };
    for (int i = 0; i < 100 && ro.bits == 0; i++)
        test_ok(trpc_rung(&a, &(struct trpc_rung_in){}, &ro));
    test_eq(ro.bits, 1ul << 3);

    /* The other way: our notification, signalled by the server. */
    lake_cptr_t mine = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = test_mint(env, mine, LAKE_RIGHT_WRITE, 0x40);
    struct trpc_poke_in pi = { .tag = 2, .caps = { badged } };
    struct trpc_poke_out po;
    test_ok(trpc_poke(&a, &pi, &po));
    test_eq(po.tag, 2);
    lake_word_t word = 0;
    test_eq(lake_poll(mine, &word), 0x40);
    /* The server dropped its copy; ours is still here. */
    test_eq(lake_debug_cap_identify(badged), LAKE_OBJ_NOTIFICATION);
    /* A cap that is not a notification is refused by the handler. */
    pi.caps[0] = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(trpc_poke(&a, &pi, &(struct trpc_poke_out){}), LAKE_INVALID_CAPABILITY);
    rpc_server_stop(&server, &a);
}

/* ---- the asynchronous clients --------------------------------------------------- */

#define ASYNC_REQUESTS  1000
#define ASYNC_ORDER     10

struct async_client {
    struct lake_event_loop loop;        /* notification only */
    struct lake_rpc_async async;
    struct lake_rpc_pending pending[1u << ASYNC_ORDER];
    void *shared;
    lake_cptr_t to_server;              /* rings the server's bit */
    lake_word_t index, done, errors, sum, peak;
    int first_error;
    unsigned later;                     /* RPC_004: how many `later` requests */
};

static struct async_client *clients[ASYNC_CLIENTS];

static void echo_done(void *ctx, int status, const struct trpc_echo_out *out)
{
    struct async_client *c = ctx;
    if (status != LAKE_OK) {
        c->errors++;
        c->first_error = status;
    } else if (out->v >> 32 != c->index) {
        c->errors++;                    /* somebody else's reply */
    } else {
        c->sum += out->v & 0xffffffff;
    }
    if (++c->done == ASYNC_REQUESTS)
        lake_event_loop_stop(&c->loop, 0);
}

static void async_echo_client(void *arg)
{
    struct async_client *c = arg;
    for (lake_word_t i = 0; i < ASYNC_REQUESTS; i++) {
        int error = trpc_echo_async(&c->async, &(struct trpc_echo_in){ c->index << 32 | i },
                                    echo_done, c);
        if (error)
            lake_thread_exit(0x10000 + (lake_word_t)error);
    }
    c->peak = lake_rpc_async_outstanding(&c->async);
    lake_thread_exit((lake_word_t)lake_event_loop_run(&c->loop));
}

/* Client i: a channel in fresh pages, its loop waiting on its own
 * notification (bit 0: replies), and the server's ring source on bit i. */
static struct async_client *async_client_setup(struct test_env *env, unsigned i)
{
    struct async_client *c = calloc(1, sizeof(*c));
    test_assert(c != NULL);
    size_t bytes = lake_rpc_chan_bytes(ASYNC_ORDER);
    lake_word_t span = (bytes + PAGE - 1) & ~(PAGE - 1);
    c->shared = new_pages(env, RING_VADDR + i * span, bytes);
    test_ok(lake_rpc_chan_init(c->shared, bytes, ASYNC_ORDER));
    c->index = i;
    struct lake_event_slots none = { NULL, NULL, NULL, env->cnode, TEST_DEPTH, NULL };
    lake_event_loop_init(&c->loop, 0, test_new(env, LAKE_OBJ_NOTIFICATION, 0), &none);
    lake_cptr_t to_client = mint_bits(env, &c->loop, 1);
    c->to_server = mint_bits(env, &loop_a, 1ul << (8 + i));
    test_ok(lake_rpc_async_init(&c->async, c->shared, c->pending, 1u << ASYNC_ORDER, bell,
                                (void *)(uintptr_t)c->to_server));
    test_ok(lake_rpc_async_attach(&c->async, &c->loop, 0));
    test_ok(lake_rpc_serve_ring(&rpc_server, &conns[i], c->shared, 8 + i, 200 + i, bell,
                                (void *)(uintptr_t)to_client));
    return c;
}

TEST(RPC_005, "RPC: 1,000 outstanding asynchronous echo requests from each of four clients over ring channels")
{
    setup(env);
    struct lake_thread server, t[ASYNC_CLIENTS];
    rpc_server_setup(env, &server);
    for (unsigned i = 0; i < ASYNC_CLIENTS; i++)
        clients[i] = async_client_setup(env, i);
    for (unsigned i = 0; i < ASYNC_CLIENTS; i++)
        create(env, &t[i], 1 + i, PRIO_CLIENT, async_echo_client, clients[i]);
    for (unsigned i = 0; i < ASYNC_CLIENTS; i++) {
        lake_word_t r;
        test_ok(lake_thread_join(&t[i], &r));
        struct async_client *c = clients[i];
        test_eq(r, 0);
        test_eq(c->done, ASYNC_REQUESTS);
        test_eq(c->errors, 0);
        test_eq(c->sum, (lake_word_t)ASYNC_REQUESTS * (ASYNC_REQUESTS - 1) / 2);
        test_eq(c->peak, ASYNC_REQUESTS);           /* all of them in flight at once */
        test_eq(c->async.ids.peak, ASYNC_REQUESTS);
        test_eq(lake_rpc_async_outstanding(&c->async), 0);
        test_eq(c->async.stale, 0);
        test_eq(conns[i].lost, 0);
        test_eq(conns[i].malformed, 0);
    }
    struct lake_rpc_client a = client_for(env, 1);
    rpc_server_stop(&server, &a);
    test_eq(rpc_server.calls, ASYNC_CLIENTS * ASYNC_REQUESTS + 1);
    test_eq(rpc_server.errors, 0);
    for (unsigned i = 0; i < ASYNC_CLIENTS; i++)
        free(clients[i]);
}

/* ---- RPC_004: deferred replies on both transports ---------------------------------- */

static struct lake_rpc_client later_client;

static void blocking_later(void *arg)
{
    struct trpc_later_out out = { 0 };
    int error = trpc_later(&later_client, &(struct trpc_later_in){ (lake_word_t)arg }, &out);
    lake_thread_exit(error ? 0x10000 + (lake_word_t)error : out.v);
}

/* Replies come in whatever order the server answers (newest first here):
 * each is checked for its range, all of them by the sum. */
static void later_done(void *ctx, int status, const struct trpc_later_out *out)
{
    struct async_client *c = ctx;
    if (status != LAKE_OK || out->v < 1050 || out->v >= 1050 + c->later)
        c->errors++;
    c->sum += status == LAKE_OK ? out->v : 0;
    if (++c->done == c->later)
        lake_event_loop_stop(&c->loop, 0);
}

static void async_later_client(void *arg)
{
    struct async_client *c = arg;
    for (unsigned i = 0; i < c->later; i++) {
        int error = trpc_later_async(&c->async, &(struct trpc_later_in){ 50 + i },
                                     later_done, c);
        if (error)
            lake_thread_exit(0x10000 + (lake_word_t)error);
    }
    lake_thread_exit((lake_word_t)lake_event_loop_run(&c->loop));
}

TEST(RPC_004, "RPC: deferred replies: three blocking and five asynchronous requests answered later by another request")
{
    setup(env);
    struct lake_thread server, callers[3], async_thread;
    rpc_server_setup(env, &server);
    later_client = client_for(env, 2);
    struct async_client *c = async_client_setup(env, 0);
    c->later = 5;
    for (unsigned i = 0; i < 3; i++)
        create(env, &callers[i], 1 + i, PRIO_CLIENT, blocking_later, (void *)(lake_word_t)(7 + i));
    create(env, &async_thread, 4, PRIO_CLIENT, async_later_client, c);

    struct lake_rpc_client a = client_for(env, 1);
    lake_word_t released = 0;
    for (int i = 0; i < 200 && released < 8; i++) {
        struct trpc_release_out out;
        test_ok(trpc_release(&a, &(struct trpc_release_in){}, &out));
        released += out.n;
    }
    test_eq(released, 8);
    for (unsigned i = 0; i < 3; i++) {
        lake_word_t r;
        test_ok(lake_thread_join(&callers[i], &r));
        test_eq(r, 1007 + i);
    }
    lake_word_t r;
    test_ok(lake_thread_join(&async_thread, &r));
    test_eq(r, 0);
    test_eq(c->done, 5);
    test_eq(c->errors, 0);
    test_eq(c->sum, 1050 + 1051 + 1052 + 1053 + 1054);
    rpc_server_stop(&server, &a);
    test_eq(pool.freed, 3);             /* the saved reply caps' slots came back */
    free(c);
}

/* ---- RPC_006: asynchronous errors ------------------------------------------------- */

static void status_done(void *ctx, int status, const struct trpc_missing_out *out)
{
    struct async_client *c = ctx;
    c->first_error = status;
    if (out != NULL)
        c->errors++;
    lake_event_loop_stop(&c->loop, 0);
}

TEST(RPC_006, "RPC: asynchronous calls: a method without a handler is answered with an error, caps are refused on the ring")
{
    setup(env);
    struct lake_thread server;
    rpc_server_setup(env, &server);
    struct async_client *c = async_client_setup(env, 0);
    test_error(trpc_bell_async(&c->async, &(struct trpc_bell_in){}, NULL, NULL),
               LAKE_RPC_CAPS_ON_RING);
    test_error(trpc_poke_async(&c->async, &(struct trpc_poke_in){ .tag = 1 }, NULL, NULL),
               LAKE_RPC_CAPS_ON_RING);
    test_ok(trpc_missing_async(&c->async, &(struct trpc_missing_in){}, status_done, c));
    /* The main thread runs the client's loop itself here. */
    for (int i = 0; i < 1000 && c->first_error == 0; i++)
        lake_event_loop_run_once(&c->loop, true);
    test_eq(c->first_error, LAKE_RPC_UNKNOWN_METHOD);
    test_eq(c->errors, 0);
    test_eq(lake_rpc_async_outstanding(&c->async), 0);
    struct lake_rpc_client a = client_for(env, 1);
    rpc_server_stop(&server, &a);
    free(c);
}

/* ---- RPC_007: a client in another process ---------------------------------------- */

#ifdef LAKE_RPCCLIENT_ELF
#include <lake/procinfo.h>
#include <lake/spawn.h>

__asm__(".section .rodata.rpcclient_elf, \"a\"\n"
        ".balign 16\n"
        "rpcclient_elf_start:\n"
        ".incbin \"" LAKE_RPCCLIENT_ELF "\"\n"
        "rpcclient_elf_end:\n"
        ".previous\n");
extern const char rpcclient_elf_start[], rpcclient_elf_end[];

#define CHILD_BADGE     42
#define SPAWN_SCRATCH   (RING_VADDR - 0x200000ul)   /* a page whose tables exist */

/* Spawn rpcclient with `argv` and a cap for badge `badge`; returns its exit
 * status. */
static lake_word_t run_client_process(struct test_env *env, const char *const *argv,
                                      lake_word_t badge)
{
    lake_cptr_t child_ep = mint_ep(env, &loop_a, badge);
    lake_cptr_t parent_ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_ok(lake_frame_unmap(test_new_page(env, SPAWN_SCRATCH)));
    struct lake_spawn_args a = {
        .image = rpcclient_elf_start, .image_size = (size_t)(rpcclient_elf_end - rpcclient_elf_start),
        .argv = argv, .untyped = test_new_untyped(env, 21), .alloc = &env->alloc,
        .parent_cnode = env->cnode, .parent_vspace = env->vspace, .scratch_vaddr = SPAWN_SCRATCH,
        .asid_pool = env->asid_pool, .parent_ep = parent_ep, .badge = 0x99,
        .authority = env->tcb, .priority = PRIO_CLIENT, .mcp = PRIO_CLIENT,
        .caps = &child_ep, .num_caps = 1, .quota_bits = 17,
        .cnode_radix = LAKE_SPAWN_MAX_CNODE_RADIX,  /* its slot allocator uses the free slots */
    };
    struct lake_process p;
    int error = lake_spawn(&a, &p);
    if (error)
        test_fail(__FILE__, __LINE__, "lake_spawn: %s: %s", lake_error_name(error),
                  lake_spawn_error_reason());
    lake_word_t from;
    lake_msginfo_t info = lake_recv(parent_ep, &from);
    if (lake_msginfo_label(info) != LAKE_PROC_EXIT_LABEL)
        test_fail(__FILE__, __LINE__, "child sent label %lu (fault?) words %#lx %#lx %#lx",
                  (unsigned long)lake_msginfo_label(info), (unsigned long)lake_get_mr(0),
                  (unsigned long)lake_get_mr(1), (unsigned long)lake_get_mr(2));
    test_eq(from, 0x99);
    lake_word_t status = lake_get_mr(0);
    test_ok(lake_process_destroy(&p));
    return status;
}

TEST(RPC_007, "RPC: a client in its own process (build/user/rpcclient.elf) calls the server and gets a capability back")
{
    setup(env);
    struct lake_thread server;
    rpc_server_setup(env, &server);
    static const char *const argv[] = { "rpcclient", "42", NULL };
    test_eq(run_client_process(env, argv, CHILD_BADGE), 0);    /* 0: every check passed */
    test_eq(ts.bits, 1ul << 3);
    test_assert(rpc_server.calls >= 54);
    test_eq(rpc_server.errors, 1);          /* `missing` */
    struct lake_rpc_client c = client_for(env, 1);
    rpc_server_stop(&server, &c);
}

TEST(RPC_008, "RPC: a client process gets a ring channel from a connect RPC (frame and notification caps) and makes 500 asynchronous calls, 16 at a time")
{
    setup(env);
    struct lake_thread server;
    rpc_server_setup(env, &server);
    static const char *const argv[] = { "rpcclient", "43", "async", NULL };
    test_eq(run_client_process(env, argv, CHILD_BADGE + 1), 0);
    test_eq(ts.connected, 1);
    test_eq(conns[0].lost, 0);
    test_eq(conns[0].malformed, 0);
    test_assert(rpc_server.calls >= 54 + 500);
    struct lake_rpc_client c = client_for(env, 1);
    rpc_server_stop(&server, &c);
    /* The loop has stopped: its client is gone, so is the channel. */
    unsigned rings = loop_a.nrings;
    test_ok(lake_rpc_close_ring(&conns[0]));
    test_eq(loop_a.nrings, rings - 1);
}
#endif
