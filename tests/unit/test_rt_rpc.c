/*
 * Host unit tests of the event loop's tables and dispatch (event_core.c)
 * and of RPC without the kernel (rpc_core.c): the generated types and
 * method table, dispatch and its errors, request ids, the ring channel's
 * marshalling and reservation, and an asynchronous client and a ring
 * server talking through a channel in memory with deferred replies.
 */
#include <stdint.h>
#include <stdlib.h>

#include <lake/event.h>
#include <lake/rpc.h>

#include "unit.h"

/* ---- an interface ------------------------------------------------------------- */

#define CALC_INTERFACE(M, X)                                                           \
    M(X, add, 1, (lake_word_t a; lake_word_t b;), (lake_word_t sum;), 0, 0)          \
    M(X, mix, 2, (uint32_t x; uint32_t y; lake_word_t w[6];), (lake_word_t w[7];), 0, 0) \
    M(X, give, 4, (lake_word_t tag;), (), 2, 0)                                       \
    M(X, take, 5, (), (lake_word_t n;), 0, 1)                                         \
    M(X, later, 6, (lake_word_t v;), (lake_word_t v;), 0, 0)                          \
    M(X, none, 7, (), (), 0, 0)

LAKE_RPC_DECLARE(calc, CALC_INTERFACE)
LAKE_RPC_DEFINE_SERVER(calc, CALC_INTERFACE)

struct calc_state {
    unsigned adds;
    lake_cptr_t got_caps[2];
    struct lake_rpc_deferred deferred[4096];
    lake_word_t deferred_v[4096];
    unsigned ndeferred;
};

static int calc_add(struct lake_rpc_call *call, const struct calc_add_in *in,
                    struct calc_add_out *out)
{
    struct calc_state *st = call->server->state;
    st->adds++;
    out->sum = in->a + in->b + call->badge * 1000000;
    return LAKE_OK;
}

static int calc_mix(struct lake_rpc_call *call, const struct calc_mix_in *in,
                    struct calc_mix_out *out)
{
    (void)call;
    out->w[0] = (lake_word_t)in->x << 32 | in->y;
    for (int i = 0; i < 6; i++)
        out->w[i + 1] = in->w[i] * 2;
    return LAKE_OK;
}

static int calc_give(struct lake_rpc_call *call, const struct calc_give_in *in,
                     struct calc_give_out *out)
{
    struct calc_state *st = call->server->state;
    (void)out;
    st->got_caps[0] = in->caps[0];
    st->got_caps[1] = in->caps[1];
    return in->tag == 0 ? LAKE_INVALID_ARGUMENT : LAKE_OK;
}

static int calc_later(struct lake_rpc_call *call, const struct calc_later_in *in,
                      struct calc_later_out *out)
{
    struct calc_state *st = call->server->state;
    (void)out;
    if (in->v % 3 != 0) {
        out->v = in->v + 1;
        return LAKE_OK;
    }
    st->deferred_v[st->ndeferred] = in->v;
    return lake_rpc_defer(call, &st->deferred[st->ndeferred++]);
}

/* `take` and `none` have no handler: unknown to this server. */
static const struct calc_server_ops calc_ops = {
    .add = calc_add, .mix = calc_mix, .give = calc_give, .later = calc_later,
};

TEST(generated_layout)
{
    CHECK_EQ(calc_add_id, 1);
    CHECK_EQ(calc_add_in_words, 2);
    CHECK_EQ(calc_add_out_words, 1);
    CHECK_EQ(calc_mix_in_words, 7);     /* two uint32 in one word */
    CHECK_EQ(calc_mix_out_words, 7);
    CHECK_EQ(calc_give_in_words, 1);
    CHECK_EQ(offsetof(struct calc_give_in, caps), 8);
    CHECK_EQ(calc_take_in_words, 0);
    CHECK_EQ(calc_interface.count, 8);
    CHECK(calc_interface.methods[3].glue == NULL);      /* a hole in the ids */
    CHECK_STR(calc_interface.methods[2].name, "mix");
    CHECK_EQ(calc_interface.methods[4].in_caps, 2);
    CHECK_EQ(calc_interface.methods[5].out_caps, 1);
}

static struct lake_rpc_server server;
static struct calc_state state;

static void server_setup(struct lake_event_loop *loop)
{
    memset(&state, 0, sizeof(state));
    lake_rpc_server_init(&server, &calc_interface, &calc_ops, &state, loop);
}

TEST(dispatch_table)
{
    server_setup(NULL);
    CHECK(lake_rpc_method_find(&calc_interface, 0) == NULL);
    CHECK(lake_rpc_method_find(&calc_interface, 3) == NULL);
    CHECK(lake_rpc_method_find(&calc_interface, 8) == NULL);
    CHECK(lake_rpc_method_find(&calc_interface, ~0ul) == NULL);
    CHECK(lake_rpc_method_find(&calc_interface, 2) == &calc_interface.methods[2]);

    lake_word_t out[LAKE_RPC_MAX_WORDS + LAKE_RPC_MAX_CAPS];
    struct lake_rpc_call call = { .server = &server, .badge = 7, .method = calc_add_id };
    lake_word_t w[8] = { 40, 2 };
    CHECK_EQ(lake_rpc_dispatch(&call, w, 2, 0, 0, out), LAKE_OK);
    CHECK_EQ(out[0], 7000042);
    CHECK_EQ(call.out_words, 1);
    CHECK_EQ(state.adds, 1);

    /* Too short, unknown ids, a declared method without a handler. */
    CHECK_EQ(lake_rpc_dispatch(&call, w, 1, 0, 0, out), LAKE_RPC_BAD_REQUEST);
    CHECK_EQ(call.out_words, 0);
    call.method = 3;
    CHECK_EQ(lake_rpc_dispatch(&call, w, 2, 0, 0, out), LAKE_RPC_UNKNOWN_METHOD);
    call.method = 99;
    CHECK_EQ(lake_rpc_dispatch(&call, w, 2, 0, 0, out), LAKE_RPC_UNKNOWN_METHOD);
    call.method = calc_none_id;
    CHECK_EQ(lake_rpc_dispatch(&call, w, 0, 0, 0, out), LAKE_RPC_UNKNOWN_METHOD);
    CHECK_EQ(state.adds, 1);
    CHECK_EQ(server.calls, 5);
    CHECK_EQ(server.errors, 4);

    /* Caps: the handler sees consecutive slots; too few is refused. */
    call.method = calc_give_id;
    w[0] = 1;
    CHECK_EQ(lake_rpc_dispatch(&call, w, 1, 300, 1, out), LAKE_RPC_BAD_REQUEST);
    CHECK_EQ(lake_rpc_dispatch(&call, w, 1, 300, 2, out), LAKE_OK);
    CHECK_EQ(state.got_caps[0], 300);
    CHECK_EQ(state.got_caps[1], 301);
    w[0] = 0;
    CHECK_EQ(lake_rpc_dispatch(&call, w, 1, 300, 2, out), LAKE_INVALID_ARGUMENT);

    /* Word packing of smaller fields. */
    call.method = calc_mix_id;
    struct calc_mix_in in = { .x = 0xabc, .y = 0x123, .w = { 1, 2, 3, 4, 5, 6 } };
    CHECK_EQ(lake_rpc_dispatch(&call, (const lake_word_t *)&in, calc_mix_in_words, 0, 0, out),
             LAKE_OK);
    CHECK_EQ(out[0], 0xabc00000123ul);
    CHECK_EQ(out[6], 12);
}

TEST(request_ids)
{
    struct lake_rpc_pending e[8];
    struct lake_rpc_ids t;
    CHECK_EQ(lake_rpc_ids_init(&t, e, 6), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_rpc_ids_init(&t, e, 0), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_rpc_ids_init(&t, e, 8), LAKE_OK);
    struct lake_rpc_pending *p[8];
    uint32_t ids[8];
    for (int i = 0; i < 8; i++) {
        p[i] = lake_rpc_ids_alloc(&t);
        CHECK(p[i] != NULL);
        ids[i] = p[i]->id;
        for (int j = 0; j < i; j++)
            CHECK(ids[j] != ids[i]);
    }
    CHECK(lake_rpc_ids_alloc(&t) == NULL);
    CHECK_EQ(t.outstanding, 8);
    CHECK(lake_rpc_ids_lookup(&t, ids[3]) == p[3]);
    lake_rpc_ids_release(&t, p[3]);
    CHECK(lake_rpc_ids_lookup(&t, ids[3]) == NULL);         /* answered */
    struct lake_rpc_pending *again = lake_rpc_ids_alloc(&t);
    CHECK(again == p[3]);
    CHECK(again->id != ids[3]);                             /* a new generation */
    CHECK(lake_rpc_ids_lookup(&t, ids[3]) == NULL);         /* a late reply is stale */
    CHECK(lake_rpc_ids_lookup(&t, again->id) == again);
    CHECK(lake_rpc_ids_lookup(&t, ids[5] + 8) == NULL);     /* forged generation */
    for (int i = 0; i < 8; i++)
        lake_rpc_ids_release(&t, i == 3 ? again : p[i]);
    CHECK_EQ(t.outstanding, 0);
    CHECK_EQ(t.peak, 8);
    /* Generations wrap without ever reviving an old id for long. */
    for (int i = 0; i < 100000; i++) {
        struct lake_rpc_pending *q = lake_rpc_ids_alloc(&t);
        CHECK(q != NULL && lake_rpc_ids_lookup(&t, q->id) == q);
        lake_rpc_ids_release(&t, q);
    }
}

/* ---- the event loop's tables ------------------------------------------------------ */

static int handled[4];
static lake_cptr_t handled_caps;

static enum lake_event_action on_a(struct lake_event_msg *m, void *arg)
{
    handled[(intptr_t)arg]++;
    handled_caps = m->caps;
    m->reply = lake_msginfo(0, 0, 0, 1);
    return LAKE_EVENT_REPLY;
}

static enum lake_event_action on_b(struct lake_event_msg *m, void *arg)
{
    (void)m;
    handled[(intptr_t)arg]++;
    return LAKE_EVENT_NO_REPLY;
}

static lake_word_t bits_seen[2];

static void on_bits(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop;
    bits_seen[(intptr_t)arg] |= bits;
}

static unsigned slot_next = 100, slots_freed;

static int fake_alloc(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    *first = slot_next;
    slot_next += count;
    return LAKE_OK;
}

static void fake_free(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    (void)first;
    slots_freed += count;
}

TEST(event_badge_and_bits)
{
    static struct lake_event_loop loop;
    lake_event_loop_init(&loop, 1, 2, NULL);
    CHECK_EQ(lake_event_on_badge(&loop, 0, 5, on_a, 0), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_event_on_badge(&loop, 6, 5, on_a, 0), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_event_on_badge(&loop, 1, LAKE_EVENT_NTFN_FLAG, on_a, 0), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_event_on_badge(&loop, 10, 19, on_a, (void *)0), LAKE_OK);
    CHECK_EQ(lake_event_on_badge(&loop, 19, 25, on_b, (void *)1), LAKE_DELETE_FIRST);
    CHECK_EQ(lake_event_on_badge(&loop, 5, 10, on_b, (void *)1), LAKE_DELETE_FIRST);
    CHECK_EQ(lake_event_on_badge(&loop, 20, 20, on_b, (void *)1), LAKE_OK);
    CHECK_EQ(lake_event_on_bits(&loop, 0x3, on_bits, (void *)0), LAKE_OK);
    CHECK_EQ(lake_event_on_bits(&loop, 0x6, on_bits, (void *)1), LAKE_DELETE_FIRST);
    CHECK_EQ(lake_event_on_bits(&loop, LAKE_EVENT_NTFN_FLAG, on_bits, (void *)1),
             LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_event_on_bits(&loop, 0x30, on_bits, (void *)1), LAKE_OK);

    CHECK(lake_event_find(&loop, 9) == NULL);
    CHECK(lake_event_find(&loop, 10)->fn == on_a);
    CHECK(lake_event_find(&loop, 19)->fn == on_a);
    CHECK(lake_event_find(&loop, 20)->fn == on_b);
    CHECK(lake_event_find(&loop, 21) == NULL);

    lake_msginfo_t reply = 0;
    memset(handled, 0, sizeof(handled));
    CHECK(lake_event_dispatch(&loop, 15, lake_msginfo(3, 0, 0, 2), &reply));
    CHECK_EQ(reply, lake_msginfo(0, 0, 0, 1));
    CHECK(!lake_event_dispatch(&loop, 20, lake_msginfo(3, 0, 0, 2), &reply));
    CHECK(lake_event_dispatch(&loop, 21, lake_msginfo(3, 0, 0, 0), &reply));
    CHECK_EQ(lake_msginfo_label(reply), LAKE_EVENT_NO_HANDLER);
    CHECK_EQ(handled[0], 1);
    CHECK_EQ(handled[1], 1);
    CHECK_EQ(loop.unhandled, 1);

    /* Notification words: every bitset of a set bit, once, with its bits. */
    CHECK(!lake_event_dispatch(&loop, LAKE_EVENT_NTFN_FLAG | 0x21, 0, &reply));
    CHECK_EQ(bits_seen[0], 0x1);
    CHECK_EQ(bits_seen[1], 0x20);
    /* A zero-badge empty wake-up is nothing. */
    CHECK(!lake_event_dispatch(&loop, 0, 0, &reply));
    CHECK_EQ(loop.messages, 3);
    CHECK_EQ(loop.signals, 1);

    CHECK_EQ(lake_event_remove_badge(&loop, 10), LAKE_OK);
    CHECK(lake_event_find(&loop, 15) == NULL);
    CHECK_EQ(lake_event_remove_badge(&loop, 10), LAKE_INVALID_ARGUMENT);

    /* The lookup cache points at ranges no longer in use after removals:
     * they must match nothing (the empty sentinel), badge 0 included. */
    CHECK(lake_event_find(&loop, 20)->fn == on_b);      /* cached: range 20 */
    CHECK_EQ(lake_event_remove_badge(&loop, 20), LAKE_OK);
    CHECK(lake_event_find(&loop, 20) == NULL);
    CHECK(lake_event_find(&loop, 0) == NULL);
    CHECK(lake_event_dispatch(&loop, 0, lake_msginfo(1, 0, 0, 0), &reply));
    CHECK_EQ(lake_msginfo_label(reply), LAKE_EVENT_NO_HANDLER);
    CHECK_EQ(lake_event_on_badge(&loop, 30, 39, on_a, NULL), LAKE_OK);
    CHECK(lake_event_find(&loop, 35)->fn == on_a);
    CHECK(lake_event_find(&loop, 29) == NULL);
    struct lake_event_loop fresh;
    lake_event_loop_init(&fresh, 1, 2, NULL);
    CHECK(lake_event_find(&fresh, 0) == NULL);
    CHECK(lake_event_find(&fresh, 1) == NULL);
}

TEST(event_received_caps)
{
    static struct lake_event_loop loop;
    struct lake_event_slots slots = { NULL, fake_alloc, fake_free, 2, 64, NULL };
    lake_event_loop_init(&loop, 1, 2, &slots);
    CHECK_EQ(lake_event_on_badge(&loop, 1, 9, on_a, 0), LAKE_OK);
    lake_msginfo_t reply;
    slots_freed = 0;
    /* Two caps, the first unwrapped: one slot is the handler's, two go back. */
    loop.recv_caps = 200;
    CHECK(lake_event_dispatch(&loop, 3, lake_msginfo(1, 1, 2, 0), &reply));
    CHECK_EQ(handled_caps, 200);
    CHECK_EQ(loop.recv_caps, 0);
    CHECK_EQ(slots_freed, 0);               /* later: freeing may reuse the words */
    CHECK_EQ(loop.spare, 201);
    lake_event_release_spare(&loop);
    CHECK_EQ(slots_freed, 2);
    lake_event_release_spare(&loop);
    CHECK_EQ(slots_freed, 2);
    /* No caps: the window stays for the next message. */
    loop.recv_caps = 300;
    CHECK(lake_event_dispatch(&loop, 3, lake_msginfo(1, 0, 0, 0), &reply));
    CHECK_EQ(handled_caps, 0);
    CHECK_EQ(loop.recv_caps, 300);
    /* Caps for nobody are dropped with the whole window. */
    CHECK(lake_event_dispatch(&loop, 77, lake_msginfo(1, 0, 3, 0), &reply));
    CHECK_EQ(loop.recv_caps, 0);
    lake_event_release_spare(&loop);
    CHECK_EQ(slots_freed, 5);
}

/* ---- the ring channel ------------------------------------------------------------- */

struct doorbell {
    unsigned rings;
};

static void ring_bell(void *ctx)
{
    ((struct doorbell *)ctx)->rings++;
}

struct chan {
    void *shared;
    struct lake_event_loop server_loop, client_loop;
    struct lake_rpc_ring_conn conn;
    struct lake_rpc_async client;
    struct lake_rpc_pending pending[1024];
    struct doorbell to_server, to_client;
};

static struct chan *chan_new(unsigned order, uint32_t ids)
{
    struct chan *c = calloc(1, sizeof(*c));
    size_t bytes = lake_rpc_chan_bytes(order);
    c->shared = aligned_alloc(64, bytes);
    CHECK_EQ(lake_rpc_chan_init(c->shared, bytes, order), LAKE_OK);
    lake_event_loop_init(&c->server_loop, 1, 2, NULL);
    lake_event_loop_init(&c->client_loop, 3, 4, NULL);
    server_setup(&c->server_loop);
    CHECK_EQ(lake_rpc_serve_ring(&server, &c->conn, c->shared, 5, 42, ring_bell, &c->to_client),
             LAKE_OK);
    CHECK_EQ(lake_rpc_async_init(&c->client, c->shared, c->pending, ids, ring_bell,
                                 &c->to_server), LAKE_OK);
    CHECK_EQ(lake_rpc_async_attach(&c->client, &c->client_loop, 7), LAKE_OK);
    return c;
}

static void chan_free(struct chan *c)
{
    free(c->shared);
    free(c);
}

static unsigned done_count, done_errors;
static lake_word_t done_sum;

static void add_done(void *ctx, int status, const struct calc_add_out *out)
{
    lake_word_t expect = (lake_word_t)(uintptr_t)ctx;
    done_count++;
    if (status != LAKE_OK || out->sum != expect)
        done_errors++;
    done_sum += out ? out->sum : 0;
}

static int last_status;

static void status_done(void *ctx, int status, const struct calc_none_out *out)
{
    (void)ctx;
    last_status = status;
    if (out != NULL)
        done_errors++;
}

TEST(ring_marshalling_and_errors)
{
    struct chan *c = chan_new(4, 16);
    /* Doorbells: only when the consumer announced its sleep. */
    CHECK(lake_event_rings_prepare_sleep(&c->server_loop));
    struct calc_add_in in = { 1, 2 };
    done_count = done_errors = 0;
    CHECK_EQ(calc_add_async(&c->client, &in, add_done, (void *)(uintptr_t)(42000003)), LAKE_OK);
    CHECK_EQ(c->to_server.rings, 1);
    CHECK_EQ(calc_add_async(&c->client, &in, add_done, (void *)(uintptr_t)(42000003)), LAKE_OK);
    CHECK_EQ(c->to_server.rings, 1);
    lake_event_rings_awake(&c->server_loop);
    CHECK_EQ(lake_event_drain_rings(&c->server_loop), 2);
    CHECK_EQ(c->to_client.rings, 0);        /* the client was not asleep */
    CHECK_EQ(lake_event_drain_rings(&c->client_loop), 2);
    CHECK_EQ(done_count, 2);
    CHECK_EQ(done_errors, 0);

    /* Unknown and handler-less methods, caps on the ring. */
    CHECK_EQ(calc_none_async(&c->client, &(struct calc_none_in){}, status_done, NULL), LAKE_OK);
    lake_event_drain_rings(&c->server_loop);
    lake_event_drain_rings(&c->client_loop);
    CHECK_EQ(last_status, LAKE_RPC_UNKNOWN_METHOD);
    CHECK_EQ(lake_rpc_async_call(&c->client, 3, NULL, 0, 0, 0, 0, calc_none_complete,
                                 (lake_rpc_any_fn)status_done, NULL), LAKE_OK);
    lake_event_drain_rings(&c->server_loop);
    lake_rpc_async_poll(&c->client);
    CHECK_EQ(last_status, LAKE_RPC_UNKNOWN_METHOD);
    CHECK_EQ(calc_give_async(&c->client, &(struct calc_give_in){ .tag = 1 }, NULL, NULL),
             LAKE_RPC_CAPS_ON_RING);
    /* A request shorter than the method: refused by the server. */
    CHECK_EQ(lake_rpc_async_call(&c->client, calc_add_id, &in, 1, 0, 1, 0, calc_none_complete,
                                 (lake_rpc_any_fn)status_done, NULL), LAKE_OK);
    lake_event_drain_rings(&c->server_loop);
    lake_rpc_async_poll(&c->client);
    CHECK_EQ(last_status, LAKE_RPC_BAD_REQUEST);
    /* Malformed ring messages are dropped and counted. */
    lake_rpc_ring_request(&c->server_loop, "abc", 3, &c->conn);
    lake_rpc_ring_request(&c->server_loop, "abcdefghijk", 11, &c->conn);
    CHECK_EQ(c->conn.malformed, 2);
    /* A reply nobody waits for is stale. */
    struct lake_rpc_ring_header h = { 12345, 0 };
    lake_rpc_async_take_reply(&c->client, &h, sizeof(h));
    CHECK_EQ(c->client.stale, 1);
    CHECK_EQ(lake_rpc_async_outstanding(&c->client), 0);
    CHECK_EQ(done_errors, 0);
    /* Closed: requests stay in the ring, the bit is free for another. */
    CHECK_EQ(lake_rpc_close_ring(&c->conn), LAKE_OK);
    CHECK_EQ(lake_rpc_close_ring(&c->conn), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(calc_add_async(&c->client, &in, add_done, (void *)(uintptr_t)(42000003)), LAKE_OK);
    CHECK_EQ(lake_event_drain_rings(&c->server_loop), 0);
    CHECK_EQ(c->server_loop.bits_used, 0);
    chan_free(c);
}

TEST(ring_reply_reservation)
{
    /* 16 slots per ring: a 7-word reply takes 2 slots (8 + 56 bytes). */
    struct chan *c = chan_new(4, 64);
    struct calc_mix_in in = { 0 };
    unsigned sent = 0;
    while (calc_mix_async(&c->client, &in, NULL, NULL) == LAKE_OK)
        sent++;
    CHECK_EQ(sent, 8);                      /* the reply ring, not the ids, is the limit */
    CHECK_EQ(c->client.reply_slots_free, 0);
    /* One-slot requests and replies: 16 fit, the 17th is refused whole. */
    struct chan *d = chan_new(4, 64);
    struct calc_later_in later = { 1 };
    sent = 0;
    while (calc_later_async(&d->client, &later, NULL, NULL) == LAKE_OK)
        sent++;
    CHECK_EQ(sent, 16);
    CHECK_EQ(calc_later_async(&d->client, &later, NULL, NULL), LAKE_RPC_BUSY);
    CHECK_EQ(lake_rpc_async_outstanding(&d->client), 16);   /* BUSY left nothing behind */
    chan_free(c);
    chan_free(d);
}

static unsigned later_done;
static lake_word_t later_sum;

static void later_cb(void *ctx, int status, const struct calc_later_out *out)
{
    lake_word_t v = (lake_word_t)(uintptr_t)ctx;
    later_done++;
    if (status != LAKE_OK || out->v != v + 1)
        done_errors++;
    later_sum += v;
}

TEST(ring_thousand_outstanding_with_deferred_replies)
{
    struct chan *c = chan_new(10, 1024);
    done_errors = later_done = 0;
    later_sum = 0;
    lake_word_t expect = 0;
    for (lake_word_t v = 1; v <= 1000; v++) {
        CHECK_EQ(calc_later_async(&c->client, &(struct calc_later_in){ v }, later_cb,
                                  (void *)(uintptr_t)v), LAKE_OK);
        expect += v;
    }
    CHECK_EQ(lake_rpc_async_outstanding(&c->client), 1000);
    CHECK_EQ(lake_event_drain_rings(&c->server_loop), 1000);
    CHECK_EQ(state.ndeferred, 333);
    lake_rpc_async_poll(&c->client);
    CHECK_EQ(later_done, 667);
    /* The deferred ones, answered in reverse order. */
    for (unsigned i = state.ndeferred; i-- > 0;) {
        struct calc_later_out out = { state.deferred_v[i] + 1 };
        CHECK_EQ(calc_later_reply(&state.deferred[i], LAKE_OK, &out), LAKE_OK);
        CHECK_EQ(calc_later_reply(&state.deferred[i], LAKE_OK, &out), LAKE_INVALID_ARGUMENT);
    }
    CHECK_EQ(lake_event_drain_rings(&c->client_loop), 333);
    CHECK_EQ(later_done, 1000);
    CHECK_EQ(later_sum, expect);
    CHECK_EQ(done_errors, 0);
    CHECK_EQ(lake_rpc_async_outstanding(&c->client), 0);
    CHECK_EQ(c->client.ids.peak, 1000);
    CHECK_EQ(c->client.reply_slots_free, 1024);
    CHECK_EQ(c->conn.lost, 0);
    chan_free(c);
}

TEST(ring_many_rounds_random_batches)
{
    struct chan *c = chan_new(6, 64);
    srand(7);
    done_count = done_errors = 0;
    done_sum = 0;
    lake_word_t expect = 0;
    unsigned sent = 0;
    while (sent < 200000) {
        unsigned batch = 1 + (unsigned)rand() % 80;
        for (unsigned i = 0; i < batch && sent < 200000; i++) {
            lake_word_t a = (lake_word_t)rand(), b = sent;
            lake_word_t sum = a + b + 42 * 1000000;
            if (calc_add_async(&c->client, &(struct calc_add_in){ a, b }, add_done,
                               (void *)(uintptr_t)sum) != LAKE_OK)
                break;
            expect += sum;
            sent++;
        }
        if (rand() % 2)
            lake_event_drain_rings(&c->server_loop);
        if (rand() % 2)
            lake_rpc_async_poll(&c->client);
    }
    lake_event_drain_rings(&c->server_loop);
    lake_rpc_async_poll(&c->client);
    CHECK_EQ(done_count, 200000);
    CHECK_EQ(done_errors, 0);
    CHECK_EQ(done_sum, expect);
    CHECK_EQ(c->client.stale, 0);
    chan_free(c);
}
