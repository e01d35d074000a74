/* Weak stand-in for opendir until the runtime defines it (user/user.mk). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>

__attribute__((weak)) DIR * opendir(const char *path)
{
    (void)path;
    errno = ENOSYS;
    return NULL;
}
