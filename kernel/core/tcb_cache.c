/*
 * The fast paths' per-TCB caches (tcb_cache.h). Built with the fast-path
 * flags (kernel.mk), so the fast paths may call into it.
 */
#include <arch/vspace.h>
#include <tcb.h>
#include <tcb_cache.h>

struct cte tcb_cache_null_slot;

static void forget_cspace(struct tcb *t)
{
    t->cs_slots = &tcb_cache_null_slot;
    t->cs_high_mask = ~0ull;
    t->cs_high = 0;         /* matches cptr 0 only: the null slot */
    t->cs_high2 = 0;
    t->cs_shift = 0;
}

void tcb_cache_clear(struct tcb *t)
{
    forget_cspace(t);
    t->ttbr0 = 0;
}

void tcb_cspace_refresh(struct tcb *t)
{
    struct cap root = t->slots[TCB_SLOT_CSPACE].cap;
    unsigned radix = cap_cnode_radix(root), guard_size = cap_cnode_guard_size(root);

    forget_cspace(t);
    if (cap_type(root) != LAKE_OBJ_CNODE || radix == 0 || radix + guard_size > 64)
        return;
    u64 high = (cap_cnode_guard(root) & mask_bits(guard_size)) << radix;
    t->cs_slots = cap_cnode_slots(root);
    t->cs_high_mask = ~mask_bits(radix);
    if (radix + guard_size == 64) {
        t->cs_high = high;
    } else {
        /* cptr & high_mask has bit 0 clear (radix >= 1): 1 never matches. */
        t->cs_high = 1;
        t->cs_high2 = high;
        t->cs_shift = (u8)(64 - radix - guard_size);
    }
}

void tcb_space_slot_emptied(struct cte *slot)
{
    struct tcb *t = (struct tcb *)((u64)slot & ~(u64)mask_bits(LAKE_TCB_BITS));

    if (slot == &t->slots[TCB_SLOT_CSPACE])
        forget_cspace(t);
    else
        t->ttbr0 = 0;
}

void tcb_cache_forget_asids(unsigned base, unsigned count)
{
    for (struct tcb *t = tcb_first(); t != NULL; t = t->all_next) {
        unsigned asid = (unsigned)(t->ttbr0 >> 48);
        if (asid >= base && asid - base < count)
            t->ttbr0 = 0;
    }
}

u64 tcb_ttbr0_refresh(struct tcb *t)
{
    struct cap vs = t->slots[TCB_SLOT_VSPACE].cap;

    if (cap_type(vs) == LAKE_OBJ_VSPACE) {
        unsigned asid = cap_vspace_asid(vs);
        u64 *root = cap_ptr(vs);
        if (asid != 0 && asid_lookup(asid) == root) {
            t->ttbr0 = virt_to_phys(root) | ((u64)asid << 48);
            return t->ttbr0;
        }
    }
    return virt_to_phys(empty_pt_l0);     /* nothing mapped: not cached */
}
