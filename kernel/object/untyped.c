/*
 * Untyped memory: Retype carves new kernel objects out of it at a
 * watermark. Objects are aligned to their size and zeroed; their caps become
 * children of the untyped cap in the derivation tree, so Revoke on it
 * destroys them all, after which the memory is used again from the start.
 *
 * Zeroing is the one long part of a retype (up to 256 objects of up to
 * 32 MiB), so it goes in 64 KiB chunks with a preemption point between
 * them. The cap remembers how far beyond the watermark memory is already
 * zero, so a retype restarted after an interrupt goes on from there:
 * invariant, [watermark, zeroed end) holds only zeroes.
 */
#include <arch/vspace.h>
#include <cdt.h>
#include <cspace.h>
#include <invocation.h>
#include <kstring.h>
#include <tcb.h>

#define RETYPE_MAX_OBJECTS 256

static bool type_is_retypable(u64 type)
{
    return type >= LAKE_OBJ_UNTYPED && type <= LAKE_OBJ_VSPACE;
}

static bool type_is_frame(u64 type)
{
    return type == LAKE_OBJ_FRAME_4K || type == LAKE_OBJ_FRAME_2M;
}

/* The capability for a new object of `type` at physical address pa. */
static struct cap new_object_cap(unsigned type, paddr_t pa, unsigned user_bits, bool device)
{
    switch (type) {
    case LAKE_OBJ_UNTYPED:
        return cap_make(type, pa, 0, user_bits, device, 0, 0);
    case LAKE_OBJ_ENDPOINT:
    case LAKE_OBJ_NOTIFICATION:
        return cap_make(type, pa, LAKE_RIGHTS_ALL, 0, false, 0, 0);
    case LAKE_OBJ_CNODE:
        return cap_make(type, pa, LAKE_RIGHTS_ALL, user_bits, false, 0, 0);
    case LAKE_OBJ_FRAME_4K:
    case LAKE_OBJ_FRAME_2M:
        return cap_make(type, pa, LAKE_RIGHTS_RW, 0, device, 0, 0);
    default:
        return cap_make(type, pa, LAKE_RIGHTS_ALL, 0, false, 0, 0);
    }
}

static void init_object(unsigned type, paddr_t pa, unsigned obj_bits)
{
    void *p = phys_to_virt(pa);
    (void)obj_bits;
    if (type == LAKE_OBJ_TCB)
        tcb_init(p);
    /* Frames are zeroed through the cache; Frame Map cleans them when a
     * mapping bypasses the cache (frame.c). */
}

/* The untyped's watermark and zeroed run; both start over when it has no
 * children left (`children`: cte_has_children, looked up once per retype). */
static u64 current_watermark(const struct cte *slot, bool children)
{
    return children ? cap_untyped_watermark(slot->cap) : 0;
}

static u64 current_zeroed_end(const struct cte *slot, bool children)
{
    /* With no children, a run recorded by an interrupted retype from the
     * start (watermark 0) is still good; one left over from objects that
     * have since been destroyed is not. */
    if (children || cap_untyped_watermark(slot->cap) == 0)
        return cap_untyped_zeroed_end(slot->cap);
    return 0;
}

/*
 * Zeroes [watermark, end) of the untyped (skipping what is known to be zero
 * already), stopping at a 64 KiB boundary if an interrupt is pending.
 * Returns false when it stopped; the progress is recorded in the cap.
 */
static bool zero_for_retype(struct cte *slot, bool children, u64 end)
{
    u64 watermark = current_watermark(slot, children);
    u64 zeroed = current_zeroed_end(slot, children);
    u64 p = watermark > zeroed ? watermark : zeroed;
    u8 *base = phys_to_virt(cap_paddr(slot->cap));

    while (p < end) {
        u64 chunk_end = align_up(p + 1, BIT(UNTYPED_ZERO_CHUNK_BITS));
        if (chunk_end > end)
            chunk_end = end;
        memset(base + p, 0, chunk_end - p);
        p = chunk_end;
        if (p < end && preemption_pending()) {
            slot->cap.data = untyped_data(watermark, p);
            return false;
        }
    }
    return true;
}

unsigned decode_untyped_invocation(struct invocation *inv)
{
    if (inv->label != LAKE_UNTYPED_RETYPE)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (!inv_require(inv, 6, 1))
        return inv->error;

    struct cap ut = inv->cap;
    u64 type = inv_mr(inv, 0), user_bits = inv_mr(inv, 1);
    u64 node_index = inv_mr(inv, 2), node_depth = inv_mr(inv, 3);
    u64 offset = inv_mr(inv, 4), count = inv_mr(inv, 5);
    bool device = cap_untyped_is_device(ut);

    if (!type_is_retypable(type))
        return inv_invalid_argument(inv, 0);
    if (lake_object_size_bits((unsigned)type, (unsigned)user_bits) == 0)
        return inv_invalid_argument(inv, 1);    /* size or radix out of range */
    if (count < 1 || count > RETYPE_MAX_OBJECTS)
        return inv_invalid_argument(inv, 5);
    if (device && !type_is_frame(type) && type != LAKE_OBJ_UNTYPED)
        return inv_invalid_argument(inv, 0);
    unsigned obj_bits = lake_object_size_bits((unsigned)type, (unsigned)user_bits);

    /* Destination: consecutive empty slots in a CNode. */
    struct cap node;
    if (!cspace_lookup_node_for_op(inv, inv->extra[0]->cap, node_index, node_depth, false, &node))
        return inv->error;
    u64 slots = BIT(cap_cnode_radix(node));
    if (offset >= slots || count > slots - offset)
        return inv_range_error(inv, 0, slots - 1);
    struct cte *dest = cap_cnode_slots(node) + offset;
    for (u64 i = 0; i < count; i++) {
        if (!cap_is_null(dest[i].cap))
            return inv_error(inv, LAKE_DELETE_FIRST);
    }

    /* Memory. */
    u64 ut_size = BIT(cap_size_bits(ut));
    bool children = cte_has_children(inv->slot);
    u64 watermark = current_watermark(inv->slot, children);
    u64 start;
    if (!untyped_place(watermark, cap_size_bits(ut), obj_bits, count, &start)) {
        inv->detail[0] = ut_size - (watermark < ut_size ? watermark : ut_size);
        inv->num_detail = 1;
        return inv_error(inv, LAKE_NOT_ENOUGH_MEMORY);
    }

    /* Perform. Only the zeroing can stop (and be restarted); then nothing fails. */
    u64 end = start + (count << obj_bits);
    if (!device && type != LAKE_OBJ_UNTYPED && !zero_for_retype(inv->slot, children, end))
        return INV_PREEMPTED;
    u64 zeroed_end = current_zeroed_end(inv->slot, children);
    for (u64 i = 0; i < count; i++) {
        paddr_t pa = cap_paddr(ut) + start + (i << obj_bits);
        init_object((unsigned)type, pa, obj_bits);
        struct cap c = new_object_cap((unsigned)type, pa, (unsigned)user_bits, device);
        cdt_insert(inv->slot, &dest[i], c, CTE_REVOCABLE);
    }
    inv->slot->cap.data = untyped_data(end, zeroed_end > end ? zeroed_end : 0);
    return LAKE_OK;
}
