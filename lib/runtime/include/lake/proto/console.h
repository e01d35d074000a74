/*
 * The console driver's protocol (docs/SERVICES.md). Its one client is
 * init, which owns /dev/console and forwards the processes' reads and
 * writes; the driver never blocks on init and never calls it.
 *
 * attach hands the driver a notification cap (init's, minted with init's
 * bits; a Signal always carries the cap's badge): the driver signals it
 * when input becomes readable and when Ctrl-C is typed. read never
 * blocks and says what happened: count bytes of input; LAKE_CONS_EOF for
 * Ctrl-D on an empty line (count 0); LAKE_CONS_INTERRUPTED if Ctrl-C was
 * typed since the previous read (reported once). input_bits and
 * interrupt_bits of attach are informational (the badge of the cap is what
 * init sees). write takes the writer's id (init passes the process
 * id) so that lines of different writers do not interleave.
 */
#ifndef LAKE_PROTO_CONSOLE_H
#define LAKE_PROTO_CONSOLE_H

#include <stdint.h>

#include <lake/rpc.h>

#define LAKE_CONS_IO_MAX        768
#define LAKE_CONS_EOF           1u
#define LAKE_CONS_INTERRUPTED   2u
#define LAKE_CONS_MODE_COOKED   0
#define LAKE_CONS_MODE_RAW      1

#define CONS_INTERFACE(M, X)                                                                    \
    M(X, attach, 1, (uint64_t input_bits; uint64_t interrupt_bits;), (), 1, 0)                 \
    M(X, write, 2, (uint64_t writer; uint64_t count; char data[LAKE_CONS_IO_MAX];),           \
      (uint64_t count;), 0, 0)                                                                 \
    M(X, read, 3, (uint64_t max;), (uint64_t count; uint64_t flags; char data[LAKE_CONS_IO_MAX];), \
      0, 0)                                                                                    \
    M(X, set_mode, 4, (uint64_t mode;), (), 0, 0)                                              \
    M(X, flush, 5, (uint64_t writer;), (), 0, 0)

LAKE_RPC_DECLARE(cons, CONS_INTERFACE)

#endif
