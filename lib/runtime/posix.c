/*
 * The POSIX layer underneath picolibc, as far as LakeOS has services for
 * it today: the console for file descriptors 0-2, time from the ARM generic
 * counter (threads read it directly, no system call), sleeping by yielding
 * until the deadline passes. Files arrive with the VFS server: until then
 * the file calls fail with ENOSYS (and say so in their names below), so a
 * program gets a clear error instead of a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <lake/runtime.h>

/* ---- console file descriptors ----------------------------------------- */

static int is_console(int fd)
{
    return fd >= 0 && fd <= 2;
}

ssize_t write(int fd, const void *buf, size_t count)
{
    if (!is_console(fd) || fd == 0) {
        errno = EBADF;
        return -1;
    }
    lake_console_flush();
    const char *p = buf;
    for (size_t done = 0; done < count;) {
        size_t n = count - done;
        if (n > LAKE_DEBUG_PUTS_MAX)
            n = LAKE_DEBUG_PUTS_MAX;
        lake_debug_puts(p + done, n);
        done += n;
    }
    return (ssize_t)count;
}

ssize_t read(int fd, void *buf, size_t count)
{
    (void)buf;
    (void)count;
    if (fd == 0)
        return 0;   /* no console input until the console driver exists */
    errno = EBADF;
    return -1;
}

int isatty(int fd)
{
    if (is_console(fd))
        return 1;
    errno = EBADF;
    return 0;
}

int fstat(int fd, struct stat *st)
{
    if (!is_console(fd)) {
        errno = EBADF;
        return -1;
    }
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFCHR | 0620;
    return 0;
}

int close(int fd)
{
    if (is_console(fd))
        return 0;
    errno = EBADF;
    return -1;
}

off_t lseek(int fd, off_t offset, int whence)
{
    (void)offset;
    (void)whence;
    errno = is_console(fd) ? ESPIPE : EBADF;
    return -1;
}

/* No file server yet: every path is "not supported". */
static int no_file_server(void)
{
    errno = ENOSYS;
    return -1;
}

int open(const char *path, int flags, ...)
{
    (void)path;
    (void)flags;
    return no_file_server();
}

int unlink(const char *path)
{
    (void)path;
    return no_file_server();
}

/* ---- time ---------------------------------------------------------------- */

static inline uint64_t counter_now(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

static inline uint64_t counter_frequency(void)
{
    uint64_t f;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
    return f;
}

static void counter_to_timespec(uint64_t ticks, struct timespec *ts)
{
    uint64_t freq = counter_frequency();
    ts->tv_sec = (time_t)(ticks / freq);
    ts->tv_nsec = (long)((ticks % freq) * 1000000000ull / freq);
}

/* Both clocks count from boot: there is no wall-clock source yet. */
int clock_gettime(clockid_t clock, struct timespec *ts)
{
    if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME) {
        errno = EINVAL;
        return -1;
    }
    counter_to_timespec(counter_now(), ts);
    return 0;
}

int clock_getres(clockid_t clock, struct timespec *res)
{
    if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME) {
        errno = EINVAL;
        return -1;
    }
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = (long)((1000000000ull + counter_frequency() - 1) / counter_frequency());
    }
    return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

/*
 * Sleeping: until the timer server exists, a thread gives the processor to
 * others (Yield) until its deadline has passed. The time is right; the
 * processor is not idle while it waits.
 */
int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req == NULL || req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) {
        errno = EINVAL;
        return -1;
    }
    uint64_t freq = counter_frequency();
    uint64_t ticks = (uint64_t)req->tv_sec * freq + (uint64_t)req->tv_nsec * freq / 1000000000ull;
    uint64_t deadline = counter_now() + ticks;
    while (counter_now() < deadline)
        lake_yield();
    if (rem)
        rem->tv_sec = 0, rem->tv_nsec = 0;
    return 0;
}

int usleep(useconds_t usec)
{
    struct timespec ts = { .tv_sec = usec / 1000000, .tv_nsec = (long)(usec % 1000000) * 1000 };
    return nanosleep(&ts, NULL);
}

unsigned sleep(unsigned seconds)
{
    struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };
    nanosleep(&ts, NULL);
    return 0;
}

/* ---- process ------------------------------------------------------------- */

/* One process per image for now; the process manager assigns real ids. */
pid_t getpid(void)
{
    return 1;
}
