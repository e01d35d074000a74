/*
 * The shell's line editor (lineedit.h). Every edit changes the buffer,
 * then repaints only what moved: the text from the cursor to the end of
 * the line, an erase to the end of the line when it got shorter, and a
 * cursor move back to where the cursor belongs.
 */
#include "lineedit.h"

#include <stdlib.h>
#include <string.h>

#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC     0x1b
#define KEY_DEL     0x7f
#define BELL        "\a"
#define ERASE_EOL   "\x1b[K"

/* ---- output ---------------------------------------------------------- */

static void emit(struct lineedit *le, const char *bytes, size_t n)
{
    if (n > 0 && le->write != NULL)
        le->write(le->ctx, bytes, n);
}

static void emit_str(struct lineedit *le, const char *s)
{
    emit(le, s, strlen(s));
}

/* ESC [ n D (left) or ESC [ n C (right); nothing for n == 0. */
static void emit_move(struct lineedit *le, char direction, size_t n)
{
    char seq[32];
    char digits[24];
    size_t nd = 0, len = 0;
    if (n == 0)
        return;
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    seq[len++] = KEY_ESC;
    seq[len++] = '[';
    while (nd > 0)
        seq[len++] = digits[--nd];
    seq[len++] = direction;
    emit(le, seq, len);
}

/* Repaints from the cursor to the end, then puts the cursor back. */
static void repaint_tail(struct lineedit *le, bool erase_rest)
{
    emit(le, le->line + le->cursor, le->len - le->cursor);
    if (erase_rest)
        emit_str(le, ERASE_EOL);
    emit_move(le, 'D', le->len - le->cursor);
}

/* ---- history --------------------------------------------------------- */

static char **history_slot(struct lineedit *le, size_t i)
{
    return &le->history[(le->history_first + i) % LE_HISTORY_MAX];
}

const char *lineedit_history_get(const struct lineedit *le, size_t i)
{
    if (i >= le->history_count)
        return NULL;
    return le->history[(le->history_first + i) % LE_HISTORY_MAX];
}

size_t lineedit_history_count(const struct lineedit *le)
{
    return le->history_count;
}

static bool is_blank_line(const char *line)
{
    for (; *line != '\0'; line++)
        if (*line != ' ' && *line != '\t')
            return false;
    return true;
}

bool lineedit_history_add(struct lineedit *le, const char *line)
{
    if (is_blank_line(line))
        return false;
    if (le->history_count > 0 && strcmp(*history_slot(le, le->history_count - 1), line) == 0)
        return false;
    size_t len = strlen(line);
    if (len > LE_LINE_MAX)
        len = LE_LINE_MAX;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, line, len);
    copy[len] = '\0';
    bool at_draft = le->browse == le->history_count;
    if (le->history_count == LE_HISTORY_MAX) {
        free(le->history[le->history_first]);
        le->history_first = (le->history_first + 1) % LE_HISTORY_MAX;
        le->history_count--;
        if (le->browse > 0)
            le->browse--;       /* still the same entry */
    }
    *history_slot(le, le->history_count++) = copy;
    if (at_draft)
        le->browse = le->history_count;
    return true;
}

/* ---- editing --------------------------------------------------------- */

static void beep(struct lineedit *le)
{
    emit_str(le, BELL);
}

static void start_line(struct lineedit *le)
{
    le->len = le->cursor = 0;
    le->line[0] = '\0';
    le->finished = false;
    le->browse = le->history_count;
}

static void insert_char(struct lineedit *le, char c)
{
    if (le->len >= le->max_len) {
        beep(le);
        return;
    }
    memmove(le->line + le->cursor + 1, le->line + le->cursor, le->len - le->cursor);
    le->line[le->cursor] = c;
    le->len++;
    emit(le, &c, 1);
    le->cursor++;
    if (le->cursor < le->len)
        repaint_tail(le, false);
}

/* Removes the character at the cursor and repaints what followed it. */
static void remove_at_cursor(struct lineedit *le)
{
    memmove(le->line + le->cursor, le->line + le->cursor + 1, le->len - le->cursor - 1);
    le->len--;
    repaint_tail(le, true);
}

static void backspace(struct lineedit *le)
{
    if (le->cursor == 0)
        return;
    le->cursor--;
    emit_str(le, "\b");
    remove_at_cursor(le);
}

static void delete_char(struct lineedit *le)
{
    if (le->cursor < le->len)
        remove_at_cursor(le);
}

static void move_left(struct lineedit *le)
{
    if (le->cursor > 0) {
        le->cursor--;
        emit_move(le, 'D', 1);
    }
}

static void move_right(struct lineedit *le)
{
    if (le->cursor < le->len) {
        le->cursor++;
        emit_move(le, 'C', 1);
    }
}

static void move_home(struct lineedit *le)
{
    emit_move(le, 'D', le->cursor);
    le->cursor = 0;
}

static void move_end(struct lineedit *le)
{
    emit_move(le, 'C', le->len - le->cursor);
    le->cursor = le->len;
}

static void kill_line(struct lineedit *le)
{
    move_home(le);
    if (le->len > 0)
        emit_str(le, ERASE_EOL);
    le->len = 0;
}

static void kill_to_end(struct lineedit *le)
{
    if (le->cursor < le->len)
        emit_str(le, ERASE_EOL);
    le->len = le->cursor;
}

/* Shows text instead of the current line, cursor at its end. */
static void replace_line(struct lineedit *le, const char *text, size_t len)
{
    if (len > le->max_len)
        len = le->max_len;
    move_home(le);
    memcpy(le->line, text, len);
    le->len = le->cursor = len;
    emit(le, le->line, len);
    emit_str(le, ERASE_EOL);
}

static void history_up(struct lineedit *le)
{
    if (le->browse == 0) {
        beep(le);
        return;
    }
    if (le->browse == le->history_count) {
        memcpy(le->draft, le->line, le->len);
        le->draft_len = le->len;
    }
    le->browse--;
    const char *entry = lineedit_history_get(le, le->browse);
    replace_line(le, entry, strlen(entry));
}

static void history_down(struct lineedit *le)
{
    if (le->browse >= le->history_count) {
        beep(le);
        return;
    }
    le->browse++;
    if (le->browse == le->history_count) {
        replace_line(le, le->draft, le->draft_len);
    } else {
        const char *entry = lineedit_history_get(le, le->browse);
        replace_line(le, entry, strlen(entry));
    }
}

static enum le_event finish_line(struct lineedit *le)
{
    emit_str(le, "\r\n");
    le->line[le->len] = '\0';
    lineedit_history_add(le, le->line);
    le->finished = true;
    return LE_LINE;
}

static enum le_event interrupt(struct lineedit *le)
{
    emit_str(le, "^C\r\n");
    start_line(le);
    return LE_INTERRUPT;
}

static enum le_event ctrl_d(struct lineedit *le)
{
    if (le->len == 0)
        return LE_EOF;
    delete_char(le);
    return LE_NONE;
}

/* ---- escape sequences ------------------------------------------------- */

static void begin_escape(struct lineedit *le)
{
    le->escape = LE_ESC_START;
    le->nparams = 0;
    le->params_overflow = false;
}

static bool params_are(const struct lineedit *le, const char *want)
{
    return !le->params_overflow && le->nparams == strlen(want) &&
           memcmp(le->params, want, le->nparams) == 0;
}

/* The keys sent as ESC [ ... final or ESC O final. Modifiers (";5") are
 * ignored: Ctrl-Left moves like Left. */
static void dispatch_key(struct lineedit *le, char final)
{
    switch (final) {
    case 'A': history_up(le); break;
    case 'B': history_down(le); break;
    case 'C': move_right(le); break;
    case 'D': move_left(le); break;
    case 'H': move_home(le); break;
    case 'F': move_end(le); break;
    case '~':
        if (params_are(le, "1") || params_are(le, "7"))
            move_home(le);
        else if (params_are(le, "4") || params_are(le, "8"))
            move_end(le);
        else if (params_are(le, "3"))
            delete_char(le);
        break;
    default:
        break;          /* a key we do not handle (F1, Insert, ...) */
    }
}

/* Returns false when the byte does not belong to the sequence, which is
 * then dropped and the byte handled as ordinary input. */
static bool feed_escape(struct lineedit *le, unsigned char byte)
{
    if (le->escape == LE_ESC_START) {
        le->escape = byte == '[' ? LE_ESC_CSI : byte == 'O' ? LE_ESC_SS3 : LE_ESC_NONE;
        return le->escape != LE_ESC_NONE;
    }
    if (le->escape == LE_ESC_CSI && byte >= 0x20 && byte <= 0x3f) {
        /* parameters (0x30-0x3f) kept, intermediates (0x20-0x2f) ignored */
        if (byte >= 0x30 && le->nparams < sizeof(le->params))
            le->params[le->nparams++] = (char)byte;
        else if (byte >= 0x30)
            le->params_overflow = true;
        return true;
    }
    le->escape = LE_ESC_NONE;
    if (byte < 0x40 || byte > 0x7e)
        return false;
    dispatch_key(le, (char)byte);
    return true;
}

/* ---- input ----------------------------------------------------------- */

static enum le_event feed_control(struct lineedit *le, unsigned char byte)
{
    switch (byte) {
    case '\r':
        le->after_cr = true;
        return finish_line(le);
    case '\n':
        return finish_line(le);
    case KEY_DEL:
    case '\b':          backspace(le); break;
    case KEY_CTRL('A'): move_home(le); break;
    case KEY_CTRL('E'): move_end(le); break;
    case KEY_CTRL('B'): move_left(le); break;
    case KEY_CTRL('F'): move_right(le); break;
    case KEY_CTRL('K'): kill_to_end(le); break;
    case KEY_CTRL('U'): kill_line(le); break;
    case KEY_CTRL('P'): history_up(le); break;
    case KEY_CTRL('N'): history_down(le); break;
    case KEY_CTRL('C'): return interrupt(le);
    case KEY_CTRL('D'): return ctrl_d(le);
    case KEY_ESC:       begin_escape(le); break;
    default:            beep(le); break;    /* Tab, other controls, non-ASCII */
    }
    return LE_NONE;
}

enum le_event lineedit_feed(struct lineedit *le, unsigned char byte)
{
    bool after_cr = le->after_cr;
    le->after_cr = false;
    if (after_cr && byte == '\n')
        return LE_NONE;             /* CR LF is one Enter */
    if (le->finished)
        start_line(le);
    if (le->escape != LE_ESC_NONE && feed_escape(le, byte))
        return LE_NONE;
    if (byte >= 0x20 && byte < 0x7f) {
        insert_char(le, (char)byte);
        return LE_NONE;
    }
    return feed_control(le, byte);
}

void lineedit_refresh(struct lineedit *le)
{
    if (le->finished)
        return;
    emit(le, le->line, le->len);
    emit_str(le, ERASE_EOL);
    emit_move(le, 'D', le->len - le->cursor);
}

const char *lineedit_line(const struct lineedit *le)
{
    return le->line;
}

void lineedit_init(struct lineedit *le, size_t max_len, le_write_fn write, void *ctx)
{
    memset(le, 0, sizeof(*le));
    le->write = write;
    le->ctx = ctx;
    le->max_len = max_len == 0 || max_len > LE_LINE_MAX ? LE_LINE_MAX : max_len;
    start_line(le);
}

void lineedit_destroy(struct lineedit *le)
{
    for (size_t i = 0; i < le->history_count; i++) {
        free(*history_slot(le, i));
        *history_slot(le, i) = NULL;
    }
    le->history_count = 0;
    start_line(le);
}
