/*
 * The timer driver's protocol (docs/SERVICES.md, "Timer driver"): a
 * monotonic clock, sleeps and timeouts for many clients at once, served
 * by user/timer on the endpoint it registers as "timer".
 *
 * Times are nanoseconds since boot (the BCM2835 system timer counts
 * microseconds, so they advance in steps of 1000). A sleep ends at or
 * after its deadline, never before.
 *
 *   now          the current time.
 *   sleep        reply when `ns` have passed (0: at once); `now` is the
 *                time of the reply.
 *   sleep_until  reply at the absolute time `deadline` (a past deadline
 *                answers at once).
 *   alarm        a timeout: the driver keeps the notification cap and
 *                Signals it (with the cap's own badge) at `deadline`, once;
 *                the reply, at once, is the alarm's id.
 *   cancel       drop an alarm that has not fired (its cap is deleted);
 *                LAKE_INVALID_ARGUMENT if the id is unknown, fired or
 *                cancelled already.
 *
 * Sleeps and alarms share one queue of LAKE_TIMER_MAX_PENDING entries;
 * when it is full, sleep, sleep_until and alarm fail at once with
 * LAKE_NOT_ENOUGH_MEMORY and nothing is queued.
 */
#ifndef LAKE_PROTO_TIMER_H
#define LAKE_PROTO_TIMER_H

#include <stdint.h>

#include <lake/rpc.h>

#define LAKE_TIMER_MAX_PENDING  256

#define TIMER_INTERFACE(M, X)                                                   \
    M(X, now, 1, (), (uint64_t ns;), 0, 0)                                     \
    M(X, sleep, 2, (uint64_t ns;), (uint64_t now;), 0, 0)                      \
    M(X, sleep_until, 3, (uint64_t deadline;), (uint64_t now;), 0, 0)          \
    M(X, alarm, 4, (uint64_t deadline;), (uint64_t id;), 1, 0)                 \
    M(X, cancel, 5, (uint64_t id;), (), 0, 0)

LAKE_RPC_DECLARE(timer, TIMER_INTERFACE)

#endif
