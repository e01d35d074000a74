/*
 * Frames: mapping into a VSpace, unmapping, physical address, and cache
 * maintenance for DMA. Each frame capability records the one mapping it
 * made (ASID and address), so unmapping and deleting know what to remove.
 */
#include <arch/vspace.h>
#include <cspace.h>
#include <ipc.h>
#include <invocation.h>
#include <lake/message.h>
#include <vspace.h>


static unsigned frame_level(struct cap c)
{
    return cap_type(c) == LAKE_OBJ_FRAME_2M ? 2 : 3;
}

void frame_unmap(struct cte *slot)
{
    struct cap c = slot->cap;
    unsigned asid = cap_mapped_asid(c);
    vaddr_t va = cap_mapped_vaddr(c);

    if (asid == 0)
        return;
    u64 *root = asid_lookup(asid);
    if (root != NULL) {
        unsigned missing;
        bool blocked;
        u64 *entry = vspace_lookup_entry(root, va, frame_level(c), &missing, &blocked);
        if (entry != NULL && pte_is_valid(*entry) && !pte_is_table(*entry, frame_level(c)) &&
            pte_address(*entry) == cap_paddr(c)) {
            *entry = 0;
            pte_written(entry);
            tlb_invalidate_page(asid, va);
        }
    }
    slot->cap.data = 0;
}

static unsigned decode_map(struct invocation *inv)
{
    if (!inv_require(inv, 3, 1))
        return inv->error;
    struct cap frame = inv->cap;
    struct cap vs = inv->extra[0]->cap;
    u64 va = inv_mr(inv, 0);
    unsigned rights = (unsigned)inv_mr(inv, 1) & cap_rights(frame);
    u64 attrs = inv_mr(inv, 2);
    u64 size = BIT(cap_frame_bits(frame));

    u64 *root = vspace_root_of(vs);
    if (root == NULL)
        return inv_invalid_capability(inv, 1);
    if (cap_mapped_asid(frame) != 0)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (!is_aligned(va, size))
        return inv_error(inv, LAKE_ALIGNMENT_ERROR);
    if (va >= LAKE_USER_TOP || size > LAKE_USER_TOP - va)
        return inv_invalid_argument(inv, 0);
    if (!(rights & LAKE_RIGHT_READ))
        return inv_invalid_argument(inv, 1);
    if (attrs & ~(u64)LAKE_ATTRS_ALL)
        return inv_invalid_argument(inv, 2);

    unsigned level = frame_level(frame), missing;
    bool blocked;
    u64 *entry = vspace_lookup_entry(root, va, level, &missing, &blocked);
    if (entry == NULL && blocked)
        return inv_error(inv, LAKE_DELETE_FIRST);
    if (entry == NULL)
        return inv_missing_table(inv, missing);
    if (pte_is_valid(*entry))
        return inv_error(inv, LAKE_DELETE_FIRST);

    /* A view that bypasses the cache must see what cached writes left in
     * it (Retype's zeroes, another mapping's data): clean the frame's
     * lines to memory first. Retype does not, so the common cached
     * mapping pays nothing. */
    if ((attrs & (LAKE_ATTR_DEVICE | LAKE_ATTR_UNCACHED)) && !cap_flag(frame))
        cache_clean_range(phys_to_virt(cap_paddr(frame)), size);
    *entry = pte_leaf(cap_paddr(frame), level, rights, (unsigned)attrs);
    pte_written(entry);
    inv->slot->cap.data = cap_mapping(cap_vspace_asid(vs), va);
    return LAKE_OK;
}

static unsigned decode_cache_op(struct invocation *inv)
{
    if (!inv_require(inv, 2, 0))
        return inv->error;
    u64 start = inv_mr(inv, 0), end = inv_mr(inv, 1);
    u64 size = BIT(cap_frame_bits(inv->cap));
    if (end > size)
        return inv_range_error(inv, 0, size);
    if (start >= end)
        return inv_invalid_argument(inv, 0);
    const u8 *va = (const u8 *)cap_ptr(inv->cap) + start;
    switch (inv->label) {
    case LAKE_FRAME_CLEAN:            cache_clean_range(va, end - start); break;
    case LAKE_FRAME_INVALIDATE:       cache_invalidate_range(va, end - start); break;
    case LAKE_FRAME_CLEAN_INVALIDATE: cache_clean_invalidate_range(va, end - start); break;
    default:                          cache_unify_range(va, end - start); break;
    }
    return LAKE_OK;
}

unsigned decode_frame_invocation(struct invocation *inv)
{
    switch (inv->label) {
    case LAKE_FRAME_MAP:
        return decode_map(inv);
    case LAKE_FRAME_UNMAP:
        frame_unmap(inv->slot);
        return LAKE_OK;
    case LAKE_FRAME_GET_ADDRESS:
        inv_add_result(inv, cap_paddr(inv->cap));
        return LAKE_OK;
    case LAKE_FRAME_CLEAN:
    case LAKE_FRAME_INVALIDATE:
    case LAKE_FRAME_CLEAN_INVALIDATE:
    case LAKE_FRAME_UNIFY_INSTRUCTION:
        return decode_cache_op(inv);
    default:
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    }
}
