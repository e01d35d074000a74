/*
 * RPC without system calls (see lake/rpc.h): method tables and dispatch,
 * request ids, the ring channel's marshalling, the asynchronous client
 * and the ring side of the server. Doorbells are callbacks, so the host
 * unit test runs all of it; rpc.c has the endpoint side.
 */
#include <string.h>

#include <lake/rpc.h>

#define HEADER_BYTES    sizeof(struct lake_rpc_ring_header)
#define WORD            sizeof(lake_word_t)

const char *lake_rpc_status_name(int status)
{
    switch (status) {
    case LAKE_EVENT_NO_HANDLER: return "LAKE_EVENT_NO_HANDLER";
    case LAKE_EVENT_FULL: return "LAKE_EVENT_FULL";
    case LAKE_EVENT_RING_FAILED: return "LAKE_EVENT_RING_FAILED";
    case LAKE_RPC_UNKNOWN_METHOD: return "LAKE_RPC_UNKNOWN_METHOD";
    case LAKE_RPC_BAD_REQUEST: return "LAKE_RPC_BAD_REQUEST";
    case LAKE_RPC_BAD_REPLY: return "LAKE_RPC_BAD_REPLY";
    case LAKE_RPC_BUSY: return "LAKE_RPC_BUSY";
    case LAKE_RPC_CAPS_ON_RING: return "LAKE_RPC_CAPS_ON_RING";
    case LAKE_RPC_NOT_DEFERRABLE: return "LAKE_RPC_NOT_DEFERRABLE";
    default: return "(not an RPC status)";
    }
}

/* ---- server side ----------------------------------------------------------- */

void lake_rpc_server_init(struct lake_rpc_server *s, const struct lake_rpc_interface *iface,
                          const void *ops, void *state, struct lake_event_loop *loop)
{
    *s = (struct lake_rpc_server){ .iface = iface, .ops = ops, .state = state, .loop = loop };
}

const struct lake_rpc_method *lake_rpc_method_find(const struct lake_rpc_interface *iface,
                                                   lake_word_t id)
{
    if (id >= iface->count || iface->methods[id].glue == NULL)
        return NULL;
    return &iface->methods[id];
}

/* Requests are a few words: a call to memcpy would cost more than the
 * copy (the blocking path has a budget, see docs/RUNTIME.md). */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
int lake_rpc_dispatch(struct lake_rpc_call *call, const lake_word_t *words, unsigned nwords,
                      lake_cptr_t first_cap, unsigned ncaps,
                      lake_word_t out[LAKE_RPC_MAX_WORDS + LAKE_RPC_MAX_CAPS])
{
    struct lake_rpc_server *s = call->server;
    const struct lake_rpc_method *m = lake_rpc_method_find(s->iface, call->method);
    call->out_words = call->out_caps = 0;
    s->calls++;
    int status;
    if (m == NULL) {
        status = LAKE_RPC_UNKNOWN_METHOD;
    } else if (nwords < m->in_words || ncaps < m->in_caps) {
        status = LAKE_RPC_BAD_REQUEST;
    } else {
        /* A private copy: the handler may make system calls (which reuse
         * the IPC buffer's words) before it reads its arguments. */
        lake_word_t in[LAKE_RPC_MAX_WORDS + LAKE_RPC_MAX_CAPS];
        for (unsigned i = 0; i < m->in_words; i++)
            in[i] = words[i];
        for (unsigned i = 0; i < m->in_caps; i++)
            in[m->in_words + i] = first_cap + i;
        call->out_words = m->out_words;
        call->out_caps = m->out_caps;
        status = m->glue(call, in, out);
    }
    if (status != LAKE_OK) {
        s->errors++;
        call->out_words = call->out_caps = 0;
    }
    return status;
}

int lake_rpc_defer(struct lake_rpc_call *call, struct lake_rpc_deferred *d)
{
    *d = (struct lake_rpc_deferred){ .transport = call->transport, .server = call->server,
                                     .conn = call->conn, .id = call->id,
                                     .out_words = call->out_words, .out_caps = call->out_caps };
    int error = call->transport->defer(call, d);
    if (error == LAKE_OK)
        call->deferred = true;
    return error;
}

int lake_rpc_reply_deferred(struct lake_rpc_deferred *d, int status, const void *out,
                            unsigned out_words, unsigned out_caps)
{
    if (d->transport == NULL)
        return LAKE_INVALID_ARGUMENT;       /* answered already, or never deferred */
    const struct lake_rpc_transport *t = d->transport;
    d->transport = NULL;
    if (status != LAKE_OK)
        out_words = out_caps = 0;
    return t->reply(d, status, out, out_words, out_caps);
}

/* ---- request ids ------------------------------------------------------------ */

int lake_rpc_ids_init(struct lake_rpc_ids *t, struct lake_rpc_pending *entries, uint32_t count)
{
    if (count == 0 || (count & (count - 1)) || count > (1u << 24))
        return LAKE_INVALID_ARGUMENT;
    *t = (struct lake_rpc_ids){ .entries = entries, .mask = count - 1,
                                .bits = (uint32_t)__builtin_ctz(count), .free_head = 0 };
    for (uint32_t i = 0; i < count; i++)
        entries[i] = (struct lake_rpc_pending){ .id = i, .next_free = i + 1 < count ? i + 1 : UINT32_MAX };
    return LAKE_OK;
}

struct lake_rpc_pending *lake_rpc_ids_alloc(struct lake_rpc_ids *t)
{
    if (t->free_head == UINT32_MAX)
        return NULL;
    struct lake_rpc_pending *p = &t->entries[t->free_head];
    t->free_head = p->next_free;
    /* A new generation: a late reply for the previous use is refused. */
    p->id += 1u << t->bits;
    p->busy = true;
    if (++t->outstanding > t->peak)
        t->peak = t->outstanding;
    return p;
}

struct lake_rpc_pending *lake_rpc_ids_lookup(struct lake_rpc_ids *t, uint32_t id)
{
    struct lake_rpc_pending *p = &t->entries[id & t->mask];
    return p->busy && p->id == id ? p : NULL;
}

void lake_rpc_ids_release(struct lake_rpc_ids *t, struct lake_rpc_pending *p)
{
    p->busy = false;
    p->next_free = t->free_head;
    t->free_head = (uint32_t)(p - t->entries);
    t->outstanding--;
}

/* ---- channel ------------------------------------------------------------------ */

size_t lake_rpc_chan_bytes(unsigned order)
{
    return 2 * ring_bytes(order);
}

static struct ring_shared *request_ring(void *shared)
{
    return shared;
}

static struct ring_shared *reply_ring(void *shared)
{
    struct ring_shared *req = shared;
    return (struct ring_shared *)((char *)shared + ring_bytes(req->order));
}

int lake_rpc_chan_init(void *shared, size_t bytes, unsigned order)
{
    if (bytes < lake_rpc_chan_bytes(order) ||
        ring_init(shared, ring_bytes(order), order) != RING_OK ||
        ring_init(reply_ring(shared), ring_bytes(order), order) != RING_OK)
        return LAKE_INVALID_ARGUMENT;
    return LAKE_OK;
}

static uint32_t slots_for(unsigned words)
{
    size_t bytes = HEADER_BYTES + words * WORD;
    return (uint32_t)((bytes + RING_SLOT_PAYLOAD - 1) / RING_SLOT_PAYLOAD);
}

/* Header and words in one buffer, sent in one piece. */
static int ring_put(struct ring_producer *p, uint32_t id, uint32_t label, const void *words,
                    unsigned nwords)
{
    lake_word_t buf[1 + LAKE_RPC_MAX_WORDS];
    struct lake_rpc_ring_header h = { id, label };
    memcpy(buf, &h, HEADER_BYTES);
    if (nwords)
        memcpy(buf + 1, words, nwords * WORD);
    return ring_try_send(p, buf, HEADER_BYTES + nwords * WORD);
}

/* Split a ring message; false if it is malformed. */
static bool ring_get(const void *data, size_t length, struct lake_rpc_ring_header *h,
                     const lake_word_t **words, unsigned *nwords)
{
    if (length < HEADER_BYTES || (length - HEADER_BYTES) % WORD ||
        (length - HEADER_BYTES) / WORD > LAKE_RPC_MAX_WORDS)
        return false;
    memcpy(h, data, HEADER_BYTES);
    /* Ring messages are copied into word-aligned buffers (lake/event.h). */
    *words = (const lake_word_t *)((const char *)data + HEADER_BYTES);
    *nwords = (unsigned)((length - HEADER_BYTES) / WORD);
    return true;
}

/* ---- asynchronous client --------------------------------------------------- */

int lake_rpc_async_init(struct lake_rpc_async *a, void *shared, struct lake_rpc_pending *entries,
                        uint32_t count, ring_doorbell_fn doorbell, void *ctx)
{
    memset(a, 0, sizeof(*a));
    int error = lake_rpc_ids_init(&a->ids, entries, count);
    if (error)
        return error;
    if (ring_producer_init(&a->requests, request_ring(shared), doorbell, ctx) != RING_OK ||
        ring_consumer_init(&a->replies, reply_ring(shared)) != RING_OK)
        return LAKE_INVALID_ARGUMENT;
    a->reply_slots_free = a->replies.mask + 1;
    return LAKE_OK;
}

int lake_rpc_async_call(struct lake_rpc_async *a, lake_word_t method, const void *in,
                        unsigned in_words, unsigned in_caps, unsigned out_words,
                        unsigned out_caps, lake_rpc_complete_fn complete, lake_rpc_any_fn fn,
                        void *ctx)
{
    if (in_caps || out_caps)
        return LAKE_RPC_CAPS_ON_RING;
    if (method == 0 || method > UINT32_MAX || in_words > LAKE_RPC_MAX_WORDS - 1 ||
        out_words > LAKE_RPC_MAX_WORDS - 1)
        return LAKE_INVALID_ARGUMENT;
    /* Room for the reply is reserved now, so the server never finds the
     * reply ring full (it cannot wait for us). */
    uint32_t reply_slots = slots_for(out_words);
    if (reply_slots > a->reply_slots_free)
        return LAKE_RPC_BUSY;
    struct lake_rpc_pending *p = lake_rpc_ids_alloc(&a->ids);
    if (p == NULL)
        return LAKE_RPC_BUSY;
    int status = ring_put(&a->requests, p->id, (uint32_t)method, in, in_words);
    if (status != RING_OK) {
        lake_rpc_ids_release(&a->ids, p);
        return status == RING_FULL ? LAKE_RPC_BUSY : LAKE_INVALID_ARGUMENT;
    }
    p->complete = complete;
    p->fn = fn;
    p->ctx = ctx;
    p->reply_slots = (uint16_t)reply_slots;
    p->out_words = (uint8_t)out_words;
    a->reply_slots_free -= reply_slots;
    a->calls++;
    return LAKE_OK;
}

void lake_rpc_async_take_reply(struct lake_rpc_async *a, const void *data, size_t length)
{
    struct lake_rpc_ring_header h;
    const lake_word_t *words;
    unsigned nwords;
    struct lake_rpc_pending *p;
    if (!ring_get(data, length, &h, &words, &nwords) ||
        (p = lake_rpc_ids_lookup(&a->ids, h.id)) == NULL) {
        a->stale++;             /* not ours: nothing to resume */
        return;
    }
    int status = (int)h.label;
    if (status == LAKE_OK && nwords < p->out_words)
        status = LAKE_RPC_BAD_REPLY;
    struct lake_rpc_pending done = *p;
    /* Free the entry before the continuation runs: it may call again. */
    a->reply_slots_free += p->reply_slots;
    lake_rpc_ids_release(&a->ids, p);
    a->completions++;
    done.complete(done.fn, done.ctx, status, status == LAKE_OK ? words : NULL);
}

static void take_reply_source(struct lake_event_loop *loop, const void *data, size_t length,
                              void *arg)
{
    (void)loop;
    lake_rpc_async_take_reply(arg, data, length);
}

unsigned lake_rpc_async_poll(struct lake_rpc_async *a)
{
    lake_word_t buf[1 + LAKE_RPC_MAX_WORDS];
    unsigned taken = 0;
    size_t length;
    while (ring_try_recv(&a->replies, buf, sizeof(buf), &length) == RING_OK) {
        lake_rpc_async_take_reply(a, buf, length);
        taken++;
    }
    return taken;
}

int lake_rpc_async_attach(struct lake_rpc_async *a, struct lake_event_loop *loop, unsigned bit)
{
    return lake_event_add_ring(loop, bit, &a->replies, take_reply_source, a);
}

/* ---- ring side of the server -------------------------------------------------- */

static int ring_defer(struct lake_rpc_call *call, struct lake_rpc_deferred *d)
{
    (void)call;
    (void)d;                    /* the connection and id are all it takes */
    return LAKE_OK;
}

static int ring_reply(struct lake_rpc_deferred *d, int status, const lake_word_t *out,
                      unsigned words, unsigned caps)
{
    struct lake_rpc_ring_conn *conn = d->conn;
    (void)caps;
    if (ring_put(&conn->replies, d->id, (uint32_t)status, out, words) != RING_OK) {
        conn->lost++;           /* the client broke its reservation */
        return LAKE_RPC_BUSY;
    }
    return LAKE_OK;
}

static const struct lake_rpc_transport ring_transport = { ring_defer, ring_reply };

void lake_rpc_ring_request(struct lake_event_loop *loop, const void *data, size_t length,
                           void *arg)
{
    struct lake_rpc_ring_conn *conn = arg;
    struct lake_rpc_ring_header h;
    const lake_word_t *words;
    unsigned nwords;
    (void)loop;
    if (!ring_get(data, length, &h, &words, &nwords)) {
        conn->malformed++;
        return;
    }
    struct lake_rpc_call call = { .server = conn->server, .badge = conn->badge,
                                  .method = h.label, .transport = &ring_transport,
                                  .conn = conn, .id = h.id };
    lake_word_t out[LAKE_RPC_MAX_WORDS + LAKE_RPC_MAX_CAPS];
    const struct lake_rpc_method *m = lake_rpc_method_find(conn->server->iface, h.label);
    int status = m && (m->in_caps || m->out_caps)
                     ? LAKE_RPC_CAPS_ON_RING
                     : lake_rpc_dispatch(&call, words, nwords, 0, 0, out);
    if (call.deferred)
        return;
    struct lake_rpc_deferred d = { .conn = conn, .id = h.id };
    ring_reply(&d, status, out, status == LAKE_OK ? call.out_words : 0, 0);
}

int lake_rpc_serve_ring(struct lake_rpc_server *s, struct lake_rpc_ring_conn *conn, void *shared,
                        unsigned bit, lake_word_t badge, ring_doorbell_fn doorbell, void *ctx)
{
    memset(conn, 0, sizeof(*conn));
    conn->server = s;
    conn->badge = badge;
    if (ring_consumer_init(&conn->requests, request_ring(shared)) != RING_OK ||
        ring_producer_init(&conn->replies, reply_ring(shared), doorbell, ctx) != RING_OK)
        return LAKE_INVALID_ARGUMENT;
    return lake_event_add_ring(s->loop, bit, &conn->requests, lake_rpc_ring_request, conn);
}

int lake_rpc_close_ring(struct lake_rpc_ring_conn *conn)
{
    return lake_event_remove_ring(conn->server->loop, &conn->requests);
}
