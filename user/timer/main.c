/*
 * timer: the user-space driver of the BCM2835 system timer (issue 6 item
 * 3; docs/SERVICES.md, "Timer driver"; protocol in lake/proto/timer.h).
 *
 * The free-running 1 MHz counter (CHI:CLO) is the clock. Every sleep and
 * alarm goes into one deadline queue (tqueue.c); compare channel 3 is
 * programmed with the earliest deadline and its match interrupt wakes the
 * driver, which answers every expired sleeper (deferred RPC replies),
 * signals every expired alarm and programs the next deadline.
 *
 * Extra caps from init: 0 the timer's register frame, 1 the IRQHandler of
 * match interrupt 3.
 */
#include <stdint.h>

#include <lake/env.h>
#include <lake/lake.h>
#include <lake/proto/timer.h>

#include "../console/service.h"
#include "tqueue.h"

LAKE_RPC_DEFINE_SERVER(timer, TIMER_INTERFACE)

#define CAP_REGISTERS   0
#define CAP_IRQ         1
#define IRQ_BIT         0               /* the loop's notification bit for the match */
#define CHANNEL         3               /* compare channel; 0 and 2 are the GPU's */

/* Register offsets (bytes). */
#define ST_CS           0x00            /* match flags, write 1 to clear */
#define ST_CLO          0x04
#define ST_CHI          0x08
#define ST_C(n)         (0x0c + 4 * (n))

enum waiter_kind { WAITER_SLEEP, WAITER_ALARM };

/* What a queued deadline is for, indexed by the queue's slot. */
struct waiter {
    enum waiter_kind kind;
    struct lake_rpc_deferred reply;     /* sleep: the caller to answer */
    lake_cptr_t ntfn;                   /* alarm: the cap to signal */
};

static struct {
    struct service service;
    volatile uint32_t *regs;
    lake_cptr_t irq;
    struct tqueue queue;
    struct tqueue_node heap[LAKE_TIMER_MAX_PENDING];
    struct tqueue_slot slots[LAKE_TIMER_MAX_PENDING];
    struct waiter waiters[LAKE_TIMER_MAX_PENDING];
    uint64_t interrupts, sleeps, alarms;
} timer;

/* ---- the hardware ------------------------------------------------------- */

static uint32_t reg_read(unsigned offset)
{
    return timer.regs[offset / 4];
}

static void reg_write(unsigned offset, uint32_t value)
{
    timer.regs[offset / 4] = value;
}

static uint64_t now_ticks(void)
{
    uint32_t hi = reg_read(ST_CHI);
    uint32_t lo = reg_read(ST_CLO);
    return timer_counter_combine(hi, lo, reg_read(ST_CHI));
}

static uint64_t now_ns(void)
{
    return timer_ticks_to_ns(now_ticks());
}

/* ---- expiry --------------------------------------------------------------- */

static void free_cap(lake_cptr_t cap)
{
    service_free_slot(cap);
}

static void expire(tqueue_id id, uint64_t now)
{
    struct waiter *w = &timer.waiters[tqueue_slot_of(id)];
    if (w->kind == WAITER_SLEEP) {
        struct timer_sleep_out out = { .now = timer_ticks_to_ns(now) };
        timer_sleep_reply(&w->reply, LAKE_OK, &out);
    } else {
        lake_signal(w->ntfn);
        free_cap(w->ntfn);
    }
}

/* Answer everything due and program the compare for what is left; goes
 * round again when the next deadline is due by the time it is set. */
static void serve_expired(void)
{
    for (;;) {
        uint64_t now = now_ticks(), next;
        tqueue_id id;
        while (tqueue_pop_expired(&timer.queue, now, &id))
            expire(id, now);
        if (!tqueue_earliest(&timer.queue, &next))
            return;
        uint32_t compare;
        if (timer_plan_compare(now, next, &compare) == TIMER_ARM_DUE)
            continue;
        reg_write(ST_C(CHANNEL), compare);
        /* Set too late, the match would come only after the 32-bit wrap. */
        if (!timer_compare_passed(reg_read(ST_CLO), compare))
            return;
    }
}

static void on_match(struct lake_event_loop *loop, lake_word_t bits, void *arg)
{
    (void)loop;
    (void)bits;
    (void)arg;
    service_tidy();
    timer.interrupts++;
    /* Clear the match before re-arming, so a new match is not lost. */
    reg_write(ST_CS, 1u << CHANNEL);
    serve_expired();
    lake_irq_handler_ack(timer.irq);
}

/* ---- requests ------------------------------------------------------------- */

static int handle_now(struct lake_rpc_call *call, const struct timer_now_in *in,
                      struct timer_now_out *out)
{
    (void)call;
    (void)in;
    service_tidy();
    out->ns = now_ns();
    return LAKE_OK;
}

/* Queue a sleeper for `deadline` (ticks) and answer it then; a deadline
 * already past is answered at once. */
static int sleep_until_tick(struct lake_rpc_call *call, uint64_t deadline, uint64_t *now_out)
{
    uint64_t now = now_ticks();
    if (deadline <= now) {
        *now_out = timer_ticks_to_ns(now);
        return LAKE_OK;
    }
    tqueue_id id;
    int error = tqueue_insert(&timer.queue, deadline, &id);
    if (error != LAKE_OK)
        return error;
    struct waiter *w = &timer.waiters[tqueue_slot_of(id)];
    w->kind = WAITER_SLEEP;
    error = lake_rpc_defer(call, &w->reply);
    if (error != LAKE_OK) {
        tqueue_remove(&timer.queue, id);
        return error;
    }
    timer.sleeps++;
    serve_expired();
    return LAKE_OK;
}

static int handle_sleep(struct lake_rpc_call *call, const struct timer_sleep_in *in,
                        struct timer_sleep_out *out)
{
    service_tidy();
    uint64_t deadline = timer_deadline_after(now_ticks(), timer_ns_to_ticks(in->ns));
    return sleep_until_tick(call, deadline, &out->now);
}

static int handle_sleep_until(struct lake_rpc_call *call, const struct timer_sleep_until_in *in,
                              struct timer_sleep_until_out *out)
{
    service_tidy();
    return sleep_until_tick(call, timer_ns_to_ticks(in->deadline), &out->now);
}

static int handle_alarm(struct lake_rpc_call *call, const struct timer_alarm_in *in,
                        struct timer_alarm_out *out)
{
    (void)call;
    service_tidy();
    /* The cap came to us: whatever happens, it is ours to free. Signalling
     * anything but a notification could block the driver. */
    if (lake_debug_cap_identify(in->caps[0]) != LAKE_OBJ_NOTIFICATION) {
        free_cap(in->caps[0]);
        return LAKE_INVALID_CAPABILITY;
    }
    tqueue_id id;
    int error = tqueue_insert(&timer.queue, timer_ns_to_ticks(in->deadline), &id);
    if (error != LAKE_OK) {
        free_cap(in->caps[0]);
        return error;
    }
    timer.waiters[tqueue_slot_of(id)] = (struct waiter){ .kind = WAITER_ALARM,
                                                         .ntfn = in->caps[0] };
    timer.alarms++;
    out->id = id;
    serve_expired();                    /* a past deadline signals now */
    return LAKE_OK;
}

static int handle_cancel(struct lake_rpc_call *call, const struct timer_cancel_in *in,
                         struct timer_cancel_out *out)
{
    (void)call;
    (void)out;
    service_tidy();
    /* Only alarms have ids that clients see. */
    if (!tqueue_contains(&timer.queue, in->id) ||
        timer.waiters[tqueue_slot_of(in->id)].kind != WAITER_ALARM)
        return LAKE_INVALID_ARGUMENT;
    tqueue_remove(&timer.queue, in->id);
    free_cap(timer.waiters[tqueue_slot_of(in->id)].ntfn);
    serve_expired();
    return LAKE_OK;
}

static const struct timer_server_ops ops = {
    .now = handle_now,
    .sleep = handle_sleep,
    .sleep_until = handle_sleep_until,
    .alarm = handle_alarm,
    .cancel = handle_cancel,
};

/* ---- start-up ------------------------------------------------------------- */

int main(void)
{
    struct service *s = &timer.service;
    int error = service_init(s, "timer", &timer_interface, &ops, &timer);
    if (error != LAKE_OK)
        service_fail(s, "event loop", error);
    lake_cptr_t frame = service_extra_cap(CAP_REGISTERS);
    timer.irq = service_extra_cap(CAP_IRQ);
    if (frame == 0 || timer.irq == 0)
        service_fail(s, "register frame and IRQHandler caps", LAKE_INVALID_CAPABILITY);
    error = service_map_device(frame, &timer.regs);
    if (error != LAKE_OK)
        service_fail(s, "mapping the registers", error);
    tqueue_init(&timer.queue, timer.heap, timer.slots, LAKE_TIMER_MAX_PENDING);
    /* A match left from before would fire at once: harmless, but clear it. */
    reg_write(ST_CS, 1u << CHANNEL);
    error = service_bind_irq(s, timer.irq, IRQ_BIT, on_match, NULL);
    if (error != LAKE_OK)
        service_fail(s, "binding the match interrupt", error);
    error = service_register(s);
    if (error != LAKE_OK)
        service_fail(s, "registering with the name service", error);
    return lake_event_loop_run(&s->loop);
}
