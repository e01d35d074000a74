/*
 * RPC over the event loop (see docs/RUNTIME.md, "Event loop, channels,
 * RPC").
 *
 * An interface is described once, as an X-macro table in a header:
 *
 *   #define ECHO_INTERFACE(M, X)                                              \
 *       M(X, ping, 1, (lake_word_t value;), (lake_word_t value;), 0, 0)      \
 *       M(X, add,  2, (lake_word_t a; lake_word_t b;), (lake_word_t sum;), 0, 0) \
 *       M(X, ntfn, 3, (), (), 0, 1)
 *   LAKE_RPC_DECLARE(echo, ECHO_INTERFACE)
 *
 * One line per method: name, method id (1..2^32-1, the message label),
 * the request fields, the reply fields (struct members in parentheses),
 * and how many capabilities go in and come back (0-3). For each method
 * `m` of interface `x` this generates
 *   struct x_m_in, struct x_m_out     the fields, then `lake_cptr_t caps[n]`
 *   x_m(client, &in, &out)            blocking call (Call/ReplyRecv); caps
 *                                     in in->caps[] are sent, returned caps
 *                                     land in consecutive empty slots from
 *                                     out->caps[0], which the caller sets
 *   x_m_async(async, &in, done, ctx)  asynchronous call over a ring pair;
 *                                     done(ctx, status, out) runs when the
 *                                     reply arrives (out NULL on an error)
 *   x_m_reply(deferred, status, &out) answer a deferred request
 *   a member `m` of struct x_server_ops (the server's handler), called as
 *   handler(call, in, out) and returning a status (0 = LAKE_OK)
 * and LAKE_RPC_DEFINE_SERVER(x, X_INTERFACE), in one .c file, the
 * dispatch table `x_interface`.
 *
 * Messages: label = method id on requests and the status on replies; the
 * fields travel as message words (the first four in registers) and the
 * caps by cap transfer; a reply with a non-zero status carries nothing
 * else. Fields are copied as whole words, so they are plain data.
 *
 * Transports. Blocking calls use the endpoint: a Call on the client's
 * badged endpoint cap, served by the server's event loop with ReplyRecv.
 * Asynchronous calls use a channel of two SPSC rings in shared memory
 * (requests and replies), each with a notification doorbell; many
 * requests can be outstanding, replies are matched by request id.
 * Capabilities go over the endpoint only: methods with caps cannot be
 * called asynchronously (LAKE_RPC_CAPS_ON_RING).
 */
#ifndef LAKE_RPC_H
#define LAKE_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lake/errors.h>
#include <lake/event.h>
#include <lake/ring.h>
#ifndef LAKE_HOST_TEST
#include <lake/syscalls.h>
#endif

/* Status codes beyond enum lake_error and enum lake_event_error. */
enum lake_rpc_error {
    LAKE_RPC_UNKNOWN_METHOD = 40,   /* no such method id, or no handler for it */
    LAKE_RPC_BAD_REQUEST = 41,      /* fewer words or caps than the method takes */
    LAKE_RPC_BAD_REPLY = 42,        /* fewer words or caps than the method returns */
    LAKE_RPC_BUSY = 43,             /* async: no request id, ring or reply space now */
    LAKE_RPC_CAPS_ON_RING = 44,     /* async: the method has capabilities */
    LAKE_RPC_NOT_DEFERRABLE = 45,   /* defer: no slot for the reply capability */
    LAKE_RPC_FIRST_USER_STATUS = 64,    /* handlers' own statuses start here */
};

/* Name of a status (lake_error_name for the kernel's codes). */
const char *lake_rpc_status_name(int status);

/* Words may be read through any field type. */
typedef lake_word_t __attribute__((may_alias)) lake_rpc_word_t;

#define LAKE_RPC_MAX_WORDS  LAKE_MSG_MAX_LENGTH
#define LAKE_RPC_MAX_CAPS   LAKE_MSG_MAX_EXTRA_CAPS

struct lake_rpc_call;
struct lake_rpc_deferred;

typedef int (*lake_rpc_glue_fn)(struct lake_rpc_call *call, const void *in, void *out);

/* 32 bytes, so that finding a method by id is one shifted add. */
struct __attribute__((aligned(32))) lake_rpc_method {
    const char *name;
    lake_rpc_glue_fn glue;      /* NULL: no method with this id */
    uint8_t in_words, out_words, in_caps, out_caps;
    bool small;                 /* at most four words each way, no caps */
};

struct lake_rpc_interface {
    const char *name;
    const struct lake_rpc_method *methods;     /* indexed by method id */
    unsigned count;
};

/* How a deferred request is answered (endpoint: a saved reply cap; ring:
 * a message on the reply ring). */
struct lake_rpc_transport {
    int (*defer)(struct lake_rpc_call *call, struct lake_rpc_deferred *d);
    int (*reply)(struct lake_rpc_deferred *d, int status, const lake_word_t *out,
                 unsigned words, unsigned caps);
};

struct lake_rpc_server {
    const struct lake_rpc_interface *iface;
    const void *ops;            /* the interface's struct x_server_ops */
    void *state;                /* for the handlers */
    struct lake_event_loop *loop;
    uint64_t calls, errors;
};

/* One request being handled. */
struct lake_rpc_call {
    struct lake_rpc_server *server;
    lake_word_t badge;          /* which client (endpoint badge or ring connection) */
    lake_word_t method;
    const struct lake_rpc_transport *transport;
    void *conn;                 /* transport's: event message or ring connection */
    uint32_t id;                /* ring: request id */
    uint8_t out_words, out_caps;
    bool deferred;
};

/* A request to answer later: caller storage, filled by lake_rpc_defer. */
struct lake_rpc_deferred {
    const struct lake_rpc_transport *transport;
    struct lake_rpc_server *server;
    void *conn;
    uint32_t id;
    lake_cptr_t reply_slot;     /* endpoint: the saved reply capability */
    uint8_t out_words, out_caps;
};

/* ---- server -------------------------------------------------------------- */

void lake_rpc_server_init(struct lake_rpc_server *s, const struct lake_rpc_interface *iface,
                          const void *ops, void *state, struct lake_event_loop *loop);
/* Serve blocking calls from clients whose badge is in [lo, hi]. */
int lake_rpc_serve_endpoint(struct lake_rpc_server *s, lake_word_t lo, lake_word_t hi);

/* In a handler: answer later. The handler's return value is then ignored;
 * read the request's fields first (endpoint: saving the reply capability
 * is a system call that reuses the message words). */
int lake_rpc_defer(struct lake_rpc_call *call, struct lake_rpc_deferred *d);
/* Answer a deferred request (once). From the server loop's thread: a
 * ring's reply side has one producer (the endpoint side would work from
 * any thread whose slot allocator allows it). */
int lake_rpc_reply_deferred(struct lake_rpc_deferred *d, int status, const void *out,
                            unsigned out_words, unsigned out_caps);

/* Pure: the method for an id (NULL if none). */
const struct lake_rpc_method *lake_rpc_method_find(const struct lake_rpc_interface *iface,
                                                   lake_word_t id);
/* Pure: run the handler of call->method with `nwords` request words and
 * `ncaps` received caps (in slots first_cap...). The results go to out[]
 * (words, then caps) and call->out_words/out_caps say how many; returns
 * the status. */
int lake_rpc_dispatch(struct lake_rpc_call *call, const lake_word_t *words, unsigned nwords,
                      lake_cptr_t first_cap, unsigned ncaps,
                      lake_word_t out[LAKE_RPC_MAX_WORDS + LAKE_RPC_MAX_CAPS]);

/* ---- blocking client ------------------------------------------------------- */

struct lake_rpc_client {
    lake_cptr_t ep;             /* badged endpoint cap (Write, Grant(Reply)) */
    lake_cptr_t recv_cnode;     /* returned caps: out->caps[0] names the first */
    unsigned recv_depth;        /* of consecutive empty slots in recv_cnode */
};

#ifndef LAKE_HOST_TEST
/* The generated stubs inline this with constant sizes: the words go to
 * and come from registers, everything else unrolls away. */
static inline __attribute__((always_inline)) int
lake_rpc_call(const struct lake_rpc_client *c, lake_word_t method, const void *in,
              unsigned in_words, unsigned in_caps, void *out, unsigned out_words,
              unsigned out_caps)
{
    const lake_rpc_word_t *w = in;
    lake_rpc_word_t *o = out;
    lake_word_t m0 = in_words > 0 ? w[0] : 0, m1 = in_words > 1 ? w[1] : 0;
    lake_word_t m2 = in_words > 2 ? w[2] : 0, m3 = in_words > 3 ? w[3] : 0;
    for (unsigned i = 4; i < in_words; i++)
        lake_ipc_buffer->msg[i] = w[i];
    for (unsigned i = 0; i < in_caps; i++)
        lake_set_cap(i, w[in_words + i]);
    if (out_caps)
        lake_set_receive_path(c->recv_cnode, o[out_words], c->recv_depth);
    lake_msginfo_t info = lake_call_with_mrs(c->ep, lake_msginfo(method, 0, in_caps, in_words),
                                             &m0, &m1, &m2, &m3);
    int status = (int)lake_msginfo_label(info);
    if (status == LAKE_OK &&
        (lake_msginfo_length(info) < out_words || lake_msginfo_extra_caps(info) < out_caps))
        status = LAKE_RPC_BAD_REPLY;
    if (status != LAKE_OK) {
        /* Results are defined on every path (and compilers can see it). */
        for (unsigned i = 0; i < out_words; i++)
            o[i] = 0;
        return status;
    }
    if (out_words > 0)
        o[0] = m0;
    if (out_words > 1)
        o[1] = m1;
    if (out_words > 2)
        o[2] = m2;
    if (out_words > 3)
        o[3] = m3;
    for (unsigned i = 4; i < out_words; i++)
        o[i] = lake_ipc_buffer->msg[i];
    for (unsigned i = 1; i < out_caps; i++)
        o[out_words + i] = o[out_words] + i;
    return LAKE_OK;
}
#endif

/* ---- asynchronous channel (two rings) --------------------------------------- */

typedef void (*lake_rpc_any_fn)(void);
/* The generated trampoline that calls the typed continuation. */
typedef void (*lake_rpc_complete_fn)(lake_rpc_any_fn fn, void *ctx, int status, const void *out);

/* One outstanding request. */
struct lake_rpc_pending {
    lake_rpc_complete_fn complete;
    lake_rpc_any_fn fn;
    void *ctx;
    uint32_t id;                /* generation << index bits | index */
    uint32_t next_free;
    uint16_t reply_slots;       /* reserved in the reply ring */
    uint8_t out_words;
    bool busy;
};

/* Request ids: a table of 2^k entries with a free list; an id names its
 * entry and the entry's generation, so a stale or forged id is refused. */
struct lake_rpc_ids {
    struct lake_rpc_pending *entries;
    uint32_t mask, bits;
    uint32_t free_head;         /* UINT32_MAX: none free */
    uint32_t outstanding, peak;
};

int lake_rpc_ids_init(struct lake_rpc_ids *t, struct lake_rpc_pending *entries, uint32_t count);
struct lake_rpc_pending *lake_rpc_ids_alloc(struct lake_rpc_ids *t);
/* The outstanding request with this id (NULL: unknown or stale). */
struct lake_rpc_pending *lake_rpc_ids_lookup(struct lake_rpc_ids *t, uint32_t id);
void lake_rpc_ids_release(struct lake_rpc_ids *t, struct lake_rpc_pending *p);

/* Ring messages: this header, then the words. */
struct lake_rpc_ring_header {
    uint32_t id;
    uint32_t label;             /* method on requests, status on replies */
};

/* Bytes of a channel with 2^order slots per ring (request ring first). */
size_t lake_rpc_chan_bytes(unsigned order);
/* Set up both rings (once, by whoever creates the shared memory). */
int lake_rpc_chan_init(void *shared, size_t bytes, unsigned order);

/* Client end. doorbell(ctx) tells the server that requests arrived (e.g.
 * Signal a cap for the server's ring bit). */
struct lake_rpc_async {
    struct ring_producer requests;
    struct ring_consumer replies;
    struct lake_rpc_ids ids;
    uint32_t reply_slots_free;  /* not reserved by outstanding requests */
    uint64_t calls, completions, stale;
};

int lake_rpc_async_init(struct lake_rpc_async *a, void *shared, struct lake_rpc_pending *entries,
                        uint32_t count, ring_doorbell_fn doorbell, void *ctx);
/* Send one request; LAKE_RPC_BUSY leaves nothing behind (take replies and
 * try again). */
int lake_rpc_async_call(struct lake_rpc_async *a, lake_word_t method, const void *in,
                        unsigned in_words, unsigned in_caps, unsigned out_words,
                        unsigned out_caps, lake_rpc_complete_fn complete, lake_rpc_any_fn fn,
                        void *ctx);
/* Take one reply message and run its continuation (for a ring source). */
void lake_rpc_async_take_reply(struct lake_rpc_async *a, const void *data, size_t length);
/* Take every reply waiting; returns how many. */
unsigned lake_rpc_async_poll(struct lake_rpc_async *a);
/* Let an event loop take the replies: its ring source on `bit` (the
 * server's reply doorbell must signal that bit). */
int lake_rpc_async_attach(struct lake_rpc_async *a, struct lake_event_loop *loop, unsigned bit);
static inline uint32_t lake_rpc_async_outstanding(const struct lake_rpc_async *a)
{
    return a->ids.outstanding;
}

/* Server end of one channel: its requests are a ring source of the
 * server's loop on `bit`; doorbell(ctx) tells the client that replies
 * arrived. The handlers see `badge` as call->badge. */
struct lake_rpc_ring_conn {
    struct lake_rpc_server *server;
    struct ring_consumer requests;
    struct ring_producer replies;
    lake_word_t badge;
    uint64_t malformed, lost;   /* dropped requests, replies that did not fit */
};

int lake_rpc_serve_ring(struct lake_rpc_server *s, struct lake_rpc_ring_conn *conn, void *shared,
                        unsigned bit, lake_word_t badge, ring_doorbell_fn doorbell, void *ctx);
/* Stop serving a channel (e.g. its client is gone): the loop no longer
 * takes its requests; deferred requests of it must not be answered any
 * more. From the loop's thread, or while the loop is not running. */
int lake_rpc_close_ring(struct lake_rpc_ring_conn *conn);
/* The ring source function (public for tests that drive it by hand). */
void lake_rpc_ring_request(struct lake_event_loop *loop, const void *data, size_t length,
                           void *conn);

/* ---- the interface generator ------------------------------------------------- */

#define LAKE_RPC_UNPAREN(...) __VA_ARGS__

#define LAKE_RPC_GEN_TYPES(X, m, id, IN, OUT, nin, nout)                                   \
    enum { X##_##m##_id = (id) };                                                          \
    struct __attribute__((aligned(8), may_alias)) X##_##m##_in {                           \
        LAKE_RPC_UNPAREN IN lake_cptr_t caps[nin];                                         \
    };                                                                                     \
    struct __attribute__((aligned(8), may_alias)) X##_##m##_out {                          \
        LAKE_RPC_UNPAREN OUT lake_cptr_t caps[nout];                                       \
    };                                                                                     \
    enum {                                                                                 \
        X##_##m##_in_words = offsetof(struct X##_##m##_in, caps) / sizeof(lake_word_t),    \
        X##_##m##_out_words = offsetof(struct X##_##m##_out, caps) / sizeof(lake_word_t),  \
    };                                                                                     \
    _Static_assert((id) > 0 && (id) <= UINT32_MAX, #X "_" #m ": method id out of range");  \
    _Static_assert(X##_##m##_in_words + 1 <= LAKE_RPC_MAX_WORDS &&                         \
                   X##_##m##_out_words + 1 <= LAKE_RPC_MAX_WORDS, #X "_" #m ": too long"); \
    _Static_assert((nin) <= LAKE_RPC_MAX_CAPS && (nout) <= LAKE_RPC_MAX_CAPS,              \
                   #X "_" #m ": at most 3 caps");                                          \
    typedef void (*X##_##m##_done_fn)(void *ctx, int status, const struct X##_##m##_out *out);

#define LAKE_RPC_GEN_OPS(X, m, id, IN, OUT, nin, nout)                                     \
    int (*m)(struct lake_rpc_call *call, const struct X##_##m##_in *in,                    \
             struct X##_##m##_out *out);

#ifndef LAKE_HOST_TEST
#define LAKE_RPC_GEN_BLOCKING(X, m, nin, nout)                                             \
    static inline int X##_##m(const struct lake_rpc_client *c, const struct X##_##m##_in *in, \
                              struct X##_##m##_out *out)                                   \
    {                                                                                      \
        return lake_rpc_call(c, X##_##m##_id, in, X##_##m##_in_words, nin, out,            \
                             X##_##m##_out_words, nout);                                   \
    }
#else
#define LAKE_RPC_GEN_BLOCKING(X, m, nin, nout)  /* no system calls on the host */
#endif

#define LAKE_RPC_GEN_STUBS(X, m, id, IN, OUT, nin, nout)                                   \
    LAKE_RPC_GEN_BLOCKING(X, m, nin, nout)                                                 \
    static inline void X##_##m##_complete(lake_rpc_any_fn fn, void *ctx, int status,       \
                                          const void *out)                                 \
    {                                                                                      \
        ((X##_##m##_done_fn)fn)(ctx, status, (const struct X##_##m##_out *)out);           \
    }                                                                                      \
    static inline int X##_##m##_async(struct lake_rpc_async *a, const struct X##_##m##_in *in, \
                                      X##_##m##_done_fn done, void *ctx)                   \
    {                                                                                      \
        return lake_rpc_async_call(a, X##_##m##_id, in, X##_##m##_in_words, nin,           \
                                   X##_##m##_out_words, nout, X##_##m##_complete,          \
                                   (lake_rpc_any_fn)done, ctx);                            \
    }                                                                                      \
    static inline int X##_##m##_reply(struct lake_rpc_deferred *d, int status,             \
                                      const struct X##_##m##_out *out)                     \
    {                                                                                      \
        return lake_rpc_reply_deferred(d, status, out, X##_##m##_out_words, nout);         \
    }

/* In a header: the types, the stubs and the handler table type. */
#define LAKE_RPC_DECLARE(X, IFACE)                                                         \
    IFACE(LAKE_RPC_GEN_TYPES, X)                                                           \
    struct X##_server_ops {                                                                \
        IFACE(LAKE_RPC_GEN_OPS, X)                                                         \
    };                                                                                     \
    IFACE(LAKE_RPC_GEN_STUBS, X)                                                           \
    extern const struct lake_rpc_interface X##_interface;

#define LAKE_RPC_GEN_GLUE(X, m, id, IN, OUT, nin, nout)                                    \
    static int X##_##m##_glue(struct lake_rpc_call *call, const void *in, void *out)       \
    {                                                                                      \
        const struct X##_server_ops *ops = call->server->ops;                              \
        if (ops->m == NULL)                                                                \
            return LAKE_RPC_UNKNOWN_METHOD;                                                \
        return ops->m(call, in, out);                                                      \
    }

#define LAKE_RPC_GEN_ENTRY(X, m, id, IN, OUT, nin, nout)                                   \
    [id] = { #m, X##_##m##_glue, X##_##m##_in_words, X##_##m##_out_words, nin, nout,       \
             X##_##m##_in_words <= 4 && X##_##m##_out_words <= 4 && (nin) == 0 && (nout) == 0 },

/* In one .c file: the dispatch table. Two methods with one id do not
 * compile (-Werror=override-init). */
#define LAKE_RPC_DEFINE_SERVER(X, IFACE)                                                   \
    IFACE(LAKE_RPC_GEN_GLUE, X)                                                            \
    static const struct lake_rpc_method X##_methods[] = { IFACE(LAKE_RPC_GEN_ENTRY, X) };  \
    const struct lake_rpc_interface X##_interface = {                                      \
        #X, X##_methods, sizeof(X##_methods) / sizeof(X##_methods[0]) };

#endif
