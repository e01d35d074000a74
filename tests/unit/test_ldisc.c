/*
 * Host tests of the console line discipline (user/console/ldisc.c):
 * cooked-mode editing and echo, end of line and end of file, Ctrl-C,
 * raw mode, the bounded buffer, reads of completed input, the per-client
 * output line assembler, and fuzz tests of both sides.
 */
#include <stdint.h>

#include "ldisc.h"
#include "unit.h"

struct sink {
    char bytes[16384];
    size_t len;
    int calls;
};

static void collect(void *ctx, const char *bytes, size_t n)
{
    struct sink *s = ctx;
    CHECK(n > 0);
    s->calls++;
    if (s->len + n < sizeof(s->bytes)) {
        memcpy(s->bytes + s->len, bytes, n);
        s->len += n;
        s->bytes[s->len] = '\0';
    }
}

static struct sink echoed;
static struct ldisc ld;

static struct ldisc *fresh(void)
{
    memset(&echoed, 0, sizeof(echoed));
    ldisc_init(&ld, collect, &echoed);
    return &ld;
}

static unsigned receive(struct ldisc *l, const char *bytes)
{
    unsigned events = 0;
    for (; *bytes != '\0'; bytes++)
        events |= ldisc_receive(l, (unsigned char)*bytes);
    return events;
}

/* Reads once into a string; "<block>" or "<eof>" for those results. */
static const char *read_str(struct ldisc *l, size_t max)
{
    static char got[LDISC_INPUT_MAX + 1];
    long n = ldisc_read(l, got, max);
    if (n == LDISC_WOULD_BLOCK)
        return "<block>";
    if (n == 0)
        return "<eof>";
    CHECK(n > 0 && (size_t)n <= max);
    got[n] = '\0';
    return got;
}

static void clear_echo(void)
{
    echoed.len = 0;
    echoed.bytes[0] = '\0';
}

TEST(cooked_line)
{
    struct ldisc *l = fresh();
    CHECK_EQ(receive(l, "ls -l"), 0);
    CHECK(!ldisc_readable(l));
    CHECK_STR(read_str(l, 100), "<block>");
    CHECK_STR(echoed.bytes, "ls -l");
    CHECK_EQ(receive(l, "\r"), LDISC_EV_READABLE);
    CHECK_STR(echoed.bytes, "ls -l\r\n");
    CHECK(ldisc_readable(l));
    CHECK_STR(read_str(l, 100), "ls -l\n");       /* CR in, LF out */
    CHECK_STR(read_str(l, 100), "<block>");
}

TEST(cr_lf_is_one_line)
{
    struct ldisc *l = fresh();
    receive(l, "a\r\nb\n\nc\r\r");
    CHECK_STR(read_str(l, 100), "a\n");
    CHECK_STR(read_str(l, 100), "b\n");
    CHECK_STR(read_str(l, 100), "\n");
    CHECK_STR(read_str(l, 100), "c\n");
    CHECK_STR(read_str(l, 100), "\n");
    CHECK_STR(read_str(l, 100), "<block>");
}

TEST(read_never_crosses_a_line)
{
    struct ldisc *l = fresh();
    receive(l, "first\nsecond\nthird");
    CHECK_STR(read_str(l, 3), "fir");
    CHECK_STR(read_str(l, 100), "st\n");
    CHECK_STR(read_str(l, 100), "second\n");
    CHECK_STR(read_str(l, 100), "<block>");       /* "third" is not finished */
    receive(l, "\x7f\x7f\n");
    CHECK_STR(read_str(l, 100), "thi\n");
    CHECK_EQ(ldisc_read(l, NULL, 0), 0);
}

TEST(backspace_echo)
{
    struct ldisc *l = fresh();
    receive(l, "abc");
    clear_echo();
    receive(l, "\x7f\b");
    CHECK_STR(echoed.bytes, "\b \b\b \b");
    receive(l, "\x7f\x7f\x7f");                   /* nothing left to erase */
    CHECK_STR(echoed.bytes, "\b \b\b \b\b \b");
    receive(l, "x\n");
    CHECK_STR(read_str(l, 100), "x\n");
    /* erasing cannot reach into a completed line */
    receive(l, "done\n\x7f\x7f");
    CHECK_STR(read_str(l, 100), "done\n");
}

TEST(control_characters_echo_as_caret)
{
    struct ldisc *l = fresh();
    receive(l, "a\t\x1b");
    CHECK_STR(echoed.bytes, "a^I^[");
    clear_echo();
    receive(l, "\x7f");
    CHECK_STR(echoed.bytes, "\b \b\b \b");         /* two columns */
    receive(l, "\n");
    CHECK_STR(read_str(l, 100), "a\t\n");
}

TEST(utf8_erases_whole_character)
{
    struct ldisc *l = fresh();
    receive(l, "x\xc3\xa9\xe2\x82\xac");             /* x, e acute, euro sign */
    clear_echo();
    receive(l, "\x7f");
    CHECK_STR(echoed.bytes, "\b \b");
    receive(l, "\x7f\n");
    CHECK_STR(read_str(l, 100), "x\n");
    /* stray continuation bytes go together */
    receive(l, "y\x80\x80\x7f\n");
    CHECK_STR(read_str(l, 100), "y\n");
}

TEST(ctrl_u_erases_line)
{
    struct ldisc *l = fresh();
    receive(l, "old\n" "abc");
    clear_echo();
    receive(l, "\x15");
    CHECK_STR(echoed.bytes, "\b \b\b \b\b \b");
    receive(l, "new\n");
    CHECK_STR(read_str(l, 100), "old\n");
    CHECK_STR(read_str(l, 100), "new\n");
}

TEST(ctrl_d)
{
    struct ldisc *l = fresh();
    CHECK_EQ(receive(l, "\x04"), LDISC_EV_READABLE);
    CHECK_STR(echoed.bytes, "");
    CHECK_STR(read_str(l, 100), "<eof>");
    CHECK_STR(read_str(l, 100), "<block>");
    /* on a non-empty line: delivers it without a newline */
    CHECK_EQ(receive(l, "abc\x04"), LDISC_EV_READABLE);
    CHECK_STR(read_str(l, 2), "ab");
    CHECK_STR(read_str(l, 100), "c");
    CHECK_STR(read_str(l, 100), "<block>");
    /* then a second Ctrl-D on the now empty line is the end of file */
    receive(l, "xy\x04\x04");
    CHECK_STR(read_str(l, 100), "xy");
    CHECK_STR(read_str(l, 100), "<eof>");
}

TEST(ctrl_c_interrupts_and_discards)
{
    struct ldisc *l = fresh();
    receive(l, "unread\npartial");
    clear_echo();
    CHECK_EQ(receive(l, "\x03"), LDISC_EV_INTERRUPT);
    CHECK_STR(echoed.bytes, "^C\r\n");
    CHECK(!ldisc_readable(l));
    CHECK_STR(read_str(l, 100), "<block>");
    receive(l, "after\n");
    CHECK_STR(read_str(l, 100), "after\n");
}

TEST(echo_off)
{
    struct ldisc *l = fresh();
    ldisc_set_echo(l, false);
    receive(l, "secret\x7f\n\x03");
    CHECK_STR(echoed.bytes, "");
    ldisc_set_echo(l, true);
    receive(l, "pw\n");
    CHECK_STR(echoed.bytes, "pw\r\n");
    CHECK_STR(read_str(l, 100), "pw\n");
}

TEST(raw_mode)
{
    struct ldisc *l = fresh();
    ldisc_set_mode(l, LDISC_RAW);
    CHECK_EQ(receive(l, "a"), LDISC_EV_READABLE);
    CHECK_EQ(receive(l, "\r\x7f\x03\x04\x15\n"), LDISC_EV_READABLE);
    CHECK_STR(echoed.bytes, "");
    CHECK_STR(read_str(l, 3), "a\r\x7f");
    CHECK_STR(read_str(l, 100), "\x03\x04\x15\n");
    CHECK_STR(read_str(l, 100), "<block>");
    char nul[2];
    ldisc_receive(l, 0);
    CHECK_EQ(ldisc_read(l, nul, 2), 1);
    CHECK_EQ(nul[0], 0);
}

TEST(mode_switch_keeps_input)
{
    struct ldisc *l = fresh();
    receive(l, "line\npart");
    ldisc_set_mode(l, LDISC_RAW);
    CHECK_STR(read_str(l, 100), "line\npart");
    receive(l, "raw");
    ldisc_set_mode(l, LDISC_COOKED);
    CHECK(ldisc_readable(l));
    CHECK_STR(read_str(l, 100), "raw");
    receive(l, "ok\n");
    CHECK_STR(read_str(l, 100), "ok\n");
    ldisc_set_mode(l, LDISC_COOKED);              /* no change: nothing happens */
    CHECK_STR(read_str(l, 100), "<block>");
}

TEST(input_buffer_bound)
{
    struct ldisc *l = fresh();
    for (int i = 0; i < LDISC_INPUT_MAX + 50; i++)
        ldisc_receive(l, 'x');
    CHECK_EQ(l->len, LDISC_INPUT_MAX - 1);
    CHECK_EQ(l->dropped, 51);
    CHECK(echoed.bytes[echoed.len - 1] == '\a');
    CHECK_EQ(receive(l, "\n"), LDISC_EV_READABLE);   /* the newline still fits */
    long n = ldisc_read(l, (char[LDISC_INPUT_MAX]){ 0 }, LDISC_INPUT_MAX);
    CHECK_EQ(n, LDISC_INPUT_MAX);
    CHECK(!ldisc_readable(l));
    /* raw: drops silently when full */
    ldisc_set_mode(l, LDISC_RAW);
    clear_echo();
    for (int i = 0; i < LDISC_INPUT_MAX + 5; i++)
        ldisc_receive(l, 'y');
    CHECK_EQ(l->len, LDISC_INPUT_MAX);
    CHECK_STR(echoed.bytes, "");
}

TEST(record_bound)
{
    struct ldisc *l = fresh();
    for (int i = 0; i < LDISC_RECORDS_MAX; i++)
        CHECK_EQ(receive(l, "\n"), LDISC_EV_READABLE);
    clear_echo();
    CHECK_EQ(receive(l, "z\n"), 0);                /* no room: the line waits */
    CHECK_EQ(receive(l, "\x04"), 0);
    CHECK_STR(echoed.bytes, "z\a\a");
    CHECK_STR(read_str(l, 100), "\n");
    CHECK_EQ(receive(l, "\n"), LDISC_EV_READABLE);
    for (int i = 1; i < LDISC_RECORDS_MAX; i++)
        CHECK_STR(read_str(l, 100), "\n");
    CHECK_STR(read_str(l, 100), "z\n");
}

TEST(flush_input)
{
    struct ldisc *l = fresh();
    receive(l, "a\nb\x04\x04" "c");
    ldisc_flush_input(l);
    CHECK_STR(read_str(l, 100), "<block>");
    receive(l, "d\n");
    CHECK_STR(read_str(l, 100), "d\n");
}

/* ---- output ---------------------------------------------------------- */

static struct sink screen;

TEST(output_lines_are_whole)
{
    struct ldisc_out a, b;
    memset(&screen, 0, sizeof(screen));
    ldisc_out_init(&a);
    ldisc_out_init(&b);
    ldisc_out_write(&a, "hello ", 6, collect, &screen);
    ldisc_out_write(&b, "other ", 6, collect, &screen);
    CHECK_EQ(screen.calls, 0);
    CHECK(ldisc_out_pending(&a));
    ldisc_out_write(&b, "line\nnext", 9, collect, &screen);
    ldisc_out_write(&a, "world\n", 6, collect, &screen);
    CHECK_STR(screen.bytes, "other line\r\nhello world\r\n");
    CHECK_EQ(screen.calls, 2);                    /* one call per line */
    ldisc_out_flush(&b, collect, &screen);
    CHECK_STR(screen.bytes, "other line\r\nhello world\r\nnext");
    CHECK(!ldisc_out_pending(&b));
    ldisc_out_flush(&b, collect, &screen);        /* nothing: no call */
    CHECK_EQ(screen.calls, 3);
}

TEST(output_crlf)
{
    struct ldisc_out o;
    memset(&screen, 0, sizeof(screen));
    ldisc_out_init(&o);
    ldisc_out_write(&o, "a\r\nb\n\n", 6, collect, &screen);
    CHECK_STR(screen.bytes, "a\r\nb\r\n\r\n");    /* an existing CR LF is left alone */
    ldisc_out_write(&o, "c\r", 2, collect, &screen);
    ldisc_out_write(&o, "\n", 1, collect, &screen);    /* CR and LF in separate writes */
    CHECK_STR(screen.bytes, "a\r\nb\r\n\r\nc\r\n");
    o.crlf = false;
    ldisc_out_write(&o, "raw\n", 4, collect, &screen);
    CHECK_STR(screen.bytes, "a\r\nb\r\n\r\nc\r\nraw\n");
}

TEST(output_long_line_in_pieces)
{
    struct ldisc_out o;
    static char text[1000];
    memset(&screen, 0, sizeof(screen));
    ldisc_out_init(&o);
    memset(text, 'x', sizeof(text));
    ldisc_out_write(&o, text, sizeof(text), collect, &screen);
    CHECK_EQ(screen.calls, (int)(sizeof(text) / LDISC_OUT_LINE_MAX));
    CHECK_EQ(screen.len, sizeof(text) / LDISC_OUT_LINE_MAX * LDISC_OUT_LINE_MAX);
    /* the CR LF pair is never split across pieces */
    ldisc_out_init(&o);
    memset(&screen, 0, sizeof(screen));
    ldisc_out_write(&o, text, LDISC_OUT_LINE_MAX - 1, collect, &screen);
    ldisc_out_write(&o, "\n", 1, collect, &screen);
    CHECK_EQ(screen.calls, 2);
    CHECK_EQ(screen.len, LDISC_OUT_LINE_MAX + 1);
    CHECK(memcmp(screen.bytes + LDISC_OUT_LINE_MAX - 1, "\r\n", 2) == 0);
}

/* ---- fuzz ------------------------------------------------------------ */

static uint32_t fuzz_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

static void check_invariants(const struct ldisc *l)
{
    size_t total = 0;
    for (size_t i = 0; i < l->record_count; i++)
        total += l->records[(l->record_first + i) % LDISC_RECORDS_MAX];
    CHECK(l->done <= l->len && l->len <= LDISC_INPUT_MAX);
    CHECK(l->record_count <= LDISC_RECORDS_MAX);
    if (l->mode == LDISC_COOKED)
        CHECK_EQ(total, l->done);
}

TEST(fuzz_input)
{
    static const unsigned char interesting[] = {
        'a', ' ', '\r', '\n', 0x7f, '\b', 0x15, 0x04, 0x03, 0x1b, 0xc3, 0xa9, 0x80, '\t',
    };
    uint64_t seed = 0x1d15c;
    struct ldisc *l = fresh();
    char got[64];
    long delivered = 0;
    bool raw_left = false;
    for (int round = 0; round < 100000; round++) {
        uint32_t r = fuzz_random(&seed);
        size_t n = r % 16 + 1;
        for (size_t i = 0; i < n; i++) {
            uint32_t b = fuzz_random(&seed);
            unsigned char byte = (b & 3) == 0 ? (unsigned char)(b >> 8)
                                 : interesting[(b >> 8) % sizeof(interesting)];
            ldisc_receive(l, byte);
        }
        if ((r >> 8) % 97 == 0) {
            ldisc_set_mode(l, l->mode == LDISC_RAW ? LDISC_COOKED : LDISC_RAW);
            raw_left = l->len > 0;
        }
        if (l->len == 0)
            raw_left = false;
        if ((r >> 16) % 4 != 0) {
            long got_n = ldisc_read(l, got, (r >> 20) % sizeof(got) + 1);
            CHECK(got_n >= LDISC_WOULD_BLOCK && got_n <= (long)sizeof(got));
            /* what raw mode left over may hold several lines */
            if (l->mode == LDISC_COOKED && !raw_left && got_n > 1)
                CHECK(memchr(got, '\n', (size_t)got_n - 1) == NULL);   /* one line at most */
            delivered += got_n > 0 ? got_n : 0;
        }
        check_invariants(l);
        if (echoed.len > sizeof(echoed.bytes) / 2)
            clear_echo();
    }
    CHECK(delivered > 10000);
}

TEST(fuzz_output)
{
    uint64_t seed = 0x0a7;
    struct ldisc_out clients[3];
    for (int i = 0; i < 3; i++)
        ldisc_out_init(&clients[i]);
    memset(&screen, 0, sizeof(screen));
    char text[40];
    for (int round = 0; round < 100000; round++) {
        uint32_t r = fuzz_random(&seed);
        size_t n = r % sizeof(text);
        for (size_t i = 0; i < n; i++) {
            uint32_t b = fuzz_random(&seed);
            text[i] = (b & 7) == 0 ? '\n' : (b & 7) == 1 ? '\r' : (char)(b >> 8);
        }
        struct ldisc_out *o = &clients[(r >> 8) % 3];
        ldisc_out_write(o, text, n, collect, &screen);
        if ((r >> 12) % 50 == 0)
            ldisc_out_flush(o, collect, &screen);
        CHECK(o->len <= LDISC_OUT_LINE_MAX);
        if (screen.len > sizeof(screen.bytes) / 2)
            screen.len = 0;
    }
}
