/*
 * The endpoint side of RPC (see lake/rpc.h): requests arrive as event loop
 * messages; the reply goes back with the loop's ReplyRecv, or later through
 * a reply capability saved with CNode SaveCaller.
 */
#include <lake/lake.h>
#include <lake/rpc.h>

/* Stage the reply words and caps in the IPC buffer; returns its info. */
static lake_msginfo_t stage_reply(int status, const lake_word_t *out, unsigned words,
                                  unsigned caps)
{
    if (status != LAKE_OK)
        return lake_msginfo((lake_word_t)status, 0, 0, 0);
    for (unsigned i = 0; i < words; i++)
        lake_ipc_buffer->msg[i] = out[i];
    for (unsigned i = 0; i < caps; i++)
        lake_set_cap(i, out[words + i]);
    return lake_msginfo(0, 0, caps, words);
}

static int endpoint_defer(struct lake_rpc_call *call, struct lake_rpc_deferred *d)
{
    int error = lake_event_save_reply(call->conn, &d->reply_slot);
    return error == LAKE_ILLEGAL_OPERATION ? LAKE_RPC_NOT_DEFERRABLE : error;
}

static int endpoint_reply(struct lake_rpc_deferred *d, int status, const lake_word_t *out,
                          unsigned words, unsigned caps)
{
    lake_msginfo_t info = stage_reply(status, out, words, caps);
    lake_event_send_saved_reply(d->server->loop, d->reply_slot, info);
    d->reply_slot = 0;
    return LAKE_OK;
}

static const struct lake_rpc_transport endpoint_transport = { endpoint_defer, endpoint_reply };

static unsigned caps_placed(const struct lake_event_msg *m)
{
    if (m->caps == 0)
        return 0;
    unsigned extra = lake_msginfo_extra_caps(m->info);
    return extra - (unsigned)__builtin_popcount(lake_msginfo_unwrapped(m->info) &
                                                ((1u << extra) - 1));
}

/* The common case on the blocking path: at most four words each way and
 * no caps. The words arrived in registers (the binding parked them in the
 * first four message words) and the reply goes out the same way, so the
 * general copies and loops of lake_rpc_dispatch are skipped. */
enum small_result { NOT_SMALL, SMALL_REPLY, SMALL_DEFERRED };

static enum small_result serve_small(struct lake_event_msg *m, struct lake_rpc_server *s,
                                     lake_word_t *msg)
{
    lake_word_t id = lake_msginfo_label(m->info);
    const struct lake_rpc_interface *iface = s->iface;
    if (id >= iface->count)
        return NOT_SMALL;
    const struct lake_rpc_method *meth = &iface->methods[id];
    /* (small is false for a hole in the ids: no glue.) */
    if (!meth->small || m->caps != 0 || lake_msginfo_length(m->info) < meth->in_words)
        return NOT_SMALL;
    /* A private copy: the handler may make system calls before it reads.
     * Whole 32-byte blocks: two paired loads and stores each way. */
    lake_word_t in[4], out[4];
    __builtin_memcpy(in, msg, sizeof(in));
    out[0] = out[1] = out[2] = out[3] = 0;      /* (not a copy of a zero block) */
    struct lake_rpc_call call = { .server = s, .badge = m->badge, .method = id,
                                  .transport = &endpoint_transport, .conn = m,
                                  .out_words = meth->out_words };
    s->calls++;
    int status = meth->glue(&call, in, out);
    if (call.deferred)
        return SMALL_DEFERRED;
    if (status != LAKE_OK) {
        s->errors++;
        m->reply = lake_msginfo((lake_word_t)status, 0, 0, 0);
    } else {
        __builtin_memcpy(msg, out, sizeof(out));
        /* Label 0, no caps: the info word is the length (lake/message.h). */
        m->reply = meth->out_words;
    }
    return SMALL_REPLY;
}

static enum lake_event_action serve_message(struct lake_event_msg *m, void *arg)
{
    lake_word_t *msg = m->words != NULL ? m->words : lake_ipc_buffer->msg;
    enum small_result small = serve_small(m, arg, msg);
    if (small != NOT_SMALL)
        return small == SMALL_REPLY ? LAKE_EVENT_REPLY : LAKE_EVENT_NO_REPLY;
    struct lake_rpc_call call = { .server = arg, .badge = m->badge,
                                  .method = lake_msginfo_label(m->info),
                                  .transport = &endpoint_transport, .conn = m };
    lake_word_t out[LAKE_RPC_MAX_WORDS + LAKE_RPC_MAX_CAPS];
    int status = lake_rpc_dispatch(&call, msg, lake_msginfo_length(m->info),
                                   m->caps, caps_placed(m), out);
    if (call.deferred)
        return LAKE_EVENT_NO_REPLY;
    m->reply = stage_reply(status, out, call.out_words, call.out_caps);
    return LAKE_EVENT_REPLY;
}

int lake_rpc_serve_endpoint(struct lake_rpc_server *s, lake_word_t lo, lake_word_t hi)
{
    return lake_event_on_badge(s->loop, lo, hi, serve_message, s);
}
