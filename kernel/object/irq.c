/*
 * Interrupts as capabilities. IRQControl hands out one IRQHandler per line;
 * a handler binds a notification (a copy of its cap lives in the kernel's
 * per-line slot, so the notification outlives the binding). When the line
 * fires, the kernel masks it and signals; the driver acknowledges with Ack,
 * which unmasks it.
 */
#include <cdt.h>
#include <cspace.h>
#include <invocation.h>
#include <ipc.h>
#include <irq.h>

struct irq_line irq_lines[LAKE_NUM_IRQS];

void irq_handler_finalise(unsigned irq)
{
    plat_irq_mask(irq);
    cte_delete(&irq_lines[irq].notification);
    irq_lines[irq].claimed = false;
}

bool irq_deliver(unsigned irq)
{
    struct cap n = irq_lines[irq].notification.cap;
    plat_irq_mask(irq);
    if (cap_type(n) != LAKE_OBJ_NOTIFICATION)
        return false;
    notification_signal(cap_notification(n), n.data);
    return true;
}

static unsigned decode_get(struct invocation *inv)
{
    if (!inv_require(inv, 3, 1))
        return inv->error;
    u64 irq = inv_mr(inv, 0);
    if (irq >= LAKE_NUM_IRQS)
        return inv_range_error(inv, 0, LAKE_NUM_IRQS - 1);
    struct cap root = inv->extra[0]->cap;
    struct cte *dest = cspace_lookup_slot_for_op(inv, root, inv_mr(inv, 1), inv_mr(inv, 2), false);
    if (dest == NULL)
        return inv->error;
    if (!cap_is_null(dest->cap))
        return inv_error(inv, LAKE_DELETE_FIRST);
    if (irq_lines[irq].claimed)
        return inv_error(inv, LAKE_REVOKE_FIRST);

    irq_lines[irq].claimed = true;
    cdt_insert(inv->slot, dest, cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, (unsigned)irq, 0),
               CTE_REVOCABLE);
    return LAKE_OK;
}

unsigned decode_irq_control_invocation(struct invocation *inv)
{
    if (inv->label != LAKE_IRQ_CONTROL_GET)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    return decode_get(inv);
}

unsigned decode_irq_handler_invocation(struct invocation *inv)
{
    unsigned irq = cap_irq(inv->cap);

    switch (inv->label) {
    case LAKE_IRQ_HANDLER_ACK:
        plat_irq_unmask(irq);
        return LAKE_OK;
    case LAKE_IRQ_HANDLER_SET_NOTIFICATION: {
        if (!inv_require(inv, 0, 1))
            return inv->error;
        struct cte *src = inv->extra[0];
        if (cap_type(src->cap) != LAKE_OBJ_NOTIFICATION || !(cap_rights(src->cap) & LAKE_RIGHT_WRITE))
            return inv_invalid_capability(inv, 1);
        cte_delete(&irq_lines[irq].notification);
        cdt_insert(src, &irq_lines[irq].notification, src->cap, 0);
        return LAKE_OK;
    }
    case LAKE_IRQ_HANDLER_CLEAR:
        cte_delete(&irq_lines[irq].notification);
        return LAKE_OK;
    default:
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    }
}
