/* Weak stand-in for lake_kill until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <lake/sys.h>

__attribute__((weak)) int lake_kill(pid_t pid)
{
    (void)pid;
    errno = ENOSYS;
    return -1;
}
