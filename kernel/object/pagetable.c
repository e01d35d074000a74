/*
 * Page tables: one object type for every level below the root. Map hooks a
 * table in at the first level that is missing on the way to an address;
 * the capability then remembers the level, ASID and address.
 */
#include <arch/vspace.h>
#include <invocation.h>
#include <kstring.h>
#include <vspace.h>

/* Bits of address a table at `level` covers: level 1 -> 512 GiB ... level 3 -> 2 MiB. */
static unsigned level_coverage_bits(unsigned level)
{
    return 48 - 9 * level;
}

void page_table_unmap(struct cte *slot, bool clear)
{
    struct cap c = slot->cap;
    unsigned asid = cap_mapped_asid(c), level = cap_page_table_level(c);
    vaddr_t va = cap_mapped_vaddr(c);

    if (asid == 0)
        return;
    u64 *root = asid_lookup(asid);
    if (root != NULL) {
        unsigned missing;
        bool blocked;
        u64 *entry = vspace_lookup_entry(root, va, level - 1, &missing, &blocked);
        if (entry != NULL && pte_is_table(*entry, level - 1) &&
            pte_address(*entry) == cap_paddr(c)) {
            *entry = 0;
            pte_written(entry);
            tlb_invalidate_asid(asid);
        }
    }
    /* A table unhooked to be mapped again starts empty, so its old
     * mappings cannot reappear; one being destroyed needs no clearing
     * (Retype zeroes memory before it is used again). */
    if (clear)
        memset(cap_ptr(c), 0, BIT(LAKE_PAGE_TABLE_BITS));
    slot->cap = cap_with_small(slot->cap, 0);
    slot->cap.data = 0;
}

static unsigned decode_map(struct invocation *inv)
{
    if (!inv_require(inv, 1, 1))
        return inv->error;
    u64 va = inv_mr(inv, 0);
    u64 *root = vspace_root_of(inv->extra[0]->cap);
    if (root == NULL)
        return inv_invalid_capability(inv, 1);
    if (cap_mapped_asid(inv->cap) != 0)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (va >= LAKE_USER_TOP)
        return inv_invalid_argument(inv, 0);

    u64 *table = root;
    for (unsigned level = 0; level < 3; level++) {
        u64 *entry = &table[pt_index(va, level)];
        if (!pte_is_valid(*entry)) {
            unsigned new_level = level + 1;
            *entry = pte_table(cap_paddr(inv->cap));
            pte_written(entry);
            inv->slot->cap = cap_with_small(inv->slot->cap, new_level);
            inv->slot->cap.data = cap_mapping(cap_vspace_asid(inv->extra[0]->cap),
                                              align_down(va, BIT(level_coverage_bits(new_level))));
            return LAKE_OK;
        }
        if (!pte_is_table(*entry, level))
            break;  /* a large frame is mapped here */
        table = phys_to_virt(pte_address(*entry));
    }
    return inv_error(inv, LAKE_DELETE_FIRST);
}

unsigned decode_page_table_invocation(struct invocation *inv)
{
    switch (inv->label) {
    case LAKE_PAGE_TABLE_MAP:
        return decode_map(inv);
    case LAKE_PAGE_TABLE_UNMAP:
        page_table_unmap(inv->slot, true);
        return LAKE_OK;
    default:
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    }
}
