/*
 * The shell's command-line parser (parse.h). Two steps: the lexer turns
 * the text into tokens, doing quote removal and expansion as it goes
 * (each word is finished before the next starts, so expansion never sees
 * its own output); the parser checks the token sequence against the
 * grammar, then builds exactly sized arrays in the line's arena.
 */
#include "parse.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum token_kind {
    TOK_WORD,
    TOK_PIPE,
    TOK_AMP,
    TOK_AND_IF,         /* && */
    TOK_OR_IF,          /* || */
    TOK_SEMI,           /* ';' or a newline */
    TOK_REDIR,
    TOK_END,
};

struct token {
    enum token_kind kind;
    size_t offset;              /* in the input, for error messages */
    const char *text;           /* word: its value (arena); others: spelling */
    bool keep;                  /* word: quoted or literal, kept even if empty */
    enum sh_redir_kind redir;
    int fd;
};

/* A growable byte string for the word being built (malloc, not the arena:
 * only the finished word is copied there). */
struct builder {
    char *bytes;
    size_t len, cap;
};

struct lexer {
    const char *text;
    size_t pos;
    const struct sh_expand_env *env;
    struct sh_line *out;
    struct builder word;
    struct token *tokens;
    size_t ntokens, cap;
    enum sh_parse_status status;        /* first error, or SH_PARSE_OK */
};

/* ---- errors ---------------------------------------------------------- */

static void append_message(char *dst, size_t size, const char *part)
{
    size_t used = strlen(dst);
    size_t n = strlen(part);
    if (n > size - 1 - used)
        n = size - 1 - used;
    memcpy(dst + used, part, n);
    dst[used + n] = '\0';
}

/* Records the first error only: later ones are consequences of it. */
static void fail(struct lexer *lx, enum sh_parse_status status, size_t offset,
                 const char *a, const char *b, const char *c)
{
    if (lx->status != SH_PARSE_OK)
        return;
    lx->status = status;
    lx->out->error_offset = offset;
    lx->out->error[0] = '\0';
    append_message(lx->out->error, sizeof(lx->out->error), a);
    append_message(lx->out->error, sizeof(lx->out->error), b);
    append_message(lx->out->error, sizeof(lx->out->error), c);
}

static void fail_nomem(struct lexer *lx)
{
    fail(lx, SH_PARSE_NOMEM, lx->pos, "out of memory", "", "");
}

/* ---- lexer ----------------------------------------------------------- */

static void builder_put(struct lexer *lx, const char *bytes, size_t n)
{
    struct builder *b = &lx->word;
    if (lx->status != SH_PARSE_OK || n == 0)
        return;
    if (n > SIZE_MAX / 4 - b->len) {
        fail_nomem(lx);
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        char *grown = realloc(b->bytes, cap);
        if (grown == NULL) {
            fail_nomem(lx);
            return;
        }
        b->bytes = grown;
        b->cap = cap;
    }
    memcpy(b->bytes + b->len, bytes, n);
    b->len += n;
}

static void builder_putc(struct lexer *lx, char c)
{
    builder_put(lx, &c, 1);
}

static struct token *add_token(struct lexer *lx, enum token_kind kind, size_t offset)
{
    if (lx->ntokens == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 32;
        struct token *grown = cap > SIZE_MAX / sizeof(*grown) ? NULL
                              : realloc(lx->tokens, cap * sizeof(*grown));
        if (grown == NULL) {
            fail_nomem(lx);
            return NULL;
        }
        lx->tokens = grown;
        lx->cap = cap;
    }
    struct token *t = &lx->tokens[lx->ntokens++];
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    t->offset = offset;
    return t;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Characters that end an unquoted word. */
static bool is_word_end(char c)
{
    return c == '\0' || is_blank(c) || c == '\n' || strchr("|&;<>", c) != NULL;
}

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static void put_decimal(struct lexer *lx, int value)
{
    char digits[16];
    size_t n = 0;
    /* Work in unsigned so INT_MIN does not overflow. */
    unsigned magnitude = value < 0 ? 0u - (unsigned)value : (unsigned)value;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0)
        builder_putc(lx, '-');
    while (n > 0)
        builder_putc(lx, digits[--n]);
}

static const char *lookup(struct lexer *lx, const char *name, size_t len)
{
    if (lx->env == NULL || lx->env->lookup == NULL)
        return NULL;
    char *copy = sh_arena_strndup(&lx->out->arena, name, len);
    if (copy == NULL) {
        fail_nomem(lx);
        return NULL;
    }
    return lx->env->lookup(lx->env->ctx, copy);
}

static void put_variable(struct lexer *lx, const char *name, size_t len)
{
    const char *value = lookup(lx, name, len);
    if (value != NULL)
        builder_put(lx, value, strlen(value));
}

/* ${NAME} or ${?}; lx->pos is at the '{'. */
static void expand_braced(struct lexer *lx, size_t dollar)
{
    const char *s = lx->text + lx->pos + 1;
    size_t len = 0;
    while (s[len] != '\0' && s[len] != '}')
        len++;
    if (s[len] == '\0') {
        fail(lx, SH_PARSE_SYNTAX, dollar, "missing `}' after `${'", "", "");
        return;
    }
    bool is_status = len == 1 && s[0] == '?';
    bool is_name = len > 0 && is_name_start(s[0]);
    for (size_t i = 1; is_name && i < len; i++)
        is_name = is_name_char(s[i]);
    if (!is_status && !is_name) {
        fail(lx, SH_PARSE_SYNTAX, dollar, "bad substitution", "", "");
        return;
    }
    if (is_status)
        put_decimal(lx, lx->env ? lx->env->last_status : 0);
    else
        put_variable(lx, s, len);
    lx->pos += len + 2;
}

/* $?, $NAME, ${...}; anything else leaves the '$' as it is. lx->pos is at
 * the '$' and ends after what was expanded. */
static void expand_dollar(struct lexer *lx)
{
    size_t dollar = lx->pos;
    char next = lx->text[dollar + 1];
    if (next == '?') {
        put_decimal(lx, lx->env ? lx->env->last_status : 0);
        lx->pos += 2;
    } else if (next == '{') {
        lx->pos++;
        expand_braced(lx, dollar);
    } else if (is_name_start(next)) {
        size_t len = 1;
        while (is_name_char(lx->text[dollar + 1 + len]))
            len++;
        put_variable(lx, lx->text + dollar + 1, len);
        lx->pos += 1 + len;
    } else {
        builder_putc(lx, '$');
        lx->pos++;
    }
}

/* '...': everything literal up to the next quote. */
static void lex_single_quoted(struct lexer *lx)
{
    size_t open = lx->pos;
    const char *end = strchr(lx->text + open + 1, '\'');
    if (end == NULL) {
        fail(lx, SH_PARSE_INCOMPLETE, open, "unterminated single quote", "", "");
        lx->pos += strlen(lx->text + open);
        return;
    }
    builder_put(lx, lx->text + open + 1, (size_t)(end - (lx->text + open + 1)));
    lx->pos = (size_t)(end - lx->text) + 1;
}

/* "...": $ expands; backslash escapes only $ ` " \ and newline. */
static void lex_double_quoted(struct lexer *lx)
{
    size_t open = lx->pos++;
    while (lx->status == SH_PARSE_OK) {
        char c = lx->text[lx->pos];
        if (c == '\0') {
            fail(lx, SH_PARSE_INCOMPLETE, open, "unterminated double quote", "", "");
            return;
        }
        if (c == '"') {
            lx->pos++;
            return;
        }
        if (c == '$') {
            expand_dollar(lx);
            continue;
        }
        char next = lx->text[lx->pos + 1];
        if (c == '\\' && next == '\n') {
            lx->pos += 2;
        } else if (c == '\\' && next != '\0' && strchr("$`\"\\", next) != NULL) {
            builder_putc(lx, next);
            lx->pos += 2;
        } else {
            builder_putc(lx, c);
            lx->pos++;
        }
    }
}

/* ~ or ~/... at the start of a word: $HOME (left alone when unset). */
static bool expand_tilde(struct lexer *lx)
{
    char next = lx->text[lx->pos + 1];
    if (next != '/' && !is_word_end(next))
        return false;
    const char *home = lookup(lx, "HOME", 4);
    if (home == NULL)
        return false;
    builder_put(lx, home, strlen(home));
    lx->pos++;
    return true;
}

/* Returns whether the word has a quoted or literal part (see struct token). */
static bool lex_word_parts(struct lexer *lx)
{
    bool keep = false;
    size_t start = lx->pos;
    while (lx->status == SH_PARSE_OK && !is_word_end(lx->text[lx->pos])) {
        char c = lx->text[lx->pos];
        if (c == '~' && lx->pos == start && expand_tilde(lx)) {
            keep = true;
        } else if (c == '\'') {
            lex_single_quoted(lx);
            keep = true;
        } else if (c == '"') {
            lex_double_quoted(lx);
            keep = true;
        } else if (c == '$') {
            expand_dollar(lx);
        } else if (c == '\\') {
            char next = lx->text[lx->pos + 1];
            if (next == '\0') {
                fail(lx, SH_PARSE_INCOMPLETE, lx->pos, "unexpected end of line after `\\'", "", "");
                return keep;
            }
            if (next != '\n') {
                builder_putc(lx, next);
                keep = true;
            }
            lx->pos += 2;
        } else {
            builder_putc(lx, c);
            keep = true;
            lx->pos++;
        }
    }
    return keep;
}

static void lex_word(struct lexer *lx)
{
    size_t start = lx->pos;
    lx->word.len = 0;
    bool keep = lex_word_parts(lx);
    if (lx->status != SH_PARSE_OK)
        return;
    /* A lone "\<newline>" is no word at all. */
    if (!keep && lx->word.len == 0 && lx->text[start] == '\\')
        return;
    char *text = sh_arena_strndup(&lx->out->arena, lx->word.bytes ? lx->word.bytes : "",
                                  lx->word.len);
    struct token *t = text ? add_token(lx, TOK_WORD, start) : NULL;
    if (text == NULL)
        fail_nomem(lx);
    if (t != NULL) {
        t->text = text;
        t->keep = keep;
    }
}

/* <, >, >>, >&, <& with an optional one-digit descriptor before them. */
static void lex_redirect(struct lexer *lx)
{
    size_t start = lx->pos;
    const char *s = lx->text + start;
    int fd = -1;
    if (*s >= '0' && *s <= '9') {
        fd = *s - '0';
        s++;
    }
    enum sh_redir_kind kind;
    size_t oplen = 1;
    if (s[0] == '<') {
        kind = s[1] == '&' ? SH_REDIR_DUP : SH_REDIR_IN;
        oplen += s[1] == '&';
        if (fd < 0)
            fd = 0;
    } else if (s[1] == '>') {
        kind = SH_REDIR_APPEND;
        oplen = 2;
    } else {
        kind = s[1] == '&' ? SH_REDIR_DUP : SH_REDIR_OUT;
        oplen += s[1] == '&';
    }
    if (fd < 0)
        fd = 1;
    size_t total = (size_t)(s - (lx->text + start)) + oplen;
    char *spelling = sh_arena_strndup(&lx->out->arena, lx->text + start, total);
    struct token *t = spelling ? add_token(lx, TOK_REDIR, start) : NULL;
    if (spelling == NULL)
        fail_nomem(lx);
    if (t != NULL) {
        t->text = spelling;
        t->redir = kind;
        t->fd = fd;
    }
    lx->pos += total;
}

static void skip_comment(struct lexer *lx)
{
    while (lx->text[lx->pos] != '\0' && lx->text[lx->pos] != '\n')
        lx->pos++;
}

/* length: of the operator in the input ("newline" spells one byte, or none at the end) */
static void lex_operator(struct lexer *lx, enum token_kind kind, const char *spelling,
                         size_t length)
{
    struct token *t = add_token(lx, kind, lx->pos);
    if (t != NULL)
        t->text = spelling;
    lx->pos += length;
}

/* A newline separates commands like ';' but, as in sh, is only blank
 * where no command is in progress: first, after ';', '&', '|', '&&', '||'. */
static bool newline_ends_command(const struct lexer *lx)
{
    if (lx->ntokens == 0)
        return false;
    enum token_kind prev = lx->tokens[lx->ntokens - 1].kind;
    return prev == TOK_WORD || prev == TOK_REDIR;
}

static void lex_all(struct lexer *lx)
{
    while (lx->status == SH_PARSE_OK) {
        const char *s = lx->text + lx->pos;
        if (is_blank(*s)) {
            lx->pos++;
        } else if (*s == '#') {
            skip_comment(lx);
        } else if (*s == '\0') {
            lex_operator(lx, TOK_END, "newline", 0);
            return;
        } else if (*s == '|') {
            if (s[1] == '|')
                lex_operator(lx, TOK_OR_IF, "||", 2);
            else
                lex_operator(lx, TOK_PIPE, "|", 1);
        } else if (*s == '&') {
            if (s[1] == '&')
                lex_operator(lx, TOK_AND_IF, "&&", 2);
            else
                lex_operator(lx, TOK_AMP, "&", 1);
        } else if (*s == '\n' && !newline_ends_command(lx)) {
            lx->pos++;
        } else if (*s == ';' || *s == '\n') {
            lex_operator(lx, TOK_SEMI, *s == ';' ? ";" : "newline", 1);
        } else if (*s == '<' || *s == '>' ||
                   (*s >= '0' && *s <= '9' && (s[1] == '<' || s[1] == '>'))) {
            lex_redirect(lx);
        } else {
            lex_word(lx);
        }
    }
}

/* ---- grammar check --------------------------------------------------- */

struct cursor {
    struct lexer *lx;
    size_t at;
};

static const struct token *peek(const struct cursor *c)
{
    return &c->lx->tokens[c->at];
}

static void fail_near(struct cursor *c, const struct token *t)
{
    fail(c->lx, SH_PARSE_SYNTAX, t->offset, "syntax error near `", t->text, "'");
}

/* A redirect and its target; c->at is at the operator. */
static bool check_redirect(struct cursor *c)
{
    const struct token *op = peek(c);
    c->at++;
    const struct token *target = peek(c);
    if (target->kind == TOK_END) {
        fail(c->lx, SH_PARSE_SYNTAX, target->offset, "syntax error: missing file name after `",
             op->text, "'");
        return false;
    }
    if (target->kind != TOK_WORD) {
        fail_near(c, target);
        return false;
    }
    if (op->redir == SH_REDIR_DUP &&
        !(target->text[0] >= '0' && target->text[0] <= '9' && target->text[1] == '\0')) {
        fail(c->lx, SH_PARSE_SYNTAX, target->offset, "syntax error: `", op->text,
             "' needs a descriptor number (0-9)");
        return false;
    }
    if (op->redir != SH_REDIR_DUP && !target->keep && target->text[0] == '\0') {
        fail(c->lx, SH_PARSE_SYNTAX, target->offset, "ambiguous redirect after `", op->text,
             "': the file name expands to nothing");
        return false;
    }
    c->at++;
    return true;
}

static bool check_command(struct cursor *c, const struct token *after)
{
    size_t start = c->at;
    for (;;) {
        const struct token *t = peek(c);
        if (t->kind == TOK_WORD)
            c->at++;
        else if (t->kind == TOK_REDIR) {
            if (!check_redirect(c))
                return false;
        } else
            break;
    }
    if (c->at > start)
        return true;
    const struct token *t = peek(c);
    if (t->kind == TOK_END && after != NULL)
        fail(c->lx, SH_PARSE_INCOMPLETE, t->offset, "syntax error: nothing after `",
             after->text, "'");
    else
        fail_near(c, t);
    return false;
}

/* after: the '&&' or '||' before the job, if any. */
static bool check_job(struct cursor *c, const struct token *after)
{
    if (!check_command(c, after))
        return false;
    while (peek(c)->kind == TOK_PIPE) {
        const struct token *pipe = peek(c);
        c->at++;
        if (!check_command(c, pipe))
            return false;
    }
    return true;
}

static bool is_and_or(enum token_kind k)
{
    return k == TOK_AND_IF || k == TOK_OR_IF;
}

/* Returns the number of jobs, 0 on error. */
static int check_line(struct lexer *lx)
{
    struct cursor c = { lx, 0 };
    int njobs = 0;
    const struct token *joined_by = NULL;   /* '&&' or '||' before this job */
    bool in_and_or = false;
    while (peek(&c)->kind != TOK_END || joined_by != NULL) {
        if (!check_job(&c, joined_by))
            return 0;
        if (njobs == INT_MAX) {
            fail_nomem(lx);
            return 0;
        }
        njobs++;
        const struct token *sep = peek(&c);
        joined_by = NULL;
        if (is_and_or(sep->kind)) {
            joined_by = sep;
            in_and_or = true;
            c.at++;
            continue;
        }
        /* sh runs "a && b &" as one background unit: a subshell we lack */
        if (sep->kind == TOK_AMP && in_and_or) {
            fail(lx, SH_PARSE_SYNTAX, sep->offset,
                 "`&' after a `&&' or `||' list is not supported", "", "");
            return 0;
        }
        in_and_or = false;
        if (sep->kind == TOK_AMP || sep->kind == TOK_SEMI)
            c.at++;
    }
    return njobs;
}

/* ---- building -------------------------------------------------------- */

static bool is_job_end(enum token_kind k)
{
    return k == TOK_AMP || k == TOK_SEMI || k == TOK_END || is_and_or(k);
}

static bool is_command_end(enum token_kind k)
{
    return k == TOK_PIPE || is_job_end(k);
}

/* Tokens are known good here: counts cannot overflow an int before
 * memory runs out, since every word or redirect used at least a byte. */
static bool build_command(struct lexer *lx, size_t *at, struct sh_command *cmd)
{
    size_t words = 0, redirs = 0;
    for (size_t i = *at; !is_command_end(lx->tokens[i].kind); i++) {
        if (lx->tokens[i].kind == TOK_REDIR) {
            redirs++;
            i++;
        } else if (lx->tokens[i].keep || lx->tokens[i].text[0] != '\0') {
            words++;
        }
    }
    if (words >= SIZE_MAX / sizeof(char *) || words >= INT_MAX || redirs >= INT_MAX)
        return false;
    cmd->argv = sh_arena_alloc(&lx->out->arena, (words + 1) * sizeof(char *));
    cmd->redirs = sh_arena_alloc(&lx->out->arena, (redirs ? redirs : 1) * sizeof(struct sh_redir));
    if (cmd->argv == NULL || cmd->redirs == NULL)
        return false;
    for (; !is_command_end(lx->tokens[*at].kind); (*at)++) {
        const struct token *t = &lx->tokens[*at];
        if (t->kind == TOK_REDIR) {
            const struct token *target = &lx->tokens[++*at];
            struct sh_redir *r = &cmd->redirs[cmd->nredirs++];
            r->kind = t->redir;
            r->fd = t->fd;
            r->dup_fd = t->redir == SH_REDIR_DUP ? target->text[0] - '0' : -1;
            r->path = t->redir == SH_REDIR_DUP ? NULL : target->text;
        } else if (t->keep || t->text[0] != '\0') {
            cmd->argv[cmd->argc++] = (char *)t->text;
        }
    }
    cmd->argv[cmd->argc] = NULL;
    return true;
}

static enum sh_job_condition condition_before(const struct lexer *lx, size_t at)
{
    if (at > 0 && lx->tokens[at - 1].kind == TOK_AND_IF)
        return SH_RUN_IF_SUCCESS;
    if (at > 0 && lx->tokens[at - 1].kind == TOK_OR_IF)
        return SH_RUN_IF_FAILURE;
    return SH_RUN_ALWAYS;
}

static bool build_job(struct lexer *lx, size_t *at, struct sh_job *job)
{
    job->condition = condition_before(lx, *at);
    size_t ncommands = 1;
    for (size_t i = *at; !is_job_end(lx->tokens[i].kind); i++)
        ncommands += lx->tokens[i].kind == TOK_PIPE;
    if (ncommands >= INT_MAX)
        return false;
    job->commands = sh_arena_alloc(&lx->out->arena, ncommands * sizeof(struct sh_command));
    if (job->commands == NULL)
        return false;
    for (;;) {
        if (!build_command(lx, at, &job->commands[job->ncommands++]))
            return false;
        if (lx->tokens[*at].kind != TOK_PIPE)
            break;
        (*at)++;
    }
    job->background = lx->tokens[*at].kind == TOK_AMP;
    if (lx->tokens[*at].kind != TOK_END)
        (*at)++;
    return true;
}

static bool build_line(struct lexer *lx, int njobs)
{
    struct sh_line *out = lx->out;
    out->jobs = sh_arena_alloc(&out->arena, (size_t)njobs * sizeof(struct sh_job));
    if (out->jobs == NULL)
        return false;
    size_t at = 0;
    for (out->njobs = 0; out->njobs < njobs; out->njobs++)
        if (!build_job(lx, &at, &out->jobs[out->njobs]))
            return false;
    return true;
}

/* ---- entry points ---------------------------------------------------- */

enum sh_parse_status sh_parse(const char *text, const struct sh_expand_env *env,
                              struct sh_line *out)
{
    memset(out, 0, sizeof(*out));
    sh_arena_init(&out->arena);
    struct lexer lx = { .text = text ? text : "", .env = env, .out = out };
    lex_all(&lx);
    int njobs = lx.status == SH_PARSE_OK ? check_line(&lx) : 0;
    enum sh_parse_status status = lx.status;
    if (status == SH_PARSE_OK && njobs == 0)
        status = SH_PARSE_EMPTY;
    if (status == SH_PARSE_OK && !build_line(&lx, njobs)) {
        fail_nomem(&lx);
        status = SH_PARSE_NOMEM;
    }
    if (status != SH_PARSE_OK) {
        out->njobs = 0;
        out->jobs = NULL;
    }
    free(lx.word.bytes);
    free(lx.tokens);
    return status;
}

void sh_line_free(struct sh_line *line)
{
    sh_arena_free(&line->arena);
    line->njobs = 0;
    line->jobs = NULL;
}
