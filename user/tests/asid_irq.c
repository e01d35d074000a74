/*
 * ASID: ASIDControl MakePool and ASIDPool Assign.
 * IRQ: IRQControl Get and the IRQHandler invocations.
 */
#include "test.h"

#define ROOT TEST_CNODE
#define D TEST_DEPTH

/* A line nothing in QEMU's raspi3b drives and the kernel does not use. */
#define TEST_IRQ 10

TEST(ASID_001, "Assign gives a VSpace an ASID so frames can be mapped in it")
{
    lake_cptr_t vs = test_new(env, LAKE_OBJ_VSPACE, 0);
    test_ok(lake_asid_pool_assign(env->asid_pool, vs));
    lake_cptr_t pt = test_new(env, LAKE_OBJ_PAGE_TABLE, 0);
    test_ok(lake_page_table_map(pt, vs, TEST_FREE_VADDR));
}

TEST(ASID_002, "assigning an ASID to a VSpace twice is an invalid capability")
{
    lake_cptr_t vs = test_new(env, LAKE_OBJ_VSPACE, 0);
    test_ok(lake_asid_pool_assign(env->asid_pool, vs));
    test_error(lake_asid_pool_assign(env->asid_pool, vs), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
}

TEST(ASID_003, "Assign of something that is not a VSpace is an invalid capability")
{
    lake_cptr_t pt = test_new(env, LAKE_OBJ_PAGE_TABLE, 0);
    test_error(lake_asid_pool_assign(env->asid_pool, pt), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
}

TEST(ASID_004, "MakePool turns a 4 KiB untyped into a working ASID pool")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t pool = test_slot(env);
    test_ok(lake_asid_control_make_pool(env->asid_control, ut, ROOT, pool, D));
    test_eq(lake_debug_cap_identify(pool), LAKE_OBJ_ASID_POOL);
    lake_cptr_t vs = test_new(env, LAKE_OBJ_VSPACE, 0);
    test_ok(lake_asid_pool_assign(pool, vs));
}

TEST(ASID_005, "MakePool from an untyped that is not 4 KiB is an invalid capability")
{
    lake_cptr_t ut = test_new_untyped(env, 13);
    lake_cptr_t pool = test_slot(env);
    test_error(lake_asid_control_make_pool(env->asid_control, ut, ROOT, pool, D),
               LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
    test_eq(lake_debug_cap_identify(pool), LAKE_OBJ_NULL);
}

TEST(ASID_006, "MakePool from an untyped with children is REVOKE_FIRST")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t child = test_slot(env);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_ENDPOINT, 0, ROOT, 0, 0, child, 1));
    lake_cptr_t pool = test_slot(env);
    test_error(lake_asid_control_make_pool(env->asid_control, ut, ROOT, pool, D),
               LAKE_REVOKE_FIRST);
    test_eq(lake_debug_cap_identify(pool), LAKE_OBJ_NULL);
    test_eq(lake_debug_cap_identify(child), LAKE_OBJ_ENDPOINT);
}

TEST(ASID_007, "MakePool into an occupied slot is DELETE_FIRST")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t taken = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_asid_control_make_pool(env->asid_control, ut, ROOT, taken, D),
               LAKE_DELETE_FIRST);
    test_eq(lake_debug_cap_identify(taken), LAKE_OBJ_ENDPOINT);
}

TEST(IRQ_001, "IRQControl Get makes an IRQ handler capability")
{
    lake_cptr_t slot = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, slot, D));
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_IRQ_HANDLER);
}

TEST(IRQ_002, "a second handler for the same line is REVOKE_FIRST")
{
    lake_cptr_t first = test_slot(env), second = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, first, D));
    test_error(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, second, D),
               LAKE_REVOKE_FIRST);
    test_eq(lake_debug_cap_identify(second), LAKE_OBJ_NULL);
}

TEST(IRQ_003, "an IRQ line out of range is a range error")
{
    lake_cptr_t slot = test_slot(env);
    test_error(lake_irq_control_get(env->irq_control, LAKE_NUM_IRQS, ROOT, slot, D),
               LAKE_RANGE_ERROR);
    test_eq(lake_error_detail(0), 0);
    test_eq(lake_error_detail(1), LAKE_NUM_IRQS - 1);
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
}

TEST(IRQ_004, "after the handler is deleted the line can be got again")
{
    lake_cptr_t slot = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, slot, D));
    test_ok(lake_cnode_delete(ROOT, slot, D));
    test_ok(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, slot, D));
}

TEST(IRQ_005, "SetNotification, Ack and Clear on a handler")
{
    lake_cptr_t handler = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, handler, D));
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 1);
    test_ok(lake_irq_handler_set_notification(handler, badged));
    test_ok(lake_irq_handler_ack(handler));
    test_eq(lake_poll(ntfn, NULL), 0);      /* nothing drives this line */
    test_ok(lake_irq_handler_clear(handler));
}

TEST(IRQ_006, "SetNotification with something else than a notification is an invalid capability")
{
    lake_cptr_t handler = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, handler, D));
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_irq_handler_set_notification(handler, ep), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
}

TEST(IRQ_007, "IRQControl Get into an occupied slot is DELETE_FIRST")
{
    lake_cptr_t taken = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, taken, D),
               LAKE_DELETE_FIRST);
    test_eq(lake_debug_cap_identify(taken), LAKE_OBJ_ENDPOINT);
    /* The line is still free. */
    test_ok(lake_irq_control_get(env->irq_control, TEST_IRQ, ROOT, test_slot(env), D));
}

/* The BCM2835 system timer: a free-running 1 MHz counter and compare
 * channel 1, which raises peripheral IRQ 1 while its match bit is set. */
#define ST_CS       0   /* write 1 << n to clear match n */
#define ST_CLO      1
#define ST_C1       4
#define ST_MATCH1   (1u << 1)
#define ST_IRQ      1

TEST(IRQ_008, "a device interrupt signals its notification and stays masked until Ack")
{
    /* The driver hands over the device untyped holding the timer. */
    test_assert(env->device_untyped != 0);
    test_assert(env->device_untyped_paddr <= TEST_SYSTEM_TIMER_PADDR);
    /* Retype device frames up to the timer's page and map it. */
    unsigned pages = (unsigned)((TEST_SYSTEM_TIMER_PADDR - env->device_untyped_paddr) >> 12) + 1;
    lake_cptr_t first = test_slot(env);
    for (unsigned i = 1; i < pages; i++)
        test_slot(env);
    test_ok(lake_untyped_retype(env->device_untyped, LAKE_OBJ_FRAME_4K, 0, ROOT, 0, 0, first,
                                pages));
    test_map(env, first + pages - 1, TEST_FREE_VADDR, LAKE_RIGHTS_RW, LAKE_ATTR_DEVICE);
    volatile uint32_t *st = (volatile uint32_t *)TEST_FREE_VADDR;

    lake_cptr_t handler = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, ST_IRQ, ROOT, handler, D));
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_ok(lake_irq_handler_set_notification(handler, test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x40)));

    st[ST_CS] = ST_MATCH1;
    st[ST_C1] = st[ST_CLO] + 50;            /* 50 us from now */
    test_ok(lake_irq_handler_ack(handler)); /* lines start masked */
    lake_word_t badge = 0;
    lake_wait(ntfn, &badge);
    test_eq(badge, 0x40);

    /* The match bit is still set, but the kernel masked the line. */
    test_eq(lake_poll(ntfn, &badge), 0);
    test_eq(badge, 0);
    /* Ack unmasks it: the still-pending interrupt signals again at once. */
    test_ok(lake_irq_handler_ack(handler));
    lake_wait(ntfn, &badge);
    test_eq(badge, 0x40);

    /* Served: clear the source, then Ack. Nothing more arrives. */
    st[ST_CS] = ST_MATCH1;
    test_ok(lake_irq_handler_ack(handler));
    badge = 1;
    lake_poll(ntfn, &badge);
    test_eq(badge, 0);
    test_ok(lake_irq_handler_clear(handler));
}

/* arg[0] = notification: waits once, then notes that it ran. */
static void irq_waiter(struct test_thread *t)
{
    lake_word_t badge = 0;
    lake_wait(t->arg[0], &badge);
    t->result[1] = badge;
    t->result[0] = 1;
}

/* arg[0] = notification: signals it once (it runs only when every other
 * thread of the test is blocked). */
static void signal_when_idle(struct test_thread *t)
{
    lake_signal(t->arg[0]);
}

/* Raises the timer interrupt once for a thread waiting at `priority` and
 * spins until the timer has certainly matched. Returns whether the waiter
 * ran during the spin. */
static bool interrupt_during_spin(struct test_env *env, volatile uint32_t *st, lake_cptr_t handler,
                                  lake_cptr_t ntfn, unsigned priority)
{
    struct test_thread t, idle;
    test_thread_init(env, &t, irq_waiter, priority, 0);
    t.arg[0] = ntfn;
    test_thread_start(&t);
    /* Block until the waiter waits: the lowest thread runs only then. */
    lake_cptr_t go = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_thread_init(env, &idle, signal_when_idle, env->priority - 20, 0);
    idle.arg[0] = go;
    test_thread_start(&idle);
    lake_wait(go, NULL);
    test_thread_join(&idle);
    st[ST_CS] = ST_MATCH1;
    uint32_t due = st[ST_CLO] + 50;
    st[ST_C1] = due;
    test_ok(lake_irq_handler_ack(handler));
    while ((int32_t)(st[ST_CLO] - due) < 200 && t.result[0] == 0)
        ;
    bool ran = t.result[0] != 0;
    st[ST_CS] = ST_MATCH1;
    test_thread_join(&t);
    test_eq(t.result[0], 1);
    test_eq(t.result[1], 0x80);
    return ran;
}

TEST(IRQ_009, "an interrupt runs its handler thread at once only if it outranks the running one")
{
    test_assert(env->device_untyped != 0);
    unsigned pages = (unsigned)((TEST_SYSTEM_TIMER_PADDR - env->device_untyped_paddr) >> 12) + 1;
    lake_cptr_t first = test_slot(env);
    for (unsigned i = 1; i < pages; i++)
        test_slot(env);
    test_ok(lake_untyped_retype(env->device_untyped, LAKE_OBJ_FRAME_4K, 0, ROOT, 0, 0, first,
                                pages));
    test_map(env, first + pages - 1, TEST_FREE_VADDR, LAKE_RIGHTS_RW, LAKE_ATTR_DEVICE);
    volatile uint32_t *st = (volatile uint32_t *)TEST_FREE_VADDR;
    lake_cptr_t handler = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, ST_IRQ, ROOT, handler, D));
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_ok(lake_irq_handler_set_notification(handler, test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x80)));

    test_assert(interrupt_during_spin(env, st, handler, ntfn, env->priority + 10));
    test_assert(!interrupt_during_spin(env, st, handler, ntfn, env->priority - 10));
    test_ok(lake_irq_handler_clear(handler));
}
