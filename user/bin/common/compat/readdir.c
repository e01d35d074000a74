/* Weak stand-in for readdir until the runtime defines it (user/user.mk). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>

__attribute__((weak)) struct dirent * readdir(DIR *dir)
{
    (void)dir;
    errno = EBADF;
    return NULL;
}
