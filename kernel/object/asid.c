/*
 * ASIDs: ASIDControl turns a 4 KiB untyped into a pool of 512 ASIDs; a
 * pool assigns them to VSpaces. A VSpace needs an ASID before anything can
 * be mapped into it or a thread can run in it.
 */
#include <arch/vspace.h>
#include <cdt.h>
#include <cspace.h>
#include <invocation.h>
#include <percpu.h>
#include <tcb_cache.h>
#include <kstring.h>
#include <vspace.h>

static void reactivate_current(void)
{
    struct tcb *t = current_thread();
    if (t->state != THREAD_IDLE)
        vspace_activate(t);
}

void vspace_finalise(struct cap vs)
{
    unsigned asid = cap_vspace_asid(vs);
    if (asid == 0 || asid_lookup(asid) != cap_ptr(vs))
        return;
    /* No TCB caches this ASID: the caps in TCBs' VSpace slots went first. */
    asid_table[asid >> 9]->vspace[asid & (LAKE_ASID_POOL_ENTRIES - 1)] = NULL;
    tlb_invalidate_asid(asid);
    reactivate_current();
}

void asid_pool_finalise(struct cap pool_cap)
{
    unsigned base = cap_asid_pool_base(pool_cap);
    struct asid_pool *pool = cap_ptr(pool_cap);
    if (asid_table[base >> 9] != pool)
        return;
    for (unsigned i = 0; i < LAKE_ASID_POOL_ENTRIES; i++) {
        if (pool->vspace[i] != NULL)
            tlb_invalidate_asid(base + i);
    }
    asid_table[base >> 9] = NULL;
    tcb_cache_forget_asids(base, LAKE_ASID_POOL_ENTRIES);
    reactivate_current();
}

unsigned decode_asid_control_invocation(struct invocation *inv)
{
    if (inv->label != LAKE_ASID_CONTROL_MAKE_POOL)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (!inv_require(inv, 2, 2))
        return inv->error;
    struct cte *ut_slot = inv->extra[0];
    struct cap ut = ut_slot->cap;
    if (cap_type(ut) != LAKE_OBJ_UNTYPED || cap_size_bits(ut) != LAKE_ASID_POOL_BITS ||
        cap_untyped_is_device(ut))
        return inv_invalid_capability(inv, 1);
    if (cte_has_children(ut_slot))
        return inv_error(inv, LAKE_REVOKE_FIRST);
    struct cap root = inv->extra[1]->cap;
    struct cte *dest = cspace_lookup_slot_for_op(inv, root, inv_mr(inv, 0), inv_mr(inv, 1), false);
    if (dest == NULL)
        return inv->error;
    if (!cap_is_null(dest->cap))
        return inv_error(inv, LAKE_DELETE_FIRST);
    unsigned index = 0;
    while (index < ASID_POOLS && asid_table[index] != NULL)
        index++;
    if (index == ASID_POOLS)
        return inv_error(inv, LAKE_DELETE_FIRST);

    struct asid_pool *pool = cap_ptr(ut);
    memset(pool, 0, sizeof(*pool));
    asid_table[index] = pool;
    cdt_insert(ut_slot, dest, cap_make(LAKE_OBJ_ASID_POOL, cap_paddr(ut), 0, 0, false, 0,
                                       (u64)index << 9), CTE_REVOCABLE);
    ut_slot->cap.data = untyped_data(BIT(LAKE_ASID_POOL_BITS), 0);
    return LAKE_OK;
}

unsigned decode_asid_pool_invocation(struct invocation *inv)
{
    if (inv->label != LAKE_ASID_POOL_ASSIGN)
        return inv_error(inv, LAKE_ILLEGAL_OPERATION);
    if (!inv_require(inv, 0, 1))
        return inv->error;
    struct cte *vs_slot = inv->extra[0];
    if (cap_type(vs_slot->cap) != LAKE_OBJ_VSPACE || cap_vspace_asid(vs_slot->cap) != 0)
        return inv_invalid_capability(inv, 1);
    unsigned base = cap_asid_pool_base(inv->cap);
    struct asid_pool *pool = cap_ptr(inv->cap);
    if (asid_table[base >> 9] != pool)
        return inv_invalid_capability(inv, 0);
    unsigned i = base == 0 ? 1 : 0;     /* ASID 0 means "none" */
    while (i < LAKE_ASID_POOL_ENTRIES && pool->vspace[i] != NULL)
        i++;
    if (i == LAKE_ASID_POOL_ENTRIES)
        return inv_error(inv, LAKE_DELETE_FIRST);

    pool->vspace[i] = cap_ptr(vs_slot->cap);
    vs_slot->cap.data = base + i;   /* (no TCB caches a VSpace without an ASID) */
    return LAKE_OK;
}
