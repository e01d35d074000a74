/*
 * TCB invocations: configuration, scheduling parameters, starting and
 * stopping, register access, notification binding.
 */
#include <arch/fpu.h>
#include <arch/vspace.h>
#include <cdt.h>
#include <cspace.h>
#include <fault.h>
#include <invocation.h>
#include <ipc.h>
#include <percpu.h>
#include <sched.h>
#include <tcb.h>
#include <tcb_cache.h>

/* Every live TCB, so the scheduler dump can show blocked threads too. */
static struct tcb *all_threads;

struct tcb *tcb_first(void)
{
    return all_threads;
}

void tcb_init(struct tcb *t)
{
    t->all_next = all_threads;
    t->all_prev = NULL;
    if (all_threads)
        all_threads->all_prev = t;
    all_threads = t;
    t->state = THREAD_INACTIVE;
    t->cpu = (u8)this_cpu()->id;
    t->timeslice = TIMESLICE_TICKS;
    t->ctx.spsr = 0;    /* EL0t, interrupts enabled */
    t->reply_cap_w0 = cap_make(LAKE_OBJ_REPLY, virt_to_phys(t), 0, 0, false, 0, 0).w0;
    tcb_cache_clear(t);
}

void tcb_finalise(struct tcb *t)
{
    if (t->all_prev)
        t->all_prev->all_next = t->all_next;
    else if (all_threads == t)
        all_threads = t->all_next;
    if (t->all_next)
        t->all_next->all_prev = t->all_prev;
    t->all_next = t->all_prev = NULL;
    ipc_cancel(t);
    thread_set_state(t, THREAD_INACTIVE);
    notification_unbind(t);
    fpu_release(t);
    if (t->reply_slot != NULL) {
        /* The reply cap that would answer this thread goes with it. */
        t->reply_slot->cap = cap_null();
        t->reply_slot = NULL;
    }
}

u64 tcb_get_register(struct tcb *t, unsigned n)
{
    switch (n) {
    case LAKE_REG_PC:    return t->ctx.elr;
    case LAKE_REG_SP:    return t->ctx.sp_el0;
    case LAKE_REG_SPSR:  return t->ctx.spsr;
    case LAKE_REG_TPIDR: return t == current_thread() ? sysreg_read(tpidr_el0) : t->tpidr_el0;
    default:             return t->ctx.x[n - LAKE_REG_X0];
    }
}

void tcb_set_register(struct tcb *t, unsigned n, u64 value)
{
    switch (n) {
    case LAKE_REG_PC:   t->ctx.elr = value; break;
    case LAKE_REG_SP:   t->ctx.sp_el0 = value; break;
    case LAKE_REG_SPSR: t->ctx.spsr = value & SPSR_USER_WRITABLE; break;
    case LAKE_REG_TPIDR:
        t->tpidr_el0 = value;
        if (t == current_thread())
            sysreg_write(tpidr_el0, value);
        break;
    default:
        t->ctx.x[n - LAKE_REG_X0] = value;
        break;
    }
}

/* Replaces the capability in one of the TCB's own slots by a copy of src.
 * The CSpace and VSpace slots are flagged: their caps feed the fast
 * paths' caches (tcb_cache.h), which cap_finalise forgets on removal. */
static void install_slot(struct tcb *t, enum tcb_slot which, struct cte *src, struct cap cap)
{
    struct cte *slot = &t->slots[which];
    bool space = which == TCB_SLOT_CSPACE || which == TCB_SLOT_VSPACE;
    cte_delete(slot);
    if (src != NULL)
        cdt_insert(src, slot, cap, space ? CTE_TCB_SPACE : 0);
}

/* Looks up an optional endpoint cptr in the caller's CSpace (0 = none). */
static bool lookup_fault_handler(struct invocation *inv, u64 cptr, struct cte **out)
{
    struct lookup l;
    *out = NULL;
    if (cptr == 0)
        return true;
    if (!cspace_lookup_cap(inv->thread, cptr, &l)) {
        inv_lookup_failed(inv, &l, true);
        return false;
    }
    if (cap_type(l.slot->cap) != LAKE_OBJ_ENDPOINT) {
        inv_invalid_argument(inv, 0);
        return false;
    }
    *out = l.slot;
    return true;
}

static unsigned decode_configure(struct invocation *inv, struct tcb *t)
{
    if (!inv_require(inv, 3, 3))
        return inv->error;
    struct cte *fault_ep;
    u64 cspace_data = inv_mr(inv, 1);
    u64 buffer = inv_mr(inv, 2);
    struct cte *cspace = inv->extra[0], *vspace = inv->extra[1], *frame = inv->extra[2];
    struct cap cspace_cap = cspace->cap;

    if (!lookup_fault_handler(inv, inv_mr(inv, 0), &fault_ep))
        return inv->error;
    if (cap_type(cspace_cap) != LAKE_OBJ_CNODE)
        return inv_invalid_capability(inv, 1);
    if (cspace_data != 0) {
        unsigned guard_size = cspace_data & 0x3f;
        if (guard_size + cap_cnode_radix(cspace_cap) > 64)
            return inv_invalid_argument(inv, 1);
        cspace_cap = cap_with_small(cspace_cap, guard_size);
        cspace_cap.data = (cspace_data >> 6) & mask_bits(guard_size);
    }
    if (cap_type(vspace->cap) != LAKE_OBJ_VSPACE || cap_vspace_asid(vspace->cap) == 0)
        return inv_invalid_capability(inv, 2);
    bool has_buffer = !cap_is_null(frame->cap);
    /* The kernel writes messages there: device memory is not acceptable. */
    if (has_buffer && (!cap_is_frame(frame->cap) || cap_flag(frame->cap)))
        return inv_invalid_capability(inv, 3);
    if (has_buffer && !is_aligned(buffer, LAKE_IPC_BUFFER_SIZE))
        return inv_error(inv, LAKE_ALIGNMENT_ERROR);

    struct cap frame_cap;
    if (has_buffer)
        cap_derive(frame->cap, &frame_cap);
    install_slot(t, TCB_SLOT_FAULT_HANDLER, fault_ep, fault_ep ? fault_ep->cap : cap_null());
    install_slot(t, TCB_SLOT_CSPACE, cspace, cspace_cap);
    tcb_cspace_refresh(t);
    install_slot(t, TCB_SLOT_VSPACE, vspace, vspace->cap);
    install_slot(t, TCB_SLOT_IPC_BUFFER, has_buffer ? frame : NULL, frame_cap);
    t->ipc_buffer_vaddr = has_buffer ? buffer : 0;
    return LAKE_OK;
}

static unsigned decode_priority(struct invocation *inv, struct tcb *t, bool mcp)
{
    if (!inv_require(inv, 1, 1))
        return inv->error;
    struct cap authority = inv->extra[0]->cap;
    if (cap_type(authority) != LAKE_OBJ_TCB)
        return inv_invalid_capability(inv, 1);
    u64 prio = inv_mr(inv, 0);
    unsigned limit = cap_tcb(authority)->mcp;
    if (prio > limit)
        return inv_range_error(inv, 0, limit);
    if (mcp)
        t->mcp = (u8)prio;
    else
        sched_set_priority(t, (unsigned)prio);
    return LAKE_OK;
}

static void resume(struct tcb *t)
{
    if (t->state == THREAD_INACTIVE || t->state == THREAD_BLOCKED_REPLY) {
        ipc_cancel(t);
        thread_set_state(t, THREAD_RUNNABLE);
    }
}

static void suspend(struct tcb *t)
{
    ipc_cancel(t);
    thread_set_state(t, THREAD_INACTIVE);
}

static unsigned decode_read_registers(struct invocation *inv, struct tcb *t)
{
    if (!inv_require(inv, 2, 0))
        return inv->error;
    u64 count = inv_mr(inv, 1);
    if (t == inv->thread)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (count < 1 || count > LAKE_NUM_REGS)
        return inv_range_error(inv, 1, LAKE_NUM_REGS);
    if (inv_mr(inv, 0))
        suspend(t);
    for (unsigned i = 0; i < count; i++)
        inv_add_result(inv, tcb_get_register(t, i));
    return LAKE_OK;
}

static unsigned decode_write_registers(struct invocation *inv, struct tcb *t)
{
    if (!inv_require(inv, 2, 0))
        return inv->error;
    u64 count = inv_mr(inv, 1);
    if (t == inv->thread)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (count < 1 || count > LAKE_NUM_REGS)
        return inv_range_error(inv, 1, LAKE_NUM_REGS);
    if (inv->length < 2 + count)
        return inv_truncated(inv);
    for (unsigned i = 0; i < count; i++)
        tcb_set_register(t, i, inv_mr(inv, 2 + i));
    if (inv_mr(inv, 0))
        resume(t);
    return LAKE_OK;
}

#define COPY_SUSPEND_SOURCE 1
#define COPY_RESUME_TARGET  2
#define COPY_FRAME          4
#define COPY_INTEGER        8

static unsigned decode_copy_registers(struct invocation *inv, struct tcb *t)
{
    if (!inv_require(inv, 1, 1))
        return inv->error;
    struct cap src_cap = inv->extra[0]->cap;
    u64 flags = inv_mr(inv, 0);
    if (cap_type(src_cap) != LAKE_OBJ_TCB)
        return inv_invalid_capability(inv, 1);
    struct tcb *src = cap_tcb(src_cap);
    if (src == inv->thread || t == inv->thread)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (flags & ~0xful)
        return inv_invalid_argument(inv, 0);
    if (flags & COPY_SUSPEND_SOURCE)
        suspend(src);
    if (flags & COPY_FRAME) {
        for (unsigned r = LAKE_REG_PC; r <= LAKE_REG_SPSR; r++)
            tcb_set_register(t, r, tcb_get_register(src, r));
    }
    if (flags & COPY_INTEGER) {
        for (unsigned r = LAKE_REG_X0; r < LAKE_NUM_REGS; r++)
            tcb_set_register(t, r, tcb_get_register(src, r));
    }
    if (flags & COPY_RESUME_TARGET)
        resume(t);
    return LAKE_OK;
}

static unsigned decode_bind(struct invocation *inv, struct tcb *t)
{
    if (!inv_require(inv, 0, 1))
        return inv->error;
    struct cap c = inv->extra[0]->cap;
    if (cap_type(c) != LAKE_OBJ_NOTIFICATION || !(cap_rights(c) & LAKE_RIGHT_READ))
        return inv_invalid_capability(inv, 1);
    struct notification *n = cap_notification(c);
    if (t->bound_notification != NULL || ntfn_bound(n) != NULL || n->head != NULL)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    notification_bind(n, t);
    return LAKE_OK;
}

static unsigned decode_set_fault_handler(struct invocation *inv, struct tcb *t)
{
    struct cte *ep;
    if (!inv_require(inv, 1, 0))
        return inv->error;
    if (!lookup_fault_handler(inv, inv_mr(inv, 0), &ep))
        return inv->error;
    install_slot(t, TCB_SLOT_FAULT_HANDLER, ep, ep ? ep->cap : cap_null());
    return LAKE_OK;
}

unsigned decode_tcb_invocation(struct invocation *inv)
{
    struct tcb *t = cap_tcb(inv->cap);

    switch (inv->label) {
    case LAKE_TCB_CONFIGURE:
        return decode_configure(inv, t);
    case LAKE_TCB_SET_PRIORITY:
        return decode_priority(inv, t, false);
    case LAKE_TCB_SET_MC_PRIORITY:
        return decode_priority(inv, t, true);
    case LAKE_TCB_RESUME:
        resume(t);
        return LAKE_OK;
    case LAKE_TCB_SUSPEND:
        suspend(t);
        return LAKE_OK;
    case LAKE_TCB_READ_REGISTERS:
        return decode_read_registers(inv, t);
    case LAKE_TCB_WRITE_REGISTERS:
        return decode_write_registers(inv, t);
    case LAKE_TCB_COPY_REGISTERS:
        return decode_copy_registers(inv, t);
    case LAKE_TCB_BIND_NOTIFICATION:
        return decode_bind(inv, t);
    case LAKE_TCB_UNBIND_NOTIFICATION:
        if (t->bound_notification == NULL)
            return inv_error(inv, LAKE_ILLEGAL_OPERATION);
        notification_unbind(t);
        return LAKE_OK;
    case LAKE_TCB_SET_TLS_BASE:
        if (!inv_require(inv, 1, 0))
            return inv->error;
        tcb_set_register(t, LAKE_REG_TPIDR, inv_mr(inv, 0));
        return LAKE_OK;
    case LAKE_TCB_SET_AFFINITY:
        if (!inv_require(inv, 1, 0))
            return inv->error;
        if (inv_mr(inv, 0) != 0)
            return inv_range_error(inv, 0, 0);
        return LAKE_OK;
    case LAKE_TCB_SET_FAULT_HANDLER:
        return decode_set_fault_handler(inv, t);
    default:
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    }
}
