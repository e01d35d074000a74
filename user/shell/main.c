/*
 * sh, the LakeOS shell (docs/SHELL.md): reads a line with the line editor
 * (the console in raw mode while the line is edited), parses it
 * (parse.c) and runs its jobs: built-ins in the shell, programs from /bin
 * as processes started by init, pipelines over pipes, redirections over
 * files, background jobs with '&'. Ctrl-C while a foreground job runs
 * ends that job (init does it); at the prompt it abandons the line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lake/sys.h>

#include "lineedit.h"
#include "parse.h"

#define MAX_PIPELINE    16
#define MAX_BACKGROUND  16

extern char **environ;

static struct lineedit editor;
static int last_status;
static bool interactive;

static struct {
    pid_t pid;
    int number;
    char command[64];
} background[MAX_BACKGROUND];
static int next_job_number = 1;

/* ---- output ------------------------------------------------------------------------- */

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, s, n);
        if (k <= 0)
            return;
        s += k;
        n -= (size_t)k;
    }
}

static void editor_write(void *ctx, const char *bytes, size_t n)
{
    (void)ctx;
    write_all(1, bytes, n);
}

static void prompt(void)
{
    char cwd[256];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        strcpy(cwd, "?");
    printf("lake:%s$ ", cwd);
    fflush(stdout);
}

/* ---- reading a line ------------------------------------------------------------------- */

enum read_result { READ_LINE, READ_INTERRUPT, READ_EOF };

static enum read_result read_interactive(char *line, size_t size)
{
    lake_tty_raw(true);
    enum le_event event = LE_NONE;
    while (event == LE_NONE) {
        unsigned char buf[64];
        ssize_t n = read(0, buf, sizeof(buf));
        if (n <= 0) {
            event = LE_EOF;
            break;
        }
        for (ssize_t i = 0; i < n && event == LE_NONE; i++)
            event = lineedit_feed(&editor, buf[i]);
    }
    lake_tty_raw(false);
    if (event == LE_LINE) {
        snprintf(line, size, "%s", lineedit_line(&editor));
        return READ_LINE;
    }
    return event == LE_INTERRUPT ? READ_INTERRUPT : READ_EOF;
}

static enum read_result read_script(char *line, size_t size)
{
    if (fgets(line, (int)size, stdin) == NULL)
        return READ_EOF;
    line[strcspn(line, "\n")] = '\0';
    return READ_LINE;
}

/* ---- built-ins ------------------------------------------------------------------------ */

static int builtin_cd(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("HOME");
    if (dir == NULL)
        dir = "/";
    if (chdir(dir) != 0) {
        fprintf(stderr, "cd: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    return 0;
}

static int builtin_pwd(int argc, char **argv)
{
    (void)argc, (void)argv;
    char cwd[512];
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        fprintf(stderr, "pwd: %s\n", strerror(errno));
        return 1;
    }
    printf("%s\n", cwd);
    return 0;
}

static int builtin_help(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("LakeOS shell. Built-ins: cd [dir], pwd, exit [status], help.\n"
           "Programs in /bin: echo ls cat mkdir rmdir rm touch cp mv wc ps kill free uptime\n"
           "sleep shutdown; crash and waitint show fault containment and Ctrl-C handling.\n"
           "Pipes (a | b | c), redirections (<, >, >>), background jobs (&),\n"
           "lists (;, &&, ||), $? and $NAME, quotes. Up/down: history; Ctrl-C: stop the job.\n");
    return 0;
}

static int builtin_exit(int argc, char **argv)
{
    fflush(stdout);
    exit(argc > 1 ? atoi(argv[1]) : last_status);
}

struct builtin {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct builtin builtins[] = {
    { "cd", builtin_cd }, { "pwd", builtin_pwd }, { "help", builtin_help },
    { "exit", builtin_exit },
};

static const struct builtin *find_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

/* ---- running programs ----------------------------------------------------------------- */

/* The program for a command name: a path as given, else /bin/<name>. */
static bool find_program(const char *name, char *path, size_t size)
{
    struct stat st;
    if (strchr(name, '/') != NULL)
        snprintf(path, size, "%s", name);
    else
        snprintf(path, size, "/bin/%s", name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Open the files of a command's redirections into fds[0..2]; opened[]
 * collects what the shell must close after the spawn. */
static int apply_redirections(const struct sh_command *c, int fds[3], int *opened, int *nopened)
{
    for (int i = 0; i < c->nredirs; i++) {
        const struct sh_redir *r = &c->redirs[i];
        if (r->fd < 0 || r->fd > 2) {
            fprintf(stderr, "sh: descriptor %d: only 0, 1 and 2 can be redirected\n", r->fd);
            return -1;
        }
        if (r->kind == SH_REDIR_DUP) {
            if (r->dup_fd < 0 || r->dup_fd > 2) {
                fprintf(stderr, "sh: %d: bad file descriptor\n", r->dup_fd);
                return -1;
            }
            fds[r->fd] = fds[r->dup_fd];
            continue;
        }
        int flags = r->kind == SH_REDIR_IN ? O_RDONLY
                  : r->kind == SH_REDIR_OUT ? O_WRONLY | O_CREAT | O_TRUNC
                  : O_WRONLY | O_CREAT | O_APPEND;
        int fd = open(r->path, flags, 0644);
        if (fd < 0) {
            fprintf(stderr, "sh: %s: %s\n", r->path, strerror(errno));
            return -1;
        }
        opened[(*nopened)++] = fd;
        fds[r->fd] = fd;
    }
    return 0;
}

static int status_of(int raw)
{
    return raw & 0xff;
}

/* A job's text for "[1] Done" lines. */
static void job_text(const struct sh_job *job, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < job->ncommands; i++) {
        const struct sh_command *c = &job->commands[i];
        for (int k = 0; k < c->argc; k++) {
            size_t used = strlen(buf);
            snprintf(buf + used, size - used, "%s%s", used ? " " : "", c->argv[k]);
        }
        if (i + 1 < job->ncommands) {
            size_t used = strlen(buf);
            snprintf(buf + used, size - used, " |");
        }
    }
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

static int run_builtin(const struct builtin *b, const struct sh_command *c)
{
    /* Output redirections of a built-in: point 1 (and 2) there meanwhile. */
    int fds[3] = { 0, 1, 2 }, opened[16], nopened = 0;
    if (c->nredirs > 16 || apply_redirections(c, fds, opened, &nopened) != 0) {
        close_all(opened, nopened);
        return 1;
    }
    fflush(stdout);
    int saved[3] = { -1, -1, -1 };
    for (int i = 1; i < 3; i++) {
        if (fds[i] != i) {
            saved[i] = dup(i);
            dup2(fds[i], i);
        }
    }
    int status = b->run(c->argc, c->argv);
    fflush(stdout);
    for (int i = 1; i < 3; i++) {
        if (saved[i] >= 0) {
            dup2(saved[i], i);
            close(saved[i]);
        }
    }
    close_all(opened, nopened);
    return status;
}

static int run_job(const struct sh_job *job)
{
    int n = job->ncommands;
    if (n > MAX_PIPELINE) {
        fprintf(stderr, "sh: a pipeline has at most %d commands\n", MAX_PIPELINE);
        return 2;
    }
    if (n == 1 && job->commands[0].argc > 0 && !job->background) {
        const struct builtin *b = find_builtin(job->commands[0].argv[0]);
        if (b != NULL)
            return run_builtin(b, &job->commands[0]);
    }
    int pipes[MAX_PIPELINE][2];
    for (int i = 0; i + 1 < n; i++) {
        if (pipe(pipes[i]) != 0) {
            fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
            for (int k = 0; k < i; k++)
                close_all(pipes[k], 2);
            return 1;
        }
    }
    pid_t pids[MAX_PIPELINE];
    int started = 0, status = 0;
    for (int i = 0; i < n; i++) {
        const struct sh_command *c = &job->commands[i];
        int fds[3] = { i == 0 ? 0 : pipes[i - 1][0], i == n - 1 ? 1 : pipes[i][1], 2 };
        int opened[16], nopened = 0;
        char path[256];
        if (c->nredirs > 16 || apply_redirections(c, fds, opened, &nopened) != 0) {
            status = 1;
        } else if (c->argc == 0) {
            status = 0;         /* "> file" alone creates the file */
        } else if (find_builtin(c->argv[0]) != NULL) {
            fprintf(stderr, "sh: %s: a built-in cannot run in a pipeline or the background\n",
                    c->argv[0]);
            status = 1;
        } else if (!find_program(c->argv[0], path, sizeof(path))) {
            fprintf(stderr, "%s: command not found\n", c->argv[0]);
            status = 127;
        } else {
            pid_t pid = lake_spawnv(path, c->argv, NULL, fds,
                                    job->background ? 0 : LAKE_SPAWN_FOREGROUND);
            if (pid < 0) {
                fprintf(stderr, "sh: %s: %s\n", c->argv[0], strerror(errno));
                status = 126;
            } else {
                pids[started++] = pid;
            }
        }
        close_all(opened, nopened);
    }
    for (int i = 0; i + 1 < n; i++)
        close_all(pipes[i], 2);
    if (job->background) {
        for (int i = 0; i < started; i++) {
            for (int k = 0; k < MAX_BACKGROUND; k++) {
                if (background[k].pid == 0) {
                    background[k].pid = pids[i];
                    background[k].number = next_job_number;
                    job_text(job, background[k].command, sizeof(background[k].command));
                    break;
                }
            }
        }
        if (started)
            printf("[%d] %d\n", next_job_number++, (int)pids[started - 1]);
        return 0;
    }
    for (int i = 0; i < started; i++) {
        int raw = 0;
        if (lake_waitpid(pids[i], &raw, 0) == pids[i] && i == started - 1)
            status = status_of(raw);
    }
    if (started && status == 130)
        printf("\n");
    return status;
}

/* Report background jobs that have ended. */
static void reap_background(void)
{
    for (int k = 0; k < MAX_BACKGROUND; k++) {
        if (background[k].pid == 0)
            continue;
        int raw;
        pid_t pid = lake_waitpid(background[k].pid, &raw, LAKE_WAIT_NOHANG);
        if (pid == background[k].pid || (pid < 0 && errno == ECHILD)) {
            printf("[%d] Done (%d)  %s\n", background[k].number, pid > 0 ? status_of(raw) : 0,
                   background[k].command);
            background[k].pid = 0;
        }
    }
}

static const char *lookup_variable(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

static void run_line(const char *text)
{
    struct sh_expand_env env = { .last_status = last_status, .lookup = lookup_variable };
    struct sh_line line;
    enum sh_parse_status parsed = sh_parse(text, &env, &line);
    if (parsed == SH_PARSE_SYNTAX || parsed == SH_PARSE_INCOMPLETE) {
        fprintf(stderr, "sh: %s\n", line.error[0] ? line.error : "syntax error");
        last_status = 2;
    } else if (parsed == SH_PARSE_NOMEM) {
        fprintf(stderr, "sh: out of memory\n");
        last_status = 1;
    } else if (parsed == SH_PARSE_OK) {
        int njobs = line.njobs;
        for (int i = 0; i < njobs; i++) {
            /* $? means the status of the job before: parse again with it
             * (the structure of the line does not depend on expansions). */
            if (i > 0) {
                sh_line_free(&line);
                env.last_status = last_status;
                if (sh_parse(text, &env, &line) != SH_PARSE_OK || line.njobs != njobs)
                    return;
            }
            const struct sh_job *job = &line.jobs[i];
            if ((job->condition == SH_RUN_IF_SUCCESS && last_status != 0) ||
                (job->condition == SH_RUN_IF_FAILURE && last_status == 0))
                continue;
            last_status = run_job(job);
        }
    }
    sh_line_free(&line);
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    interactive = isatty(0);
    if (getenv("HOME") == NULL)
        setenv("HOME", "/", 1);
    lineedit_init(&editor, LE_LINE_MAX, editor_write, NULL);
    static char line[LE_LINE_MAX + 1];
    for (;;) {
        reap_background();
        if (interactive)
            prompt();
        enum read_result r = interactive ? read_interactive(line, sizeof(line))
                                         : read_script(line, sizeof(line));
        if (r == READ_EOF)
            break;
        if (r == READ_INTERRUPT) {
            last_status = 130;
            continue;
        }
        if (interactive && line[0] != '\0')
            lineedit_history_add(&editor, line);
        run_line(line);
        fflush(stdout);
    }
    if (interactive)
        printf("exit\n");
    return last_status;
}
