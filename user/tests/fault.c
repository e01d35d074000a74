/*
 * FAULT: fault messages on a thread's fault endpoint (VM fault, user
 * exception, unknown system call, capability fault) and resuming or not
 * resuming with the reply.
 */
#include "test.h"

#define ROOT TEST_CNODE
#define D TEST_DEPTH

#define FAULT_VADDR (TEST_FREE_VADDR + 0x5000)

static void read_unmapped(struct test_thread *t)
{
    volatile lake_word_t *p = (volatile lake_word_t *)t->arg[0];
    t->result[0] = *p;
}

TEST(FAULT_001, "a VM fault arrives with its address and the reply retries the access")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, read_unmapped, env->priority, handler);
    t.arg[0] = FAULT_VADDR + 0x18;
    test_thread_start(&t);

    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    test_eq(lake_msginfo_length(info), LAKE_VM_FAULT_LENGTH);
    test_eq(lake_get_mr(LAKE_VM_FAULT_ADDR), FAULT_VADDR + 0x18);
    test_eq(lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH), 0);
    lake_word_t pc = lake_get_mr(LAKE_VM_FAULT_PC);
    test_assert(pc >= (lake_word_t)__text_start && pc < (lake_word_t)__text_end);

    /* Map the page, put a value there, let it retry. */
    test_new_page(env, FAULT_VADDR);
    *(volatile lake_word_t *)(FAULT_VADDR + 0x18) = 0xfeed;
    lake_reply(lake_msginfo(0, 0, 0, 0));
    test_thread_join(&t);
    test_eq(t.result[0], 0xfeed);
}

static void jump_to(struct test_thread *t)
{
    void (*fn)(void) = (void (*)(void))t->arg[0];
    fn();
}

TEST(FAULT_002, "an instruction fetch from an unmapped page is a prefetch VM fault")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, jump_to, env->priority, handler);
    t.arg[0] = FAULT_VADDR;
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    test_eq(lake_get_mr(LAKE_VM_FAULT_ADDR), FAULT_VADDR);
    test_eq(lake_get_mr(LAKE_VM_FAULT_PC), FAULT_VADDR);
    test_eq(lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH), 1);
}

static void resumed_here(void);
static struct test_thread *resumed_thread;

static void __attribute__((noinline)) undefined_instruction(struct test_thread *t)
{
    (void)t;
    __asm__ volatile("udf #0x42");
}

static void resumed_here(void)
{
    struct test_thread *t = resumed_thread;
    t->result[1] = 0xcafe;
    lake_signal(t->done);
    for (;;)
        lake_tcb_suspend(t->tcb);
}

TEST(FAULT_003, "an undefined instruction is a user exception; the reply sets a new pc")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, undefined_instruction, env->priority, handler);
    resumed_thread = &t;
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_USER_EXCEPTION);
    test_eq(lake_msginfo_length(info), LAKE_USER_EXC_LENGTH);
    lake_word_t esr = lake_get_mr(LAKE_USER_EXC_ESR);
    test_eq(esr >> 26, 0);      /* EC 0: unknown reason (UDF) */
    lake_word_t pc = lake_get_mr(LAKE_USER_EXC_PC);
    test_assert(pc >= (lake_word_t)__text_start && pc < (lake_word_t)__text_end);
    test_eq(*(const uint32_t *)pc, 0x00000042);     /* udf #0x42 */
    lake_set_mr(0, (lake_word_t)resumed_here);
    lake_set_mr(1, t.stack_top);
    lake_reply(lake_msginfo(0, 0, 0, 2));
    test_thread_join(&t);
    test_eq(t.result[1], 0xcafe);
}

static void bad_syscall(struct test_thread *t)
{
    register lake_word_t x0 __asm__("x0") = 0x1234;
    register lake_word_t x1 __asm__("x1") = 0x5678;
    register long x7 __asm__("x7") = 99;
    (void)t;
    __asm__ volatile("svc #0" : "+r"(x0), "+r"(x1) : "r"(x7) : "x2", "x3", "x4", "x5",
                     LAKE_SYSCALL_CLOBBERS);
}

TEST(FAULT_004, "an unknown system call number is delivered with its registers")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, bad_syscall, env->priority, handler);
    resumed_thread = &t;
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_UNKNOWN_SYSCALL);
    test_eq(lake_msginfo_length(info), LAKE_UNKNOWN_SYSCALL_LENGTH);
    test_eq(lake_get_mr(LAKE_UNKNOWN_SYSCALL_NUMBER), 99);
    test_eq(lake_get_mr(LAKE_UNKNOWN_SYSCALL_X0), 0x1234);
    test_eq(lake_get_mr(LAKE_UNKNOWN_SYSCALL_X0 + 1), 0x5678);
    lake_set_mr(0, (lake_word_t)resumed_here);
    lake_set_mr(1, t.stack_top);
    lake_reply(lake_msginfo(0, 0, 0, 2));
    test_thread_join(&t);
    test_eq(t.result[1], 0xcafe);
}

static void send_on_empty(struct test_thread *t)
{
    lake_send(t->arg[0], lake_msginfo(0, 0, 0, 0));
    t->result[0] = 1;
}

static void recv_on_empty(struct test_thread *t)
{
    lake_recv(t->arg[0], NULL);
    t->result[0] = 1;
}

TEST(FAULT_005, "Send on an empty slot is a capability fault")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, send_on_empty, env->priority, handler);
    t.arg[0] = test_slot(env);
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_CAP);
    test_eq(lake_get_mr(LAKE_CAP_FAULT_ADDR), t.arg[0]);
    test_eq(lake_get_mr(LAKE_CAP_FAULT_IN_RECV), 0);
    test_eq(lake_get_mr(LAKE_CAP_FAULT_LOOKUP_TYPE), LAKE_LOOKUP_MISSING_CAPABILITY);
}

TEST(FAULT_006, "Recv on an empty slot is a capability fault in the receive phase")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, recv_on_empty, env->priority, handler);
    t.arg[0] = test_slot(env);
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_CAP);
    test_eq(lake_get_mr(LAKE_CAP_FAULT_ADDR), t.arg[0]);
    test_eq(lake_get_mr(LAKE_CAP_FAULT_IN_RECV), 1);
}

TEST(FAULT_007, "a reply with a non-zero label leaves the thread suspended")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, read_unmapped, env->priority, handler);
    t.arg[0] = FAULT_VADDR;
    test_thread_start(&t);
    lake_recv(handler, NULL);
    test_new_page(env, FAULT_VADDR);
    lake_reply(lake_msginfo(1, 0, 0, 0));
    test_yield_many(5);
    /* Still stuck: it never completed the load, and no second fault came. */
    lake_word_t badge;
    lake_msginfo_t info = lake_nb_recv(handler, &badge);
    test_eq(lake_msginfo_label(info), 0);
    test_eq(lake_poll(t.done, NULL), 0);
}

TEST(FAULT_008, "the fault message carries the badge of the fault endpoint cap")
{
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t badged = test_mint(env, handler, LAKE_RIGHTS_ALL, 0xbad);
    struct test_thread t;
    test_thread_init(env, &t, read_unmapped, env->priority, badged);
    t.arg[0] = FAULT_VADDR;
    test_thread_start(&t);
    lake_word_t badge = 0;
    lake_msginfo_t info = lake_recv(handler, &badge);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    test_eq(badge, 0xbad);
}

static void fault_then_report(struct test_thread *t)
{
    volatile lake_word_t *p = (volatile lake_word_t *)t->arg[0];
    t->result[0] = *p;
}

TEST(FAULT_009, "SetFaultHandler changes where faults go")
{
    lake_cptr_t first = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t second = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t second_badged = test_mint(env, second, LAKE_RIGHTS_ALL, 2);
    struct test_thread t;
    test_thread_init(env, &t, fault_then_report, env->priority, first);
    test_ok(lake_tcb_set_fault_handler(t.tcb, second_badged));
    t.arg[0] = FAULT_VADDR;
    test_thread_start(&t);
    lake_word_t badge = 0;
    lake_msginfo_t info = lake_recv(second, &badge);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    test_eq(badge, 2);
    info = lake_nb_recv(first, NULL);
    test_eq(lake_msginfo_label(info), 0);
}

TEST(FAULT_010, "a thread without a fault handler is suspended; others go on")
{
    struct test_thread t;
    test_thread_init(env, &t, read_unmapped, env->priority, 0);
    test_ok(lake_tcb_set_fault_handler(t.tcb, 0));
    t.arg[0] = FAULT_VADDR;
    test_thread_start(&t);
    test_yield_many(5);
    test_eq(lake_poll(t.done, NULL), 0);
    lake_word_t regs[LAKE_NUM_REGS];
    test_ok(lake_tcb_read_registers(t.tcb, false, LAKE_NUM_REGS, regs));
    test_assert(regs[LAKE_REG_PC] >= (lake_word_t)__text_start &&
                regs[LAKE_REG_PC] < (lake_word_t)__text_end);
}
