/*
 * rpcclient: the client of RPC_007 and RPC_008, a process of its own
 * (spawned by the test from build/user/rpcclient.elf). Its first extra cap
 * is a badged endpoint of the test's RPC server (user/tests/rpc_iface.h).
 * It makes blocking calls, takes a notification cap from the server and
 * signals it; with "async" it then sets up a ring channel with the server
 * (connect) and makes asynchronous calls over it. It exits with 0 or the
 * number of the check that failed.
 */
#include <stdio.h>
#include <string.h>

#include <lake/env.h>
#include <lake/event.h>
#include <lake/runtime.h>

#include <lake/lake.h>
#include <lake/procinfo.h>
#include <lake/rpc.h>

#include "../tests/rpc_iface.h"

#define CHILD_DEPTH 64      /* spawned CNode: radix 12, 52-bit guard, cptr = slot */
#define BELL_BIT    (1ul << 3)
#define ASYNC_CALLS 500
#define IDS         16          /* = ring slots: every request and reply takes one */

static int run(const struct lake_procinfo *pi, lake_word_t badge_expected)
{
    if (pi->caps.end - pi->caps.start < 1)
        return 1;
    struct lake_rpc_client c = { pi->caps.start, pi->cnode, CHILD_DEPTH };
    for (lake_word_t i = 0; i < 50; i++) {
        struct trpc_add_out out;
        if (trpc_add(&c, &(struct trpc_add_in){ i, 7 }, &out) != LAKE_OK)
            return 2;
        if (out.sum != i + 7 || out.badge != badge_expected)
            return 3;
    }
    struct trpc_mix_in in = { .x = 1, .y = 2, .w = { 1, 2, 3, 4, 5, 6, 7, 8 } };
    struct trpc_mix_out mix;
    if (trpc_mix(&c, &in, &mix) != LAKE_OK || mix.w[0] != (1ul << 32 | 2) || mix.w[8] != 15)
        return 4;
    /* A cap from the other process, into our first free slot. */
    struct trpc_bell_out bell = { .caps = { pi->first_free_slot } };
    if (trpc_bell(&c, &(struct trpc_bell_in){}, &bell) != LAKE_OK ||
        lake_debug_cap_identify(bell.caps[0]) != LAKE_OBJ_NOTIFICATION)
        return 5;
    lake_signal(bell.caps[0]);
    struct trpc_rung_out rung = { 0 };
    for (int i = 0; i < 100 && !(rung.bits & BELL_BIT); i++)
        if (trpc_rung(&c, &(struct trpc_rung_in){}, &rung) != LAKE_OK)
            return 6;
    if (!(rung.bits & BELL_BIT))
        return 7;
    if (trpc_missing(&c, &(struct trpc_missing_in){}, &(struct trpc_missing_out){}) !=
        LAKE_RPC_UNKNOWN_METHOD)
        return 8;
    return 0;
}

/* ---- asynchronous calls over a channel made with connect ------------------- */

static struct lake_alloc alloc;         /* slots of the first CNode (caps received) */
static struct lake_event_loop loop;
static struct lake_rpc_async async;
static struct lake_rpc_pending pending[IDS];
static unsigned done, wrong, busy;
static uint32_t peak;

static void ring_server(void *ctx)
{
    lake_signal((lake_cptr_t)(uintptr_t)ctx);
}

static void echo_done(void *ctx, int status, const struct trpc_echo_out *out)
{
    if (status != LAKE_OK || out->v != (lake_word_t)(uintptr_t)ctx)
        wrong++;
    done++;
}

/* connect returns the channel's frame (mapped here), the cap that rings
 * the server and the notification our loop waits on. */
static int connect(const struct lake_procinfo *pi, struct lake_rpc_client *c)
{
    struct trpc_connect_out out;
    /* The three caps that come back land in consecutive empty slots. */
    for (unsigned i = 0; i < 3; i++)
        if (lake_alloc_slot(&alloc, &out.caps[i]) || out.caps[i] != out.caps[0] + i)
            return 20;
    int status = trpc_connect(c, &(struct trpc_connect_in){ .order = TRPC_CHAN_ORDER }, &out);
    if (status != LAKE_OK) {
        printf("rpcclient: connect: %d (%s / %s)\n", status, lake_error_name(status),
               lake_rpc_status_name(status));
        return 21;
    }
    lake_cptr_t frame = out.caps[0], to_server = out.caps[1], ntfn = out.caps[2];
    /* The process environment owns the quota and the address space. */
    (void)pi;
    void *chan;
    if (lake_env_map_frame(frame, 0, &chan))
        return 22;
    lake_event_loop_init(&loop, 0, ntfn, NULL);
    if (lake_rpc_async_init(&async, chan, pending, IDS, ring_server,
                            (void *)(uintptr_t)to_server) ||
        lake_rpc_async_attach(&async, &loop, 0))
        return 23;
    return 0;
}

static int run_async(const struct lake_procinfo *pi, struct lake_rpc_client *c)
{
    if (pi->num_untyped < 1)
        return 30;
    alloc = (struct lake_alloc){ pi->untyped[0].cptr, pi->first_free_slot + 1,
                                 (lake_cptr_t)1 << pi->cnode_radix };
    int error = connect(pi, c);
    if (error)
        return error;
    for (lake_word_t i = 0; i < ASYNC_CALLS; i++) {
        /* Flow control: when the channel is full, take replies first. */
        while ((error = trpc_echo_async(&async, &(struct trpc_echo_in){ i }, echo_done,
                                        (void *)(uintptr_t)i)) == LAKE_RPC_BUSY) {
            busy++;
            lake_event_loop_run_once(&loop, true);
        }
        if (error)
            return 31;
        if (lake_rpc_async_outstanding(&async) > peak)
            peak = lake_rpc_async_outstanding(&async);
    }
    while (done < ASYNC_CALLS)
        lake_event_loop_run_once(&loop, true);
    printf("rpcclient: %u asynchronous calls, %u at most outstanding, %u times busy\n", done,
           (unsigned)peak, busy);
    if (wrong || async.stale || peak != IDS || busy == 0)
        return 32;
    return 0;
}

int main(int argc, char **argv)
{
    const struct lake_procinfo *pi = lake_procinfo;
    if (pi == NULL || argc < 2)
        return 100;
    lake_word_t badge = 0;
    for (const char *s = argv[1]; *s >= '0' && *s <= '9'; s++)
        badge = badge * 10 + (lake_word_t)(*s - '0');
    int status = run(pi, badge);
    if (status == 0 && argc > 2 && strcmp(argv[2], "async") == 0) {
        struct lake_rpc_client c = { pi->caps.start, pi->cnode, CHILD_DEPTH };
        status = run_async(pi, &c);
    }
    printf("rpcclient: %s (%d)\n", status ? "failed" : "all calls answered", status);
    return status;
}
