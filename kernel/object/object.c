/*
 * Per-type dispatch: decoding an invocation and finalising a capability.
 */
#include <arch/vspace.h>
#include <cdt.h>
#include <cspace.h>
#include <fault.h>
#include <invocation.h>
#include <ipc.h>
#include <irq.h>
#include <tcb.h>
#include <tcb_cache.h>
#include <vspace.h>

const char *cap_type_name(unsigned type)
{
    static const char *const names[] = {
        "null", "Untyped", "TCB", "Endpoint", "Notification", "CNode", "Frame4K", "Frame2M",
        "PageTable", "VSpace", "ASIDPool", "ASIDControl", "IRQControl", "IRQHandler", "Reply",
        "Zombie",
    };
    return type < ARRAY_SIZE(names) ? names[type] : "invalid";
}

unsigned decode_invocation(struct invocation *inv)
{
    switch (cap_type(inv->cap)) {
    case LAKE_OBJ_UNTYPED:      return decode_untyped_invocation(inv);
    case LAKE_OBJ_CNODE:        return decode_cnode_invocation(inv);
    case LAKE_OBJ_TCB:          return decode_tcb_invocation(inv);
    case LAKE_OBJ_FRAME_4K:
    case LAKE_OBJ_FRAME_2M:     return decode_frame_invocation(inv);
    case LAKE_OBJ_PAGE_TABLE:   return decode_page_table_invocation(inv);
    case LAKE_OBJ_ASID_CONTROL: return decode_asid_control_invocation(inv);
    case LAKE_OBJ_ASID_POOL:    return decode_asid_pool_invocation(inv);
    case LAKE_OBJ_IRQ_CONTROL:  return decode_irq_control_invocation(inv);
    case LAKE_OBJ_IRQ_HANDLER:  return decode_irq_handler_invocation(inv);
    case LAKE_OBJ_VSPACE:       return decode_vspace_invocation(inv);
    default:
        /* Null caps, and endpoints or notifications without Write. */
        return inv_invalid_capability(inv, 0);
    }
}

void cap_finalise(struct cte *slot, bool final)
{
    struct cap c = slot->cap;

    switch (cap_type(c)) {
    case LAKE_OBJ_FRAME_4K:
    case LAKE_OBJ_FRAME_2M:
        frame_unmap(slot);          /* every frame cap owns its own mapping */
        return;
    case LAKE_OBJ_REPLY:
        reply_finalise(c);
        return;
    case LAKE_OBJ_VSPACE:
    case LAKE_OBJ_CNODE:
        if (cte_flags(slot) & CTE_TCB_SPACE)
            tcb_space_slot_emptied(slot);   /* a TCB's root: its fast-path caches go */
        break;
    default:
        break;
    }
    if (!final)
        return;
    switch (cap_type(c)) {
    case LAKE_OBJ_ENDPOINT:
        endpoint_cancel_all(cap_endpoint(c));
        break;
    case LAKE_OBJ_NOTIFICATION:
        notification_cancel_all(cap_notification(c));
        break;
    case LAKE_OBJ_TCB:
        tcb_finalise(cap_tcb(c));
        break;
    case LAKE_OBJ_PAGE_TABLE:
        page_table_unmap(slot, false);     /* the last cap: the table is destroyed */
        break;
    case LAKE_OBJ_VSPACE:
        vspace_finalise(c);
        break;
    case LAKE_OBJ_ASID_POOL:
        asid_pool_finalise(c);
        break;
    case LAKE_OBJ_IRQ_HANDLER:
        irq_handler_finalise(cap_irq(c));
        break;
    default:
        break;
    }
}
