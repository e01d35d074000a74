/*
 * The test driver: the root task of the test image. It runs every test
 * registered in the `lake_tests` section, in name order, each in a fresh
 * child process (see test.h for the child's layout), prints one line per
 * test and a summary, and halts with status 0 if every test passed.
 *
 * Memory: a 16 MiB (at least 8 MiB) quota untyped is split off the largest RAM untyped once;
 * each child is built from it and revoking it afterwards destroys all the
 * child had. Capabilities the child gets that do not come from the quota
 * (copies of the image frames, ASID pool, ASIDControl, IRQControl, a device
 * untyped) are deleted or revoked from their originals after each test.
 *
 * Hangs: a watchdog thread of the driver runs at priority 1, below every
 * test thread, so it only gets the CPU when the driver and all of the
 * child's threads are blocked. Tests never wait for interrupts, so that
 * means the test is stuck: after WATCHDOG_SPINS turns of its loop it
 * signals a notification bound to the driver's TCB, which wakes the
 * driver's Recv and fails the test with "timeout".
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include <lake/env.h>

/* malloc's memory (no process environment in the root task). */
LAKE_STATIC_HEAP(1u << 20);
LAKE_ROOT_STACK(65536);

#define ROOT_DEPTH      64
#define QUOTA_BITS      24                  /* 16 MiB per test */
#define MIN_QUOTA_BITS  23
#define POOL_BITS       20                  /* the driver's own objects */
#define DRIVER_SLOTS    64                  /* persistent driver slots */
#define SCRATCH_VADDR   0x7f000000ul        /* where the driver maps a child's page to fill it */
#define WATCHDOG_SPINS  50000000ul
#define WATCHDOG_PRIORITY 1
#define WATCHDOG_BADGE  0x100
#define CHILD_RIGHTS    (LAKE_RIGHT_WRITE | LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY)

extern const struct test_desc __start_lake_tests[], __stop_lake_tests[];

int test_running_in_root;

/* The child processes' view of the boot information (bss is copied). */
static struct lake_bootinfo bootinfo_copy;

/* ---- failure reasons -------------------------------------------------- */

static char reason[LAKE_DEBUG_PUTS_MAX + 64];

#define SETUP(call)                                                                     \
    do {                                                                                \
        int setup_error_ = (call);                                                      \
        if (setup_error_ != LAKE_OK) {                                                  \
            snprintf(reason, sizeof(reason), "setup: %s: %s", #call,                    \
                     lake_error_name(setup_error_));                                    \
            return false;                                                               \
        }                                                                               \
    } while (0)

static struct {
    lake_cptr_t quota;
    lake_cptr_t device_untyped;             /* root's device untyped holding the system
                                               timer, else its smallest (0: none) */
    unsigned device_untyped_bits;
    lake_cptr_t big_untyped;            /* a second large RAM untyped (TEST_BIG_MEMORY) */
    lake_word_t device_untyped_paddr;
    struct lake_alloc driver;               /* persistent objects, from the pool */
    lake_cptr_t child_first_slot;           /* per-test slots start here */
    lake_cptr_t reply_slot;                 /* where the child's pending reply is parked */
    lake_cptr_t watchdog_ntfn;              /* bound to the driver's TCB */
    lake_cptr_t watchdog_signal;            /* its badged cap the watchdog signals */
} drv;

/* ---- the watchdog ------------------------------------------------------ */

static volatile uint64_t watchdog_spins;
static char watchdog_stack[4096] __attribute__((aligned(16)));
static char watchdog_tls[512] __attribute__((aligned(64)));

static void __attribute__((noreturn)) watchdog_main(void)
{
    for (;;) {
        if (++watchdog_spins == WATCHDOG_SPINS)
            lake_signal(drv.watchdog_signal);
    }
}

static bool start_watchdog(void)
{
    lake_cptr_t tcb;
    SETUP(lake_alloc_object(&drv.driver, LAKE_OBJ_NOTIFICATION, 0, &drv.watchdog_ntfn));
    SETUP(lake_alloc_slot(&drv.driver, &drv.watchdog_signal));
    SETUP(lake_cnode_mint(LAKE_ROOT_CNODE, drv.watchdog_signal, ROOT_DEPTH, LAKE_ROOT_CNODE,
                          drv.watchdog_ntfn, ROOT_DEPTH, LAKE_RIGHTS_ALL, WATCHDOG_BADGE));
    SETUP(lake_tcb_bind_notification(LAKE_ROOT_TCB, drv.watchdog_ntfn));
    SETUP(lake_alloc_object(&drv.driver, LAKE_OBJ_TCB, 0, &tcb));
    SETUP(lake_tcb_configure(tcb, 0, LAKE_ROOT_CNODE, 0, LAKE_ROOT_VSPACE, 0, 0));
    SETUP(lake_tcb_set_priority(tcb, LAKE_ROOT_TCB, WATCHDOG_PRIORITY));
    lake_debug_name_thread(tcb, "watchdog");
    lake_word_t regs[LAKE_NUM_REGS] = {0};
    regs[LAKE_REG_PC] = (lake_word_t)watchdog_main;
    regs[LAKE_REG_SP] = (lake_word_t)&watchdog_stack[sizeof(watchdog_stack)];
    regs[LAKE_REG_TPIDR] = lake_tls_init(watchdog_tls, sizeof(watchdog_tls));
    SETUP(lake_tcb_write_registers(tcb, true, LAKE_NUM_REGS, regs));
    return true;
}

/* A new test starts: forget earlier idle time and signals. */
static void watchdog_reset(void)
{
    watchdog_spins = 0;
    lake_poll(drv.watchdog_ntfn, NULL);
}

/* ---- tests inside the root task -------------------------------------- */

static jmp_buf root_jump;

void test_root_failed(const char *message)
{
    snprintf(reason, sizeof(reason), "%s", message);
    longjmp(root_jump, 1);
}

static bool run_in_root(const struct test_desc *test)
{
    static struct test_env env;
    memset(&env, 0, sizeof(env));
    env.tcb = LAKE_ROOT_TCB;
    env.cnode = LAKE_ROOT_CNODE;
    env.vspace = LAKE_ROOT_VSPACE;
    env.bootinfo = lake_bootinfo;
    env.test = test;
    if (setjmp(root_jump)) {
        test_running_in_root = 0;
        return false;
    }
    test_running_in_root = 1;
    test->run(&env);
    test_running_in_root = 0;
    return true;
}

/* ---- building a child -------------------------------------------------- */

static struct lake_alloc child_alloc;       /* this test's driver slots, from the quota */
static lake_cptr_t image_copies_start, image_copies_end;

static lake_cptr_t image_frame(uintptr_t vaddr)
{
    return lake_bootinfo->user_image_frames.start + (vaddr - lake_bootinfo->image_start) / LAKE_PAGE_SIZE;
}

static bool page_is_zero(const void *page)
{
    const uint64_t *p = page;
    for (size_t i = 0; i < LAKE_PAGE_SIZE / sizeof(uint64_t); i++)
        if (p[i])
            return false;
    return true;
}

/* Put `len` bytes of `src` at the start of a fresh frame. */
static int fill_frame(lake_cptr_t frame, const void *src, size_t len)
{
    int error = lake_frame_map(frame, LAKE_ROOT_VSPACE, SCRATCH_VADDR, LAKE_RIGHTS_RW,
                               LAKE_ATTR_EXECUTE_NEVER);
    if (error)
        return error;
    memcpy((void *)SCRATCH_VADDR, src, len);
    return lake_frame_unmap(frame);
}

/* Copy a driver cap into slot `dest` of the child CNode (invoked unguarded, depth 12). */
static int give(lake_cptr_t child_cnode, lake_cptr_t dest, lake_cptr_t src, unsigned rights)
{
    return lake_cnode_copy(child_cnode, dest, TEST_CNODE_RADIX, LAKE_ROOT_CNODE, src, ROOT_DEPTH,
                           rights);
}

static int give_badged(lake_cptr_t child_cnode, lake_cptr_t dest, lake_cptr_t src,
                       unsigned rights, lake_word_t badge)
{
    return lake_cnode_mint(child_cnode, dest, TEST_CNODE_RADIX, LAKE_ROOT_CNODE, src, ROOT_DEPTH,
                           rights, badge);
}

static bool build_child(const struct test_desc *test, lake_cptr_t *tcb_out, lake_cptr_t *ep_out)
{
    struct lake_alloc *a = &child_alloc;
    lake_cptr_t cnode, guarded, vspace, tcb, ep, fault_cap, ipc_frame;
    const lake_word_t guard = lake_cnode_guard_data(0, 64 - TEST_CNODE_RADIX);

    /* The child's own untyped first (the quota's start is best aligned),
     * then its CNode; the untyped then moves into the CNode. */
    lake_cptr_t untyped;
    unsigned untyped_bits = TEST_UNTYPED_BITS;
    if ((test->flags & TEST_BIG_MEMORY) && drv.big_untyped) {
        /* From a RAM untyped of its own, revoked after the test. */
        untyped_bits = TEST_BIG_UNTYPED_BITS;
        SETUP(lake_alloc_slot(a, &untyped));
        SETUP(lake_untyped_retype(drv.big_untyped, LAKE_OBJ_UNTYPED, untyped_bits,
                                  LAKE_ROOT_CNODE, 0, 0, untyped, 1));
    } else {
        SETUP(lake_alloc_object(a, LAKE_OBJ_UNTYPED, untyped_bits, &untyped));
    }
    SETUP(lake_alloc_object(a, LAKE_OBJ_CNODE, TEST_CNODE_RADIX, &cnode));
    SETUP(lake_cnode_move(cnode, TEST_UNTYPED, TEST_CNODE_RADIX, LAKE_ROOT_CNODE, untyped,
                          ROOT_DEPTH));
    SETUP(lake_alloc_slot(a, &guarded));
    SETUP(lake_cnode_mint(LAKE_ROOT_CNODE, guarded, ROOT_DEPTH, LAKE_ROOT_CNODE, cnode,
                          ROOT_DEPTH, LAKE_RIGHTS_ALL, guard));
    SETUP(give_badged(cnode, TEST_CNODE, cnode, LAKE_RIGHTS_ALL, guard));

    SETUP(lake_alloc_object(a, LAKE_OBJ_VSPACE, 0, &vspace));
    SETUP(lake_asid_pool_assign(LAKE_ROOT_ASID_POOL, vspace));
    SETUP(give(cnode, TEST_VSPACE, vspace, LAKE_RIGHTS_ALL));

    SETUP(lake_alloc_object(a, LAKE_OBJ_TCB, 0, &tcb));
    SETUP(give(cnode, TEST_TCB, tcb, LAKE_RIGHTS_ALL));

    SETUP(lake_alloc_object(a, LAKE_OBJ_ENDPOINT, 0, &ep));
    SETUP(give_badged(cnode, TEST_REPORT_EP, ep, CHILD_RIGHTS, TEST_BADGE_REPORT));
    SETUP(give_badged(cnode, TEST_FAULT_EP, ep, CHILD_RIGHTS, TEST_BADGE_FAULT));
    SETUP(lake_alloc_slot(a, &fault_cap));
    SETUP(lake_cnode_mint(LAKE_ROOT_CNODE, fault_cap, ROOT_DEPTH, LAKE_ROOT_CNODE, ep,
                          ROOT_DEPTH, CHILD_RIGHTS, TEST_BADGE_FAULT));

    SETUP(give(cnode, TEST_IRQ_CONTROL, LAKE_ROOT_IRQ_CONTROL, LAKE_RIGHTS_ALL));
    SETUP(give(cnode, TEST_ASID_CONTROL, LAKE_ROOT_ASID_CONTROL, LAKE_RIGHTS_ALL));
    SETUP(give(cnode, TEST_ASID_POOL, LAKE_ROOT_ASID_POOL, LAKE_RIGHTS_ALL));
    if (drv.device_untyped)
        /* Untyped caps cannot be copied: hand over a child covering it all. */
        SETUP(lake_untyped_retype(drv.device_untyped, LAKE_OBJ_UNTYPED, drv.device_untyped_bits,
                                  cnode, 0, 0, TEST_DEVICE_UNTYPED, 1));

    /* The IPC buffer frame, with the environment in its upper half. */
    static struct test_env env;
    memset(&env, 0, sizeof(env));
    env.tcb = TEST_TCB;
    env.cnode = TEST_CNODE;
    env.vspace = TEST_VSPACE;
    env.irq_control = TEST_IRQ_CONTROL;
    env.asid_control = TEST_ASID_CONTROL;
    env.asid_pool = TEST_ASID_POOL;
    env.ipc_frame = TEST_IPC_FRAME;
    env.report_ep = TEST_REPORT_EP;
    env.fault_ep = TEST_FAULT_EP;
    env.untyped = TEST_UNTYPED;
    env.untyped_size_bits = untyped_bits;
    env.device_untyped = drv.device_untyped ? TEST_DEVICE_UNTYPED : 0;
    env.device_untyped_size_bits = drv.device_untyped_bits;
    env.device_untyped_paddr = drv.device_untyped_paddr;
    env.ipc_buffer = TEST_IPC_BUFFER;
    env.priority = TEST_PRIORITY;
    env.mcp = TEST_MCP;
    env.bootinfo = &bootinfo_copy;
    env.alloc.untyped = TEST_UNTYPED;
    env.alloc.next_slot = TEST_FIRST_FREE_SLOT;
    env.alloc.end_slot = 1ul << TEST_CNODE_RADIX;
    env.test = test;
    _Static_assert(sizeof(env) <= 0x800, "test_env fits after the IPC buffer");

    SETUP(lake_alloc_object(a, LAKE_OBJ_FRAME_4K, 0, &ipc_frame));
    static char page[LAKE_PAGE_SIZE];
    memset(page, 0, sizeof(page));
    memcpy(page + (TEST_ENV_ADDR - TEST_IPC_BUFFER), &env, sizeof(env));
    SETUP(fill_frame(ipc_frame, page, sizeof(page)));
    SETUP(lake_map_page(a, ipc_frame, vspace, TEST_IPC_BUFFER, LAKE_RIGHTS_RW,
                        LAKE_ATTR_EXECUTE_NEVER));
    SETUP(give(cnode, TEST_IPC_FRAME, ipc_frame, LAKE_RIGHTS_ALL));

    /* Text and rodata: the driver's own frames, read-only. */
    image_copies_start = a->next_slot;
    for (uintptr_t va = (uintptr_t)__text_start; va < (uintptr_t)__rodata_end; va += LAKE_PAGE_SIZE) {
        lake_cptr_t copy;
        SETUP(lake_alloc_slot(a, &copy));
        image_copies_end = a->next_slot;
        SETUP(lake_cnode_copy(LAKE_ROOT_CNODE, copy, ROOT_DEPTH, LAKE_ROOT_CNODE,
                              image_frame(va), ROOT_DEPTH, LAKE_RIGHT_READ));
        unsigned attrs = va < (uintptr_t)__text_end ? 0 : LAKE_ATTR_EXECUTE_NEVER;
        SETUP(lake_map_page(a, copy, vspace, va, LAKE_RIGHT_READ, attrs));
    }

    /* Data and bss: fresh frames holding what the driver's pages hold now. */
    for (uintptr_t va = (uintptr_t)__data_start; va < (uintptr_t)__image_end; va += LAKE_PAGE_SIZE) {
        lake_cptr_t frame;
        SETUP(lake_alloc_object(a, LAKE_OBJ_FRAME_4K, 0, &frame));
        if (!page_is_zero((const void *)va))
            SETUP(fill_frame(frame, (const void *)va, LAKE_PAGE_SIZE));
        SETUP(lake_map_page(a, frame, vspace, va, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER));
    }

    /* The thread: its fault handler is the driver's endpoint. */
    SETUP(lake_tcb_configure(tcb, fault_cap, guarded, 0, vspace, TEST_IPC_BUFFER, ipc_frame));
    SETUP(lake_tcb_set_mc_priority(tcb, LAKE_ROOT_TCB, TEST_MCP));
    SETUP(lake_tcb_set_priority(tcb, LAKE_ROOT_TCB, TEST_PRIORITY));
    lake_debug_name_thread(tcb, test->name);

    lake_word_t regs[LAKE_NUM_REGS] = {0};
    regs[LAKE_REG_PC] = (lake_word_t)test_child_entry;
    regs[LAKE_REG_SP] = (lake_word_t)__lake_stack_top;
    regs[LAKE_REG_X0] = TEST_ENV_ADDR;
    regs[LAKE_REG_TPIDR] = lake_tls_main_tp();
    SETUP(lake_tcb_write_registers(tcb, false, LAKE_NUM_REGS, regs));

    *tcb_out = tcb;
    *ep_out = ep;
    return true;
}

static const char *fault_name(lake_word_t kind)
{
    switch (kind) {
    case LAKE_FAULT_CAP:            return "capability";
    case LAKE_FAULT_UNKNOWN_SYSCALL: return "unknown-syscall";
    case LAKE_FAULT_USER_EXCEPTION: return "user-exception";
    case LAKE_FAULT_VM:             return "vm";
    default:                        return "unknown";
    }
}

/* Wait for the child's report (or fault) and judge it. */
static bool await_result(lake_cptr_t ep)
{
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(ep, &badge);
    lake_word_t label = lake_msginfo_label(info);
    unsigned length = lake_msginfo_length(info);
    const lake_word_t *w = lake_ipc_buffer->msg;

    if (badge & WATCHDOG_BADGE) {
        lake_debug_dump_scheduler();
        snprintf(reason, sizeof(reason), "timeout (every thread of the test is blocked)");
        return false;
    }
    if (badge == TEST_BADGE_REPORT) {
        if (label == TEST_REPORT_PASS)
            return true;
        size_t bytes = length * sizeof(lake_word_t);
        char message[LAKE_DEBUG_PUTS_MAX + 1];
        memcpy(message, w, bytes);
        message[bytes] = '\0';
        snprintf(reason, sizeof(reason), "%s", length ? message : "failed");
        return false;
    }
    if (badge == TEST_BADGE_FAULT) {
        switch (label) {
        case LAKE_FAULT_VM:
            snprintf(reason, sizeof(reason), "fault vm pc=%#lx addr=%#lx fsr=%#lx%s",
                     (unsigned long)w[LAKE_VM_FAULT_PC], (unsigned long)w[LAKE_VM_FAULT_ADDR],
                     (unsigned long)w[LAKE_VM_FAULT_FSR],
                     w[LAKE_VM_FAULT_IS_PREFETCH] ? " (instruction fetch)" : "");
            break;
        case LAKE_FAULT_USER_EXCEPTION:
            snprintf(reason, sizeof(reason), "fault user-exception pc=%#lx addr=- esr=%#lx",
                     (unsigned long)w[LAKE_USER_EXC_PC], (unsigned long)w[LAKE_USER_EXC_ESR]);
            break;
        case LAKE_FAULT_UNKNOWN_SYSCALL:
            snprintf(reason, sizeof(reason), "fault unknown-syscall pc=%#lx addr=- number=%ld",
                     (unsigned long)w[LAKE_UNKNOWN_SYSCALL_PC],
                     (long)w[LAKE_UNKNOWN_SYSCALL_NUMBER]);
            break;
        case LAKE_FAULT_CAP:
            snprintf(reason, sizeof(reason), "fault capability pc=- addr=%#lx lookup=%lu%s",
                     (unsigned long)w[LAKE_CAP_FAULT_ADDR],
                     (unsigned long)w[LAKE_CAP_FAULT_LOOKUP_TYPE],
                     w[LAKE_CAP_FAULT_IN_RECV] ? " (receive phase)" : "");
            break;
        default:
            snprintf(reason, sizeof(reason), "fault %s (label %lu)", fault_name(label),
                     (unsigned long)label);
        }
        return false;
    }
    snprintf(reason, sizeof(reason), "unexpected message: badge %lu label %lu",
             (unsigned long)badge, (unsigned long)label);
    return false;
}

/* Destroy everything the child had; leave the driver as before the test. */
static void cleanup_child(bool child_ran)
{
    if (child_ran) {
        /* Park the child's reply capability and drop it: the child stays
         * blocked until its TCB goes with the quota. */
        if (lake_cnode_save_caller(LAKE_ROOT_CNODE, drv.reply_slot, ROOT_DEPTH) == LAKE_OK)
            lake_cnode_delete(LAKE_ROOT_CNODE, drv.reply_slot, ROOT_DEPTH);
    }
    /* The image frame copies first, while the VSpace they are mapped in
     * still exists; then everything made from the quota. */
    for (lake_cptr_t s = image_copies_start; s < image_copies_end; s++)
        lake_cnode_delete(LAKE_ROOT_CNODE, s, ROOT_DEPTH);
    image_copies_start = image_copies_end = 0;
    int error = lake_cnode_revoke(LAKE_ROOT_CNODE, drv.quota, ROOT_DEPTH);
    if (error)
        printf("tests: warning: revoking the quota: %s\n", lake_error_name(error));
    lake_cnode_revoke(LAKE_ROOT_CNODE, LAKE_ROOT_IRQ_CONTROL, ROOT_DEPTH);
    lake_cnode_revoke(LAKE_ROOT_CNODE, LAKE_ROOT_ASID_CONTROL, ROOT_DEPTH);
    lake_cnode_revoke(LAKE_ROOT_CNODE, LAKE_ROOT_ASID_POOL, ROOT_DEPTH);
    if (drv.device_untyped)
        lake_cnode_revoke(LAKE_ROOT_CNODE, drv.device_untyped, ROOT_DEPTH);
    if (drv.big_untyped)
        lake_cnode_revoke(LAKE_ROOT_CNODE, drv.big_untyped, ROOT_DEPTH);

    /* Everything in this test's slots must be gone now. */
    for (lake_cptr_t s = drv.child_first_slot; s < child_alloc.next_slot; s++) {
        if (lake_debug_cap_identify(s) != LAKE_OBJ_NULL) {
            printf("tests: warning: slot %lu (type %u) survived the clean-up\n",
                   (unsigned long)s, lake_debug_cap_identify(s));
            lake_cnode_delete(LAKE_ROOT_CNODE, s, ROOT_DEPTH);
        }
    }
    child_alloc.next_slot = drv.child_first_slot;
}

static bool run_in_child(const struct test_desc *test)
{
    lake_cptr_t tcb, ep;
    child_alloc.untyped = drv.quota;
    child_alloc.next_slot = drv.child_first_slot;
    child_alloc.end_slot = lake_bootinfo->empty.end;

    bool ok = build_child(test, &tcb, &ep);
    bool ran = false;
    if (ok) {
        watchdog_reset();
        int error = lake_tcb_resume(tcb);
        if (error) {
            snprintf(reason, sizeof(reason), "setup: resume: %s", lake_error_name(error));
            ok = false;
        } else {
            ran = true;
            ok = await_result(ep);
            lake_tcb_suspend(tcb);
        }
    }
    cleanup_child(ran);
    return ok;
}

/* ---- set-up ------------------------------------------------------------ */

static bool setup(void)
{
    const struct lake_bootinfo *bi = lake_bootinfo;
    lake_word_t count = bi->untyped.end - bi->untyped.start;
    int largest = -1;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        if (u->is_device) {
            bool has_timer = u->paddr <= TEST_SYSTEM_TIMER_PADDR &&
                             TEST_SYSTEM_TIMER_PADDR < u->paddr + (1ull << u->size_bits);
            bool had_timer = drv.device_untyped && drv.device_untyped_paddr <= TEST_SYSTEM_TIMER_PADDR &&
                             TEST_SYSTEM_TIMER_PADDR < drv.device_untyped_paddr +
                                                       (1ull << drv.device_untyped_bits);
            if (!drv.device_untyped || has_timer ||
                (!had_timer && u->size_bits < drv.device_untyped_bits)) {
                drv.device_untyped = bi->untyped.start + i;
                drv.device_untyped_bits = u->size_bits;
                drv.device_untyped_paddr = u->paddr;
            }
        } else if (largest < 0 || u->size_bits > bi->untyped_list[largest].size_bits) {
            largest = (int)i;
        }
    }
    if (largest < 0 || bi->untyped_list[largest].size_bits <= MIN_QUOTA_BITS) {
        snprintf(reason, sizeof(reason), "no RAM untyped larger than 2^%d bytes", MIN_QUOTA_BITS);
        return false;
    }
    unsigned quota_bits = bi->untyped_list[largest].size_bits - 1;
    if (quota_bits > QUOTA_BITS)
        quota_bits = QUOTA_BITS;
    if (bi->image_start != (uintptr_t)__image_start) {
        snprintf(reason, sizeof(reason), "image starts at %#lx, linked at %#lx",
                 (unsigned long)bi->image_start, (unsigned long)__image_start);
        return false;
    }
    lake_cptr_t big = bi->untyped.start + (lake_cptr_t)largest;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        if (!u->is_device && (int)i != largest && u->size_bits >= TEST_BIG_UNTYPED_BITS)
            drv.big_untyped = bi->untyped.start + i;
    }

    drv.driver.untyped = big;
    drv.driver.next_slot = bi->empty.start;
    drv.driver.end_slot = bi->empty.start + DRIVER_SLOTS;
    drv.child_first_slot = drv.driver.end_slot;
    SETUP(lake_alloc_object(&drv.driver, LAKE_OBJ_UNTYPED, quota_bits, &drv.quota));
    lake_cptr_t pool;
    SETUP(lake_alloc_object(&drv.driver, LAKE_OBJ_UNTYPED, POOL_BITS, &pool));
    drv.driver.untyped = pool;
    SETUP(lake_alloc_slot(&drv.driver, &drv.reply_slot));

    /* Page tables for the scratch page, made once. */
    lake_cptr_t frame;
    SETUP(lake_alloc_object(&drv.driver, LAKE_OBJ_FRAME_4K, 0, &frame));
    SETUP(lake_map_page(&drv.driver, frame, LAKE_ROOT_VSPACE, SCRATCH_VADDR, LAKE_RIGHTS_RW,
                        LAKE_ATTR_EXECUTE_NEVER));
    SETUP(lake_frame_unmap(frame));
    return start_watchdog();
}

static int compare_tests(const void *a, const void *b)
{
    const struct test_desc *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* `tests=A,B` on the kernel command line runs only tests whose names
 * start with A or B (e.g. tests=IPC_,FPU_001). */
static const char *selected_prefixes(const char *cmdline)
{
    static char list[128];
    const char *p = strstr(cmdline, "tests=");
    if (p == NULL || (p != cmdline && p[-1] != ' '))
        return NULL;
    p += strlen("tests=");
    size_t n = 0;
    while (p[n] != '\0' && p[n] != ' ' && n < sizeof(list) - 1) {
        list[n] = p[n];
        n++;
    }
    list[n] = '\0';
    return n > 0 ? list : NULL;
}

static bool test_selected(const char *only, const char *name)
{
    if (only == NULL)
        return true;
    for (const char *p = only; *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len > 0 && strncmp(name, p, len) == 0)
            return true;
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

int main(void)
{
    memcpy(&bootinfo_copy, lake_bootinfo, sizeof(bootinfo_copy));
    printf("tests: LakeOS in-OS test suite\n");
    if (!setup()) {
        printf("tests: set-up failed: %s\n", reason);
        return 1;
    }

    size_t count = (size_t)(__stop_lake_tests - __start_lake_tests);
    static const struct test_desc *tests[1024];
    if (count > sizeof(tests) / sizeof(tests[0]))
        count = sizeof(tests) / sizeof(tests[0]);
    for (size_t i = 0; i < count; i++)
        tests[i] = &__start_lake_tests[i];
    qsort(tests, count, sizeof(tests[0]), compare_tests);
    printf("tests: %zu tests\n", count);

    const char *only = selected_prefixes(bootinfo_copy.cmdline);
    if (only)
        printf("tests: only tests starting with %s\n", only);

    unsigned passed = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        const struct test_desc *test = tests[i];
        if (!test_selected(only, test->name))
            continue;
        reason[0] = '\0';
        bool ok = (test->flags & TEST_IN_ROOT) ? run_in_root(test) : run_in_child(test);
        if (ok) {
            passed++;
            printf("[PASS] %s\n", test->name);
        } else {
            failed++;
            printf("[FAIL] %s: %s\n", test->name, reason);
        }
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
