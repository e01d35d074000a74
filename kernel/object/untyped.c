/*
 * Untyped memory: Retype carves new kernel objects out of it at a
 * watermark. Objects are aligned to their size and zeroed; their caps become
 * children of the untyped cap in the derivation tree, so Revoke on it
 * destroys them all, after which the memory is used again from the start.
 */
#include <arch/vspace.h>
#include <cdt.h>
#include <cspace.h>
#include <invocation.h>
#include <kstring.h>
#include <tcb.h>

#define RETYPE_MAX_OBJECTS 256

static bool type_is_retypable(u64 type)
{
    return type >= LAKE_OBJ_UNTYPED && type <= LAKE_OBJ_VSPACE;
}

static bool type_is_frame(u64 type)
{
    return type == LAKE_OBJ_FRAME_4K || type == LAKE_OBJ_FRAME_2M;
}

/* The capability for a new object of `type` at physical address pa. */
static struct cap new_object_cap(unsigned type, paddr_t pa, unsigned user_bits, bool device)
{
    switch (type) {
    case LAKE_OBJ_UNTYPED:
        return cap_make(type, pa, 0, user_bits, device, 0, 0);
    case LAKE_OBJ_ENDPOINT:
    case LAKE_OBJ_NOTIFICATION:
        return cap_make(type, pa, LAKE_RIGHTS_ALL, 0, false, 0, 0);
    case LAKE_OBJ_CNODE:
        return cap_make(type, pa, LAKE_RIGHTS_ALL, user_bits, false, 0, 0);
    case LAKE_OBJ_FRAME_4K:
    case LAKE_OBJ_FRAME_2M:
        return cap_make(type, pa, LAKE_RIGHTS_RW, 0, device, 0, 0);
    default:
        return cap_make(type, pa, LAKE_RIGHTS_ALL, 0, false, 0, 0);
    }
}

static void init_object(unsigned type, paddr_t pa, unsigned obj_bits, bool device)
{
    void *p = phys_to_virt(pa);
    if (type == LAKE_OBJ_UNTYPED || device)
        return;     /* untyped memory is zeroed when it becomes objects */
    memset(p, 0, BIT(obj_bits));
    if (type == LAKE_OBJ_TCB)
        tcb_init(p);
    if (type_is_frame(type))
        cache_clean_range(p, BIT(obj_bits));   /* for user views with other attributes */
}

/* Where the next object of size 2^bits goes, counting from the untyped's start. */
static u64 first_free_offset(struct cte *slot, unsigned bits)
{
    u64 watermark = cte_has_children(slot) ? slot->cap.data : 0;
    return align_up(watermark, BIT(bits));
}

unsigned decode_untyped_invocation(struct invocation *inv)
{
    if (inv->label != LAKE_UNTYPED_RETYPE)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (!inv_require(inv, 6, 1))
        return inv->error;

    struct cap ut = inv->cap;
    u64 type = inv_mr(inv, 0), user_bits = inv_mr(inv, 1);
    u64 node_index = inv_mr(inv, 2), node_depth = inv_mr(inv, 3);
    u64 offset = inv_mr(inv, 4), count = inv_mr(inv, 5);
    bool device = cap_untyped_is_device(ut);

    if (!type_is_retypable(type))
        return inv_invalid_argument(inv, 0);
    if (lake_object_size_bits((unsigned)type, (unsigned)user_bits) == 0)
        return inv_invalid_argument(inv, 1);    /* size or radix out of range */
    if (count < 1 || count > RETYPE_MAX_OBJECTS)
        return inv_invalid_argument(inv, 5);
    if (device && !type_is_frame(type) && type != LAKE_OBJ_UNTYPED)
        return inv_invalid_argument(inv, 0);
    unsigned obj_bits = lake_object_size_bits((unsigned)type, (unsigned)user_bits);

    /* Destination: consecutive empty slots in a CNode. */
    struct cap root = inv->extra[0]->cap;
    if (cap_type(root) != LAKE_OBJ_CNODE) {
        struct lookup invalid_root = { .failure = LAKE_LOOKUP_INVALID_ROOT };
        return inv_lookup_failed(inv, &invalid_root, false);
    }
    struct cap node = root;
    if (node_depth != 0) {
        struct cte *node_slot = cspace_lookup_slot_for_op(inv, root, node_index, node_depth, false);
        if (node_slot == NULL)
            return inv->error;
        node = node_slot->cap;
        if (cap_type(node) != LAKE_OBJ_CNODE) {
            struct lookup not_cnode = { .failure = LAKE_LOOKUP_MISSING_CAPABILITY };
            return inv_lookup_failed(inv, &not_cnode, false);
        }
    }
    u64 slots = BIT(cap_cnode_radix(node));
    if (offset >= slots || count > slots - offset)
        return inv_range_error(inv, 0, slots - 1);
    struct cte *dest = cap_cnode_slots(node) + offset;
    for (u64 i = 0; i < count; i++) {
        if (!cap_is_null(dest[i].cap))
            return inv_error(inv, LAKE_DELETE_FIRST);
    }

    /* Memory. */
    u64 ut_size = BIT(cap_size_bits(ut));
    u64 start = first_free_offset(inv->slot, obj_bits);
    if (obj_bits > cap_size_bits(ut) || start > ut_size ||
        count > (ut_size - start) >> obj_bits) {
        u64 used = cte_has_children(inv->slot) ? ut.data : 0;
        inv->detail[0] = ut_size - (used < ut_size ? used : ut_size);
        inv->num_detail = 1;
        return inv_error(inv, LAKE_NOT_ENOUGH_MEMORY);
    }

    /* Perform: nothing below can fail. */
    for (u64 i = 0; i < count; i++) {
        paddr_t pa = cap_paddr(ut) + start + (i << obj_bits);
        init_object((unsigned)type, pa, obj_bits, device);
        struct cap c = new_object_cap((unsigned)type, pa, (unsigned)user_bits, device);
        cdt_insert(inv->slot, &dest[i], c, CTE_REVOCABLE);
    }
    inv->slot->cap.data = start + (count << obj_bits);
    return LAKE_OK;
}
