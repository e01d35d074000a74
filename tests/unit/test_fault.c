/*
 * kernel/core/fault.c: fault message lengths and names, fault delivery to
 * the handler endpoint (or suspension without one), and the handler's
 * reply. endpoint_send, thread_set_state and kprintf are test doubles.
 */
#include "unit.h"
#include "kmem.h"
#include <stdarg.h>
#include <console.h>
#include <fault.h>
#include <ipc.h>
#include <lake/errors.h>
#include <lake/message.h>
#include <sched.h>

/* ---- test doubles ------------------------------------------------------ */

static struct {
    unsigned calls;
    struct endpoint *ep;
    struct tcb *sender;
    u64 badge;
    bool can_grant, can_grant_reply, blocking, is_call;
    u8 fault_kind;          /* the sender's, at the time of the send */
} sent;

void endpoint_send(struct endpoint *ep, struct tcb *sender, u64 badge, bool can_grant,
                   bool can_grant_reply, bool blocking, bool is_call)
{
    sent.calls++;
    sent.ep = ep;
    sent.sender = sender;
    sent.badge = badge;
    sent.can_grant = can_grant;
    sent.can_grant_reply = can_grant_reply;
    sent.blocking = blocking;
    sent.is_call = is_call;
    sent.fault_kind = sender->fault_kind;
}

static struct {
    unsigned calls;
    enum thread_state state;
} state_set;

void thread_set_state(struct tcb *t, enum thread_state state)
{
    state_set.calls++;
    state_set.state = state;
    t->state = (u8)state;
}

static char console[1024];
static size_t console_len;

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(console + console_len, sizeof(console) - console_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        console_len += (size_t)n < sizeof(console) - console_len ? (size_t)n
                                                                 : sizeof(console) - console_len - 1;
    return n;
}

static struct tcb *setup(void)
{
    kmem_reset();
    memset(&sent, 0, sizeof(sent));
    memset(&state_set, 0, sizeof(state_set));
    console[0] = 0;
    console_len = 0;
    struct tcb *t = kmem_tcb();
    strcpy(t->name, "worker");
    t->ctx.elr = 0x400123;
    t->ctx.sp_el0 = 0x7ff000;
    t->state = THREAD_RUNNABLE;
    return t;
}

static struct endpoint *give_handler(struct tcb *t, unsigned type, unsigned rights, u64 badge)
{
    paddr_t pa = kmem_object(LAKE_ENDPOINT_BITS);
    t->slots[TCB_SLOT_FAULT_HANDLER].cap = cap_make(type, pa, rights, 0, false, 0, badge);
    return phys_to_virt(pa);
}

static const u64 vm_words[LAKE_VM_FAULT_LENGTH] = { 0x400123, 0xdead000, 0x92000007, 0 };

/* ---- lengths and names ------------------------------------------------- */

TEST(message_length_per_kind)
{
    CHECK_EQ(fault_message_length(LAKE_FAULT_NONE), 0);
    CHECK_EQ(fault_message_length(LAKE_FAULT_CAP), 4);
    CHECK_EQ(fault_message_length(LAKE_FAULT_UNKNOWN_SYSCALL), 10);
    CHECK_EQ(fault_message_length(LAKE_FAULT_USER_EXCEPTION), 4);
    CHECK_EQ(fault_message_length(LAKE_FAULT_VM), 4);
}

TEST(message_length_of_unknown_kind_is_zero)
{
    CHECK_EQ(fault_message_length(LAKE_FAULT_VM + 1), 0);
    CHECK_EQ(fault_message_length(255), 0);
    CHECK_EQ(fault_message_length(~0u), 0);
}

TEST(message_lengths_fit_the_thread_and_the_message)
{
    struct tcb t;
    for (unsigned k = 0; k <= LAKE_FAULT_VM + 1; k++) {
        CHECK(fault_message_length(k) <= ARRAY_SIZE(t.fault_words));
        CHECK(fault_message_length(k) <= LAKE_MSG_MAX_LENGTH);
    }
    CHECK_EQ(LAKE_UNKNOWN_SYSCALL_X0 + 6, LAKE_UNKNOWN_SYSCALL_LENGTH);
}

TEST(kind_names)
{
    CHECK_STR(fault_kind_name(LAKE_FAULT_CAP), "capability fault");
    CHECK_STR(fault_kind_name(LAKE_FAULT_UNKNOWN_SYSCALL), "unknown system call");
    CHECK_STR(fault_kind_name(LAKE_FAULT_USER_EXCEPTION), "user exception");
    CHECK_STR(fault_kind_name(LAKE_FAULT_VM), "VM fault");
    CHECK_STR(fault_kind_name(LAKE_FAULT_NONE), "no fault");
    CHECK_STR(fault_kind_name(5), "no fault");
    CHECK_STR(fault_kind_name(~0u), "no fault");
}

/* ---- delivery ---------------------------------------------------------- */

TEST(raise_without_handler_suspends_and_reports)
{
    struct tcb *t = setup();
    fault_raise(t, LAKE_FAULT_VM, vm_words);
    CHECK_EQ(sent.calls, 0);
    CHECK_EQ(state_set.calls, 1);
    CHECK_EQ(state_set.state, THREAD_INACTIVE);
    CHECK_EQ(t->fault_kind, LAKE_FAULT_NONE);
    CHECK_STR(console, "fault: thread 'worker' VM fault at pc 0x400123 address 0xdead000 "
                       "(data access): no fault handler, thread suspended\n");
}

TEST(raise_copies_the_message_words)
{
    struct tcb *t = setup();
    u64 words[LAKE_UNKNOWN_SYSCALL_LENGTH];
    for (unsigned i = 0; i < ARRAY_SIZE(words); i++)
        words[i] = 100 + i;
    t->fault_words[LAKE_UNKNOWN_SYSCALL_LENGTH - 1] = 0;
    give_handler(t, LAKE_OBJ_ENDPOINT, LAKE_RIGHTS_ALL, 0);
    fault_raise(t, LAKE_FAULT_UNKNOWN_SYSCALL, words);
    for (unsigned i = 0; i < ARRAY_SIZE(words); i++)
        CHECK_EQ(t->fault_words[i], 100 + i);
}

TEST(raise_copies_only_the_kinds_length)
{
    /* A VM fault reads exactly 4 words (ASan would catch a 5th). */
    struct tcb *t = setup();
    u64 *words = malloc(LAKE_VM_FAULT_LENGTH * sizeof(u64));
    memcpy(words, vm_words, sizeof(vm_words));
    t->fault_words[LAKE_VM_FAULT_LENGTH] = 0x5a5a;
    fault_raise(t, LAKE_FAULT_VM, words);
    free(words);
    CHECK_EQ(t->fault_words[LAKE_VM_FAULT_ADDR], 0xdead000);
    CHECK_EQ(t->fault_words[LAKE_VM_FAULT_LENGTH], 0x5a5a);
}

TEST(raise_with_handler_calls_it)
{
    struct tcb *t = setup();
    struct endpoint *ep = give_handler(t, LAKE_OBJ_ENDPOINT,
                                       LAKE_RIGHT_WRITE | LAKE_RIGHT_GRANT_REPLY, 0x77);
    fault_raise(t, LAKE_FAULT_VM, vm_words);
    CHECK_EQ(sent.calls, 1);
    CHECK(sent.ep == ep);
    CHECK(sent.sender == t);
    CHECK_EQ(sent.badge, 0x77);
    CHECK(!sent.can_grant);
    CHECK(sent.can_grant_reply);
    CHECK(sent.blocking);
    CHECK(sent.is_call);
    CHECK_EQ(sent.fault_kind, LAKE_FAULT_VM);
    CHECK_EQ(t->fault_kind, LAKE_FAULT_VM);
    CHECK_EQ(state_set.calls, 0);
    CHECK_EQ(console_len, 0);
}

TEST(raise_with_grant_handler_can_grant)
{
    struct tcb *t = setup();
    give_handler(t, LAKE_OBJ_ENDPOINT, LAKE_RIGHT_WRITE | LAKE_RIGHT_GRANT, 1);
    fault_raise(t, LAKE_FAULT_USER_EXCEPTION, vm_words);
    CHECK_EQ(sent.calls, 1);
    CHECK(sent.can_grant);
    CHECK(sent.can_grant_reply);
}

TEST(handler_without_write_is_no_handler)
{
    struct tcb *t = setup();
    give_handler(t, LAKE_OBJ_ENDPOINT, LAKE_RIGHT_READ | LAKE_RIGHT_GRANT, 0);
    fault_raise(t, LAKE_FAULT_VM, vm_words);
    CHECK_EQ(sent.calls, 0);
    CHECK_EQ(state_set.state, THREAD_INACTIVE);
}

TEST(handler_without_any_grant_is_no_handler)
{
    /* The handler must be able to reply: Grant or GrantReply. */
    struct tcb *t = setup();
    give_handler(t, LAKE_OBJ_ENDPOINT, LAKE_RIGHTS_RW, 0);
    fault_raise(t, LAKE_FAULT_VM, vm_words);
    CHECK_EQ(sent.calls, 0);
    CHECK_EQ(state_set.state, THREAD_INACTIVE);
}

TEST(notification_handler_is_no_handler)
{
    struct tcb *t = setup();
    give_handler(t, LAKE_OBJ_NOTIFICATION, LAKE_RIGHTS_ALL, 0);
    fault_raise(t, LAKE_FAULT_VM, vm_words);
    CHECK_EQ(sent.calls, 0);
    CHECK_EQ(state_set.state, THREAD_INACTIVE);
}

TEST(report_names_each_kind)
{
    struct tcb *t = setup();
    u64 exc[LAKE_USER_EXC_LENGTH] = { 0x400123, 0x7ff000, 0x0, 0x2000000 };
    fault_raise(t, LAKE_FAULT_USER_EXCEPTION, exc);
    CHECK(strstr(console, "user exception at pc 0x400123 ESR 0x2000000:") != NULL);

    t = setup();
    u64 sys[LAKE_UNKNOWN_SYSCALL_LENGTH] = { 0x400123, 0, 0, (u64)-42 };
    fault_raise(t, LAKE_FAULT_UNKNOWN_SYSCALL, sys);
    CHECK(strstr(console, "unknown system call at pc 0x400123 number -42:") != NULL);

    t = setup();
    u64 vm[LAKE_VM_FAULT_LENGTH] = { 0x400123, 0x400120, 0x8200000f, 1 };
    fault_raise(t, LAKE_FAULT_VM, vm);
    CHECK(strstr(console, "address 0x400120 (instruction fetch)") != NULL);
}

TEST(report_of_unnamed_thread)
{
    struct tcb *t = setup();
    t->name[0] = 0;
    fault_raise_cap(t, 0x99, false, LAKE_LOOKUP_MISSING_CAPABILITY, 52);
    CHECK_STR(console, "fault: thread '?' capability fault at pc 0x400123 cptr 0x99: "
                       "no fault handler, thread suspended\n");
}

TEST(cap_fault_words)
{
    struct tcb *t = setup();
    give_handler(t, LAKE_OBJ_ENDPOINT, LAKE_RIGHTS_ALL, 3);
    fault_raise_cap(t, 0xabc, true, LAKE_LOOKUP_GUARD_MISMATCH, 17);
    CHECK_EQ(sent.calls, 1);
    CHECK_EQ(t->fault_kind, LAKE_FAULT_CAP);
    CHECK_EQ(t->fault_words[LAKE_CAP_FAULT_ADDR], 0xabc);
    CHECK_EQ(t->fault_words[LAKE_CAP_FAULT_IN_RECV], 1);
    CHECK_EQ(t->fault_words[LAKE_CAP_FAULT_LOOKUP_TYPE], LAKE_LOOKUP_GUARD_MISMATCH);
    CHECK_EQ(t->fault_words[LAKE_CAP_FAULT_BITS_LEFT], 17);
}

/* ---- the handler's reply ----------------------------------------------- */

static struct tcb *replier(unsigned label, unsigned length, u64 w0, u64 w1)
{
    struct tcb *r = kmem_tcb();
    r->ctx.x[1] = lake_msginfo(label, 0, 0, length);
    r->ctx.x[2] = w0;
    r->ctx.x[3] = w1;
    return r;
}

TEST(reply_with_nonzero_label_leaves_thread_suspended)
{
    struct tcb *t = setup();
    t->fault_kind = LAKE_FAULT_USER_EXCEPTION;
    fault_handle_reply(t, replier(1, 2, 0x500000, 0x600000));
    CHECK_EQ(state_set.state, THREAD_INACTIVE);
    CHECK_EQ(t->fault_kind, LAKE_FAULT_NONE);
    CHECK_EQ(t->ctx.elr, 0x400123);
    CHECK_EQ(t->ctx.sp_el0, 0x7ff000);
}

TEST(reply_to_user_exception_sets_pc_and_sp)
{
    struct tcb *t = setup();
    t->fault_kind = LAKE_FAULT_USER_EXCEPTION;
    fault_handle_reply(t, replier(0, 2, 0x500000, 0x600000));
    CHECK_EQ(state_set.state, THREAD_RUNNABLE);
    CHECK_EQ(t->fault_kind, LAKE_FAULT_NONE);
    CHECK_EQ(t->ctx.elr, 0x500000);
    CHECK_EQ(t->ctx.sp_el0, 0x600000);
}

TEST(reply_to_unknown_syscall_with_one_word_sets_pc_only)
{
    struct tcb *t = setup();
    t->fault_kind = LAKE_FAULT_UNKNOWN_SYSCALL;
    fault_handle_reply(t, replier(0, 1, 0x500000, 0x600000));
    CHECK_EQ(state_set.state, THREAD_RUNNABLE);
    CHECK_EQ(t->ctx.elr, 0x500000);
    CHECK_EQ(t->ctx.sp_el0, 0x7ff000);
}

TEST(empty_reply_resumes_unchanged)
{
    struct tcb *t = setup();
    t->fault_kind = LAKE_FAULT_USER_EXCEPTION;
    fault_handle_reply(t, replier(0, 0, 0x500000, 0x600000));
    CHECK_EQ(state_set.state, THREAD_RUNNABLE);
    CHECK_EQ(t->ctx.elr, 0x400123);
    CHECK_EQ(t->ctx.sp_el0, 0x7ff000);
}

TEST(reply_to_vm_fault_retries_the_instruction)
{
    struct tcb *t = setup();
    t->fault_kind = LAKE_FAULT_VM;
    fault_handle_reply(t, replier(0, 2, 0x500000, 0x600000));
    CHECK_EQ(state_set.state, THREAD_RUNNABLE);
    CHECK_EQ(t->ctx.elr, 0x400123);
    CHECK_EQ(t->ctx.sp_el0, 0x7ff000);
    CHECK_EQ(t->fault_kind, LAKE_FAULT_NONE);
}

TEST(reply_to_cap_fault_does_not_move_pc)
{
    struct tcb *t = setup();
    t->fault_kind = LAKE_FAULT_CAP;
    fault_handle_reply(t, replier(0, 2, 0x500000, 0x600000));
    CHECK_EQ(state_set.state, THREAD_RUNNABLE);
    CHECK_EQ(t->ctx.elr, 0x400123);
}
