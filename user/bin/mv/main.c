/*
 * mv SOURCE DEST, mv SOURCE... DIRECTORY: renames files and directories.
 * Between file systems (EXDEV) a regular file is copied and the original
 * removed; a directory cannot be moved there. No options.
 */
#include <stdio.h>

#include "../common/bincopy.h"
#include "../common/binopt.h"

#define USAGE "mv SOURCE DEST | mv SOURCE... DIRECTORY"

/* A regular file to another file system: copy, then remove the source. */
static int move_by_copy(const char *src, const struct stat *st, const char *dest)
{
    if (bin_copy_file(src, st, dest) != 0)
        return 1;
    if (unlink(src) < 0) {
        bin_error("cannot remove '%s': %s", src, strerror(errno));
        return 1;
    }
    return 0;
}

static int move_one(const char *src, const char *target, bool into_dir)
{
    static char buf[BIN_COPY_PATH_MAX];
    struct stat st;
    if (stat(src, &st) < 0) {
        bin_error("cannot stat '%s': %s", src, strerror(errno));
        return 1;
    }
    const char *dest = bin_copy_dest(buf, src, target, into_dir);
    if (dest == NULL)
        return 1;
    if (rename(src, dest) == 0)
        return 0;
    if (errno == EXDEV && S_ISREG(st.st_mode))
        return move_by_copy(src, &st, dest);
    bin_error("cannot move '%s' to '%s': %s", src, dest, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    bin_name = "mv";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    bool into_dir = false;
    int status = bin_copy_operands(o.nargs, argv, USAGE, &into_dir);
    if (status != 0)
        return status;
    for (int i = 1; i < o.nargs; i++)
        status |= move_one(argv[i], argv[o.nargs], into_dir);
    return bin_finish(status);
}
