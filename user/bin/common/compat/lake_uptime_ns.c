/* Weak stand-in for lake_uptime_ns until the runtime defines it (user/user.mk). */
#include <errno.h>
#include <lake/sys.h>

__attribute__((weak)) uint64_t lake_uptime_ns(void)
{
    errno = ENOSYS;
    return 0;
}
