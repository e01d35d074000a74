/* Weak stand-in for rename until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <stdio.h>

__attribute__((weak)) int rename(const char *from, const char *to)
{
    (void)from;
    (void)to;
    errno = ENOSYS;
    return -1;
}
