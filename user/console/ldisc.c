/*
 * The console's line discipline (ldisc.h). The input buffer is linear:
 * completed input at the front, the line being typed after it; a read
 * shifts the rest down, which for 4 KiB typed by a person costs nothing.
 */
#include "ldisc.h"

#include <string.h>

#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_DEL     0x7f
#define BELL        "\a"

/* ---- echo ------------------------------------------------------------ */

static void echo(struct ldisc *ld, const char *bytes, size_t n)
{
    if (ld->echo && ld->mode == LDISC_COOKED && ld->echo_write != NULL)
        ld->echo_write(ld->echo_ctx, bytes, n);
}

static void echo_str(struct ldisc *ld, const char *s)
{
    echo(ld, s, strlen(s));
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == KEY_DEL;
}

/* Control characters show as ^X, two columns, so they can be erased. */
static void echo_char(struct ldisc *ld, unsigned char c)
{
    if (is_control(c)) {
        char caret[2] = { '^', (char)(c ^ 0x40) };
        echo(ld, caret, 2);
    } else {
        char plain = (char)c;
        echo(ld, &plain, 1);
    }
}

static void bell(struct ldisc *ld)
{
    ld->dropped++;
    echo_str(ld, BELL);
}

/* ---- records --------------------------------------------------------- */

static bool records_full(const struct ldisc *ld)
{
    return ld->record_count == LDISC_RECORDS_MAX;
}

static void push_record(struct ldisc *ld, size_t size)
{
    size_t slot = (ld->record_first + ld->record_count) % LDISC_RECORDS_MAX;
    ld->records[slot] = (uint16_t)size;
    ld->record_count++;
}

static void pop_record(struct ldisc *ld)
{
    ld->record_first = (ld->record_first + 1) % LDISC_RECORDS_MAX;
    ld->record_count--;
}

/* The line being typed becomes readable as it is. */
static void complete_line(struct ldisc *ld)
{
    push_record(ld, ld->len - ld->done);
    ld->done = ld->len;
}

/* ---- cooked input ---------------------------------------------------- */

static unsigned store_char(struct ldisc *ld, unsigned char c)
{
    /* one byte always stays free for the newline that ends the line */
    if (ld->len + 1 >= LDISC_INPUT_MAX) {
        bell(ld);
        return 0;
    }
    ld->buf[ld->len++] = c;
    echo_char(ld, c);
    return 0;
}

static unsigned end_line(struct ldisc *ld)
{
    if (records_full(ld) || ld->len >= LDISC_INPUT_MAX) {
        bell(ld);
        return 0;
    }
    ld->buf[ld->len++] = '\n';
    echo_str(ld, "\r\n");
    complete_line(ld);
    return LDISC_EV_READABLE;
}

static bool is_utf8_continuation(unsigned char c)
{
    return (c & 0xc0) == 0x80;
}

/* Erases the last character typed: one byte, or a whole UTF-8 sequence,
 * and as many columns as its echo took. */
static void erase_char(struct ldisc *ld)
{
    if (ld->len == ld->done)
        return;
    unsigned char c = ld->buf[--ld->len];
    if (is_utf8_continuation(c)) {
        while (ld->len > ld->done && is_utf8_continuation(ld->buf[ld->len - 1]))
            ld->len--;
        if (ld->len > ld->done && ld->buf[ld->len - 1] >= 0xc0)
            ld->len--;
    }
    echo_str(ld, is_control(c) ? "\b \b\b \b" : "\b \b");
}

static void erase_line(struct ldisc *ld)
{
    while (ld->len > ld->done)
        erase_char(ld);
}

/* Ctrl-D: the line so far is readable without a newline; on an empty
 * line that is a read of 0 bytes, the end of file. */
static unsigned end_of_file(struct ldisc *ld)
{
    if (records_full(ld)) {
        bell(ld);
        return 0;
    }
    complete_line(ld);
    return LDISC_EV_READABLE;
}

static unsigned interrupt(struct ldisc *ld)
{
    ldisc_flush_input(ld);
    echo_str(ld, "^C\r\n");
    return LDISC_EV_INTERRUPT;
}

static unsigned receive_cooked(struct ldisc *ld, unsigned char byte)
{
    bool after_cr = ld->after_cr;
    ld->after_cr = byte == '\r';
    if (byte == '\n' && after_cr)
        return 0;               /* CR LF: the CR already ended the line */
    switch (byte) {
    case '\r':
    case '\n':
        return end_line(ld);
    case KEY_DEL:
    case '\b':
        erase_char(ld);
        return 0;
    case KEY_CTRL('U'):
        erase_line(ld);
        return 0;
    case KEY_CTRL('D'):
        return end_of_file(ld);
    case KEY_CTRL('C'):
        return interrupt(ld);
    default:
        return store_char(ld, byte);
    }
}

/* ---- raw input ------------------------------------------------------- */

static unsigned receive_raw(struct ldisc *ld, unsigned char byte)
{
    if (ld->len >= LDISC_INPUT_MAX) {
        ld->dropped++;          /* no echo in raw mode, so no bell either */
        return 0;
    }
    ld->buf[ld->len++] = byte;
    ld->done = ld->len;
    return LDISC_EV_READABLE;
}

unsigned ldisc_receive(struct ldisc *ld, unsigned char byte)
{
    if (ld->mode == LDISC_RAW)
        return receive_raw(ld, byte);
    return receive_cooked(ld, byte);
}

/* ---- reading --------------------------------------------------------- */

static void take_front(struct ldisc *ld, char *dst, size_t n)
{
    memcpy(dst, ld->buf, n);
    memmove(ld->buf, ld->buf + n, ld->len - n);
    ld->len -= n;
    ld->done -= n;
}

bool ldisc_readable(const struct ldisc *ld)
{
    if (ld->mode == LDISC_RAW)
        return ld->len > 0;
    return ld->record_count > 0;
}

static long read_cooked(struct ldisc *ld, char *dst, size_t max)
{
    if (ld->record_count == 0)
        return LDISC_WOULD_BLOCK;
    uint16_t *record = &ld->records[ld->record_first];
    if (*record == 0) {
        pop_record(ld);
        return 0;
    }
    size_t n = max < *record ? max : *record;
    take_front(ld, dst, n);
    *record = (uint16_t)(*record - n);
    if (*record == 0)
        pop_record(ld);
    return (long)n;
}

static long read_raw(struct ldisc *ld, char *dst, size_t max)
{
    if (ld->len == 0)
        return LDISC_WOULD_BLOCK;
    size_t n = max < ld->len ? max : ld->len;
    take_front(ld, dst, n);
    return (long)n;
}

long ldisc_read(struct ldisc *ld, char *dst, size_t max)
{
    if (max == 0)
        return 0;
    if (ld->mode == LDISC_RAW)
        return read_raw(ld, dst, max);
    return read_cooked(ld, dst, max);
}

void ldisc_flush_input(struct ldisc *ld)
{
    ld->len = ld->done = 0;
    ld->record_first = ld->record_count = 0;
    ld->after_cr = false;
}

/* ---- set-up ---------------------------------------------------------- */

void ldisc_init(struct ldisc *ld, ldisc_write_fn echo_write, void *echo_ctx)
{
    memset(ld, 0, sizeof(*ld));
    ld->mode = LDISC_COOKED;
    ld->echo = true;
    ld->echo_write = echo_write;
    ld->echo_ctx = echo_ctx;
}

void ldisc_set_mode(struct ldisc *ld, enum ldisc_mode mode)
{
    if (mode == ld->mode)
        return;
    if (mode == LDISC_RAW) {
        ld->record_first = ld->record_count = 0;
        ld->done = ld->len;
    } else if (ld->len > 0) {
        /* the raw bytes left are one completed piece (len < 2^16) */
        ld->record_first = ld->record_count = 0;
        ld->done = 0;
        complete_line(ld);
    }
    ld->after_cr = false;
    ld->mode = mode;
}

void ldisc_set_echo(struct ldisc *ld, bool on)
{
    ld->echo = on;
}

/* ---- output ---------------------------------------------------------- */

void ldisc_out_init(struct ldisc_out *out)
{
    memset(out, 0, sizeof(*out));
    out->crlf = true;
}

void ldisc_out_flush(struct ldisc_out *out, ldisc_write_fn emit, void *ctx)
{
    if (out->len > 0 && emit != NULL)
        emit(ctx, out->line, out->len);
    out->len = 0;
}

bool ldisc_out_pending(const struct ldisc_out *out)
{
    return out->len > 0;
}

static void out_put(struct ldisc_out *out, const char *bytes, size_t n,
                    ldisc_write_fn emit, void *ctx)
{
    if (out->len + n > LDISC_OUT_LINE_MAX)
        ldisc_out_flush(out, emit, ctx);
    memcpy(out->line + out->len, bytes, n);
    out->len += n;
}

void ldisc_out_write(struct ldisc_out *out, const char *bytes, size_t n,
                     ldisc_write_fn emit, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        char c = bytes[i];
        if (c == '\n' && out->crlf && !out->last_cr)
            out_put(out, "\r\n", 2, emit, ctx);
        else
            out_put(out, &c, 1, emit, ctx);
        out->last_cr = c == '\r';
        if (c == '\n')
            ldisc_out_flush(out, emit, ctx);
    }
}
