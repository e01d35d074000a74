/*
 * cp SOURCE DEST, cp SOURCE... DIRECTORY: copies regular files (contents
 * and permission bits). A directory source is skipped with a message
 * (no -r); no other options.
 */
#include "../common/bincopy.h"
#include "../common/binopt.h"

#define USAGE "cp SOURCE DEST | cp SOURCE... DIRECTORY"

static int copy_one(const char *src, const char *target, bool into_dir)
{
    static char buf[BIN_COPY_PATH_MAX];
    struct stat st;
    if (stat(src, &st) < 0) {
        bin_error("cannot stat '%s': %s", src, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        bin_error("-r not specified; omitting directory '%s'", src);
        return 1;
    }
    const char *dest = bin_copy_dest(buf, src, target, into_dir);
    if (dest == NULL)
        return 1;
    if (bin_is_dir(dest)) {
        bin_error("cannot overwrite directory '%s' with non-directory", dest);
        return 1;
    }
    return bin_copy_file(src, &st, dest);
}

int main(int argc, char **argv)
{
    bin_name = "cp";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    bool into_dir = false;
    int status = bin_copy_operands(o.nargs, argv, USAGE, &into_dir);
    if (status != 0)
        return status;
    for (int i = 1; i < o.nargs; i++)
        status |= copy_one(argv[i], argv[o.nargs], into_dir);
    return bin_finish(status);
}
