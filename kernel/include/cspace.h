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
 * A slot named by (root, index, depth) for a CNode operation: depth must be
 * 1..64 and consumed exactly. On failure records LAKE_FAILED_LOOKUP (or an
 * invalid/range argument) in inv and returns NULL.
 */
struct cte *cspace_lookup_slot_for_op(struct invocation *inv, struct cap root, u64 index,
                                      u64 depth, bool is_source);

/*
 * The CNode named by (root, index, depth) for an operation on a range of
 * its slots: depth 0 means root itself, otherwise the slot found must hold
 * a CNode. On failure records LAKE_FAILED_LOOKUP (invalid root, or the
 * lookup's failure, or missing capability for a slot without a CNode) and
 * returns false.
 */
bool cspace_lookup_node_slow(struct invocation *inv, struct cap root, u64 index, u64 depth,
                             bool is_source, struct cap *node);
static inline bool cspace_lookup_node_for_op(struct invocation *inv, struct cap root, u64 index,
                                             u64 depth, bool is_source, struct cap *node)
{
    if (depth == 0 && cap_type(root) == LAKE_OBJ_CNODE) {   /* the usual case: root itself */
        *node = root;
        return true;
    }
    return cspace_lookup_node_slow(inv, root, index, depth, is_source, node);
}

/* Records a failed lookup as the invocation's error. */
unsigned inv_lookup_failed(struct invocation *inv, const struct lookup *l, bool is_source);

#endif
