/*
 * The shell's command-line parser: one line of text in, a list of jobs
 * out (docs/SHELL.md, "Shell language"). Pure C, no system calls, so it
 * is tested on the host (tests/unit/test_shell_parse.c).
 *
 *   line     := [ list { ( ';' | '&' ) list } [ ';' | '&' ] ] [ '#' comment ]
 *   list     := job { ( '&&' | '||' ) job }      ('&' only after a lone job)
 *   job      := command { '|' command }          ('&' after it: background)
 *   command  := { word | redirect }+
 *   redirect := [digit] ( '<' | '>' | '>>' ) word  |  [digit] ( '>&' | '<&' ) digit
 *
 * Everything the result points to lives in one arena: sh_line_free
 * releases it all at once.
 */
#ifndef LAKE_SHELL_PARSE_H
#define LAKE_SHELL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

enum sh_redir_kind {
    SH_REDIR_IN,        /* [n]<  file   open for reading on fd n (default 0) */
    SH_REDIR_OUT,       /* [n]>  file   create or truncate, fd n (default 1) */
    SH_REDIR_APPEND,    /* [n]>> file   create or append, fd n (default 1) */
    SH_REDIR_DUP,       /* [n]>&m or [n]<&m: fd n becomes a copy of fd m */
};

struct sh_redir {
    enum sh_redir_kind kind;
    int fd;             /* the descriptor redirected */
    int dup_fd;         /* SH_REDIR_DUP only: the descriptor copied */
    const char *path;   /* the others: the file, after expansion */
};

struct sh_command {
    int argc;           /* 0 for a command of redirections only ("> f") */
    char **argv;        /* argc words then NULL */
    int nredirs;
    struct sh_redir *redirs;    /* in the order written, applied in order */
};

/* Whether a job runs depends on the status of the last job that ran
 * before it on the line ($? if none did): "a && b || c" is three jobs,
 * always, if-success, if-failure; a skipped job leaves the status alone. */
enum sh_job_condition {
    SH_RUN_ALWAYS,      /* first, or after ';', '&' or a newline */
    SH_RUN_IF_SUCCESS,  /* after '&&': the status was 0 */
    SH_RUN_IF_FAILURE,  /* after '||': the status was not 0 */
};

struct sh_job {
    int ncommands;      /* at least 1; more than 1 is a pipeline */
    struct sh_command *commands;
    bool background;    /* ended by '&' */
    enum sh_job_condition condition;
};

enum sh_parse_status {
    SH_PARSE_OK,            /* at least one job */
    SH_PARSE_EMPTY,         /* blank line or only a comment: nothing to run */
    SH_PARSE_SYNTAX,        /* bad grammar: error says where */
    SH_PARSE_INCOMPLETE,    /* ended inside a quote, after '\' or after '|' */
    SH_PARSE_NOMEM,
};

struct sh_line {
    int njobs;
    struct sh_job *jobs;        /* run in order */
    char error[96];             /* message when status is an error, else "" */
    size_t error_offset;        /* byte offset in the input of the error */
    struct sh_arena arena;      /* owns jobs and everything under them */
};

/*
 * What expansion sees. lookup returns the value of an environment
 * variable or NULL when it is unset (expands to nothing); it may be NULL.
 */
struct sh_expand_env {
    int last_status;                                    /* $? */
    const char *(*lookup)(void *ctx, const char *name); /* $NAME, ${NAME}, ~ */
    void *ctx;
};

/*
 * Parses the NUL-terminated text. On any status, free the result with
 * sh_line_free (a no-op for what holds nothing). env may be NULL.
 */
enum sh_parse_status sh_parse(const char *text, const struct sh_expand_env *env,
                              struct sh_line *out);
void sh_line_free(struct sh_line *line);

#endif
