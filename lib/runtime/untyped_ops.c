/*
 * Kernel binding of the untyped allocator (untyped.h): slots come from a
 * two-level CSpace allocator (cspace.h) and invocations name them through
 * its root.
 */
#include <lake/cspace.h>
#include <lake/lake.h>
#include <lake/untyped.h>

static int kernel_retype(void *ctx, lake_cptr_t untyped, unsigned type, unsigned size_bits,
                         lake_cptr_t dest, unsigned count)
{
    struct lake_cspace *cs = ctx;
    lake_word_t index, offset;
    unsigned depth;
    if (!lake_cspace_retype_dest(cs, dest, &index, &depth, &offset))
        return LAKE_INVALID_ARGUMENT;
    return lake_untyped_retype(untyped, type, size_bits, cs->root, index, depth, offset, count);
}

static int kernel_delete_cap(void *ctx, lake_cptr_t slot)
{
    return lake_cspace_delete_cap(ctx, slot);
}

static int kernel_alloc_slots(void *ctx, unsigned count, lake_cptr_t *first)
{
    return lake_cspace_alloc_range(ctx, count, first);
}

static void kernel_free_slots(void *ctx, lake_cptr_t first, unsigned count)
{
    lake_cspace_free_range(ctx, first, count);
}

const struct lake_untyped_ops lake_untyped_kernel_ops = {
    .retype = kernel_retype,
    .delete_cap = kernel_delete_cap,
    .alloc_slots = kernel_alloc_slots,
    .free_slots = kernel_free_slots,
};

int lake_untyped_make_object(void *arg, unsigned type, unsigned size_bits, lake_cptr_t dest)
{
    uint32_t block;
    return lake_untyped_alloc_object(arg, type, size_bits, dest, &block);
}

int lake_untyped_free_object_at(void *arg, lake_cptr_t slot)
{
    uint32_t block;
    int error = lake_untyped_find_object(arg, slot, &block);
    if (error != LAKE_OK)
        return error;
    return lake_untyped_free_object(arg, block);
}
