/*
 * Frame, page table, VSpace and ASID objects (architecture-neutral side).
 */
#ifndef LAKE_KERNEL_VSPACE_H
#define LAKE_KERNEL_VSPACE_H

#include <object/objects.h>

/* Removes the mapping the frame cap in slot made, if any. */
void frame_unmap(struct cte *slot);
/* Unhooks a page table from its parent; `clear` empties it too (it may be
 * mapped again), which a table being destroyed does not need. */
void page_table_unmap(struct cte *slot, bool clear);
void vspace_finalise(struct cap vspace);
void asid_pool_finalise(struct cap pool);

#endif
