/*
 * cat [FILE]...: the files one after another on stdout; no operand or
 * "-" reads stdin. A file that cannot be read is reported and skipped
 * (exit status 1). No options.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "cat [FILE]..."

/* Set when stdout failed: there is no point in reading more. */
static bool output_failed;

/* Copies one input to stdout; returns 0 or 1. */
static int cat_fd(int fd, const char *name)
{
    bool reading = false;
    if (bin_copy_fd(fd, 1, &reading) == 0)
        return 0;
    if (reading) {
        bin_error("%s: %s", name, strerror(errno));
    } else {
        output_failed = true;
        if (errno != EPIPE)         /* the reader went away: quietly */
            bin_error("write error: %s", strerror(errno));
    }
    return 1;
}

static int cat_file(const char *path)
{
    if (strcmp(path, "-") == 0)
        return cat_fd(0, "-");
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        bin_error("%s: %s", path, strerror(errno));
        return 1;
    }
    struct stat st;
    int status;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        bin_error("%s: %s", path, strerror(EISDIR));
        status = 1;
    } else {
        status = cat_fd(fd, path);
    }
    close(fd);
    return status;
}

int main(int argc, char **argv)
{
    bin_name = "cat";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs == 0)
        return bin_finish(cat_fd(0, "-"));
    int status = 0;
    for (int i = 1; i <= o.nargs && !output_failed; i++)
        status |= cat_file(argv[i]);
    return bin_finish(status);
}
