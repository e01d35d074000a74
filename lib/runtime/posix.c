/*
 * The POSIX layer underneath picolibc: time from the ARM generic counter
 * (threads read it directly, no system call) and sleeping. Files and
 * processes are in files.c.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <lake/proto/timer.h>
#include <lake/runtime.h>
#include <lake/sys.h>

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

uint64_t lake_uptime_ns(void)
{
    uint64_t ticks = counter_now(), freq = counter_frequency();
    return ticks / freq * 1000000000ull + ticks % freq * 1000000000ull / freq;
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
 * Sleeping: with init's services, the timer driver answers a sleep request
 * at the deadline (the thread blocks, the processor idles). Without them
 * (or without a timer driver) a thread gives the processor to others
 * (Yield) until its deadline has passed.
 */
static int timer_sleep_ns(uint64_t ns)
{
    static struct lake_rpc_client timer;
    static bool looked_up, missing;
    if (!lake_sys_available() || missing)
        return -1;
    if (!looked_up) {
        lake_cptr_t cap;
        looked_up = true;
        if (lake_ns_lookup("timer", &cap) != 0) {
            missing = true;
            return -1;
        }
        timer.ep = cap;
    }
    struct timer_sleep_in in = { .ns = ns };
    struct timer_sleep_out out;
    return timer_sleep(&timer, &in, &out) == LAKE_OK ? 0 : -1;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (req == NULL || req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) {
        errno = EINVAL;
        return -1;
    }
    if (timer_sleep_ns((uint64_t)req->tv_sec * 1000000000ull + (uint64_t)req->tv_nsec) == 0) {
        if (rem)
            rem->tv_sec = 0, rem->tv_nsec = 0;
        return 0;
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
