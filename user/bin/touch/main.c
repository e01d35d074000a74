/*
 * touch FILE...: creates each file that does not exist (empty) and marks
 * an existing one as modified now. LakeOS has no utime()/utimensat(), so
 * the modification time of an existing regular file is updated by a
 * write that changes nothing: its first byte is written back in place (an
 * empty file is truncated to zero length). Directories and devices are
 * left as they are. No options (-a, -m, -c, -d, -r, -t).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "../common/binio.h"
#include "../common/binopt.h"

#define USAGE "touch FILE..."

static int fail(const char *path, int e)
{
    bin_error("cannot touch '%s': %s", path, strerror(e));
    return 1;
}

static int create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0666);
    if (fd < 0)
        return fail(path, errno);
    close(fd);
    return 0;
}

/* Rewrites the first byte of a non-empty file, truncates an empty one. */
static int update(const char *path, const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return 0;
    int fd = open(path, st->st_size == 0 ? O_WRONLY | O_TRUNC : O_RDWR);
    if (fd < 0)
        return fail(path, errno);
    int status = 0;
    errno = 0;
    if (st->st_size > 0) {
        char c;
        if (read(fd, &c, 1) != 1 || lseek(fd, 0, SEEK_SET) != 0 || write(fd, &c, 1) != 1)
            status = fail(path, errno ? errno : EIO);
    }
    close(fd);
    return status;
}

static int touch(const char *path)
{
    struct stat st;
    errno = 0;
    if (stat(path, &st) == 0)
        return update(path, &st);
    if (errno != ENOENT)
        return fail(path, errno);
    return create(path);
}

int main(int argc, char **argv)
{
    bin_name = "touch";
    struct bin_opts o;
    if (bin_parse_opts(argc, argv, "", &o) < 0)
        return bin_usage(USAGE, o.bad_arg, o.bad);
    if (o.nargs == 0) {
        bin_error("missing file operand");
        return bin_usage(USAGE, NULL, 0);
    }
    int status = 0;
    for (int i = 1; i <= o.nargs; i++)
        status |= touch(argv[i]);
    return bin_finish(status);
}
