/*
 * The LakeOS kernel calls behind the VSpace manager (lake/vspace.h):
 * frames and page tables are retyped from a struct lake_alloc, freed caps
 * are deleted (their slots are not reused: lake_alloc is a bump allocator).
 */
#include <lake/runtime.h>
#include <lake/vspace.h>

static int lk_alloc_frame(void *ctx, lake_cptr_t *frame)
{
    struct vspace_lake_ctx *c = ctx;
    return lake_alloc_object(c->alloc, LAKE_OBJ_FRAME_4K, 0, frame);
}

static void lk_free(void *ctx, lake_cptr_t cap)
{
    struct vspace_lake_ctx *c = ctx;
    lake_cnode_delete(c->cnode, cap, c->depth);
}

static int lk_alloc_table(void *ctx, lake_cptr_t *table)
{
    struct vspace_lake_ctx *c = ctx;
    return lake_alloc_object(c->alloc, LAKE_OBJ_PAGE_TABLE, 0, table);
}

static int lk_map_frame(void *ctx, lake_cptr_t frame, lake_word_t vaddr, unsigned rights,
                        unsigned attrs, unsigned *missing_level)
{
    struct vspace_lake_ctx *c = ctx;
    int error = lake_frame_map(frame, c->vspace, vaddr, rights, attrs);
    if (error == LAKE_FAILED_LOOKUP)
        *missing_level = (unsigned)lake_error_detail(2);
    return error;
}

static int lk_unmap_frame(void *ctx, lake_cptr_t frame)
{
    (void)ctx;
    return lake_frame_unmap(frame);
}

static int lk_map_table(void *ctx, lake_cptr_t table, lake_word_t vaddr)
{
    struct vspace_lake_ctx *c = ctx;
    return lake_page_table_map(table, c->vspace, vaddr);
}

void vspace_lake_ops(struct vspace_ops *ops, struct vspace_lake_ctx *ctx)
{
    *ops = (struct vspace_ops){
        .ctx = ctx,
        .alloc_frame = lk_alloc_frame,
        .free_frame = lk_free,
        .alloc_table = lk_alloc_table,
        .free_table = lk_free,
        .map_frame = lk_map_frame,
        .unmap_frame = lk_unmap_frame,
        .map_table = lk_map_table,
    };
}
