/* Weak stand-in for stat until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <sys/stat.h>

__attribute__((weak)) int stat(const char *path, struct stat *st)
{
    (void)path;
    (void)st;
    errno = ENOSYS;
    return -1;
}
