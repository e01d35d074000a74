/*
 * The console driver's logic without the hardware (docs/SERVICES.md,
 * "Console driver"): the line discipline for input, one output line
 * assembler per writer, and the transmit buffer the UART drains. Pure C
 * over one struct, so the host tests it (tests/unit/test_console_core.c);
 * main.c supplies the UART and the RPC transport.
 *
 * Writers are named by the id in their requests (init passes the process
 * id). The table holds CONS_WRITERS of them; a new writer takes a free
 * entry or the least recently used one, whose partial line goes out first.
 */
#ifndef LAKE_CONSOLE_CORE_H
#define LAKE_CONSOLE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldisc.h"

#define CONS_TX_SIZE    16384u      /* a power of two */
#define CONS_WRITERS    32

/* Bytes waiting for the UART, oldest first. */
struct cons_tx {
    char buf[CONS_TX_SIZE];
    uint32_t head, tail;            /* free-running: head - tail bytes held */
    uint64_t dropped;               /* echo or evicted output that did not fit */
};

struct cons_writer {
    bool used;
    uint64_t id;
    uint64_t last_used;
    struct ldisc_out out;
};

struct console {
    struct ldisc ld;
    struct cons_tx tx;
    struct cons_writer writers[CONS_WRITERS];
    uint64_t clock;                 /* ticks once per write, for least recently used */
    bool interrupted;               /* Ctrl-C since the last read (LAKE_CONS_INTERRUPTED) */
};

void console_init(struct console *c);

/* Input: the received bytes through the line discipline (echo goes to
 * the transmit buffer); returns LDISC_EV_* bits. */
unsigned console_receive(struct console *c, const unsigned char *bytes, size_t n);

/* The requests of lake/proto/console.h; each returns a status and on an
 * error changes nothing. */
/* Takes as much of data[0, count) as surely fits in the transmit buffer
 * (LF -> CR LF included); *accepted < count when it is nearly full. */
int console_write(struct console *c, uint64_t writer, const char *data, uint64_t count,
                  uint64_t *accepted);
/* Never blocks: *count 0 with LAKE_CONS_EOF in *flags for an end of file,
 * without it when nothing is readable. Partial output lines of every
 * writer go out first, so a prompt shows before input is awaited. */
int console_read(struct console *c, uint64_t max, char *dst, uint64_t *count, uint64_t *flags);
/* *events gets LDISC_EV_READABLE if input is readable in the new mode. */
int console_set_mode(struct console *c, uint64_t mode, unsigned *events);
/* The writer's partial line goes out and its entry is released. */
int console_flush(struct console *c, uint64_t writer);

/* The UART's side of the transmit buffer: the oldest contiguous run of
 * bytes, and how many of them went out. */
size_t cons_tx_peek(const struct cons_tx *tx, const char **bytes);
void cons_tx_consume(struct cons_tx *tx, size_t n);
size_t cons_tx_held(const struct cons_tx *tx);
size_t cons_tx_room(const struct cons_tx *tx);

#endif
