/* Weak stand-in for closedir until the runtime defines it (user/user.mk). */
#include <dirent.h>
#include <errno.h>

__attribute__((weak)) int closedir(DIR *dir)
{
    (void)dir;
    errno = EBADF;
    return -1;
}
