/*
 * VSpace invocations. MapFrames maps a run of frames at consecutive pages
 * in one call: what that many Frame Maps would do (same checks, same
 * errors), checked whole before the first entry is written. A process's
 * image or a heap's growth is such a run; the table walk is done once per
 * 2 MiB instead of once per page.
 */
#include <arch/vspace.h>
#include <cspace.h>
#include <invocation.h>

#define MAP_FRAMES_MAX 512

#define SPAN_2M BIT(21)

/* The level-3 table (its entry 0) that maps the 2 MiB at `span`, or NULL
 * with Frame Map's error recorded in inv. */
static __attribute__((noinline)) u64 *leaf_table(struct invocation *inv, u64 *root, vaddr_t span)
{
    unsigned missing;
    bool blocked;
    u64 *entry = vspace_lookup_entry(root, span, 3, &missing, &blocked);
    if (entry != NULL)
        return entry;
    if (blocked)
        inv_error(inv, LAKE_DELETE_FIRST);
    else
        inv_missing_table(inv, missing);
    return NULL;
}

/* The entry for page, walking from the root only when page leaves the
 * 2 MiB of the previous one (*table, *span cache the last walk). */
static inline u64 *leaf_entry(struct invocation *inv, u64 *root, vaddr_t page, u64 **table,
                              vaddr_t *span)
{
    vaddr_t here = page & ~(vaddr_t)(SPAN_2M - 1);
    if (*table == NULL || here != *span) {
        *table = leaf_table(inv, root, here);
        if (*table == NULL)
            return NULL;
        *span = here;
    }
    return &(*table)[pt_index(page, 3)];
}

static unsigned decode_map_frames(struct invocation *inv)
{
    if (!inv_require(inv, 7, 1))
        return inv->error;
    u64 *root = vspace_root_of(inv->cap);
    if (root == NULL)
        return inv_invalid_capability(inv, 0);  /* a VSpace without an ASID */
    struct cap node;
    if (!cspace_lookup_node_for_op(inv, inv->extra[0]->cap, inv_mr(inv, 0), inv_mr(inv, 1), true,
                                   &node))
        return inv->error;
    u64 offset = inv_mr(inv, 2), count = inv_mr(inv, 3), va = inv_mr(inv, 4);
    u64 want = inv_mr(inv, 5), attrs = inv_mr(inv, 6);
    u64 slots = BIT(cap_cnode_radix(node));
    if (count < 1 || count > MAP_FRAMES_MAX)
        return inv_invalid_argument(inv, 3);
    if (offset >= slots || count > slots - offset)
        return inv_range_error(inv, 0, slots - 1);
    if (!is_aligned(va, BIT(LAKE_PAGE_BITS)))
        return inv_error(inv, LAKE_ALIGNMENT_ERROR);
    if (va >= LAKE_USER_TOP || (count << LAKE_PAGE_BITS) > LAKE_USER_TOP - va)
        return inv_invalid_argument(inv, 4);
    if (attrs & ~(u64)LAKE_ATTRS_ALL)
        return inv_invalid_argument(inv, 6);

    struct cte *frames = cap_cnode_slots(node) + offset;
    u64 *table = NULL;
    vaddr_t span = 0;
    for (u64 i = 0; i < count; i++) {
        struct cap f = frames[i].cap;
        if (cap_type(f) != LAKE_OBJ_FRAME_4K) {
            inv_invalid_capability(inv, 1);
            inv->detail[1] = i;
            inv->num_detail = 2;
            return inv->error;
        }
        if (cap_mapped_asid(f) != 0)
            return inv_error(inv, LAKE_ILLEGAL_OPERATION);
        if (!(want & cap_rights(f) & LAKE_RIGHT_READ))
            return inv_invalid_argument(inv, 5);
        u64 *entry = leaf_entry(inv, root, va + (i << LAKE_PAGE_BITS), &table, &span);
        if (entry == NULL)
            return inv->error;
        if (pte_is_valid(*entry))
            return inv_error(inv, LAKE_DELETE_FIRST);
    }

    /* Perform: nothing can fail any more. */
    unsigned asid = cap_vspace_asid(inv->cap);
    table = NULL;
    for (u64 i = 0; i < count; i++) {
        struct cte *slot = &frames[i];
        vaddr_t page = va + (i << LAKE_PAGE_BITS);
        u64 *entry = leaf_entry(inv, root, page, &table, &span);
        /* As Frame Map: a view that bypasses the cache sees memory. */
        if ((attrs & (LAKE_ATTR_DEVICE | LAKE_ATTR_UNCACHED)) && !cap_flag(slot->cap))
            cache_clean_range(phys_to_virt(cap_paddr(slot->cap)), BIT(LAKE_PAGE_BITS));
        *entry = pte_leaf(cap_paddr(slot->cap), 3, (unsigned)(want & cap_rights(slot->cap)),
                          (unsigned)attrs);
        slot->cap.data = cap_mapping(asid, page);
    }
    dsb_ish();
    return LAKE_OK;
}

unsigned decode_vspace_invocation(struct invocation *inv)
{
    switch (inv->label) {
    case LAKE_VSPACE_MAP_FRAMES:
        return decode_map_frames(inv);
    default:
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    }
}
