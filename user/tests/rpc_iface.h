/*
 * The RPC interface of the in-OS RPC tests (runtime_rpc.c), shared with the
 * client program user/rpcclient that RPC_007 and RPC_008 spawn in its own
 * process.
 *
 * connect sets up an asynchronous channel between processes: the client
 * sends a notification cap for its reply bit (the server's reply doorbell);
 * the server makes and maps the channel's two frames (TRPC_CHAN_PAGES),
 * takes the requests as a ring source on a bit of its own and returns
 * copies of the frames and a cap that rings that bit. The server owns the
 * memory, so a client that dies cannot pull the channel from under it.
 */
#ifndef TESTS_RPC_IFACE_H
#define TESTS_RPC_IFACE_H

#include <lake/rpc.h>

#define TRPC_INTERFACE(M, X)                                                                \
    M(X, echo, 1, (lake_word_t v;), (lake_word_t v;), 0, 0)                               \
    M(X, add, 2, (lake_word_t a; lake_word_t b;), (lake_word_t sum; lake_word_t badge;), 0, 0) \
    M(X, mix, 3, (uint32_t x; uint32_t y; lake_word_t w[8];), (lake_word_t w[9];), 0, 0)  \
    M(X, bell, 4, (), (), 0, 1)                                                           \
    M(X, rung, 5, (), (lake_word_t bits;), 0, 0)                                          \
    M(X, poke, 6, (lake_word_t tag;), (lake_word_t tag;), 1, 0)                           \
    M(X, later, 7, (lake_word_t v;), (lake_word_t v;), 0, 0)                              \
    M(X, release, 8, (), (lake_word_t n;), 0, 0)                                          \
    M(X, stop, 9, (), (), 0, 0)                                                           \
    M(X, missing, 10, (), (), 0, 0)                                                       \
    M(X, connect, 11, (lake_word_t order;), (lake_word_t bit;), 1, 3)

LAKE_RPC_DECLARE(trpc, TRPC_INTERFACE)

#define TRPC_CHAN_PAGES 2
#define TRPC_CHAN_ORDER 5           /* 2 x (192 + 32 x 64) bytes: two pages */

#endif
