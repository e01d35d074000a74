/*
 * Host tests of the shell's command-line parser (user/shell/parse.c):
 * words and quoting, expansion, pipelines, redirections, lists and
 * background jobs, every syntax error, and a fuzz test.
 */
#include <stdint.h>

#include "parse.h"
#include "unit.h"

static const char *test_lookup(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "HOME") == 0)
        return "/home/lake";
    if (strcmp(name, "USER") == 0)
        return "lake";
    if (strcmp(name, "EMPTY") == 0)
        return "";
    if (strcmp(name, "SPACED") == 0)
        return "a b";
    if (strcmp(name, "META") == 0)
        return "| ; $USER '";
    return NULL;
}

static const struct sh_expand_env test_env = { 42, test_lookup, NULL };

/* Parses text expecting success with a single job of a single command. */
static struct sh_command *one_command(struct sh_line *line, const char *text)
{
    enum sh_parse_status st = sh_parse(text, &test_env, line);
    CHECK_EQ(st, SH_PARSE_OK);
    if (st != SH_PARSE_OK || line->njobs != 1 || line->jobs[0].ncommands != 1) {
        printf("  parsing <%s>: status %d, %s\n", text, st, line->error);
        return NULL;
    }
    return &line->jobs[0].commands[0];
}

/* The words of text, joined by '|' so one string compares them all. */
static const char *words_of(const char *text)
{
    static char joined[512];
    struct sh_line line;
    struct sh_command *cmd = one_command(&line, text);
    joined[0] = '\0';
    for (int i = 0; cmd != NULL && i < cmd->argc; i++) {
        if (i > 0)
            strcat(joined, "|");
        strcat(joined, cmd->argv[i]);
    }
    if (cmd != NULL)
        CHECK(cmd->argv[cmd->argc] == NULL);
    sh_line_free(&line);
    return joined;
}

static enum sh_parse_status error_of(const char *text, char *message, size_t size)
{
    struct sh_line line;
    enum sh_parse_status st = sh_parse(text, &test_env, &line);
    strncpy(message, line.error, size - 1);
    message[size - 1] = '\0';
    CHECK(line.njobs == 0 && line.jobs == NULL);
    sh_line_free(&line);
    return st;
}

#define CHECK_ERROR(text, status, message) do {                                 \
    char _msg[128];                                                             \
    CHECK_EQ(error_of(text, _msg, sizeof(_msg)), status);                       \
    CHECK_STR(_msg, message);                                                   \
} while (0)

TEST(plain_words)
{
    CHECK_STR(words_of("echo hello world"), "echo|hello|world");
    CHECK_STR(words_of("   ls\t-l   /bin  "), "ls|-l|/bin");
    CHECK_STR(words_of("a"), "a");
    CHECK_STR(words_of("a#b c"), "a#b|c");     /* '#' inside a word is literal */
}

TEST(empty_lines)
{
    struct sh_line line;
    CHECK_EQ(sh_parse("", NULL, &line), SH_PARSE_EMPTY);
    sh_line_free(&line);
    CHECK_EQ(sh_parse("   \t ", NULL, &line), SH_PARSE_EMPTY);
    sh_line_free(&line);
    CHECK_EQ(sh_parse("# just a comment | ; >", NULL, &line), SH_PARSE_EMPTY);
    CHECK_STR(line.error, "");
    sh_line_free(&line);
    CHECK_EQ(sh_parse(NULL, NULL, &line), SH_PARSE_EMPTY);
    sh_line_free(&line);
}

TEST(comments)
{
    CHECK_STR(words_of("echo hi # there | wc"), "echo|hi");
    CHECK_STR(words_of("echo '#' \"#\" \\#x"), "echo|#|#|#x");
}

TEST(single_quotes)
{
    CHECK_STR(words_of("echo 'a  b' 'c|d;e>f' '$USER' '\\n'"), "echo|a  b|c|d;e>f|$USER|\\n");
    CHECK_STR(words_of("echo ''"), "echo|");
    CHECK_STR(words_of("echo x'y'z"), "echo|xyz");
}

TEST(double_quotes)
{
    CHECK_STR(words_of("echo \"a  b\" \"$USER-x\" \"\""), "echo|a  b|lake-x|");
    CHECK_STR(words_of("echo \"\\$USER \\\" \\\\ \\n\""), "echo|$USER \" \\ \\n");
    CHECK_STR(words_of("echo \"it's\" '\"q\"'"), "echo|it's|\"q\"");
    CHECK_STR(words_of("echo \"a|b;c&d<e>f#g\""), "echo|a|b;c&d<e>f#g");
}

TEST(backslash)
{
    CHECK_STR(words_of("echo a\\ b \\| \\; \\> \\$USER \\\\ \\'"), "echo|a b|||;|>|$USER|\\|'");
    CHECK_STR(words_of("echo ab\\\ncd"), "echo|abcd");    /* line continuation */
    CHECK_STR(words_of("echo \\\n x"), "echo|x");
}

TEST(status_expansion)
{
    CHECK_STR(words_of("echo $? \"$?\" '$?' x$?y ${?}"), "echo|42|42|$?|x42y|42");
    struct sh_expand_env env = { -7, NULL, NULL };
    struct sh_line line;
    CHECK_EQ(sh_parse("echo $?", &env, &line), SH_PARSE_OK);
    CHECK_STR(line.jobs[0].commands[0].argv[1], "-7");
    sh_line_free(&line);
    env.last_status = INT32_MIN;
    CHECK_EQ(sh_parse("echo $?", &env, &line), SH_PARSE_OK);
    CHECK_STR(line.jobs[0].commands[0].argv[1], "-2147483648");
    sh_line_free(&line);
    CHECK_EQ(sh_parse("echo $?", NULL, &line), SH_PARSE_OK);
    CHECK_STR(line.jobs[0].commands[0].argv[1], "0");
    sh_line_free(&line);
}

TEST(variable_expansion)
{
    CHECK_STR(words_of("echo $USER ${USER}s $USER_x $UNSET. a${HOME}b"), "echo|lake|lakes|.|a/home/lakeb");
    /* no field splitting, and the value is not parsed again */
    CHECK_STR(words_of("echo $SPACED $META"), "echo|a b|| ; $USER '");
    /* unquoted expansions to nothing vanish; quoted ones stay */
    CHECK_STR(words_of("echo $UNSET $EMPTY \"$UNSET\" x"), "echo||x");
    CHECK_STR(words_of("echo $ a$ $1 $-"), "echo|$|a$|$1|$-");
    /* no lookup function: everything unset */
    struct sh_line line;
    struct sh_expand_env env = { 0, NULL, NULL };
    CHECK_EQ(sh_parse("echo $USER x", &env, &line), SH_PARSE_OK);
    CHECK_EQ(line.jobs[0].commands[0].argc, 2);
    sh_line_free(&line);
}

TEST(tilde_expansion)
{
    CHECK_STR(words_of("cd ~ ~/bin a~ ~x '~' \\~"), "cd|/home/lake|/home/lake/bin|a~|~x|~|~");
    struct sh_line line;
    CHECK_EQ(sh_parse("cd ~", NULL, &line), SH_PARSE_OK);
    CHECK_STR(line.jobs[0].commands[0].argv[1], "~");
    sh_line_free(&line);
}

TEST(all_unset_command)
{
    struct sh_line line;
    struct sh_command *cmd = one_command(&line, "$UNSET $EMPTY");
    if (cmd != NULL) {
        CHECK_EQ(cmd->argc, 0);
        CHECK(cmd->argv[0] == NULL);
    }
    sh_line_free(&line);
}

TEST(pipelines)
{
    struct sh_line line;
    CHECK_EQ(sh_parse("cat f | grep x|wc -l | sort", &test_env, &line), SH_PARSE_OK);
    CHECK_EQ(line.njobs, 1);
    struct sh_job *job = &line.jobs[0];
    CHECK_EQ(job->ncommands, 4);
    CHECK(!job->background);
    CHECK_STR(job->commands[0].argv[0], "cat");
    CHECK_STR(job->commands[0].argv[1], "f");
    CHECK_STR(job->commands[1].argv[1], "x");
    CHECK_STR(job->commands[2].argv[1], "-l");
    CHECK_EQ(job->commands[3].argc, 1);
    sh_line_free(&line);
}

TEST(long_pipeline)
{
    /* no small fixed limit on stages or words */
    static char text[64 * 1024];
    text[0] = '\0';
    for (int i = 0; i < 2000; i++)
        strcat(text, i ? " | cmd a b c" : "cmd a b c");
    struct sh_line line;
    CHECK_EQ(sh_parse(text, NULL, &line), SH_PARSE_OK);
    CHECK_EQ(line.jobs[0].ncommands, 2000);
    CHECK_STR(line.jobs[0].commands[1999].argv[3], "c");
    sh_line_free(&line);
    text[0] = '\0';
    for (int i = 0; i < 5000; i++)
        strcat(text, "word ");
    CHECK_EQ(sh_parse(text, NULL, &line), SH_PARSE_OK);
    CHECK_EQ(line.jobs[0].commands[0].argc, 5000);
    sh_line_free(&line);
}

TEST(redirections)
{
    struct sh_line line;
    struct sh_command *cmd = one_command(&line, "sort <in >out 2>err x >>log 2>>elog");
    if (cmd != NULL) {
        CHECK_EQ(cmd->argc, 2);
        CHECK_STR(cmd->argv[1], "x");
        CHECK_EQ(cmd->nredirs, 5);
        CHECK_EQ(cmd->redirs[0].kind, SH_REDIR_IN);
        CHECK_EQ(cmd->redirs[0].fd, 0);
        CHECK_STR(cmd->redirs[0].path, "in");
        CHECK_EQ(cmd->redirs[1].kind, SH_REDIR_OUT);
        CHECK_EQ(cmd->redirs[1].fd, 1);
        CHECK_STR(cmd->redirs[1].path, "out");
        CHECK_EQ(cmd->redirs[2].kind, SH_REDIR_OUT);
        CHECK_EQ(cmd->redirs[2].fd, 2);
        CHECK_STR(cmd->redirs[2].path, "err");
        CHECK_EQ(cmd->redirs[3].kind, SH_REDIR_APPEND);
        CHECK_EQ(cmd->redirs[3].fd, 1);
        CHECK_EQ(cmd->redirs[4].kind, SH_REDIR_APPEND);
        CHECK_EQ(cmd->redirs[4].fd, 2);
        CHECK_STR(cmd->redirs[4].path, "elog");
    }
    sh_line_free(&line);
}

TEST(redirection_spacing_and_quoting)
{
    struct sh_line line;
    struct sh_command *cmd = one_command(&line, "echo a2>f 3< \"my file\" > $HOME/o");
    if (cmd != NULL) {
        CHECK_EQ(cmd->argc, 2);
        CHECK_STR(cmd->argv[1], "a2");          /* a digit only counts alone */
        CHECK_EQ(cmd->nredirs, 3);
        CHECK_EQ(cmd->redirs[0].fd, 1);
        CHECK_STR(cmd->redirs[0].path, "f");
        CHECK_EQ(cmd->redirs[1].kind, SH_REDIR_IN);
        CHECK_EQ(cmd->redirs[1].fd, 3);
        CHECK_STR(cmd->redirs[1].path, "my file");
        CHECK_STR(cmd->redirs[2].path, "/home/lake/o");
    }
    sh_line_free(&line);
    cmd = one_command(&line, "echo '2'>f \\2>g");
    if (cmd != NULL) {
        CHECK_EQ(cmd->argc, 3);
        CHECK_EQ(cmd->redirs[0].fd, 1);
        CHECK_EQ(cmd->redirs[1].fd, 1);
    }
    sh_line_free(&line);
}

TEST(redirection_only_command)
{
    struct sh_line line;
    struct sh_command *cmd = one_command(&line, "> new");
    if (cmd != NULL) {
        CHECK_EQ(cmd->argc, 0);
        CHECK(cmd->argv[0] == NULL);
        CHECK_EQ(cmd->nredirs, 1);
    }
    sh_line_free(&line);
}

TEST(dup_redirections)
{
    struct sh_line line;
    struct sh_command *cmd = one_command(&line, "cmd 2>&1 >&2 <&3 4>& 5");
    if (cmd != NULL) {
        CHECK_EQ(cmd->argc, 1);
        CHECK_EQ(cmd->nredirs, 4);
        CHECK_EQ(cmd->redirs[0].kind, SH_REDIR_DUP);
        CHECK_EQ(cmd->redirs[0].fd, 2);
        CHECK_EQ(cmd->redirs[0].dup_fd, 1);
        CHECK(cmd->redirs[0].path == NULL);
        CHECK_EQ(cmd->redirs[1].fd, 1);
        CHECK_EQ(cmd->redirs[1].dup_fd, 2);
        CHECK_EQ(cmd->redirs[2].fd, 0);
        CHECK_EQ(cmd->redirs[2].dup_fd, 3);
        CHECK_EQ(cmd->redirs[3].fd, 4);
        CHECK_EQ(cmd->redirs[3].dup_fd, 5);
    }
    sh_line_free(&line);
    CHECK_ERROR("cmd 2>&x", SH_PARSE_SYNTAX, "syntax error: `2>&' needs a descriptor number (0-9)");
    CHECK_ERROR("cmd >&12", SH_PARSE_SYNTAX, "syntax error: `>&' needs a descriptor number (0-9)");
}

TEST(lists_and_background)
{
    struct sh_line line;
    CHECK_EQ(sh_parse("sleep 5 & ls | wc; pwd ;echo a&", &test_env, &line), SH_PARSE_OK);
    CHECK_EQ(line.njobs, 4);
    CHECK(line.jobs[0].background);
    CHECK_STR(line.jobs[0].commands[0].argv[1], "5");
    CHECK(!line.jobs[1].background);
    CHECK_EQ(line.jobs[1].ncommands, 2);
    CHECK(!line.jobs[2].background);
    CHECK_STR(line.jobs[2].commands[0].argv[0], "pwd");
    CHECK(line.jobs[3].background);
    sh_line_free(&line);
    CHECK_EQ(sh_parse("a\nb", &test_env, &line), SH_PARSE_OK);   /* newline separates */
    CHECK_EQ(line.njobs, 2);
    sh_line_free(&line);
    CHECK_EQ(sh_parse("\na ;\n\nb |\n c\n", &test_env, &line), SH_PARSE_OK);
    CHECK_EQ(line.njobs, 2);
    CHECK_EQ(line.jobs[1].ncommands, 2);
    sh_line_free(&line);
    CHECK_EQ(sh_parse("a ;", &test_env, &line), SH_PARSE_OK);
    CHECK_EQ(line.njobs, 1);
    sh_line_free(&line);
}

TEST(and_or_lists)
{
    struct sh_line line;
    CHECK_EQ(sh_parse("a && b | c || d; e &&\n f ||\n\n g", &test_env, &line), SH_PARSE_OK);
    CHECK_EQ(line.njobs, 6);
    if (line.njobs != 6)
        return;
    CHECK_EQ(line.jobs[0].condition, SH_RUN_ALWAYS);
    CHECK_EQ(line.jobs[1].condition, SH_RUN_IF_SUCCESS);
    CHECK_EQ(line.jobs[1].ncommands, 2);
    CHECK_EQ(line.jobs[2].condition, SH_RUN_IF_FAILURE);
    CHECK_STR(line.jobs[2].commands[0].argv[0], "d");
    CHECK_EQ(line.jobs[3].condition, SH_RUN_ALWAYS);
    CHECK_EQ(line.jobs[4].condition, SH_RUN_IF_SUCCESS);
    CHECK_EQ(line.jobs[5].condition, SH_RUN_IF_FAILURE);
    CHECK_STR(line.jobs[5].commands[0].argv[0], "g");
    for (int i = 0; i < line.njobs; i++)
        CHECK(!line.jobs[i].background);
    sh_line_free(&line);
    CHECK_EQ(sh_parse("a & b && c", &test_env, &line), SH_PARSE_OK);
    CHECK(line.jobs[0].background);
    CHECK_EQ(line.jobs[1].condition, SH_RUN_ALWAYS);
    CHECK_EQ(line.jobs[2].condition, SH_RUN_IF_SUCCESS);
    sh_line_free(&line);
    CHECK_STR(words_of("echo '&&' \\|\\|"), "echo|&&|||");
    CHECK_ERROR("a && b\n|| c", SH_PARSE_SYNTAX, "syntax error near `||'");
    CHECK_ERROR("a && b &", SH_PARSE_SYNTAX, "`&' after a `&&' or `||' list is not supported");
    CHECK_ERROR("a || b & c", SH_PARSE_SYNTAX, "`&' after a `&&' or `||' list is not supported");
}

TEST(syntax_errors)
{
    CHECK_ERROR("| ls", SH_PARSE_SYNTAX, "syntax error near `|'");
    CHECK_ERROR("ls ||| wc", SH_PARSE_SYNTAX, "syntax error near `|'");
    CHECK_ERROR("|| wc", SH_PARSE_SYNTAX, "syntax error near `||'");
    CHECK_ERROR("a && && b", SH_PARSE_SYNTAX, "syntax error near `&&'");
    CHECK_ERROR("a && ; b", SH_PARSE_SYNTAX, "syntax error near `;'");
    CHECK_ERROR("a | && b", SH_PARSE_SYNTAX, "syntax error near `&&'");
    CHECK_ERROR("ls | ; wc", SH_PARSE_SYNTAX, "syntax error near `;'");
    CHECK_ERROR("; ls", SH_PARSE_SYNTAX, "syntax error near `;'");
    CHECK_ERROR("ls ;; pwd", SH_PARSE_SYNTAX, "syntax error near `;'");
    CHECK_ERROR("&", SH_PARSE_SYNTAX, "syntax error near `&'");
    CHECK_ERROR("ls &&& pwd", SH_PARSE_SYNTAX, "syntax error near `&'");
    CHECK_ERROR("ls & ; pwd", SH_PARSE_SYNTAX, "syntax error near `;'");
    CHECK_ERROR("ls | &", SH_PARSE_SYNTAX, "syntax error near `&'");
    CHECK_ERROR("echo > | wc", SH_PARSE_SYNTAX, "syntax error near `|'");
    CHECK_ERROR("echo > > f", SH_PARSE_SYNTAX, "syntax error near `>'");
    CHECK_ERROR("echo >> ;", SH_PARSE_SYNTAX, "syntax error near `;'");
    CHECK_ERROR("\n|", SH_PARSE_SYNTAX, "syntax error near `|'");
    CHECK_ERROR("a\n;", SH_PARSE_SYNTAX, "syntax error near `;'");
    CHECK_ERROR("echo >\nf", SH_PARSE_SYNTAX, "syntax error near `newline'");
}

TEST(missing_redirect_target)
{
    CHECK_ERROR("echo hi >", SH_PARSE_SYNTAX, "syntax error: missing file name after `>'");
    CHECK_ERROR("cat <", SH_PARSE_SYNTAX, "syntax error: missing file name after `<'");
    CHECK_ERROR("x 2>>  # c", SH_PARSE_SYNTAX, "syntax error: missing file name after `2>>'");
    CHECK_ERROR("x 2>&", SH_PARSE_SYNTAX, "syntax error: missing file name after `2>&'");
    CHECK_ERROR("echo > $UNSET", SH_PARSE_SYNTAX,
                "ambiguous redirect after `>': the file name expands to nothing");
    /* a quoted empty name is a name (opening it fails later, as in sh) */
    struct sh_line line;
    struct sh_command *cmd = one_command(&line, "echo > \"\"");
    if (cmd != NULL)
        CHECK_STR(cmd->redirs[0].path, "");
    sh_line_free(&line);
}

TEST(incomplete_input)
{
    CHECK_ERROR("echo 'abc", SH_PARSE_INCOMPLETE, "unterminated single quote");
    CHECK_ERROR("echo \"abc", SH_PARSE_INCOMPLETE, "unterminated double quote");
    CHECK_ERROR("echo \"a\\\"", SH_PARSE_INCOMPLETE, "unterminated double quote");
    CHECK_ERROR("echo abc\\", SH_PARSE_INCOMPLETE, "unexpected end of line after `\\'");
    CHECK_ERROR("ls |", SH_PARSE_INCOMPLETE, "syntax error: nothing after `|'");
    CHECK_ERROR("ls | wc |  # more", SH_PARSE_INCOMPLETE, "syntax error: nothing after `|'");
    CHECK_ERROR("make &&", SH_PARSE_INCOMPLETE, "syntax error: nothing after `&&'");
    CHECK_ERROR("a || b ||", SH_PARSE_INCOMPLETE, "syntax error: nothing after `||'");
    CHECK_ERROR("echo ${USER", SH_PARSE_SYNTAX, "missing `}' after `${'");
    CHECK_ERROR("echo ${}", SH_PARSE_SYNTAX, "bad substitution");
    CHECK_ERROR("echo \"${a-b}\"", SH_PARSE_SYNTAX, "bad substitution");
}

TEST(error_offsets)
{
    struct sh_line line;
    CHECK_EQ(sh_parse("echo a | | b", NULL, &line), SH_PARSE_SYNTAX);
    CHECK_EQ(line.error_offset, 9);
    sh_line_free(&line);
    CHECK_EQ(sh_parse("echo 'x", NULL, &line), SH_PARSE_INCOMPLETE);
    CHECK_EQ(line.error_offset, 5);
    sh_line_free(&line);
}

TEST(free_is_idempotent)
{
    struct sh_line line;
    CHECK_EQ(sh_parse("a | b > c", NULL, &line), SH_PARSE_OK);
    sh_line_free(&line);
    sh_line_free(&line);
    CHECK_EQ(line.njobs, 0);
}

TEST(arena)
{
    struct sh_arena a;
    sh_arena_init(&a);
    char *small = sh_arena_alloc(&a, 3);
    CHECK(small != NULL && small[0] == 0 && small[2] == 0);
    CHECK_EQ((uintptr_t)small % _Alignof(max_align_t), 0);
    char *big = sh_arena_alloc(&a, 100000);       /* bigger than a chunk */
    CHECK(big != NULL && big[99999] == 0);
    char *s = sh_arena_strndup(&a, "hello", 4);
    CHECK_STR(s, "hell");
    CHECK(sh_arena_alloc(&a, SIZE_MAX - 8) == NULL);
    sh_arena_free(&a);
    CHECK(a.chunks == NULL);
}

/* Every successful result must be well formed. */
static void check_shape(const struct sh_line *line)
{
    CHECK(line->njobs > 0);
    for (int j = 0; j < line->njobs; j++) {
        const struct sh_job *job = &line->jobs[j];
        CHECK(job->ncommands > 0);
        for (int c = 0; c < job->ncommands; c++) {
            const struct sh_command *cmd = &job->commands[c];
            CHECK(cmd->argv[cmd->argc] == NULL);
            for (int i = 0; i < cmd->argc; i++)
                CHECK(cmd->argv[i] != NULL);
            for (int r = 0; r < cmd->nredirs; r++)
                CHECK(cmd->redirs[r].kind == SH_REDIR_DUP ? cmd->redirs[r].path == NULL
                                                          : cmd->redirs[r].path != NULL);
        }
    }
}

static uint32_t fuzz_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

TEST(fuzz)
{
    /* Mostly the characters the grammar cares about, some of any byte. */
    static const char alphabet[] = "||&&;;<<>>>''\"\"\\\\$$?{}#~ \t\n12aZ_";
    uint64_t seed = 0x5eed;
    char text[80];
    int ok = 0, errors = 0;
    for (int round = 0; round < 100000; round++) {
        size_t len = fuzz_random(&seed) % (sizeof(text) - 1);
        for (size_t i = 0; i < len; i++) {
            uint32_t r = fuzz_random(&seed);
            text[i] = (r & 7) == 0 ? (char)((r >> 8) % 255 + 1)
                                   : alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
        }
        text[len] = '\0';
        struct sh_line line;
        enum sh_parse_status st = sh_parse(text, &test_env, &line);
        if (st == SH_PARSE_OK) {
            check_shape(&line);
            ok++;
        } else if (st == SH_PARSE_SYNTAX || st == SH_PARSE_INCOMPLETE) {
            CHECK(line.error[0] != '\0');
            CHECK(line.error_offset <= len);
            errors++;
        } else {
            CHECK_EQ(st, SH_PARSE_EMPTY);
        }
        sh_line_free(&line);
    }
    CHECK(ok > 1000);
    CHECK(errors > 1000);
}
