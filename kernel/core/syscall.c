/*
 * Kernel entry from threads: system calls, user exceptions and faults.
 * Every path ends in return_to_user(), which picks the thread to run.
 *
 * An invocation flows: svc -> handle_user_sync -> handle_syscall ->
 * send_or_invoke -> (not an endpoint/notification/reply) -> build a struct
 * invocation (message words, extra caps looked up) -> decode_invocation ->
 * decode_<object>_invocation validates everything, then performs -> the
 * error code or results are written back as the reply.
 */
#include <arch/esr.h>
#include <arch/fpu.h>
#include <cdt.h>
#include <console.h>
#include <cspace.h>
#include <fastpath.h>
#include <fault.h>
#include <invocation.h>
#include <ipc.h>
#include <irq.h>
#include <lake/syscall.h>
#include <panic.h>
#include <percpu.h>
#include <sched.h>

unsigned decode_invocation(struct invocation *inv);

#define DEBUG_PUTS_MAX (LAKE_MSG_MAX_LENGTH * 8)

/* --- invocation helpers --- */

u64 inv_mr_buffer(const struct invocation *inv, unsigned i)
{
    return tcb_ipc_buffer(inv->thread)->msg[i];
}

unsigned inv_error(struct invocation *inv, unsigned error)
{
    inv->error = error;
    return error;
}

unsigned inv_invalid_argument(struct invocation *inv, unsigned arg_index)
{
    inv->detail[0] = arg_index;
    inv->num_detail = 1;
    return inv_error(inv, LAKE_INVALID_ARGUMENT);
}

unsigned inv_invalid_capability(struct invocation *inv, unsigned cap_index)
{
    inv->detail[0] = cap_index;
    inv->num_detail = 1;
    return inv_error(inv, LAKE_INVALID_CAPABILITY);
}

unsigned inv_range_error(struct invocation *inv, u64 min, u64 max)
{
    inv->detail[0] = min;
    inv->detail[1] = max;
    inv->num_detail = 2;
    return inv_error(inv, LAKE_RANGE_ERROR);
}

unsigned inv_truncated(struct invocation *inv)
{
    return inv_error(inv, LAKE_TRUNCATED_MESSAGE);
}

unsigned inv_missing_table(struct invocation *inv, unsigned level)
{
    inv->detail[0] = 0;
    inv->detail[1] = LAKE_LOOKUP_MISSING_CAPABILITY;
    inv->detail[2] = level;
    inv->num_detail = 3;
    return inv_error(inv, LAKE_FAILED_LOOKUP);
}

bool inv_require(struct invocation *inv, unsigned words, unsigned caps)
{
    if (inv->length < words || inv->num_extra < caps) {
        inv_truncated(inv);
        return false;
    }
    return true;
}

void inv_add_result(struct invocation *inv, u64 value)
{
    if (inv->num_results < INV_MAX_RESULTS)
        inv->result[inv->num_results++] = value;
}

const char *invocation_label_name(u64 label)
{
    switch (label) {
#define LABEL_NAME(name, object, value) case value: return #name;
        LAKE_INVOCATIONS(LABEL_NAME)
#undef LABEL_NAME
    default:
        return "unknown label";
    }
}

const char *error_name(unsigned error)
{
    static const char *const names[] = {
        "OK", "INVALID_ARGUMENT", "INVALID_CAPABILITY", "ILLEGAL_OPERATION", "RANGE_ERROR",
        "ALIGNMENT_ERROR", "FAILED_LOOKUP", "TRUNCATED_MESSAGE", "DELETE_FIRST",
        "REVOKE_FIRST", "NOT_ENOUGH_MEMORY",
    };
    return error < ARRAY_SIZE(names) ? names[error] : "unknown error";
}

/* Writes the reply of an invocation into the caller's message registers. */
static void reply_to_invocation(struct tcb *t, const struct invocation *inv)
{
    const u64 *words = inv->error ? inv->detail : inv->result;
    unsigned count = inv->error ? inv->num_detail : inv->num_results;
    struct lake_ipc_buffer *buf = count > LAKE_MSG_REGISTERS ? tcb_ipc_buffer(t) : NULL;

    if (buf == NULL && count > LAKE_MSG_REGISTERS)
        count = LAKE_MSG_REGISTERS;
    for (unsigned i = 0; i < count; i++) {
        if (i < LAKE_MSG_REGISTERS)
            t->ctx.x[2 + i] = words[i];
        else
            buf->msg[i] = words[i];
    }
    set_receive_result(t, 0, lake_msginfo(inv->error, 0, 0, count));
}

static void debug_report_failure(const struct invocation *inv)
{
#ifdef CONFIG_DEBUG_INVOCATIONS
    kprintf("<<kernel: thread '%s' cptr 0x%lx %s %s: %s", inv->thread->name,
            (unsigned long)inv->cptr, cap_type_name(cap_type(inv->cap)),
            invocation_label_name(inv->label), error_name(inv->error));
    for (unsigned i = 0; i < inv->num_detail; i++)
        kprintf("%s%lu", i == 0 ? " (details " : " ", (unsigned long)inv->detail[i]);
    if (inv->num_detail > 0)
        kprintf(")");
    kprintf(">>\n");
#else
    (void)inv;
#endif
}

static void invoke_object(struct tcb *t, struct cte *slot, u64 cptr, bool is_call)
{
    static struct invocation inv;   /* one at a time; too big for the stack budget */
    u64 info = t->ctx.x[1];
    unsigned extra = lake_msginfo_extra_caps(info);
    /* Only long messages and extra caps need the IPC buffer. */
    struct lake_ipc_buffer *buf = lake_msginfo_length(info) > LAKE_MSG_REGISTERS || extra > 0 ?
                                  tcb_ipc_buffer(t) : NULL;

    /* Field by field: zeroing the whole struct (the detail and result
     * arrays) would cost more than most invocations. The arrays are only
     * read up to num_detail / num_results / num_extra. */
    inv.thread = t;
    inv.slot = slot;
    inv.cap = slot->cap;
    inv.cptr = cptr;
    inv.label = lake_msginfo_label(info);
    inv.length = lake_msginfo_length(info);
    inv.num_extra = 0;
    inv.error = LAKE_OK;
    inv.num_detail = 0;
    inv.num_results = 0;
    if (inv.length > LAKE_MSG_MAX_LENGTH)
        inv.length = LAKE_MSG_MAX_LENGTH;
    if (buf == NULL && inv.length > LAKE_MSG_REGISTERS)
        inv.length = LAKE_MSG_REGISTERS;

    for (unsigned i = 0; i < extra && buf != NULL && inv.error == LAKE_OK; i++) {
        struct lookup l;
        if (cspace_lookup_cap(t, buf->caps_or_badges[i], &l)) {
            inv.extra[inv.num_extra++] = l.slot;
        } else {
            inv_lookup_failed(&inv, &l, true);
        }
    }
    if (inv.error == LAKE_OK && decode_invocation(&inv) == INV_PREEMPTED) {
        /* Re-execute the svc once the interrupt has been taken. */
        t->ctx.elr -= 4;
        return;
    }
    if (inv.error != LAKE_OK)
        debug_report_failure(&inv);
    if (is_call)
        reply_to_invocation(t, &inv);
}

/* --- system calls --- */

__noreturn void syscall_invoke_call(struct tcb *t, struct cte *slot)
{
    invoke_object(t, slot, t->ctx.x[0], true);
    return_to_user();
}

static void send_or_invoke(struct tcb *t, bool blocking, bool is_call)
{
    u64 cptr = t->ctx.x[0];
    struct lookup l;

    if (!cspace_lookup_cap(t, cptr, &l)) {
        fault_raise_cap(t, cptr, false, l.failure, l.bits_left);
        return;
    }
    struct cap c = l.slot->cap;
    unsigned rights = cap_rights(c);
    switch (cap_type(c)) {
    case LAKE_OBJ_NULL:
        fault_raise_cap(t, cptr, false, LAKE_LOOKUP_MISSING_CAPABILITY, 0);
        return;
    case LAKE_OBJ_ENDPOINT:
        if (!(rights & LAKE_RIGHT_WRITE))
            break;      /* an invocation error: no right to send */
        endpoint_send(cap_endpoint(c), t, c.data, (rights & LAKE_RIGHT_GRANT) != 0,
                      (rights & LAKE_RIGHT_GRANT_REPLY) != 0, blocking, is_call);
        return;
    case LAKE_OBJ_NOTIFICATION:
        if (!(rights & LAKE_RIGHT_WRITE))
            break;
        notification_signal(cap_notification(c), c.data);
        if (is_call)
            set_receive_result(t, 0, 0);
        return;
    case LAKE_OBJ_REPLY:
        reply_deliver(l.slot, t);
        return;
    default:
        break;
    }
    invoke_object(t, l.slot, cptr, is_call);
}

static void receive(struct tcb *t, bool blocking)
{
    u64 cptr = t->ctx.x[0];
    struct lookup l;

    if (!cspace_lookup_cap(t, cptr, &l)) {
        fault_raise_cap(t, cptr, true, l.failure, l.bits_left);
        return;
    }
    struct cap c = l.slot->cap;
    bool can_read = (cap_rights(c) & LAKE_RIGHT_READ) != 0;
    if (cap_type(c) == LAKE_OBJ_ENDPOINT && can_read) {
        /* A new receive forgets an unanswered caller (as seL4 does). */
        struct cte *reply = &t->slots[TCB_SLOT_REPLY];
        if (!cap_is_null(reply->cap))
            cte_delete(reply);
        endpoint_receive(cap_endpoint(c), t, blocking);
        return;
    }
    if (cap_type(c) == LAKE_OBJ_NOTIFICATION && can_read) {
        struct notification *n = cap_notification(c);
        if (ntfn_bound(n) == NULL || ntfn_bound(n) == t) {
            notification_wait(n, t, blocking);
            return;
        }
    }
    fault_raise_cap(t, cptr, true, LAKE_LOOKUP_MISSING_CAPABILITY, 0);
}

static void reply(struct tcb *t)
{
    struct cte *slot = &t->slots[TCB_SLOT_REPLY];
    if (cap_type(slot->cap) == LAKE_OBJ_REPLY)
        reply_deliver(slot, t);
}

static void debug_name_thread(struct tcb *t)
{
    struct lookup l;
    struct lake_ipc_buffer *buf = tcb_ipc_buffer(t);
    if (buf == NULL || !cspace_lookup_cap(t, t->ctx.x[0], &l) ||
        cap_type(l.slot->cap) != LAKE_OBJ_TCB) {
        t->ctx.x[0] = LAKE_INVALID_CAPABILITY;
        return;
    }
    struct tcb *target = cap_tcb(l.slot->cap);
    const char *src = (const char *)&buf->msg[0];
    unsigned i;
    for (i = 0; i < sizeof(target->name) - 1 && src[i] != '\0'; i++)
        target->name[i] = src[i];
    target->name[i] = '\0';
    t->ctx.x[0] = LAKE_OK;
}

static void debug_puts(struct tcb *t)
{
    struct lake_ipc_buffer *buf = tcb_ipc_buffer(t);
    u64 len = t->ctx.x[0];
    if (buf == NULL)
        return;
    if (len > DEBUG_PUTS_MAX)
        len = DEBUG_PUTS_MAX;
    const char *text = (const char *)&buf->msg[0];
    for (u64 i = 0; i < len; i++)
        kputc(text[i]);
}

static void unknown_syscall(struct tcb *t, s64 number)
{
    u64 words[LAKE_UNKNOWN_SYSCALL_LENGTH] = {
        [LAKE_UNKNOWN_SYSCALL_PC] = t->ctx.elr,
        [LAKE_UNKNOWN_SYSCALL_SP] = t->ctx.sp_el0,
        [LAKE_UNKNOWN_SYSCALL_SPSR] = t->ctx.spsr,
        [LAKE_UNKNOWN_SYSCALL_NUMBER] = (u64)number,
    };
    for (unsigned i = 0; i < 6; i++)
        words[LAKE_UNKNOWN_SYSCALL_X0 + i] = t->ctx.x[i];
    fault_raise(t, LAKE_FAULT_UNKNOWN_SYSCALL, words);
}

static void handle_syscall(struct tcb *t)
{
    s64 number = (s64)t->ctx.x[7];
    struct lookup l;

    switch (number) {
    case LAKE_SYS_CALL:       send_or_invoke(t, true, true); break;
    case LAKE_SYS_SEND:       send_or_invoke(t, true, false); break;
    case LAKE_SYS_NB_SEND:    send_or_invoke(t, false, false); break;
    case LAKE_SYS_RECV:       receive(t, true); break;
    case LAKE_SYS_NB_RECV:    receive(t, false); break;
    case LAKE_SYS_REPLY:      reply(t); break;
    case LAKE_SYS_REPLY_RECV: reply(t); receive(t, true); break;
    case LAKE_SYS_YIELD:      sched_yield_current(); break;
    case LAKE_SYS_DEBUG_PUTCHAR:
        kputc((char)t->ctx.x[0]);
        break;
    case LAKE_SYS_DEBUG_PUTS:
        debug_puts(t);
        break;
    case LAKE_SYS_DEBUG_DUMP_SCHED:
        sched_dump();
        break;
    case LAKE_SYS_DEBUG_NAME_THREAD:
        debug_name_thread(t);
        break;
    case LAKE_SYS_DEBUG_HALT:
        system_shutdown((int)t->ctx.x[0]);
    case LAKE_SYS_DEBUG_CAP_IDENTIFY:
        t->ctx.x[0] = cspace_lookup_cap(t, t->ctx.x[0], &l) ? cap_type(l.slot->cap) : 0;
        break;
    default:
        unknown_syscall(t, number);
        break;
    }
}

static void user_exception(struct tcb *t, unsigned ec)
{
    const struct trap_frame *f = &t->ctx;

    if (ec == ESR_EC_DABT_LOWER || ec == ESR_EC_IABT_LOWER) {
        u64 words[LAKE_VM_FAULT_LENGTH] = {
            [LAKE_VM_FAULT_PC] = f->elr,
            [LAKE_VM_FAULT_ADDR] = f->far,
            [LAKE_VM_FAULT_FSR] = f->esr,
            [LAKE_VM_FAULT_IS_PREFETCH] = ec == ESR_EC_IABT_LOWER,
        };
        fault_raise(t, LAKE_FAULT_VM, words);
        return;
    }
    u64 words[LAKE_USER_EXC_LENGTH] = {
        [LAKE_USER_EXC_PC] = f->elr,
        [LAKE_USER_EXC_SP] = f->sp_el0,
        [LAKE_USER_EXC_SPSR] = f->spsr,
        [LAKE_USER_EXC_ESR] = f->esr,
    };
    fault_raise(t, LAKE_FAULT_USER_EXCEPTION, words);
}

void handle_user_sync(struct trap_frame *ctx)
{
    struct tcb *t = current_thread();
    unsigned ec = esr_class(ctx->esr);

    if (t->state == THREAD_IDLE) {
        trap_frame_dump(ctx, VEC_EL1_SP0_SYNC);
        panic("exception in the idle thread");
    }
    if (ec == ESR_EC_SVC64)
        handle_syscall(t);      /* vectors.S tried the IPC fast path first */
    else if (ec == ESR_EC_FP_ACCESS)
        fpu_handle_trap(t);
    else
        user_exception(t, ec);
    return_to_user();
}

void handle_user_irq(struct trap_frame *ctx)
{
    (void)ctx;
    irq_dispatch();
    return_to_user();
}
