/* Weak stand-in for lake_meminfo until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <lake/sys.h>

__attribute__((weak)) int lake_meminfo(struct lake_meminfo *info)
{
    (void)info;
    errno = ENOSYS;
    return -1;
}
