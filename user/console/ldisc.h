/*
 * The console's line discipline: what the console driver does with the
 * bytes the UART receives for its foreground reader, and with the bytes
 * its clients write. Pure functions over caller-owned state, no system
 * calls, so the driver supplies the transport and the host tests the
 * logic (tests/unit/test_ldisc.c; docs/SHELL.md, "Line discipline").
 *
 * Input: ldisc_receive takes one received byte, echoes through the
 * callback and says whether a reader can now be answered or the
 * foreground program must be interrupted; ldisc_read hands out completed
 * input. Cooked mode edits a line (echo, erase, kill, end of line, end of
 * file, interrupt); raw mode passes every byte through unechoed.
 *
 * Output: one struct ldisc_out per client holds that client's partial
 * line, so lines from several clients never mix on the screen.
 */
#ifndef LAKE_CONSOLE_LDISC_H
#define LAKE_CONSOLE_LDISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LDISC_INPUT_MAX     4096    /* bytes held for the reader */
#define LDISC_RECORDS_MAX   64      /* completed lines (and ends of file) pending */
#define LDISC_OUT_LINE_MAX  256     /* a client's longest unbroken output piece */

typedef void (*ldisc_write_fn)(void *ctx, const char *bytes, size_t n);

enum ldisc_mode { LDISC_COOKED, LDISC_RAW };

/* Bits returned by ldisc_receive. */
#define LDISC_EV_READABLE   1u  /* ldisc_read now has something (data or end of file) */
#define LDISC_EV_INTERRUPT  2u  /* Ctrl-C in cooked mode: interrupt the foreground program */

#define LDISC_WOULD_BLOCK   (-1L)   /* ldisc_read: nothing completed yet */

struct ldisc {
    enum ldisc_mode mode;
    bool echo;                      /* cooked mode only; on by default */
    ldisc_write_fn echo_write;
    void *echo_ctx;
    unsigned char buf[LDISC_INPUT_MAX];
    size_t len;                     /* bytes held */
    size_t done;                    /* [0, done) completed, [done, len) the line being typed */
    /* sizes of the completed pieces, oldest first (a ring); a read never
     * crosses one, and a piece of size 0 is an end of file */
    uint16_t records[LDISC_RECORDS_MAX];
    size_t record_first, record_count;
    bool after_cr;                  /* a LF right after a CR is part of the same Enter */
    unsigned long dropped;          /* input lost to a full buffer */
};

void ldisc_init(struct ldisc *ld, ldisc_write_fn echo_write, void *echo_ctx);
/* Switching keeps what was received: to raw, everything held becomes
 * readable as it is (pending ends of file are forgotten); to cooked, what
 * a raw reader left becomes one completed piece. */
void ldisc_set_mode(struct ldisc *ld, enum ldisc_mode mode);
void ldisc_set_echo(struct ldisc *ld, bool echo);

/* One received byte; returns LDISC_EV_* bits. */
unsigned ldisc_receive(struct ldisc *ld, unsigned char byte);

bool ldisc_readable(const struct ldisc *ld);
/* Up to max bytes of completed input, never more than one line in cooked
 * mode: > 0 bytes copied, 0 end of file (Ctrl-D on an empty line), or
 * LDISC_WOULD_BLOCK. max 0 returns 0 and takes nothing. */
long ldisc_read(struct ldisc *ld, char *dst, size_t max);
/* Drops everything held, completed or not (e.g. the reader went away). */
void ldisc_flush_input(struct ldisc *ld);

struct ldisc_out {
    char line[LDISC_OUT_LINE_MAX];
    size_t len;
    bool crlf;                      /* LF goes out as CR LF; on by default */
    bool last_cr;                   /* the client's last byte was CR */
};

void ldisc_out_init(struct ldisc_out *out);
/* Buffers a client's bytes; each complete line (and each piece of a line
 * longer than LDISC_OUT_LINE_MAX) goes to emit in a single call. */
void ldisc_out_write(struct ldisc_out *out, const char *bytes, size_t n,
                     ldisc_write_fn emit, void *ctx);
/* Sends the partial line now: call it when the client reads from the
 * console (a prompt), exits, or has been quiet for a while. */
void ldisc_out_flush(struct ldisc_out *out, ldisc_write_fn emit, void *ctx);
bool ldisc_out_pending(const struct ldisc_out *out);

#endif
