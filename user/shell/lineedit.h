/*
 * The shell's line editor: a state machine fed the terminal's input one
 * byte at a time. It writes what the terminal must show through a
 * callback (plain VT100 sequences, listed in docs/SHELL.md) and reports
 * when a line is finished, abandoned (Ctrl-C) or at end of file (Ctrl-D).
 * Pure C, no system calls: the shell puts the console in raw mode and
 * passes every byte read here (tests/unit/test_lineedit.c).
 *
 * The editor works in columns relative to where the line starts, so the
 * prompt is the caller's business; lines wider than the terminal are not
 * redrawn correctly (VT100 cursor moves do not cross rows).
 */
#ifndef LAKE_SHELL_LINEEDIT_H
#define LAKE_SHELL_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LE_LINE_MAX     1024    /* longest line, without the NUL */
#define LE_HISTORY_MAX  64      /* lines remembered; the oldest go first */

typedef void (*le_write_fn)(void *ctx, const char *bytes, size_t n);

enum le_event {
    LE_NONE,            /* keep feeding */
    LE_LINE,            /* Enter: lineedit_line() holds the line */
    LE_INTERRUPT,       /* Ctrl-C: the line was abandoned */
    LE_EOF,             /* Ctrl-D on an empty line */
};

enum le_escape_state { LE_ESC_NONE, LE_ESC_START, LE_ESC_CSI, LE_ESC_SS3 };

struct lineedit {
    le_write_fn write;
    void *ctx;
    size_t max_len;                     /* at most LE_LINE_MAX */
    char line[LE_LINE_MAX + 1];
    size_t len, cursor;                 /* cursor in [0, len] */
    bool finished;                      /* line delivered: the next byte starts anew */
    bool after_cr;                      /* a LF right after a CR is not a second Enter */
    /* escape sequence being read: ESC [ params final, or ESC O final */
    enum le_escape_state escape;
    char params[8];
    size_t nparams;
    bool params_overflow;
    /* history, oldest first in a ring; browse == history_count means the
     * draft: the line that was being typed before going up */
    char *history[LE_HISTORY_MAX];
    size_t history_first, history_count, browse;
    char draft[LE_LINE_MAX + 1];
    size_t draft_len;
};

/* max_len 0 or above LE_LINE_MAX means LE_LINE_MAX. */
void lineedit_init(struct lineedit *le, size_t max_len, le_write_fn write, void *ctx);
/* Frees the history. */
void lineedit_destroy(struct lineedit *le);

enum le_event lineedit_feed(struct lineedit *le, unsigned char byte);

/* Writes the line being edited again, cursor where it was: for after
 * the caller reprinted the prompt on a fresh row (say, a background job
 * wrote over it). Output: the line, ESC [ K, ESC [ n D. */
void lineedit_refresh(struct lineedit *le);

/* After LE_LINE, the line (no newline), valid until the next feed. */
const char *lineedit_line(const struct lineedit *le);

/* Adds a line as Enter does: not empty or blank, not the same as the
 * newest entry. Returns whether it was added. */
bool lineedit_history_add(struct lineedit *le, const char *line);
size_t lineedit_history_count(const struct lineedit *le);
/* Entry i, 0 the oldest; NULL out of range. */
const char *lineedit_history_get(const struct lineedit *le, size_t i);

#endif
