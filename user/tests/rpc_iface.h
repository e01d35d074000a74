/*
 * The RPC interface of the in-OS RPC tests (runtime_rpc.c), shared with the
 * client program user/rpcclient that RPC_007 spawns in its own process.
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
    M(X, poke, 6, (lake_word_t tag;), (), 1, 0)                                           \
    M(X, later, 7, (lake_word_t v;), (lake_word_t v;), 0, 0)                              \
    M(X, release, 8, (), (lake_word_t n;), 0, 0)                                          \
    M(X, stop, 9, (), (), 0, 0)                                                           \
    M(X, missing, 10, (), (), 0, 0)

LAKE_RPC_DECLARE(trpc, TRPC_INTERFACE)

#endif
