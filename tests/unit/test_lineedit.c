/*
 * Host tests of the shell's line editor (user/shell/lineedit.c): the line
 * it delivers and the exact bytes it writes for every key, history, the
 * length limit, and a fuzz test.
 */
#include <stdint.h>

#include "lineedit.h"
#include "unit.h"

struct screen {
    char out[8192];
    size_t len;
};

static void capture(void *ctx, const char *bytes, size_t n)
{
    struct screen *s = ctx;
    CHECK(n > 0);
    if (s->len + n < sizeof(s->out)) {
        memcpy(s->out + s->len, bytes, n);
        s->len += n;
        s->out[s->len] = '\0';
    }
}

static struct screen screen;
static struct lineedit editor;

static struct lineedit *fresh(size_t max_len)
{
    lineedit_destroy(&editor);
    lineedit_init(&editor, max_len, capture, &screen);
    screen.len = 0;
    screen.out[0] = '\0';
    return &editor;
}

/* Feeds every byte; returns the last event that was not LE_NONE. */
static enum le_event type(struct lineedit *le, const char *keys)
{
    enum le_event last = LE_NONE;
    for (; *keys != '\0'; keys++) {
        enum le_event ev = lineedit_feed(le, (unsigned char)*keys);
        if (ev != LE_NONE)
            last = ev;
    }
    return last;
}

static const char *output(void)
{
    return screen.out;
}

static void clear_output(void)
{
    screen.len = 0;
    screen.out[0] = '\0';
}

#define LEFT    "\x1b[D"
#define RIGHT   "\x1b[C"
#define UP      "\x1b[A"
#define DOWN    "\x1b[B"

TEST(plain_typing)
{
    struct lineedit *le = fresh(0);
    CHECK_EQ(type(le, "ls -l"), LE_NONE);
    CHECK_STR(output(), "ls -l");
    CHECK_EQ(type(le, "\r"), LE_LINE);
    CHECK_STR(lineedit_line(le), "ls -l");
    CHECK_STR(output(), "ls -l\r\n");
}

TEST(enter_variants)
{
    struct lineedit *le = fresh(0);
    CHECK_EQ(type(le, "a\n"), LE_LINE);
    CHECK_STR(lineedit_line(le), "a");
    /* CR LF is one Enter; the LF does not end an empty line */
    CHECK_EQ(lineedit_feed(le, 'b'), LE_NONE);
    CHECK_EQ(lineedit_feed(le, '\r'), LE_LINE);
    CHECK_EQ(lineedit_feed(le, '\n'), LE_NONE);
    CHECK_STR(lineedit_line(le), "b");
    CHECK_EQ(lineedit_feed(le, '\n'), LE_LINE);    /* a lone LF is Enter */
    CHECK_STR(lineedit_line(le), "");
    CHECK_EQ(lineedit_feed(le, '\r'), LE_LINE);
    CHECK_EQ(lineedit_feed(le, '\r'), LE_LINE);    /* CR CR is two */
    clear_output();
    CHECK_EQ(type(le, "c\r"), LE_LINE);
    CHECK_STR(output(), "c\r\n");
}

TEST(backspace)
{
    struct lineedit *le = fresh(0);
    type(le, "abc");
    clear_output();
    type(le, "\x7f");
    CHECK_STR(output(), "\b\x1b[K");
    type(le, "\b");
    CHECK_EQ(type(le, "x\r"), LE_LINE);
    CHECK_STR(lineedit_line(le), "ax");
    /* backspace at the start does nothing */
    clear_output();
    type(le, "\x7f\x7fq\r");
    CHECK_STR(lineedit_line(le), "q");
    CHECK_STR(output(), "q\r\n");
}

TEST(backspace_in_middle)
{
    struct lineedit *le = fresh(0);
    type(le, "abcd" LEFT LEFT);
    clear_output();
    type(le, "\x7f");
    /* back one, repaint "cd", erase the stale last column, back two */
    CHECK_STR(output(), "\b" "cd" "\x1b[K" "\x1b[2D");
    type(le, "\r");
    CHECK_STR(lineedit_line(le), "acd");
}

TEST(arrows_and_insert_in_middle)
{
    struct lineedit *le = fresh(0);
    type(le, "held");
    clear_output();
    type(le, LEFT);
    CHECK_STR(output(), "\x1b[1D");
    clear_output();
    type(le, "l");
    /* the new character, the rest repainted, the cursor back after 'l' */
    CHECK_STR(output(), "l" "d" "\x1b[1D");
    type(le, LEFT LEFT LEFT LEFT LEFT "<" RIGHT RIGHT RIGHT RIGHT RIGHT RIGHT RIGHT ">");
    CHECK_EQ(type(le, "\r"), LE_LINE);
    CHECK_STR(lineedit_line(le), "<helld>");
    /* right at the end and left at the start write nothing */
    clear_output();
    type(le, RIGHT LEFT);
    CHECK_STR(output(), "");
}

TEST(home_end_keys)
{
    const char *homes[] = { "\x1b[H", "\x1b[1~", "\x1b[7~", "\x1bOH", "\x01" };
    const char *ends[] = { "\x1b[F", "\x1b[4~", "\x1b[8~", "\x1bOF", "\x05" };
    for (size_t i = 0; i < sizeof(homes) / sizeof(homes[0]); i++) {
        struct lineedit *le = fresh(0);
        type(le, "mid");
        clear_output();
        type(le, homes[i]);
        CHECK_STR(output(), "\x1b[3D");
        type(le, "<");
        clear_output();
        type(le, ends[i]);
        CHECK_STR(output(), "\x1b[3C");
        type(le, ">\r");
        CHECK_STR(lineedit_line(le), "<mid>");
        clear_output();
        type(le, homes[i]);             /* on an empty line: nothing to do */
        type(le, ends[i]);
        CHECK_STR(output(), "");
    }
}

TEST(delete_key)
{
    struct lineedit *le = fresh(0);
    type(le, "abc\x01");
    clear_output();
    type(le, "\x1b[3~");
    CHECK_STR(output(), "bc" "\x1b[K" "\x1b[2D");
    type(le, "\x1b[F");
    clear_output();
    type(le, "\x1b[3~");                /* at the end: nothing */
    CHECK_STR(output(), "");
    type(le, "\r");
    CHECK_STR(lineedit_line(le), "bc");
}

TEST(ctrl_u_kills_line)
{
    struct lineedit *le = fresh(0);
    type(le, "hello" LEFT LEFT);
    clear_output();
    type(le, "\x15");
    CHECK_STR(output(), "\x1b[3D\x1b[K");
    type(le, "bye\r");
    CHECK_STR(lineedit_line(le), "bye");
    clear_output();
    type(le, "\x15");
    CHECK_STR(output(), "");
}

TEST(ctrl_k_and_ctrl_b_f)
{
    struct lineedit *le = fresh(0);
    type(le, "abcdef\x02\x02\x02");
    clear_output();
    type(le, "\x0b");
    CHECK_STR(output(), "\x1b[K");
    type(le, "\x02\x06\x06X\r");
    CHECK_STR(lineedit_line(le), "abcX");
}

TEST(ctrl_c)
{
    struct lineedit *le = fresh(0);
    type(le, "rm -rf" LEFT);
    clear_output();
    CHECK_EQ(type(le, "\x03"), LE_INTERRUPT);
    CHECK_STR(output(), "^C\r\n");
    CHECK_EQ(type(le, "ok\r"), LE_LINE);
    CHECK_STR(lineedit_line(le), "ok");
    CHECK_EQ(lineedit_history_count(le), 1);     /* the abandoned line is not kept */
    CHECK_EQ(type(le, "\x1b[\x03"), LE_INTERRUPT); /* also inside a sequence */
}

TEST(ctrl_d)
{
    struct lineedit *le = fresh(0);
    clear_output();
    CHECK_EQ(type(le, "\x04"), LE_EOF);
    CHECK_STR(output(), "");
    /* on a non-empty line it deletes under the cursor */
    CHECK_EQ(type(le, "ab\x01\x04"), LE_NONE);
    CHECK_EQ(type(le, "\x04"), LE_NONE);
    CHECK_EQ(type(le, "\x04"), LE_EOF);
}

TEST(max_length_beeps)
{
    struct lineedit *le = fresh(4);
    type(le, "abcd");
    clear_output();
    type(le, "e");
    CHECK_STR(output(), "\a");
    type(le, "\x01" "f");
    CHECK_STR(output(), "\a" "\x1b[4D" "\a");
    type(le, "\r");
    CHECK_STR(lineedit_line(le), "abcd");
    /* the full LE_LINE_MAX */
    le = fresh(0);
    for (int i = 0; i < LE_LINE_MAX + 10; i++)
        lineedit_feed(le, 'x');
    CHECK_EQ(type(le, "\r"), LE_LINE);
    CHECK_EQ(strlen(lineedit_line(le)), LE_LINE_MAX);
}

TEST(other_bytes_beep)
{
    struct lineedit *le = fresh(0);
    type(le, "\t\x80\xff\x07");
    CHECK_STR(output(), "\a\a\a\a");
    type(le, "\r");
    CHECK_STR(lineedit_line(le), "");
}

TEST(unknown_and_broken_sequences)
{
    struct lineedit *le = fresh(0);
    type(le, "a\x1b[2~\x1b[15~\x1b[1;5C\x1bOP\x1b[123456789012345~b");
    CHECK_STR(output(), "ab");
    /* ESC then a letter: the ESC is dropped, the letter typed */
    type(le, "\x1bx");
    type(le, "\r");
    CHECK_STR(lineedit_line(le), "abx");
    /* Ctrl-Left (ESC [ 1 ; 5 D) moves like Left */
    type(le, "xy\x1b[1;5Dz\r");
    CHECK_STR(lineedit_line(le), "xzy");
}

TEST(history_browsing)
{
    struct lineedit *le = fresh(0);
    type(le, "one\r" "two\r" "three\r");
    CHECK_EQ(lineedit_history_count(le), 3);
    type(le, "dra");
    clear_output();
    type(le, UP);
    CHECK_STR(output(), "\x1b[3D" "three" "\x1b[K");
    type(le, UP UP);
    clear_output();
    type(le, UP);                        /* past the oldest: beep */
    CHECK_STR(output(), "\a");
    type(le, DOWN);
    clear_output();
    type(le, DOWN DOWN);                 /* back to the draft */
    CHECK_STR(output(), "\x1b[3D" "three" "\x1b[K" "\x1b[5D" "dra" "\x1b[K");
    clear_output();
    type(le, DOWN);
    CHECK_STR(output(), "\a");
    type(le, "ft\r");
    CHECK_STR(lineedit_line(le), "draft");
    type(le, UP UP "!\r");               /* recall, edit, run */
    CHECK_STR(lineedit_line(le), "three!");
    CHECK_STR(lineedit_history_get(le, 4), "three!");
    CHECK(lineedit_history_get(le, 5) == NULL);
}

TEST(history_ctrl_p_n)
{
    struct lineedit *le = fresh(0);
    type(le, "one\rtwo\r\x10\x10\x0e\r");
    CHECK_STR(lineedit_line(le), "two");
}

TEST(history_rules)
{
    struct lineedit *le = fresh(0);
    type(le, "a\r" "a\r" "\r" "   \r" "b\r" "a\r");
    CHECK_EQ(lineedit_history_count(le), 3);     /* a, b, a */
    CHECK_STR(lineedit_history_get(le, 0), "a");
    CHECK_STR(lineedit_history_get(le, 1), "b");
    CHECK(!lineedit_history_add(le, "a"));
    CHECK(lineedit_history_add(le, "c"));
    /* bounded: the oldest go */
    for (int i = 0; i < 100; i++) {
        char line[8] = { 'x', (char)('0' + i / 10), (char)('0' + i % 10), '\r', 0 };
        type(le, line);
    }
    CHECK_EQ(lineedit_history_count(le), LE_HISTORY_MAX);
    CHECK_STR(lineedit_history_get(le, 0), "x36");
    CHECK_STR(lineedit_history_get(le, LE_HISTORY_MAX - 1), "x99");
    for (int i = 0; i < LE_HISTORY_MAX; i++)
        type(le, UP);
    clear_output();
    type(le, UP);
    CHECK_STR(output(), "\a");
    type(le, "\r");
    CHECK_STR(lineedit_line(le), "x36");
}

TEST(history_entry_longer_than_limit)
{
    struct lineedit *le = fresh(3);
    CHECK(lineedit_history_add(le, "abcdef"));
    type(le, UP "\r");
    CHECK_STR(lineedit_line(le), "abc");
}

TEST(history_empty_up)
{
    struct lineedit *le = fresh(0);
    type(le, UP DOWN);
    CHECK_STR(output(), "\a\a");
}

TEST(refresh)
{
    struct lineedit *le = fresh(0);
    type(le, "abc" LEFT LEFT);
    clear_output();
    lineedit_refresh(le);
    CHECK_STR(output(), "abc\x1b[K\x1b[2D");
    type(le, "\x05");
    clear_output();
    lineedit_refresh(le);
    CHECK_STR(output(), "abc\x1b[K");
    type(le, "\r");
    clear_output();
    lineedit_refresh(le);                /* nothing being edited */
    CHECK_STR(output(), "");
}

TEST(no_writer)
{
    struct lineedit le;
    lineedit_init(&le, 0, NULL, NULL);
    CHECK_EQ(type(&le, "x" LEFT "y\r"), LE_LINE);
    CHECK_STR(lineedit_line(&le), "yx");
    lineedit_destroy(&le);
}

static uint32_t fuzz_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

/* A terminal model: applies the editor's output to a one-row screen and
 * checks that it always matches the editor's own line and cursor. */
struct model {
    char row[LE_LINE_MAX + 64];
    size_t col, width;
    int esc;            /* 0 none, 1 after ESC, 2 in CSI */
    size_t n;
};

static struct model model;

static void model_write(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) {
        char c = bytes[i];
        if (model.esc == 1) {
            model.esc = c == '[' ? 2 : 0;
            model.n = 0;
        } else if (model.esc == 2 && c >= '0' && c <= '9') {
            model.n = model.n * 10 + (size_t)(c - '0');
        } else if (model.esc == 2) {
            model.esc = 0;
            size_t n = model.n ? model.n : 1;
            if (c == 'D')
                model.col = n > model.col ? 0 : model.col - n;
            else if (c == 'C')
                model.col += n;
            else if (c == 'K')
                model.width = model.col < model.width ? model.col : model.width;
        } else if (c == '\x1b') {
            model.esc = 1;
        } else if (c == '\b') {
            if (model.col > 0)
                model.col--;
        } else if (c == '\r') {
            model.col = 0;
        } else if (c == '\n') {
            model.width = 0;
        } else if (c >= 0x20 && c < 0x7f) {
            if (model.col < sizeof(model.row)) {
                model.row[model.col++] = c;
                if (model.col > model.width)
                    model.width = model.col;
            }
        }
    }
}

TEST(fuzz)
{
    static const char keys[][6] = {
        "a", "b", " ", "\x7f", "\b", "\x15", "\x01", "\x05", "\x0b", "\x03", "\x04",
        "\r", "\n", "\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D", "\x1b[H", "\x1b[F",
        "\x1b[3~", "\x1b[1~", "\x1b[4~", "\x1b", "[", "~", "\x10", "\x0e",
    };
    uint64_t seed = 0x11ed17;
    struct lineedit *le = fresh(40);
    le->write = model_write;
    memset(&model, 0, sizeof(model));
    int lines = 0, mismatches = 0;
    for (int round = 0; round < 100000; round++) {
        uint32_t r = fuzz_random(&seed);
        size_t nkeys = r % 8 + 1;
        for (size_t k = 0; k < nkeys; k++) {
            r = fuzz_random(&seed);
            enum le_event ev;
            if ((r & 15) == 0) {
                ev = lineedit_feed(le, (unsigned char)(r >> 8));
            } else {
                const char *key = keys[(r >> 8) % (sizeof(keys) / sizeof(keys[0]))];
                ev = type(le, key);
            }
            lines += ev == LE_LINE;
            CHECK(le->cursor <= le->len && le->len <= le->max_len);
            CHECK(lineedit_history_count(le) <= LE_HISTORY_MAX);
            bool idle = le->escape == LE_ESC_NONE && ev == LE_NONE && !le->finished;
            if (idle && (model.col != le->cursor || model.width != le->len ||
                         memcmp(model.row, le->line, le->len) != 0))
                mismatches++;
            if (ev != LE_NONE) {            /* the caller would start a new line */
                model.col = model.width = 0;
            }
        }
    }
    CHECK(lines > 1000);
    CHECK_EQ(mismatches, 0);
    lineedit_destroy(le);
}
