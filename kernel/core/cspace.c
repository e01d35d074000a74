/*
 * Guarded CSpace lookup, as in seL4: at each CNode the next guard-size bits
 * must equal the guard and the next radix bits select a slot; a slot holding
 * another CNode continues the walk while bits remain.
 */
#include <cspace.h>
#include <object/objects.h>

static bool fail(struct lookup *out, unsigned failure, unsigned bits_left, u64 d0, u64 d1)
{
    out->slot = NULL;
    out->bits_left = bits_left;
    out->failure = failure;
    out->detail[0] = d0;
    out->detail[1] = d1;
    return false;
}

bool cspace_resolve(struct cap root, u64 cptr, unsigned depth, struct lookup *out)
{
    struct cap node = root;
    unsigned n = depth;

    if (cap_type(node) != LAKE_OBJ_CNODE)
        return fail(out, LAKE_LOOKUP_INVALID_ROOT, n, 0, 0);
    if (depth == 0 || depth > 64)
        return fail(out, LAKE_LOOKUP_DEPTH_MISMATCH, n, 0, 0);

    for (;;) {
        unsigned radix = cap_cnode_radix(node);
        unsigned guard_size = cap_cnode_guard_size(node);
        unsigned level = radix + guard_size;

        if (level > n)
            return fail(out, LAKE_LOOKUP_DEPTH_MISMATCH, n, level, 0);
        u64 guard = bits_extract(cptr, n - guard_size, guard_size);
        if (guard != (cap_cnode_guard(node) & mask_bits(guard_size)))
            return fail(out, LAKE_LOOKUP_GUARD_MISMATCH, n, guard, guard_size);
        u64 index = bits_extract(cptr, n - level, radix);
        struct cte *slot = &cap_cnode_slots(node)[index];
        n -= level;
        if (n == 0 || cap_type(slot->cap) != LAKE_OBJ_CNODE) {
            out->slot = slot;
            out->bits_left = n;
            out->failure = LAKE_LOOKUP_NONE;
            return true;
        }
        node = slot->cap;
    }
}

bool cspace_lookup_cap(struct tcb *t, u64 cptr, struct lookup *out)
{
    struct cap root = t->slots[TCB_SLOT_CSPACE].cap;
    struct cte *slot = cspace_one_level(root, cptr);

    if (slot != NULL) {
        out->slot = slot;
        out->bits_left = 0;
        out->failure = LAKE_LOOKUP_NONE;
        return true;
    }
    return cspace_resolve(root, cptr, 64, out);
}

bool cspace_lookup_node_slow(struct invocation *inv, struct cap root, u64 index, u64 depth,
                             bool is_source, struct cap *node)
{
    struct lookup failure = { .failure = LAKE_LOOKUP_INVALID_ROOT };
    if (cap_type(root) != LAKE_OBJ_CNODE) {
        inv_lookup_failed(inv, &failure, is_source);
        return false;
    }
    *node = root;
    if (depth == 0)
        return true;
    struct cte *slot = cspace_lookup_slot_for_op(inv, root, index, depth, is_source);
    if (slot == NULL)
        return false;
    if (cap_type(slot->cap) != LAKE_OBJ_CNODE) {
        failure.failure = LAKE_LOOKUP_MISSING_CAPABILITY;
        inv_lookup_failed(inv, &failure, is_source);
        return false;
    }
    *node = slot->cap;
    return true;
}

unsigned inv_lookup_failed(struct invocation *inv, const struct lookup *l, bool is_source)
{
    inv->error = LAKE_FAILED_LOOKUP;
    inv->detail[0] = is_source;
    inv->detail[1] = l->failure;
    inv->detail[2] = l->bits_left;
    inv->detail[3] = l->detail[0];
    inv->detail[4] = l->detail[1];
    inv->num_detail = 5;
    return inv->error;
}

struct cte *cspace_lookup_slot_for_op(struct invocation *inv, struct cap root, u64 index,
                                      u64 depth, bool is_source)
{
    struct lookup l;

    if (depth < 1 || depth > 64) {
        inv_range_error(inv, 1, 64);
        return NULL;
    }
    if (!cspace_resolve(root, index, (unsigned)depth, &l)) {
        inv_lookup_failed(inv, &l, is_source);
        return NULL;
    }
    if (l.bits_left != 0) {
        struct lookup mismatch = { .failure = LAKE_LOOKUP_DEPTH_MISMATCH,
                                   .bits_left = l.bits_left };
        inv_lookup_failed(inv, &mismatch, is_source);
        return NULL;
    }
    return l.slot;
}
