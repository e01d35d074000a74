/* Weak stand-in for lake_ps until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <lake/sys.h>

__attribute__((weak)) int lake_ps(pid_t after, struct lake_proc_entry *entries, size_t max)
{
    (void)after;
    (void)entries;
    (void)max;
    errno = ENOSYS;
    return -1;
}
