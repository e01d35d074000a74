/*
 * Host tests of the console driver's logic (user/console/core.c over the
 * line discipline): writers whose lines never interleave, LF -> CR LF,
 * partial lines flushed by reads and by flush, the writer table's
 * eviction, the transmit buffer (short writes when full, nothing lost,
 * wrap-around), reads (lines, end of file, nothing, limits), modes, echo
 * and Ctrl-C, and bad requests that change nothing.
 */
#include <stdint.h>

#include <lake/errors.h>
#include <lake/proto/console.h>

#include "core.h"
#include "unit.h"

static struct console con;
static char screen[1 << 20];
static size_t screen_len;

static struct console *fresh(void)
{
    console_init(&con);
    screen_len = 0;
    screen[0] = '\0';
    return &con;
}

/* The UART: takes everything held (at most `max` bytes), in runs. */
static size_t drain_max(size_t max)
{
    size_t taken = 0;
    const char *bytes;
    size_t n;
    while (taken < max && (n = cons_tx_peek(&con.tx, &bytes)) > 0) {
        if (n > max - taken)
            n = max - taken;
        CHECK(screen_len + n < sizeof(screen));
        memcpy(screen + screen_len, bytes, n);
        screen_len += n;
        screen[screen_len] = '\0';
        cons_tx_consume(&con.tx, n);
        taken += n;
    }
    return taken;
}

static const char *drain(void)
{
    drain_max(SIZE_MAX);
    return screen;
}

static uint64_t write_str(uint64_t writer, const char *s)
{
    uint64_t accepted = 0;
    CHECK_EQ(console_write(&con, writer, s, strlen(s), &accepted), LAKE_OK);
    return accepted;
}

static unsigned type(const char *s)
{
    return console_receive(&con, (const unsigned char *)s, strlen(s));
}

static const char *read_str(uint64_t max, uint64_t *flags)
{
    static char got[LAKE_CONS_IO_MAX + 1];
    uint64_t count = 99;
    CHECK_EQ(console_read(&con, max, got, &count, flags), LAKE_OK);
    CHECK(count <= LAKE_CONS_IO_MAX);
    got[count] = '\0';
    return got;
}

TEST(lines_of_writers_do_not_interleave)
{
    fresh();
    CHECK_EQ(write_str(1, "hello "), 6);
    CHECK_EQ(write_str(2, "other "), 6);
    CHECK_EQ(write_str(1, "world\nsecond "), 13);
    CHECK_EQ(write_str(2, "line\n"), 5);
    CHECK_EQ(write_str(1, "line\n"), 5);
    CHECK_STR(drain(), "hello world\r\nother line\r\nsecond line\r\n");
    CHECK_EQ(con.tx.dropped, 0);
}

TEST(crlf_written_by_the_client_stays)
{
    fresh();
    write_str(5, "a\r\nb\n");
    CHECK_STR(drain(), "a\r\nb\r\n");
}

TEST(partial_lines_go_out_on_read_and_flush)
{
    fresh();
    write_str(1, "lake:/$ ");
    write_str(2, "half");
    CHECK_STR(drain(), "");
    uint64_t flags;
    CHECK_STR(read_str(10, &flags), "");
    CHECK_STR(drain(), "lake:/$ half");
    fresh();
    write_str(3, "bye");
    CHECK_EQ(console_flush(&con, 3), LAKE_OK);
    CHECK_STR(drain(), "bye");
    CHECK_EQ(console_flush(&con, 3), LAKE_OK);      /* again: nothing */
    CHECK_EQ(console_flush(&con, 12345), LAKE_OK);  /* never wrote */
    CHECK_STR(drain(), "bye");
}

TEST(write_bad_count_changes_nothing)
{
    fresh();
    static char big[LAKE_CONS_IO_MAX + 1];
    memset(big, 'x', sizeof(big));
    uint64_t accepted = 7;
    CHECK_EQ(console_write(&con, 1, big, LAKE_CONS_IO_MAX + 1, &accepted),
             LAKE_INVALID_ARGUMENT);
    CHECK_EQ(console_write(&con, 1, big, UINT64_MAX, &accepted), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(cons_tx_held(&con.tx), 0);
    CHECK_EQ(console_write(&con, 1, big, LAKE_CONS_IO_MAX, &accepted), LAKE_OK);
    CHECK_EQ(accepted, LAKE_CONS_IO_MAX);
    CHECK_EQ(console_write(&con, 1, big, 0, &accepted), LAKE_OK);
    CHECK_EQ(accepted, 0);
}

TEST(full_transmit_buffer_gives_short_writes_and_loses_nothing)
{
    fresh();
    static char chunk[LAKE_CONS_IO_MAX];
    unsigned short_writes = 0;
    uint64_t sent_total = 0;
    for (unsigned round = 0; round < 2000; round++) {
        /* lines of varying length from three writers, newline-heavy */
        size_t n = 1 + (round * 131) % LAKE_CONS_IO_MAX;
        for (size_t i = 0; i < n; i++)
            chunk[i] = (i + round) % 7 == 0 ? '\n' : (char)('a' + (i + round) % 26);
        uint64_t writer = round % 3;
        uint64_t accepted = 0;
        CHECK_EQ(console_write(&con, writer, chunk, n, &accepted), LAKE_OK);
        CHECK(accepted <= n);
        short_writes += accepted < n;
        sent_total += accepted;
        /* the UART is slower than the writers */
        drain_max(300);
    }
    drain();
    CHECK(short_writes > 0);
    CHECK_EQ(con.tx.dropped, 0);
    /* every accepted byte is on the screen: LF as CR LF, partial lines
     * still held by their assemblers */
    size_t held = 0;
    for (unsigned i = 0; i < CONS_WRITERS; i++)
        held += con.writers[i].used ? con.writers[i].out.len : 0;
    size_t lf = 0, cr = 0;
    for (size_t i = 0; i < screen_len; i++)
        lf += screen[i] == '\n', cr += screen[i] == '\r';
    CHECK_EQ(cr, lf);
    CHECK_EQ(screen_len - cr + held, sent_total);
}

TEST(transmit_buffer_wraps_around)
{
    fresh();
    static char line[200];
    memset(line, 'q', sizeof(line) - 1);
    line[sizeof(line) - 2] = '\n';
    line[sizeof(line) - 1] = '\0';
    for (unsigned i = 0; i < 500; i++) {
        write_str(1, line);
        const char *bytes;
        size_t n = cons_tx_peek(&con.tx, &bytes);
        CHECK(n > 0);
        CHECK(bytes + n <= con.tx.buf + CONS_TX_SIZE);
        drain();
    }
    CHECK_EQ(screen_len, 500 * 200);
    CHECK_EQ(cons_tx_held(&con.tx), 0);
    CHECK_EQ(cons_tx_room(&con.tx), CONS_TX_SIZE);
}

TEST(writer_table_evicts_least_recently_used)
{
    fresh();
    for (uint64_t w = 0; w < CONS_WRITERS; w++) {
        char piece[16];
        snprintf(piece, sizeof(piece), "<%llu>", (unsigned long long)w);
        write_str(w, piece);
    }
    write_str(0, "again");          /* writer 0 is now the most recent */
    CHECK_STR(drain(), "");
    write_str(1000, "new");         /* takes writer 1's entry */
    CHECK_STR(drain(), "<1>");
    write_str(1, "back\n");         /* takes writer 2's entry */
    CHECK_STR(drain(), "<1><2>back\r\n");
}

TEST(flush_without_room_changes_nothing)
{
    fresh();
    write_str(1, "partial");
    /* another writer fills the buffer until it takes nothing more */
    uint64_t accepted;
    do
        CHECK_EQ(console_write(&con, 2, "0123456789\n", 11, &accepted), LAKE_OK);
    while (accepted > 0);
    /* and empty lines (two bytes each) fill it to the last byte */
    do
        CHECK_EQ(console_write(&con, 3, "\n", 1, &accepted), LAKE_OK);
    while (accepted > 0);
    CHECK(cons_tx_room(&con.tx) < strlen("partial"));
    size_t held = cons_tx_held(&con.tx);
    CHECK_EQ(console_flush(&con, 1), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(cons_tx_held(&con.tx), held);
    drain();
    CHECK_EQ(console_flush(&con, 1), LAKE_OK);
    CHECK(strstr(drain(), "partial") != NULL);
    CHECK_EQ(con.tx.dropped, 0);
}

TEST(read_lines_eof_and_nothing)
{
    fresh();
    uint64_t flags = 9;
    CHECK_STR(read_str(100, &flags), "");
    CHECK_EQ(flags, 0);
    CHECK_EQ(type("ls -l\r"), LDISC_EV_READABLE);
    CHECK_STR(drain(), "ls -l\r\n");            /* the echo */
    CHECK_STR(read_str(0, &flags), "");          /* max 0 takes nothing */
    CHECK_EQ(flags, 0);
    CHECK_STR(read_str(3, &flags), "ls ");
    CHECK_STR(read_str(100, &flags), "-l\n");
    CHECK_EQ(flags, 0);
    CHECK_EQ(type("\x04"), LDISC_EV_READABLE);   /* Ctrl-D on an empty line */
    CHECK_STR(read_str(100, &flags), "");
    CHECK_EQ(flags, LAKE_CONS_EOF);
    CHECK_STR(read_str(100, &flags), "");
    CHECK_EQ(flags, 0);
}

TEST(read_is_limited_to_one_message)
{
    fresh();
    console_set_mode(&con, LAKE_CONS_MODE_RAW, &(unsigned){0});
    static char typed[2000];
    memset(typed, 'k', sizeof(typed) - 1);
    type(typed);
    uint64_t flags;
    CHECK_EQ(strlen(read_str(UINT64_MAX, &flags)), LAKE_CONS_IO_MAX);
    CHECK_EQ(strlen(read_str(UINT64_MAX, &flags)), LAKE_CONS_IO_MAX);
    CHECK_EQ(strlen(read_str(UINT64_MAX, &flags)), sizeof(typed) - 1 - 2 * LAKE_CONS_IO_MAX);
}

TEST(modes)
{
    fresh();
    unsigned events = 77;
    CHECK_EQ(console_set_mode(&con, 2, &events), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(console_set_mode(&con, UINT64_MAX, &events), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(events, 77);
    CHECK_EQ(con.ld.mode, LDISC_COOKED);
    CHECK_EQ(type("abc"), 0);                    /* a line being typed */
    CHECK_EQ(console_set_mode(&con, LAKE_CONS_MODE_RAW, &events), LAKE_OK);
    CHECK_EQ(events, LDISC_EV_READABLE);         /* raw: readable as it is */
    uint64_t flags;
    CHECK_STR(read_str(100, &flags), "abc");
    CHECK_EQ(type("\x03"), LDISC_EV_READABLE);   /* raw: Ctrl-C is a byte */
    CHECK_STR(read_str(100, &flags), "\x03");
    drain();
    CHECK_STR(screen, "abc");                    /* no echo in raw mode */
    CHECK_EQ(console_set_mode(&con, LAKE_CONS_MODE_COOKED, &events), LAKE_OK);
    CHECK_EQ(events, 0);
}

TEST(ctrl_c_interrupts_and_discards_input)
{
    fresh();
    type("done\rhalf");
    CHECK_EQ(type("\x03"), LDISC_EV_INTERRUPT);
    CHECK_STR(drain(), "done\r\nhalf^C\r\n");
    uint64_t flags;
    CHECK_STR(read_str(100, &flags), "");
    CHECK_EQ(flags, 0);
}

TEST(echo_and_output_share_the_line_order)
{
    fresh();
    write_str(1, "out1\n");
    type("x");
    write_str(1, "out2\n");
    CHECK_STR(drain(), "out1\r\nxout2\r\n");
}
