/*
 * The user-space drivers run as real processes (docs/SERVICES.md): the
 * test spawns build/user/timer.elf or console.elf the way init will (a
 * device frame and an IRQHandler as extra caps) and plays init's part,
 * answering the driver's name registration on the parent endpoint; then
 * it is the driver's client. Built only when user/user.mk embeds the
 * drivers (LAKE_TIMER_ELF, LAKE_CONSOLE_ELF).
 */
#include <string.h>

#include <lake/env.h>
#include <lake/procinfo.h>
#include <lake/proto/console.h>
#include <lake/proto/init.h>
#include <lake/proto/timer.h>
#include <lake/spawn.h>

#include "test.h"

#if defined(LAKE_TIMER_ELF) && defined(LAKE_CONSOLE_ELF)
__asm__(".section .rodata.driver_elfs, \"a\"\n"
        ".balign 16\n"
        "timer_elf_start:\n"
        ".incbin \"" LAKE_TIMER_ELF "\"\n"
        "timer_elf_end:\n"
        ".balign 16\n"
        "console_elf_start:\n"
        ".incbin \"" LAKE_CONSOLE_ELF "\"\n"
        "console_elf_end:\n"
        ".previous\n");
extern const char timer_elf_start[], timer_elf_end[];
extern const char console_elf_start[], console_elf_end[];

#define SCRATCH         TEST_FREE_VADDR     /* the spawn's scratch page */
#define DRIVER_BADGE    0x51
#define TIMER_IRQ       3                   /* system timer compare channel 3 */
#define MS              1000000ull
#define UART_IRQ        57

struct driver_proc {
    struct lake_process p;
    lake_cptr_t ep;                         /* the driver's parent endpoint */
    lake_cptr_t service;                    /* the cap it registered */
};

/* The device frame of the page at `paddr`, retyped from the device untyped
 * (with the frames below it, which a Retype cannot skip). */
static lake_cptr_t device_frame(struct test_env *env, lake_word_t paddr)
{
    test_assert(env->device_untyped != 0);
    test_assert(env->device_untyped_paddr <= paddr);
    unsigned pages = (unsigned)((paddr - env->device_untyped_paddr) >> 12) + 1;
    lake_cptr_t first = test_slot(env);
    for (unsigned i = 1; i < pages; i++)
        test_slot(env);
    test_ok(lake_untyped_retype(env->device_untyped, LAKE_OBJ_FRAME_4K, 0, env->cnode, 0, 0,
                                first, pages));
    return first + pages - 1;
}

/* Answer the driver's ns_register the way init does; returns nothing, the
 * registered cap lands in d->service. */
static void expect_registration(struct driver_proc *d, struct test_env *env, const char *name)
{
    d->service = test_slot(env);
    lake_set_receive_path(env->cnode, d->service, TEST_DEPTH);
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(d->ep, &badge);
    const lake_word_t *w = lake_ipc_buffer->msg;
    if (lake_msginfo_label(info) != init_ns_register_id)
        test_fail(__FILE__, __LINE__, "driver sent label %lu (fault?) words %#lx %#lx %#lx",
                  (unsigned long)lake_msginfo_label(info), (unsigned long)w[0],
                  (unsigned long)w[1], (unsigned long)w[2]);
    test_eq(badge, DRIVER_BADGE);
    test_eq(lake_msginfo_extra_caps(info), 1);
    test_eq(lake_msginfo_unwrapped(info), 0);
    char got[LAKE_INIT_NAME_MAX];
    memcpy(got, w, sizeof(got));
    got[sizeof(got) - 1] = '\0';
    test_assert(strcmp(got, name) == 0);
    test_eq(lake_debug_cap_identify(d->service), LAKE_OBJ_ENDPOINT);
    lake_reply(lake_msginfo(LAKE_OK, 0, 0, 0));
}

static void spawn_driver(struct test_env *env, struct driver_proc *d, const char *name,
                         const void *image, size_t size, const lake_cptr_t caps[2],
                         unsigned priority)
{
    d->ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t frame = test_new_page(env, SCRATCH);   /* so the scratch tables exist */
    test_ok(lake_frame_unmap(frame));
    const char *const argv[] = { name, NULL };
    struct lake_spawn_args a = {
        .image = image, .image_size = size, .argv = argv,
        .untyped = test_new_untyped(env, 23), .alloc = &env->alloc,
        .parent_cnode = env->cnode, .parent_vspace = env->vspace, .scratch_vaddr = SCRATCH,
        .asid_pool = env->asid_pool, .parent_ep = d->ep, .badge = DRIVER_BADGE,
        .authority = env->tcb, .priority = priority, .mcp = priority,
        .quota_bits = 21, .caps = caps, .num_caps = 2,
        .procinfo_flags = LAKE_PROCINFO_INIT_SERVICES,     /* this test plays init */
    };
    int error = lake_spawn(&a, &d->p);
    if (error)
        test_fail(__FILE__, __LINE__, "lake_spawn: %s: %s", lake_error_name(error),
                  lake_spawn_error_reason());
    expect_registration(d, env, name);
}

static void spawn_timer(struct test_env *env, struct driver_proc *d)
{
    lake_cptr_t caps[2] = { device_frame(env, TEST_SYSTEM_TIMER_PADDR), test_slot(env) };
    test_ok(lake_irq_control_get(env->irq_control, TIMER_IRQ, env->cnode, caps[1], TEST_DEPTH));
    spawn_driver(env, d, "timer", timer_elf_start, (size_t)(timer_elf_end - timer_elf_start),
                 caps, env->priority);
}

static struct lake_rpc_client client_of(struct test_env *env, struct driver_proc *d)
{
    return (struct lake_rpc_client){ d->service, env->cnode, TEST_DEPTH };
}

/* ---- the clock and one sleeper ----------------------------------------------- */

TEST_BIG(DRIVER_001, "timer driver: registers its name; the clock advances; sleeps end no earlier than asked")
{
    struct driver_proc d;
    spawn_timer(env, &d);
    struct lake_rpc_client c = client_of(env, &d);
    struct timer_now_out t0, t1;
    test_ok(timer_now(&c, &(struct timer_now_in){}, &t0));
    test_ok(timer_now(&c, &(struct timer_now_in){}, &t1));
    test_assert(t0.ns > 0);
    test_assert(t1.ns >= t0.ns);
    test_eq(t0.ns % 1000, 0);

    struct timer_sleep_out slept;
    test_ok(timer_sleep(&c, &(struct timer_sleep_in){ .ns = 2 * MS }, &slept));
    test_assert(slept.now >= t1.ns + 2 * MS);
    test_ok(timer_now(&c, &(struct timer_now_in){}, &t1));
    test_assert(t1.ns >= slept.now);
    /* nothing to wait for: answered at once */
    test_ok(timer_sleep(&c, &(struct timer_sleep_in){ .ns = 0 }, &slept));
    test_assert(slept.now >= t1.ns);
    struct timer_sleep_until_out until;
    test_ok(timer_sleep_until(&c, &(struct timer_sleep_until_in){ .deadline = 1 }, &until));
    test_assert(until.now >= slept.now);
    test_ok(timer_sleep_until(&c, &(struct timer_sleep_until_in){ .deadline = until.now + MS },
                              &until));
    test_assert(until.now >= slept.now + MS);
    test_ok(lake_process_destroy(&d.p));
}

/* ---- many sleepers at once ---------------------------------------------------- */

static volatile unsigned woken;
static volatile unsigned wake_order[4];

static void sleeper(struct test_thread *self)
{
    struct lake_rpc_client c = { self->arg[2], 0, 0 };
    struct timer_sleep_out out;
    self->result[0] = (lake_word_t)timer_sleep(&c, &(struct timer_sleep_in){ .ns = self->arg[0] },
                                               &out);
    self->result[1] = out.now;
    wake_order[__atomic_fetch_add(&woken, 1, __ATOMIC_SEQ_CST)] = (unsigned)self->arg[1];
}

TEST_BIG(DRIVER_002, "timer driver: four clients sleep at once and wake in deadline order")
{
    struct driver_proc d;
    spawn_timer(env, &d);
    struct lake_rpc_client c = client_of(env, &d);
    static const uint64_t sleep_ms[4] = { 8, 2, 6, 4 };
    static const unsigned expected[4] = { 1, 3, 2, 0 };
    struct timer_now_out start;
    test_ok(timer_now(&c, &(struct timer_now_in){}, &start));
    static struct test_thread t[4];
    woken = 0;
    for (unsigned i = 0; i < 4; i++) {
        test_thread_init(env, &t[i], sleeper, env->priority, 0);
        t[i].arg[0] = sleep_ms[i] * MS;
        t[i].arg[1] = i;
        t[i].arg[2] = d.service;
        test_thread_start(&t[i]);
    }
    for (unsigned i = 0; i < 4; i++)
        test_thread_join(&t[i]);
    test_eq(woken, 4);
    for (unsigned i = 0; i < 4; i++) {
        test_eq(t[i].result[0], LAKE_OK);
        test_assert(t[i].result[1] >= start.ns + sleep_ms[i] * MS);
        test_eq(wake_order[i], expected[i]);
    }
    test_ok(lake_process_destroy(&d.p));
}

/* ---- alarms (timeouts) and bad requests --------------------------------------- */

TEST_BIG(DRIVER_003, "timer driver: alarms signal at their deadlines, cancel, bad caps and ids refused")
{
    struct driver_proc d;
    spawn_timer(env, &d);
    struct lake_rpc_client c = client_of(env, &d);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    struct timer_now_out now;
    test_ok(timer_now(&c, &(struct timer_now_in){}, &now));

    /* two alarms soon, one far away */
    struct timer_alarm_out a1, a2, far;
    struct timer_alarm_in in = { .deadline = now.ns + 5 * MS };
    in.caps[0] = test_mint(env, ntfn, LAKE_RIGHT_WRITE, 0x1);
    test_ok(timer_alarm(&c, &in, &a1));
    in.deadline = now.ns + 2 * MS;
    in.caps[0] = test_mint(env, ntfn, LAKE_RIGHT_WRITE, 0x2);
    test_ok(timer_alarm(&c, &in, &a2));
    in.deadline = now.ns + 10000 * MS;
    in.caps[0] = test_mint(env, ntfn, LAKE_RIGHT_WRITE, 0x4);
    test_ok(timer_alarm(&c, &in, &far));
    test_assert(a1.id != a2.id && a2.id != far.id && a1.id != 0);

    struct timer_cancel_out none;
    lake_word_t bits = 0, badge;
    while ((bits & 3) != 3) {
        lake_wait(ntfn, &badge);
        bits |= badge;
    }
    test_eq(bits, 3);
    /* fired alarms cannot be cancelled; the far one can, once */
    test_error(timer_cancel(&c, &(struct timer_cancel_in){ .id = a1.id }, &none),
               LAKE_INVALID_ARGUMENT);
    test_ok(timer_cancel(&c, &(struct timer_cancel_in){ .id = far.id }, &none));
    test_error(timer_cancel(&c, &(struct timer_cancel_in){ .id = far.id }, &none),
               LAKE_INVALID_ARGUMENT);
    test_error(timer_cancel(&c, &(struct timer_cancel_in){ .id = 0 }, &none),
               LAKE_INVALID_ARGUMENT);
    test_error(timer_cancel(&c, &(struct timer_cancel_in){ .id = UINT64_MAX }, &none),
               LAKE_INVALID_ARGUMENT);
    /* an alarm in the past signals at once */
    in.deadline = 1;
    in.caps[0] = test_mint(env, ntfn, LAKE_RIGHT_WRITE, 0x8);
    test_ok(timer_alarm(&c, &in, &a1));
    lake_wait(ntfn, &badge);
    test_eq(badge, 0x8);
    /* only a notification will do */
    in.caps[0] = test_copy(env, d.ep, LAKE_RIGHT_WRITE);
    test_error(timer_alarm(&c, &in, &a1), LAKE_INVALID_CAPABILITY);
    /* an unknown method */
    lake_word_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    lake_msginfo_t info = lake_call_with_mrs(d.service, lake_msginfo(99, 0, 0, 0), &m0, &m1,
                                             &m2, &m3);
    test_eq(lake_msginfo_label(info), LAKE_RPC_UNKNOWN_METHOD);
    /* the driver still serves */
    struct timer_sleep_out slept;
    test_ok(timer_sleep(&c, &(struct timer_sleep_in){ .ns = MS }, &slept));
    test_assert(slept.now >= now.ns + MS);
    test_eq(lake_poll(ntfn, &badge), 0);    /* the far alarm never fired */
    test_ok(lake_process_destroy(&d.p));
}
/* ---- the console driver ------------------------------------------------------ */

/* The suite's device untyped holds the system timer, not the UART, so the
 * console driver gets a RAM page as its register frame: the receive FIFO
 * reads empty (FR.RXFE), the transmit FIFO never fills, and what the
 * driver writes stays there to be checked (DR keeps the last byte). Its
 * IRQHandler is the real one of IRQ 57, which stays quiet. */
#define FAKE_UART       (SCRATCH + 0x200000)
#define UART_DR         (0x00 / 4)
#define UART_FR         (0x18 / 4)
#define UART_IMSC       (0x38 / 4)
#define UART_MIS        (0x40 / 4)
#define UART_ICR        (0x44 / 4)
#define FR_RXFE         (1u << 4)
#define INT_RX_RT       (1u << 4 | 1u << 6)

TEST_BIG(DRIVER_004, "console driver: registers its name; attach, write, read, modes, flush; bad requests refused")
{
    lake_cptr_t caps[2] = { test_new_page(env, FAKE_UART), test_slot(env) };
    volatile uint32_t *uart = (volatile uint32_t *)FAKE_UART;
    uart[UART_FR] = FR_RXFE;
    test_ok(lake_irq_control_get(env->irq_control, UART_IRQ, env->cnode, caps[1], TEST_DEPTH));
    struct driver_proc d;
    spawn_driver(env, &d, "console", console_elf_start,
                 (size_t)(console_elf_end - console_elf_start), caps, env->priority);
    struct lake_rpc_client c = client_of(env, &d);
    /* Only the interrupt masks were touched. */
    test_eq(uart[UART_IMSC], INT_RX_RT);
    test_eq(uart[UART_FR], FR_RXFE);

    /* attach: an unbadged notification the driver mints its signals from */
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    struct cons_attach_out attached;
    struct cons_attach_in at = { .input_bits = 0x1, .interrupt_bits = 0x2 };
    at.caps[0] = test_copy(env, ntfn, LAKE_RIGHT_WRITE);
    test_ok(cons_attach(&c, &at, &attached));
    at.caps[0] = test_copy(env, ntfn, LAKE_RIGHT_WRITE);
    at.input_bits = 0;
    test_error(cons_attach(&c, &at, &attached), LAKE_INVALID_ARGUMENT);
    at.input_bits = 0x1;
    at.caps[0] = test_copy(env, d.ep, LAKE_RIGHT_WRITE);
    test_error(cons_attach(&c, &at, &attached), LAKE_INVALID_CAPABILITY);

    /* a partial line waits in the writer's assembler; its end sends it */
    static struct cons_write_in w = { .writer = 7 };
    struct cons_write_out written;
    memcpy(w.data, "half", 4);
    w.count = 4;
    test_ok(cons_write(&c, &w, &written));
    test_eq(written.count, 4);
    test_eq(uart[UART_DR], 0);
    w.data[0] = '\n';
    w.count = 1;
    test_ok(cons_write(&c, &w, &written));
    test_eq(written.count, 1);
    test_eq(uart[UART_DR], '\n');              /* "half\r\n" went out */
    w.count = LAKE_CONS_IO_MAX + 1;
    test_error(cons_write(&c, &w, &written), LAKE_INVALID_ARGUMENT);

    /* nothing typed: a read answers at once with nothing, and sends the
     * partial lines first (a prompt) */
    memcpy(w.data, "$ ", 2);
    w.count = 2;
    test_ok(cons_write(&c, &w, &written));
    test_eq(uart[UART_DR], '\n');
    static struct cons_read_out r;
    test_ok(cons_read(&c, &(struct cons_read_in){ .max = 100 }, &r));
    test_eq(r.count, 0);
    test_eq(r.flags, 0);
    test_eq(uart[UART_DR], ' ');

    struct cons_set_mode_out none;
    test_error(cons_set_mode(&c, &(struct cons_set_mode_in){ .mode = 5 }, &none),
               LAKE_INVALID_ARGUMENT);
    test_ok(cons_set_mode(&c, &(struct cons_set_mode_in){ .mode = LAKE_CONS_MODE_RAW }, &none));
    test_ok(cons_set_mode(&c, &(struct cons_set_mode_in){ .mode = LAKE_CONS_MODE_COOKED },
                          &none));
    struct cons_flush_out flushed;
    memcpy(w.data, "end", 3);
    w.count = 3;
    test_ok(cons_write(&c, &w, &written));
    test_ok(cons_flush(&c, &(struct cons_flush_in){ .writer = 7 }, &flushed));
    test_eq(uart[UART_DR], 'd');
    test_ok(cons_flush(&c, &(struct cons_flush_in){ .writer = 12345 }, &flushed));
    lake_word_t badge;
    test_eq(lake_poll(ntfn, &badge), 0);    /* no input, no Ctrl-C */
    test_eq(uart[UART_IMSC], INT_RX_RT);     /* never waited for the transmitter */
    test_ok(lake_process_destroy(&d.p));
}

/* Typed input through the driver's interrupt path. The fake UART's
 * "interrupt" is the system timer's compare channel 1 (IRQ 1), which the
 * test fires when it has put a byte in the fake receive FIFO; the line
 * stays raised until the test clears the match, so the driver runs one
 * priority below the test, which takes over as soon as it is signalled. */
#define ST_CS           0                   /* registers as words */
#define ST_CLO          1
#define ST_C1           4
#define ST_MATCH1       (1u << 1)
#define MATCH_IRQ       1
#define INT_RX          (1u << 4)

static void type_byte(volatile uint32_t *uart, volatile uint32_t *st, uint32_t byte)
{
    uart[UART_DR] = byte;
    uart[UART_FR] = 0;                      /* receive FIFO not empty */
    st[ST_CS] = ST_MATCH1;
    st[ST_C1] = st[ST_CLO] + 20;
}

static void stop_typing(volatile uint32_t *uart, volatile uint32_t *st)
{
    uart[UART_FR] = FR_RXFE;
    st[ST_CS] = ST_MATCH1;
}

TEST_BIG(DRIVER_005, "console driver: input through its interrupt signals a readable line, Ctrl-C the interrupt bit")
{
    lake_cptr_t caps[2] = { test_new_page(env, FAKE_UART), test_slot(env) };
    volatile uint32_t *uart = (volatile uint32_t *)FAKE_UART;
    uart[UART_FR] = FR_RXFE;
    uart[UART_MIS] = INT_RX;
    lake_cptr_t timer_frame = device_frame(env, TEST_SYSTEM_TIMER_PADDR);
    test_map(env, timer_frame, SCRATCH + 0x400000, LAKE_RIGHTS_RW, LAKE_ATTR_DEVICE);
    volatile uint32_t *st = (volatile uint32_t *)(SCRATCH + 0x400000);
    st[ST_CS] = ST_MATCH1;
    test_ok(lake_irq_control_get(env->irq_control, MATCH_IRQ, env->cnode, caps[1], TEST_DEPTH));
    struct driver_proc d;
    spawn_driver(env, &d, "console", console_elf_start,
                 (size_t)(console_elf_end - console_elf_start), caps, env->priority - 1);
    struct lake_rpc_client c = client_of(env, &d);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    struct cons_attach_in at = { .input_bits = 0x1, .interrupt_bits = 0x2 };
    at.caps[0] = test_copy(env, ntfn, LAKE_RIGHT_WRITE);
    struct cons_attach_out attached;
    test_ok(cons_attach(&c, &at, &attached));

    /* Enter: a line becomes readable */
    lake_word_t badge = 0;
    type_byte(uart, st, '\r');
    lake_wait(ntfn, &badge);
    stop_typing(uart, st);
    test_eq(badge, 0x1);
    test_eq(uart[UART_ICR], INT_RX);         /* cleared (before the drain) */
    static struct cons_read_out r;
    test_ok(cons_read(&c, &(struct cons_read_in){ .max = 100 }, &r));
    test_eq(r.count, 1);
    test_eq(r.data[0], '\n');
    test_eq(r.flags, 0);

    /* Ctrl-C: the interrupt bit */
    lake_poll(ntfn, &badge);
    type_byte(uart, st, 0x03);
    do
        lake_wait(ntfn, &badge);
    while (!(badge & 0x2));
    stop_typing(uart, st);
    test_ok(lake_process_destroy(&d.p));
}
#endif
