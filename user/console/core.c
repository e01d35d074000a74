/*
 * The console driver's logic without the hardware (core.h).
 */
#include "core.h"

#include <string.h>

#include <lake/errors.h>
#include <lake/proto/console.h>

/* ---- the transmit buffer ---------------------------------------------- */

size_t cons_tx_held(const struct cons_tx *tx)
{
    return tx->head - tx->tail;
}

size_t cons_tx_room(const struct cons_tx *tx)
{
    return CONS_TX_SIZE - cons_tx_held(tx);
}

/* Stores what fits; the rest is counted as dropped. */
static void tx_put(struct cons_tx *tx, const char *bytes, size_t n)
{
    size_t room = cons_tx_room(tx);
    if (n > room) {
        tx->dropped += n - room;
        n = room;
    }
    for (size_t i = 0; i < n; i++)
        tx->buf[(tx->head + i) & (CONS_TX_SIZE - 1)] = bytes[i];
    tx->head += (uint32_t)n;
}

size_t cons_tx_peek(const struct cons_tx *tx, const char **bytes)
{
    uint32_t start = tx->tail & (CONS_TX_SIZE - 1);
    size_t run = CONS_TX_SIZE - start;
    size_t held = cons_tx_held(tx);
    *bytes = &tx->buf[start];
    return held < run ? held : run;
}

void cons_tx_consume(struct cons_tx *tx, size_t n)
{
    size_t held = cons_tx_held(tx);
    tx->tail += (uint32_t)(n < held ? n : held);
}

/* The line discipline's echo and the assemblers' lines. */
static void emit(void *ctx, const char *bytes, size_t n)
{
    struct console *c = ctx;
    tx_put(&c->tx, bytes, n);
}

/* ---- writers ------------------------------------------------------------ */

static struct cons_writer *find_writer(struct console *c, uint64_t id)
{
    for (unsigned i = 0; i < CONS_WRITERS; i++)
        if (c->writers[i].used && c->writers[i].id == id)
            return &c->writers[i];
    return NULL;
}

/* The entry a new writer gets: a free one, else the least recently used. */
static struct cons_writer *victim_writer(struct console *c)
{
    struct cons_writer *pick = &c->writers[0];
    for (unsigned i = 0; i < CONS_WRITERS; i++) {
        struct cons_writer *w = &c->writers[i];
        if (!w->used)
            return w;
        if (w->last_used < pick->last_used)
            pick = w;
    }
    return pick;
}

/* The victim's partial line goes out before the entry changes hands. */
static struct cons_writer *claim_writer(struct console *c, struct cons_writer *w, uint64_t id)
{
    if (w->used)
        ldisc_out_flush(&w->out, emit, c);
    w->used = true;
    w->id = id;
    ldisc_out_init(&w->out);
    return w;
}

static void release_writer(struct cons_writer *w)
{
    w->used = false;
}

static void flush_all_writers(struct console *c)
{
    for (unsigned i = 0; i < CONS_WRITERS; i++)
        if (c->writers[i].used)
            ldisc_out_flush(&c->writers[i].out, emit, c);
}

/* ---- requests ------------------------------------------------------------ */

void console_init(struct console *c)
{
    memset(c, 0, sizeof(*c));
    ldisc_init(&c->ld, emit, c);
}

unsigned console_receive(struct console *c, const unsigned char *bytes, size_t n)
{
    unsigned events = 0;
    for (size_t i = 0; i < n; i++)
        events |= ldisc_receive(&c->ld, bytes[i]);
    return events;
}

/* How many of `count` bytes surely fit after `pending` bytes of partial
 * lines that go out first: each byte may become two (LF -> CR LF). */
static uint64_t writable(const struct console *c, size_t pending, uint64_t count)
{
    size_t room = cons_tx_room(&c->tx);
    if (room <= pending)
        return 0;
    uint64_t fits = (room - pending) / 2;
    return count < fits ? count : fits;
}

int console_write(struct console *c, uint64_t writer, const char *data, uint64_t count,
                  uint64_t *accepted)
{
    if (count > LAKE_CONS_IO_MAX)
        return LAKE_INVALID_ARGUMENT;
    *accepted = 0;
    struct cons_writer *w = find_writer(c, writer);
    struct cons_writer *entry = w ? w : victim_writer(c);
    uint64_t n = writable(c, entry->used ? entry->out.len : 0, count);
    if (n == 0)
        return LAKE_OK;
    if (w == NULL)
        w = claim_writer(c, entry, writer);
    w->last_used = ++c->clock;
    ldisc_out_write(&w->out, data, n, emit, c);
    *accepted = n;
    return LAKE_OK;
}

int console_read(struct console *c, uint64_t max, char *dst, uint64_t *count, uint64_t *flags)
{
    *count = 0;
    *flags = c->interrupted ? LAKE_CONS_INTERRUPTED : 0;
    c->interrupted = false;
    flush_all_writers(c);
    if (max == 0)
        return LAKE_OK;
    long n = ldisc_read(&c->ld, dst, max < LAKE_CONS_IO_MAX ? max : LAKE_CONS_IO_MAX);
    if (n > 0)
        *count = (uint64_t)n;
    else if (n == 0)
        *flags |= LAKE_CONS_EOF;
    return LAKE_OK;
}

int console_set_mode(struct console *c, uint64_t mode, unsigned *events)
{
    if (mode != LAKE_CONS_MODE_COOKED && mode != LAKE_CONS_MODE_RAW)
        return LAKE_INVALID_ARGUMENT;
    ldisc_set_mode(&c->ld, mode == LAKE_CONS_MODE_RAW ? LDISC_RAW : LDISC_COOKED);
    *events = ldisc_readable(&c->ld) ? LDISC_EV_READABLE : 0;
    return LAKE_OK;
}

int console_flush(struct console *c, uint64_t writer)
{
    struct cons_writer *w = find_writer(c, writer);
    if (w == NULL)
        return LAKE_OK;             /* nothing pending */
    if (cons_tx_room(&c->tx) < w->out.len)
        return LAKE_NOT_ENOUGH_MEMORY;
    ldisc_out_flush(&w->out, emit, c);
    release_writer(w);
    return LAKE_OK;
}
