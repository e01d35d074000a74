/*
 * rpcclient: the client of RPC_007, a process of its own (spawned by the
 * test from build/user/rpcclient.elf). Its first extra cap is a badged
 * endpoint of the test's RPC server (user/tests/rpc_iface.h). It makes
 * blocking calls, takes a notification cap from the server and signals
 * it, and exits with 0 or the number of the check that failed.
 */
#include <stdio.h>

#include <lake/lake.h>
#include <lake/procinfo.h>
#include <lake/rpc.h>

#include "../tests/rpc_iface.h"

#define CHILD_DEPTH 64      /* spawned CNode: radix 12, 52-bit guard, cptr = slot */
#define BELL_BIT    (1ul << 3)

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

int main(int argc, char **argv)
{
    const struct lake_procinfo *pi = lake_procinfo;
    if (pi == NULL || argc < 2)
        return 100;
    lake_word_t badge = 0;
    for (const char *s = argv[1]; *s >= '0' && *s <= '9'; s++)
        badge = badge * 10 + (lake_word_t)(*s - '0');
    int status = run(pi, badge);
    printf("rpcclient: %s (%d)\n", status ? "failed" : "all calls answered", status);
    return status;
}
