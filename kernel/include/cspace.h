/*
 * CSpace addressing: resolving a capability pointer through guarded CNodes.
 */
#ifndef LAKE_KERNEL_CSPACE_H
#define LAKE_KERNEL_CSPACE_H

#include <invocation.h>
#include <lake/errors.h>
#include <object/objects.h>

struct lookup {
    struct cte *slot;           /* the slot found (NULL on failure) */
    unsigned bits_left;         /* bits of the address not consumed */
    unsigned failure;           /* enum lake_lookup_failure */
    u64 detail[2];              /* per failure kind, see docs/ABI.md */
};

/*
 * Resolves the top `depth` bits of cptr starting at the CNode `root`.
 * Stops early (with bits_left > 0) at a slot that does not hold a CNode.
 * Returns false and fills the failure on error. Pure: host-tested.
 */
bool cspace_resolve(struct cap root, u64 cptr, unsigned depth, struct lookup *out);

/* A system call's capability: 64 bits through the thread's CSpace. */
bool cspace_lookup_cap(struct tcb *t, u64 cptr, struct lookup *out);

/*
 * The slot for cptr when root is a single CNode whose guard and radix
 * consume all 64 bits (the usual layout) and the guard matches, else NULL
 * (then cspace_resolve decides). The same slot cspace_resolve would find.
 */
static inline struct cte *cspace_one_level(struct cap root, u64 cptr)
{
    unsigned radix = cap_cnode_radix(root), guard_size = cap_cnode_guard_size(root);

    if (cap_type(root) != LAKE_OBJ_CNODE || radix + guard_size != 64 ||
        (cptr >> radix) != (cap_cnode_guard(root) & mask_bits(guard_size)))
        return NULL;
    return &cap_cnode_slots(root)[cptr & mask_bits(radix)];
}

/*
 * The fast paths keep cspace_one_level's decoding of a TCB's CSpace root
 * in the TCB (slots, radix and its mask, guard; slots NULL if the root is
 * not one level). It is valid while cs_gen equals cspace_generation, which
 * cspace_changed() bumps whenever a CNode cap is deleted anywhere or a
 * TCB gets a new CSpace root.
 */
extern u64 cspace_generation;
void tcb_cspace_refresh(struct tcb *t);

static inline void cspace_changed(void)
{
    cspace_generation++;
}

/* The slot of cptr from the cached decoding of t's CSpace root, for a root
 * that resolves a cptr in one step (cs_shift 0) or in two, the second
 * through a CNode in one of its slots that takes exactly the bits left (the
 * two-level CSpace of spawned processes). False if it does not apply: the
 * general lookup then finds the slot or the error. The second level is
 * read live, so only the root needs the generation check. (A bool and not
 * a NULL slot: the kernel is built with -fno-delete-null-pointer-checks,
 * so a computed slot address would be tested against NULL again.) */
static inline bool tcb_one_level(struct tcb *t, u64 cptr, struct cte **slot)
{
    if (t->cs_gen != cspace_generation)
        tcb_cspace_refresh(t);
    if (t->cs_slots == NULL)
        return false;
    if (__builtin_expect(t->cs_shift == 0, 1)) {
        if ((cptr >> t->cs_radix) != t->cs_guard)
            return false;
        *slot = &t->cs_slots[cptr & t->cs_mask];
        return true;
    }
    if ((cptr >> (t->cs_shift + t->cs_radix)) != t->cs_guard)
        return false;
    struct cap c = t->cs_slots[(cptr >> t->cs_shift) & t->cs_mask].cap;
    if (cap_type(c) != LAKE_OBJ_CNODE)
        return false;
    unsigned radix = cap_cnode_radix(c), guard_size = cap_cnode_guard_size(c);
    if (radix + guard_size != t->cs_shift)
        return false;
    u64 rest = cptr & mask_bits(t->cs_shift);
    if ((rest >> radix) != (cap_cnode_guard(c) & mask_bits(guard_size)))
        return false;
    *slot = &cap_cnode_slots(c)[rest & mask_bits(radix)];
    return true;
}

/*
 * A slot named by (root, index, depth) for a CNode operation: depth must be
 * 1..64 and consumed exactly. On failure records LAKE_FAILED_LOOKUP (or an
 * invalid/range argument) in inv and returns NULL.
 */
struct cte *cspace_lookup_slot_for_op(struct invocation *inv, struct cap root, u64 index,
                                      u64 depth, bool is_source);

/* Records a failed lookup as the invocation's error. */
unsigned inv_lookup_failed(struct invocation *inv, const struct lookup *l, bool is_source);

#endif
