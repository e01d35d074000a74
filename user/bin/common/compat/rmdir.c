/* Weak stand-in for rmdir until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <unistd.h>

__attribute__((weak)) int rmdir(const char *path)
{
    (void)path;
    errno = ENOSYS;
    return -1;
}
