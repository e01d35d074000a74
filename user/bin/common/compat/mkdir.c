/* Weak stand-in for mkdir until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <sys/stat.h>

__attribute__((weak)) int mkdir(const char *path, mode_t mode)
{
    (void)path;
    (void)mode;
    errno = ENOSYS;
    return -1;
}
