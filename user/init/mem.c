/*
 * init's memory: the root CNode's free slots (a bitmap, so slots of ended
 * processes are reused in any order) and every RAM and device untyped of
 * the boot information in one buddy pool (lib/runtime/untyped.c). A
 * process's memory is one block of the pool; it goes back whole when the
 * process ends.
 */
#include <string.h>

#include <lake/env.h>

#include "init.h"

#define DEPTH           64
#define MAX_SLOTS       (1u << LAKE_ROOT_CNODE_RADIX)
#define MAX_RECORDS     8192
#define SCRATCH_VADDR   0x7000000000ul      /* spawn's scratch page: tables made once */

static uint64_t slot_free[MAX_SLOTS / 64];      /* 1: free */
static struct lake_untyped_pool pool;
static struct lake_untyped_node records[MAX_RECORDS];
static lake_word_t scratch_page;

/* ---- slots ----------------------------------------------------------------- */

static bool slot_is_free(lake_cptr_t s)
{
    return (slot_free[s / 64] >> (s % 64)) & 1;
}

static void slot_set(lake_cptr_t s, bool free)
{
    if (free)
        slot_free[s / 64] |= 1ull << (s % 64);
    else
        slot_free[s / 64] &= ~(1ull << (s % 64));
}

int mem_slots(unsigned count, lake_cptr_t *first)
{
    unsigned run = 0;
    for (lake_cptr_t s = 0; s < MAX_SLOTS; s++) {
        run = slot_is_free(s) ? run + 1 : 0;
        if (run == count) {
            lake_cptr_t start = s + 1 - count;
            for (lake_cptr_t k = start; k <= s; k++)
                slot_set(k, false);
            *first = start;
            return LAKE_OK;
        }
    }
    return LAKE_RANGE_ERROR;
}

void mem_free_slots(lake_cptr_t first, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        lake_cnode_delete(LAKE_ROOT_CNODE, first + i, DEPTH);
        slot_set(first + i, true);
    }
}

/* ---- the pool's kernel calls ------------------------------------------------ */

static int pool_retype(void *ctx, lake_cptr_t untyped, unsigned type, unsigned size_bits,
                       lake_cptr_t dest, unsigned count)
{
    (void)ctx;
    return lake_untyped_retype(untyped, type, size_bits, LAKE_ROOT_CNODE, 0, 0, dest, count);
}

static int pool_delete(void *ctx, lake_cptr_t slot)
{
    (void)ctx;
    return lake_cnode_delete(LAKE_ROOT_CNODE, slot, DEPTH);
}

static int pool_alloc_slots(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    return mem_slots(count, first);
}

static void pool_free_slots(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    for (unsigned i = 0; i < count; i++)
        slot_set(first + i, true);
}

static const struct lake_untyped_ops pool_ops = {
    .retype = pool_retype, .delete_cap = pool_delete,
    .alloc_slots = pool_alloc_slots, .free_slots = pool_free_slots,
};

/* ---- objects, blocks, frames -------------------------------------------------- */

int mem_object(unsigned type, unsigned size_bits, lake_cptr_t *slot)
{
    int error = mem_slots(1, slot);
    if (error)
        return error;
    uint32_t block;
    error = lake_untyped_alloc_object(&pool, type, size_bits, *slot, &block);
    if (error)
        slot_set(*slot, true);
    return error;
}

void mem_free_object(lake_cptr_t slot)
{
    uint32_t block;
    if (lake_untyped_find_object(&pool, slot, &block) == LAKE_OK)
        lake_untyped_free_object(&pool, block);
    else
        lake_cnode_delete(LAKE_ROOT_CNODE, slot, DEPTH);
    slot_set(slot, true);
}

int mem_block(unsigned bits, uint32_t *block, lake_cptr_t *cap)
{
    int error = lake_untyped_alloc(&pool, bits, block);
    if (error == LAKE_OK)
        *cap = lake_untyped_cptr(&pool, *block);
    return error;
}

void mem_free_block(uint32_t block)
{
    lake_untyped_free(&pool, block);
}

int mem_device_frame(lake_word_t paddr, lake_cptr_t *slot, uint32_t *block)
{
    int error = mem_slots(1, slot);
    if (error)
        return error;
    error = lake_untyped_alloc_frame_at(&pool, paddr, LAKE_PAGE_BITS, *slot, block);
    if (error)
        slot_set(*slot, true);
    return error;
}

void mem_info(struct lake_meminfo *info)
{
    info->total = pool.total_bytes;
    info->free = lake_untyped_free_bytes(&pool);
    info->used = info->total - info->free;
}

/* Map a frame, making the page tables that are missing on the way. */
static int map_with_tables(lake_cptr_t frame, lake_word_t vaddr)
{
    for (int tries = 0; tries < 4; tries++) {
        int error = lake_frame_map(frame, LAKE_ROOT_VSPACE, vaddr, LAKE_RIGHTS_RW,
                                   LAKE_ATTR_EXECUTE_NEVER);
        if (error != LAKE_FAILED_LOOKUP)
            return error;
        lake_cptr_t table;
        error = mem_object(LAKE_OBJ_PAGE_TABLE, 0, &table);
        if (error == LAKE_OK)
            error = lake_page_table_map(table, LAKE_ROOT_VSPACE, vaddr);
        if (error)
            return error;
    }
    return LAKE_FAILED_LOOKUP;
}

/* init's heap: 2 MiB frames mapped as malloc's break moves up (init must
 * not fault: nobody would page it, so it maps before it touches). */
static lake_word_t heap_base, heap_mapped, heap_limit;

static int grow_heap(uintptr_t top)
{
    while (heap_mapped < top) {
        if (heap_mapped >= heap_limit)
            return LAKE_NOT_ENOUGH_MEMORY;
        lake_cptr_t frame;
        int error = mem_object(LAKE_OBJ_FRAME_2M, 0, &frame);
        if (error == LAKE_OK)
            error = map_with_tables(frame, heap_mapped);
        if (error)
            return error;
        heap_mapped += 1ul << LAKE_LARGE_PAGE_BITS;
    }
    return LAKE_OK;
}

int mem_map_heap(lake_word_t vaddr, size_t bytes)
{
    heap_base = heap_mapped = vaddr;
    heap_limit = vaddr + bytes;
    lake_heap_use((void *)vaddr, bytes, grow_heap);
    return LAKE_OK;
}

/* ---- slot binding for spawn and the event loop --------------------------------- */

static int spawn_alloc(void *ctx, lake_cptr_t *slot)
{
    (void)ctx;
    return mem_slots(1, slot);
}

static void spawn_free(void *ctx, lake_cptr_t slot)
{
    (void)ctx;
    slot_set(slot, true);
}

static void spawn_retype_dest(void *ctx, lake_cptr_t slot, lake_cptr_t *root, lake_word_t *index,
                              unsigned *depth, lake_word_t *offset)
{
    (void)ctx;
    *root = LAKE_ROOT_CNODE;
    *index = 0;
    *depth = 0;
    *offset = slot;
}

static int spawn_alloc_range(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    return mem_slots(count, first);
}

static void spawn_free_range(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    for (unsigned i = 0; i < count; i++)
        slot_set(first + i, true);
}

static const struct lake_spawn_slot_ops spawn_slot_ops = {
    .alloc = spawn_alloc, .free = spawn_free, .retype_dest = spawn_retype_dest,
    .alloc_range = spawn_alloc_range, .free_range = spawn_free_range,
};

const struct lake_spawn_slot_ops *mem_spawn_slot_ops(void)
{
    return &spawn_slot_ops;
}

static int loop_alloc(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    return mem_slots(count, first);
}

static void loop_free(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    mem_free_slots(first, count);
}

struct lake_event_slots mem_event_slots(void)
{
    return (struct lake_event_slots){ NULL, loop_alloc, loop_free, LAKE_ROOT_CNODE, DEPTH, NULL };
}

lake_word_t mem_scratch_page(void)
{
    return scratch_page;
}

/* ---- set-up ---------------------------------------------------------------------- */

int mem_init(const struct lake_bootinfo *bi)
{
    for (lake_cptr_t s = bi->empty.start; s < bi->empty.end && s < MAX_SLOTS; s++)
        slot_set(s, true);
    lake_untyped_init(&pool, &pool_ops, NULL, records, MAX_RECORDS);
    lake_word_t count = bi->untyped.end - bi->untyped.start;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        int error = lake_untyped_add(&pool, bi->untyped.start + i, u->paddr, u->size_bits,
                                     u->is_device != 0);
        if (error)
            return error;
    }
    /* spawn's scratch page: map a frame once so its page tables exist. */
    lake_cptr_t frame;
    int error = mem_object(LAKE_OBJ_FRAME_4K, 0, &frame);
    if (error == LAKE_OK)
        error = map_with_tables(frame, SCRATCH_VADDR);
    if (error == LAKE_OK)
        error = lake_frame_unmap(frame);
    if (error == LAKE_OK)
        mem_free_object(frame);
    scratch_page = SCRATCH_VADDR;
    return error;
}
