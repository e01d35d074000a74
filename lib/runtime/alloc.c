/*
 * A minimal object allocator: retype from one untyped into consecutive
 * slots of the caller's root CNode, and map pages with whatever page
 * tables are missing on the way.
 */
#include <lake/runtime.h>

int lake_alloc_slot(struct lake_alloc *alloc, lake_cptr_t *slot)
{
    if (alloc->next_slot >= alloc->end_slot)
        return LAKE_RANGE_ERROR;
    *slot = alloc->next_slot++;
    return LAKE_OK;
}

int lake_alloc_object(struct lake_alloc *alloc, unsigned type, unsigned size_bits,
                      lake_cptr_t *slot)
{
    lake_cptr_t dest;
    int error = lake_alloc_slot(alloc, &dest);
    if (error)
        return error;
    error = lake_untyped_retype(alloc->untyped, type, size_bits, LAKE_ROOT_CNODE, 0, 0, dest, 1);
    if (error) {
        alloc->next_slot--;     /* the slot stayed empty */
        return error;
    }
    *slot = dest;
    return LAKE_OK;
}

int lake_map_page(struct lake_alloc *alloc, lake_cptr_t frame, lake_cptr_t vspace,
                  lake_word_t vaddr, unsigned rights, unsigned attrs)
{
    /* At most three levels (1-3) can be missing below the root. */
    for (int tries = 0; tries < 4; tries++) {
        int error = lake_frame_map(frame, vspace, vaddr, rights, attrs);
        if (error != LAKE_FAILED_LOOKUP)
            return error;
        lake_cptr_t table;
        error = lake_alloc_object(alloc, LAKE_OBJ_PAGE_TABLE, 0, &table);
        if (error)
            return error;
        error = lake_page_table_map(table, vspace, vaddr);
        if (error)
            return error;
    }
    return LAKE_FAILED_LOOKUP;
}
