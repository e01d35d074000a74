/* Weak stand-in for lake_shutdown until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <lake/sys.h>

__attribute__((weak)) int lake_shutdown(int status)
{
    (void)status;
    errno = ENOSYS;
    return -1;
}
