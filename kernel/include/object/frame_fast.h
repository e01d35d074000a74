/*
 * The Frame Map fast path: inline in fastpath.c, whose rules it follows
 * (no x10-x29, no stack; see there).
 */
#ifndef LAKE_OBJECT_FRAME_FAST_H
#define LAKE_OBJECT_FRAME_FAST_H

#include <arch/vspace.h>
#include <ipc.h>
#include <lake/errors.h>
#include <lake/message.h>
#include <tcb_cache.h>

/* The table an entry of a table at `level` points to, or NULL if the entry
 * is not a table (constant levels: the walk below is unrolled). */
static inline __attribute__((always_inline)) u64 *next_table(u64 *table, vaddr_t va, unsigned level)
{
    u64 pte = table[pt_index(va, level)];
    return pte_is_table(pte, level) ? phys_to_virt(pte_address(pte)) : NULL;
}

/*
 * Frame Map of a 4 KiB frame on the fast path (fastpath.c, which has
 * checked that slot holds a 4 KiB frame cap and the label is Map): the
 * checks of decode_map and invoke_object, in the same order, for a message
 * of MR0-2 and exactly one extra cap; any failed check returns false and
 * leaves the error to the general path, which then finds the same
 * failure. On success the frame is mapped and the caller's reply (OK, no
 * words) is set.
 */
static inline __attribute__((always_inline)) bool frame_map_fast(struct tcb *t, struct cte *slot)
{
    struct cap frame = slot->cap;
    u64 info = t->ctx.x[1];

    if (lake_msginfo_length(info) < 3 || lake_msginfo_extra_caps(info) != 1)
        return false;
    struct lake_ipc_buffer *buf = tcb_ipc_buffer(t);
    if (buf == NULL)
        return false;
    struct cap vs = tcb_cache_lookup(t, buf->caps_or_badges[0])->cap;
    u64 va = t->ctx.x[2];
    unsigned rights = (unsigned)t->ctx.x[3] & cap_rights(frame);
    u64 attrs = t->ctx.x[4];
    u64 *root = vspace_root_of(vs);
    if (root == NULL || cap_mapped_asid(frame) != 0 || !is_aligned(va, PAGE_SIZE) ||
        va >= LAKE_USER_TOP || !(rights & LAKE_RIGHT_READ) || (attrs & ~(u64)LAKE_ATTRS_ALL))
        return false;
    if (attrs & (LAKE_ATTR_DEVICE | LAKE_ATTR_UNCACHED))
        return false;       /* the general path cleans the frame first */

    /* The tables down to level 3 must exist (no block in the way). */
    u64 *l1 = next_table(root, va, 0);
    u64 *l2 = l1 != NULL ? next_table(l1, va, 1) : NULL;
    u64 *l3 = l2 != NULL ? next_table(l2, va, 2) : NULL;
    if (l3 == NULL)
        return false;
    u64 *entry = &l3[pt_index(va, 3)];
    if (pte_is_valid(*entry))
        return false;

    *entry = pte_leaf(cap_paddr(frame), 3, rights, (unsigned)attrs);
    pte_written(entry);
    slot->cap.data = cap_mapping(cap_vspace_asid(vs), va);
    t->ctx.x[0] = 0;
    t->ctx.x[1] = lake_msginfo(LAKE_OK, 0, 0, 0);
    return true;
}

#endif
