/*
 * Faults become messages: the faulting thread is blocked as if it had made a
 * Call on its fault handler endpoint (a capability kept in its TCB), with the
 * fault kind as the label. Without a usable handler the thread is suspended
 * and the kernel says so in one line.
 */
#include <console.h>
#include <fault.h>
#include <ipc.h>
#include <lake/message.h>
#include <sched.h>

static const u8 fault_lengths[] = {
    [LAKE_FAULT_NONE] = 0,
    [LAKE_FAULT_CAP] = LAKE_CAP_FAULT_LENGTH,
    [LAKE_FAULT_UNKNOWN_SYSCALL] = LAKE_UNKNOWN_SYSCALL_LENGTH,
    [LAKE_FAULT_USER_EXCEPTION] = LAKE_USER_EXC_LENGTH,
    [LAKE_FAULT_VM] = LAKE_VM_FAULT_LENGTH,
};

unsigned fault_message_length(unsigned kind)
{
    return kind < ARRAY_SIZE(fault_lengths) ? fault_lengths[kind] : 0;
}

const char *fault_kind_name(unsigned kind)
{
    switch (kind) {
    case LAKE_FAULT_CAP:             return "capability fault";
    case LAKE_FAULT_UNKNOWN_SYSCALL: return "unknown system call";
    case LAKE_FAULT_USER_EXCEPTION:  return "user exception";
    case LAKE_FAULT_VM:              return "VM fault";
    default:                         return "no fault";
    }
}

static void report_unhandled(struct tcb *t, unsigned kind, const u64 *words)
{
    kprintf("fault: thread '%s' %s at pc 0x%lx", t->name[0] ? t->name : "?",
            fault_kind_name(kind), (unsigned long)t->ctx.elr);
    if (kind == LAKE_FAULT_VM)
        kprintf(" address 0x%lx (%s)", (unsigned long)words[LAKE_VM_FAULT_ADDR],
                words[LAKE_VM_FAULT_IS_PREFETCH] ? "instruction fetch" : "data access");
    else if (kind == LAKE_FAULT_USER_EXCEPTION)
        kprintf(" ESR 0x%lx", (unsigned long)words[LAKE_USER_EXC_ESR]);
    else if (kind == LAKE_FAULT_UNKNOWN_SYSCALL)
        kprintf(" number %ld", (long)words[LAKE_UNKNOWN_SYSCALL_NUMBER]);
    else if (kind == LAKE_FAULT_CAP)
        kprintf(" cptr 0x%lx", (unsigned long)words[LAKE_CAP_FAULT_ADDR]);
    kprintf(": no fault handler, thread suspended\n");
}

void fault_raise(struct tcb *t, unsigned kind, const u64 *words)
{
    struct cap handler = t->slots[TCB_SLOT_FAULT_HANDLER].cap;
    unsigned rights = cap_rights(handler);
    unsigned length = fault_message_length(kind);

    for (unsigned i = 0; i < length; i++)
        t->fault_words[i] = words[i];
    if (cap_type(handler) != LAKE_OBJ_ENDPOINT || !(rights & LAKE_RIGHT_WRITE) ||
        !(rights & (LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY))) {
        report_unhandled(t, kind, words);
        t->fault_kind = LAKE_FAULT_NONE;
        thread_set_state(t, THREAD_INACTIVE);
        return;
    }
    t->fault_kind = (u8)kind;
    endpoint_send(cap_endpoint(handler), t, handler.data, (rights & LAKE_RIGHT_GRANT) != 0,
                  true, true, true);
}

void fault_raise_cap(struct tcb *t, u64 cptr, bool in_receive, unsigned failure, unsigned bits_left)
{
    u64 words[LAKE_CAP_FAULT_LENGTH] = {
        [LAKE_CAP_FAULT_ADDR] = cptr,
        [LAKE_CAP_FAULT_IN_RECV] = in_receive,
        [LAKE_CAP_FAULT_LOOKUP_TYPE] = failure,
        [LAKE_CAP_FAULT_BITS_LEFT] = bits_left,
    };
    fault_raise(t, LAKE_FAULT_CAP, words);
}

void fault_handle_reply(struct tcb *faulter, struct tcb *replier)
{
    u64 info = replier->ctx.x[1];
    unsigned kind = faulter->fault_kind;
    unsigned length = lake_msginfo_length(info);

    faulter->fault_kind = LAKE_FAULT_NONE;
    if (lake_msginfo_label(info) != 0) {
        thread_set_state(faulter, THREAD_INACTIVE);
        return;
    }
    if (kind == LAKE_FAULT_USER_EXCEPTION || kind == LAKE_FAULT_UNKNOWN_SYSCALL) {
        if (length >= 1)
            faulter->ctx.elr = replier->ctx.x[2];
        if (length >= 2)
            faulter->ctx.sp_el0 = replier->ctx.x[3];
    }
    thread_set_state(faulter, THREAD_RUNNABLE);
}
