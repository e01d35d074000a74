/*
 * CNode invocations: copying, minting, moving and deleting capabilities,
 * revoking what was derived from them, and saving the caller's reply cap.
 * The invoked CNode is the root for the destination; sources are named
 * through extra capabilities.
 */
#include <cdt.h>
#include <cspace.h>
#include <invocation.h>

/* Applies Mint/Mutate data to a cap: a badge or a CNode guard. */
static bool update_cap_data(struct cap *c, u64 data, bool allow_rebadge)
{
    switch (cap_type(*c)) {
    case LAKE_OBJ_ENDPOINT:
    case LAKE_OBJ_NOTIFICATION:
        if (c->data != 0 && !allow_rebadge)
            return false;   /* caller reports an illegal operation */
        c->data = data;
        return true;
    case LAKE_OBJ_CNODE: {
        unsigned guard_size = data & 0x3f;
        if (guard_size + cap_cnode_radix(*c) > 64)
            return false;
        *c = cap_with_small(*c, guard_size);
        c->data = (data >> 6) & mask_bits(guard_size);
        return true;
    }
    default:
        return true;
    }
}

/* A derived copy c of src's cap goes into dest as src's child. */
static void insert_copy(struct cte *src, struct cte *dest, struct cap c)
{
    unsigned flags = 0;
    if (cap_is_revocable(c, src->cap)) {
        flags = CTE_REVOCABLE;
        if (cap_type(c) == LAKE_OBJ_ENDPOINT || cap_type(c) == LAKE_OBJ_NOTIFICATION)
            flags |= CTE_FIRST_BADGED;
    }
    cdt_insert(src, dest, c, flags);
}

static struct cte *lookup_source(struct invocation *inv, unsigned cap_index, u64 index, u64 depth)
{
    struct cap root = inv->extra[cap_index]->cap;
    struct cte *slot = cspace_lookup_slot_for_op(inv, root, index, depth, true);
    if (slot != NULL && cap_is_null(slot->cap)) {
        struct lookup missing = { .failure = LAKE_LOOKUP_MISSING_CAPABILITY };
        inv_lookup_failed(inv, &missing, true);
        return NULL;
    }
    return slot;
}

static struct cte *lookup_empty_dest(struct invocation *inv, u64 index, u64 depth)
{
    struct cte *slot = cspace_lookup_slot_for_op(inv, inv->cap, index, depth, false);
    if (slot != NULL && !cap_is_null(slot->cap)) {
        inv_error(inv, LAKE_DELETE_FIRST);
        return NULL;
    }
    return slot;
}

static unsigned decode_copy(struct invocation *inv, bool mint)
{
    if (!inv_require(inv, mint ? 6 : 5, 1))
        return inv->error;
    struct cte *dest = lookup_empty_dest(inv, inv_mr(inv, 0), inv_mr(inv, 1));
    if (dest == NULL)
        return inv->error;
    struct cte *src = lookup_source(inv, 0, inv_mr(inv, 2), inv_mr(inv, 3));
    if (src == NULL)
        return inv->error;
    struct cap c;
    if (!cap_derive(src->cap, &c))
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    c = cap_with_rights(c, cap_rights(c) & (unsigned)inv_mr(inv, 4));
    if (mint && (cap_type(c) == LAKE_OBJ_ENDPOINT || cap_type(c) == LAKE_OBJ_NOTIFICATION) &&
        c.data != 0)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);     /* badges cannot change */
    if (mint && !update_cap_data(&c, inv_mr(inv, 5), false))
        return inv_invalid_argument(inv, 5);

    insert_copy(src, dest, c);
    return LAKE_OK;
}

static unsigned decode_move(struct invocation *inv, bool mutate)
{
    if (!inv_require(inv, mutate ? 5 : 4, 1))
        return inv->error;
    struct cte *dest = lookup_empty_dest(inv, inv_mr(inv, 0), inv_mr(inv, 1));
    if (dest == NULL)
        return inv->error;
    struct cte *src = lookup_source(inv, 0, inv_mr(inv, 2), inv_mr(inv, 3));
    if (src == NULL)
        return inv->error;
    struct cap c = src->cap;
    if (cap_type(c) == CAP_ZOMBIE)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (mutate && !update_cap_data(&c, inv_mr(inv, 4), true))
        return inv_invalid_argument(inv, 4);
    cdt_move(src, dest, c);
    return LAKE_OK;
}

/*
 * CopyRange / MoveRange: `count` caps from consecutive slots of one CNode
 * to consecutive slots of another (spawning a process hands over dozens).
 * Everything is checked before the first cap goes: every source holds a
 * cap that may be copied (moved), every destination is empty.
 */
#define CNODE_RANGE_MAX 256

static bool range_slots(struct invocation *inv, struct cap node, u64 offset, u64 count,
                        struct cte **first)
{
    u64 slots = BIT(cap_cnode_radix(node));
    if (offset >= slots || count > slots - offset) {
        inv_range_error(inv, 0, slots - 1);
        return false;
    }
    *first = cap_cnode_slots(node) + offset;
    return true;
}

static unsigned decode_range(struct invocation *inv, bool move)
{
    if (!inv_require(inv, move ? 7 : 8, 1))
        return inv->error;
    u64 count = inv_mr(inv, 6);
    if (count < 1 || count > CNODE_RANGE_MAX)
        return inv_invalid_argument(inv, 6);
    struct cap dest_node, src_node;
    struct cte *dest, *src;
    if (!cspace_lookup_node_for_op(inv, inv->cap, inv_mr(inv, 0), inv_mr(inv, 1), false,
                                   &dest_node) ||
        !range_slots(inv, dest_node, inv_mr(inv, 2), count, &dest) ||
        !cspace_lookup_node_for_op(inv, inv->extra[0]->cap, inv_mr(inv, 3), inv_mr(inv, 4), true,
                                   &src_node) ||
        !range_slots(inv, src_node, inv_mr(inv, 5), count, &src))
        return inv->error;
    unsigned rights = move ? 0 : (unsigned)inv_mr(inv, 7);

    for (u64 i = 0; i < count; i++) {
        struct cap c;
        if (cap_is_null(src[i].cap)) {
            struct lookup missing = { .failure = LAKE_LOOKUP_MISSING_CAPABILITY };
            return inv_lookup_failed(inv, &missing, true);
        }
        if (move ? cap_type(src[i].cap) == CAP_ZOMBIE : !cap_derive(src[i].cap, &c))
            return inv_error(inv, LAKE_ILLEGAL_OPERATION);
        if (!cap_is_null(dest[i].cap))
            return inv_error(inv, LAKE_DELETE_FIRST);
    }

    for (u64 i = 0; i < count; i++) {
        if (move) {
            cdt_move(&src[i], &dest[i], src[i].cap);
            continue;
        }
        struct cap c;
        cap_derive(src[i].cap, &c);
        insert_copy(&src[i], &dest[i], cap_with_rights(c, cap_rights(c) & rights));
    }
    return LAKE_OK;
}

static unsigned decode_rotate(struct invocation *inv)
{
    if (!inv_require(inv, 8, 2))
        return inv->error;
    struct cte *dest = cspace_lookup_slot_for_op(inv, inv->cap, inv_mr(inv, 0), inv_mr(inv, 1),
                                                 false);
    if (dest == NULL)
        return inv->error;
    struct cte *pivot = lookup_source(inv, 0, inv_mr(inv, 3), inv_mr(inv, 4));
    if (pivot == NULL)
        return inv->error;
    struct cte *src = lookup_source(inv, 1, inv_mr(inv, 6), inv_mr(inv, 7));
    if (src == NULL)
        return inv->error;
    if (pivot == src || pivot == dest)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (dest != src && !cap_is_null(dest->cap))
        return inv_error(inv, LAKE_DELETE_FIRST);
    struct cap new_src = src->cap, new_pivot = pivot->cap;
    if (cap_type(new_src) == CAP_ZOMBIE || cap_type(new_pivot) == CAP_ZOMBIE)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (!update_cap_data(&new_src, inv_mr(inv, 5), true))
        return inv_invalid_argument(inv, 5);
    if (!update_cap_data(&new_pivot, inv_mr(inv, 2), true))
        return inv_invalid_argument(inv, 2);

    if (dest == src) {
        /* pivot -> src's slot, src -> pivot's slot. */
        cdt_swap(pivot, new_pivot, src, new_src);
    } else {
        cdt_move(pivot, dest, new_pivot);
        cdt_move(src, pivot, new_src);
    }
    return LAKE_OK;
}

static unsigned decode_slot_op(struct invocation *inv)
{
    if (!inv_require(inv, 2, 0))
        return inv->error;
    struct cte *slot = cspace_lookup_slot_for_op(inv, inv->cap, inv_mr(inv, 0), inv_mr(inv, 1),
                                                 false);
    if (slot == NULL)
        return inv->error;
    switch (inv->label) {
    case LAKE_CNODE_DELETE:
        return cte_delete_preemptible(slot) ? LAKE_OK : INV_PREEMPTED;
    case LAKE_CNODE_REVOKE:
        return cte_revoke_preemptible(slot) ? LAKE_OK : INV_PREEMPTED;
    default: { /* SaveCaller */
        struct cte *reply = &inv->thread->slots[TCB_SLOT_REPLY];
        if (!cap_is_null(slot->cap))
            return inv_error(inv, LAKE_DELETE_FIRST);
        if (!cap_is_null(reply->cap))
            cdt_move(reply, slot, reply->cap);
        return LAKE_OK;
    }
    }
}

unsigned decode_cnode_invocation(struct invocation *inv)
{
    switch (inv->label) {
    case LAKE_CNODE_COPY:        return decode_copy(inv, false);
    case LAKE_CNODE_MINT:        return decode_copy(inv, true);
    case LAKE_CNODE_MOVE:        return decode_move(inv, false);
    case LAKE_CNODE_MUTATE:      return decode_move(inv, true);
    case LAKE_CNODE_ROTATE:      return decode_rotate(inv);
    case LAKE_CNODE_COPY_RANGE:  return decode_range(inv, false);
    case LAKE_CNODE_MOVE_RANGE:  return decode_range(inv, true);
    case LAKE_CNODE_DELETE:
    case LAKE_CNODE_REVOKE:
    case LAKE_CNODE_SAVE_CALLER: return decode_slot_op(inv);
    default:                     return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    }
}
