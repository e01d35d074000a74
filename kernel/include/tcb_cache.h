/*
 * What the fast paths cache in each TCB: the TTBR0 value of its address
 * space and the decoding of its CSpace root, so that a thread switch is a
 * load and an msr and a capability lookup a mask and a compare.
 *
 * Both depend only on the caps in the TCB's CSpace and VSpace slots (and,
 * for TTBR0, on the ASID the VSpace holds). Those slots carry the
 * CTE_TCB_SPACE flag: installing a cap there refreshes the cache, and
 * removing one (cap_finalise) forgets it. The only other event is an ASID
 * pool going away, which forgets the TTBR0 values in its range. A TTBR0
 * value is cached only when it is a real address space, so assigning an
 * ASID later needs no invalidation.
 *
 * The second level of a two-level CSpace is not cached: it is read live
 * from the root's slot on every lookup.
 */
#ifndef LAKE_KERNEL_TCB_CACHE_H
#define LAKE_KERNEL_TCB_CACHE_H

#include <object/objects.h>

/* A null slot that lookups answer when the cache does not apply. */
extern struct cte tcb_cache_null_slot;

/* Recomputes t's CSpace decoding from its CSpace slot. */
void tcb_cspace_refresh(struct tcb *t);
/* t has no cached CSpace decoding or TTBR0 value (a new TCB). */
void tcb_cache_clear(struct tcb *t);
/* The cap in a slot flagged CTE_TCB_SPACE is going. */
void tcb_space_slot_emptied(struct cte *slot);
/* ASIDs [base, base + count) are gone: no TCB may switch to them. */
void tcb_cache_forget_asids(unsigned base, unsigned count);
/* The TTBR0 value for t, computed (and cached if valid). */
u64 tcb_ttbr0_refresh(struct tcb *t);

static inline __attribute__((always_inline)) u64 tcb_ttbr0(struct tcb *t)
{
    u64 ttbr0 = t->ttbr0;
    return ttbr0 != 0 ? ttbr0 : tcb_ttbr0_refresh(t);
}

/*
 * The slot a system call's cptr names in t's CSpace, from the cache:
 * one step for a one-level CSpace, two through a CNode in one of the
 * root's slots that takes exactly the bits left (spawned processes). The
 * null slot when the cache does not apply (then the general lookup finds
 * the slot or the error); otherwise the same slot cspace_resolve finds.
 */
static inline __attribute__((always_inline)) struct cte *tcb_cache_lookup2(const struct tcb *t,
                                                                           u64 cptr)
{
    unsigned shift = t->cs_shift;
    u64 high_mask = t->cs_high_mask, top = cptr >> shift;

    if (shift == 0 || (top & high_mask) != t->cs_high2)
        return &tcb_cache_null_slot;
    struct cap c = t->cs_slots[top & ~high_mask].cap;
    unsigned radix = cap_cnode_radix(c), guard_size = cap_cnode_guard_size(c);
    if (cap_type(c) != LAKE_OBJ_CNODE || radix + guard_size != shift)
        return &tcb_cache_null_slot;
    /* radix + guard_size = shift < 64: plain shifts make the masks. The
     * bits below shift must be the guard (guard_size bits), then the index. */
    u64 rest = (cptr << (64 - shift)) >> (64 - shift);
    u64 index = rest & (BIT(radix) - 1);
    if ((rest >> radix) != (cap_cnode_guard(c) & (BIT(guard_size) - 1)))
        return &tcb_cache_null_slot;
    return &cap_cnode_slots(c)[index];
}

static inline __attribute__((always_inline)) struct cte *tcb_cache_lookup(const struct tcb *t,
                                                                          u64 cptr)
{
    u64 high_mask = t->cs_high_mask;
    if (__builtin_expect((cptr & high_mask) == t->cs_high, 1))
        return &t->cs_slots[cptr & ~high_mask];
    return tcb_cache_lookup2(t, cptr);
}

#endif
