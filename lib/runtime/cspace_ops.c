/*
 * Kernel binding of the CSpace slot allocator (cspace.h): new second-level
 * CNodes come from a make_object callback (normally the untyped allocator)
 * and are installed with CNode Mutate, which moves the cap into the top
 * CNode and sets its guard in one step.
 */
#include <lake/cspace.h>
#include <lake/lake.h>

static int kernel_new_cnode(void *ctx, struct lake_cspace *cs, lake_cptr_t slot, unsigned radix)
{
    (void)cs;
    struct lake_cspace_kernel *k = ctx;
    return k->make_object(k->arg, LAKE_OBJ_CNODE, radix, slot);
}

static int kernel_install(void *ctx, struct lake_cspace *cs, lake_word_t index, lake_cptr_t slot)
{
    (void)ctx;
    return lake_cnode_mutate(cs->root, index, lake_cspace_node_depth(cs), cs->root, slot, 64,
                             lake_cnode_guard_data(0, cs->layout.l2_guard_bits));
}

static int kernel_delete_cnode(void *ctx, struct lake_cspace *cs, lake_cptr_t slot)
{
    struct lake_cspace_kernel *k = ctx;
    if (k->free_object != NULL)
        return k->free_object(k->arg, slot);
    return lake_cspace_delete_cap(cs, slot);
}

const struct lake_cspace_ops lake_cspace_kernel_ops = {
    .new_cnode = kernel_new_cnode,
    .install = kernel_install,
    .delete_cnode = kernel_delete_cnode,
};

int lake_cspace_delete_cap(struct lake_cspace *cs, lake_cptr_t cptr)
{
    return lake_cnode_delete(cs->root, cptr, 64);
}
