/*
 * mkdir [-p] DIRECTORY...: creates directories. -p creates missing
 * parents too and is quiet about directories that already exist. No -m
 * (there are no permissions to set).
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "mkdir [-p] DIRECTORY..."

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir that succeeds on an existing directory (for -p). */
static int mkdir_existing_ok(const char *path)
{
    if (mkdir(path, 0777) == 0)
        return 0;
    if (errno == EEXIST && is_dir(path))
        return 0;
    if (errno == EEXIST)
        errno = ENOTDIR;
    return -1;
}

/* Creates every ancestor of path, then path itself. */
static int make_parents(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        bin_error("%s", strerror(ENOMEM));
        return 1;
    }
    for (char *p = copy + 1; *p != '\0'; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int r = mkdir_existing_ok(copy);
        int e = errno;
        *p = '/';
        if (r < 0) {
            *p = '\0';
            bin_error("cannot create directory '%s': %s", copy, strerror(e));
            free(copy);
            return 1;
        }
    }
    free(copy);
    if (mkdir_existing_ok(path) < 0) {
        bin_error("cannot create directory '%s': %s", path, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    bin_name = "mkdir";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "p", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs == 0) {
        bin_error("missing operand");
        return bin_usage(USAGE, NULL, 0);
    }
    int status = 0;
    for (int i = 1; i <= o.nargs; i++) {
        if (o.set['p']) {
            status |= make_parents(argv[i]);
        } else if (mkdir(argv[i], 0777) < 0) {
            bin_error("cannot create directory '%s': %s", argv[i], strerror(errno));
            status = 1;
        }
    }
    return bin_finish(status);
}
