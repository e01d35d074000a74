/*
 * ls [-a] [-l] [-1] [FILE]...: directory contents, one name per line,
 * sorted by name (byte order). -a shows names starting with '.', including
 * . and ..; -l shows type and permissions, link count, size, modification
 * time and name; -1 is accepted (one per line is the only layout). A file
 * operand lists the file itself; file operands come first, then each
 * directory under a "name:" header when there are several operands.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "../common/binfmt.h"
#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "ls [-al1] [FILE]..."
#define LS_PATH_MAX 4096

static bool opt_all, opt_long;

/* A growing array of names (owned copies). */
struct names {
    char **v;
    size_t n, cap;
};

static int names_add(struct names *s, const char *name)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    char *copy = strdup(name);
    if (copy == NULL)
        return -1;
    s->v[s->n++] = copy;
    return 0;
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static bool names_has(const struct names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return true;
    return false;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_sort(struct names *s)
{
    if (s->n > 1)
        qsort(s->v, s->n, sizeof(*s->v), compare_names);
}

static void entry_from_stat(struct bin_ls_entry *e, const struct stat *st, const char *name)
{
    e->mode = (unsigned)st->st_mode;
    e->nlink = (uint64_t)st->st_nlink;
    e->size = (uint64_t)st->st_size;
    e->mtime = (int64_t)st->st_mtime;
    e->name = name;
}

static void print_long(const struct bin_ls_entry *e, const struct bin_ls_widths *w)
{
    size_t size = strlen(e->name) + 128;
    char *line = malloc(size);
    if (line == NULL) {
        bin_error("%s", strerror(ENOMEM));
        return;
    }
    if (bin_ls_long(line, size, e, w) >= 0)
        bin_line(line);
    free(line);
}

/*
 * Prints names (relative to dir, or operands when dir is NULL), stat-ing
 * each for -l. Returns 0, or 1 if some could not be examined.
 */
static int print_names(const char *dir, const struct names *s)
{
    if (!opt_long) {
        for (size_t i = 0; i < s->n; i++)
            bin_line(s->v[i]);
        return 0;
    }
    int status = 0;
    struct stat *st = calloc(s->n ? s->n : 1, sizeof(*st));
    bool *ok = calloc(s->n ? s->n : 1, sizeof(*ok));
    if (st == NULL || ok == NULL) {
        bin_error("%s", strerror(ENOMEM));
        free(st);
        free(ok);
        return 1;
    }
    struct bin_ls_widths w = { 1, 1 };
    struct bin_ls_entry e;
    static char path[LS_PATH_MAX];
    for (size_t i = 0; i < s->n; i++) {
        const char *p = s->v[i];
        if (dir != NULL) {
            if (bin_join(path, sizeof(path), dir, p, strlen(p)) < 0) {
                bin_error("cannot access '%s/%s': %s", dir, p, strerror(ENAMETOOLONG));
                status = 1;
                continue;
            }
            p = path;
        }
        if (stat(p, &st[i]) < 0) {
            bin_error("cannot access '%s': %s", p, strerror(errno));
            status = 1;
            continue;
        }
        ok[i] = true;
        entry_from_stat(&e, &st[i], s->v[i]);
        bin_ls_widen(&w, &e);
    }
    for (size_t i = 0; i < s->n; i++) {
        if (!ok[i])
            continue;
        entry_from_stat(&e, &st[i], s->v[i]);
        print_long(&e, &w);
    }
    free(st);
    free(ok);
    return status;
}

/* Reads the names in a directory (filtered by -a) into s. */
static int read_dir(const char *path, struct names *s)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        bin_error("cannot open directory '%s': %s", path, strerror(errno));
        return 1;
    }
    int status = 0;
    struct dirent *ent;
    errno = 0;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.' && !opt_all)
            continue;
        if (names_add(s, ent->d_name) < 0) {
            bin_error("%s", strerror(ENOMEM));
            status = 1;
            break;
        }
        errno = 0;
    }
    if (ent == NULL && errno != 0) {
        bin_error("reading directory '%s': %s", path, strerror(errno));
        status = 1;
    }
    closedir(d);
    /* -a shows . and .. even if the file system does not list them. */
    if (opt_all && status == 0) {
        if (!names_has(s, ".") && names_add(s, ".") < 0)
            status = 1;
        if (!names_has(s, "..") && names_add(s, "..") < 0)
            status = 1;
    }
    return status;
}

static int list_dir(const char *path)
{
    struct names s = { 0 };
    int status = read_dir(path, &s);
    names_sort(&s);
    status |= print_names(path, &s);
    names_free(&s);
    return status;
}

int main(int argc, char **argv)
{
    bin_name = "ls";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "al1", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    opt_all = o.set['a'];
    opt_long = o.set['l'];
    if (o.nargs == 0)
        return bin_finish(list_dir("."));

    int status = 0;
    struct names files = { 0 }, dirs = { 0 };
    for (int i = 1; i <= o.nargs; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            bin_error("cannot access '%s': %s", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (names_add(S_ISDIR(st.st_mode) ? &dirs : &files, argv[i]) < 0) {
            bin_error("%s", strerror(ENOMEM));
            status = 1;
        }
    }
    names_sort(&files);
    names_sort(&dirs);
    status |= print_names(NULL, &files);
    bool headers = o.nargs > 1;
    for (size_t i = 0; i < dirs.n; i++) {
        if (files.n > 0 || i > 0)
            bin_out("\n", 1);
        if (headers) {
            bin_puts(dirs.v[i]);
            bin_out(":\n", 2);
        }
        status |= list_dir(dirs.v[i]);
    }
    names_free(&files);
    names_free(&dirs);
    return bin_finish(status);
}
