/*
 * The RPC interface of the in-OS RPC tests (runtime_rpc.c), shared with the
 * client program user/rpcclient that RPC_007 and RPC_008 spawn in its own
 * process.
 *
 * connect sets up an asynchronous channel between processes, everything
 * made by the server: the channel's frame (TRPC_CHAN_PAGES), mapped and
 * initialised, a notification for the client's loop (the server's replies
 * ring its bit 0) and a cap that rings the server's bit for this channel.
 * The client gets copies of the three; since the server owns them, a
 * client that dies cannot pull the channel or the doorbell from under it.
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
    M(X, connect, 11, (lake_word_t order;), (lake_word_t bit;), 0, 3)

LAKE_RPC_DECLARE(trpc, TRPC_INTERFACE)

#define TRPC_CHAN_PAGES 1
#define TRPC_CHAN_ORDER 4           /* 2 x (192 + 16 x 64) bytes: one page */

#endif
