/*
 * What cp and mv share (header only): the target of each source ("cp a b",
 * "cp a b c dir/") and copying one regular file.
 */
#ifndef LAKE_BIN_COPY_H
#define LAKE_BIN_COPY_H

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "binfmt.h"
#include "binio.h"

#define BIN_COPY_PATH_MAX 4096

static inline bool bin_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Checks the operands argv[1..nargs] (sources, then the target) and says
 * whether the sources go into the target directory. Returns 0, 1 (an
 * error, reported) or 2 (a usage error, reported).
 */
static inline int bin_copy_operands(int nargs, char **argv, const char *usage, bool *into_dir)
{
    if (nargs == 0) {
        bin_error("missing file operand");
        return bin_usage(usage, NULL, 0);
    }
    if (nargs == 1) {
        bin_error("missing destination file operand after '%s'", argv[1]);
        return bin_usage(usage, NULL, 0);
    }
    *into_dir = bin_is_dir(argv[nargs]);
    if (nargs > 2 && !*into_dir) {
        bin_error("target '%s' is not a directory", argv[nargs]);
        return 1;
    }
    return 0;
}

/* Where src goes: target itself, or target/<last component of src>.
 * Returns buf, or NULL (reported) if the name is too long. */
static inline const char *bin_copy_dest(char *buf, const char *src, const char *target,
                                        bool into_dir)
{
    if (!into_dir)
        return target;
    size_t len;
    const char *last = bin_last_component(src, &len);
    if (bin_join(buf, BIN_COPY_PATH_MAX, target, last, len) < 0) {
        bin_error("cannot copy '%s' into '%s': %s", src, target, strerror(ENAMETOOLONG));
        return NULL;
    }
    return buf;
}

static inline bool bin_same_file(const struct stat *a, const char *path)
{
    struct stat b;
    return stat(path, &b) == 0 && a->st_ino == b.st_ino && a->st_dev == b.st_dev &&
           a->st_ino != 0;
}

/*
 * Copies the regular file src (st: its stat) to dest, created or
 * truncated with src's permission bits. Returns 0, or 1 after reporting
 * the error.
 */
static inline int bin_copy_file(const char *src, const struct stat *st, const char *dest)
{
    if (bin_same_file(st, dest)) {
        bin_error("'%s' and '%s' are the same file", src, dest);
        return 1;
    }
    int in = open(src, O_RDONLY);
    if (in < 0) {
        bin_error("cannot open '%s' for reading: %s", src, strerror(errno));
        return 1;
    }
    int out = open(dest, O_WRONLY | O_CREAT | O_TRUNC, (int)(st->st_mode & 0777));
    if (out < 0) {
        bin_error("cannot create regular file '%s': %s", dest, strerror(errno));
        close(in);
        return 1;
    }
    int status = 0;
    bool reading = false;
    if (bin_copy_fd(in, out, &reading) < 0) {
        bin_error("error %s '%s': %s", reading ? "reading" : "writing", reading ? src : dest,
                  strerror(errno));
        status = 1;
    }
    close(in);
    if (close(out) < 0 && status == 0) {
        bin_error("error writing '%s': %s", dest, strerror(errno));
        status = 1;
    }
    return status;
}

#endif
