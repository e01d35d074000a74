/*
 * Untyped allocator: a process's pool of untyped capabilities handed out
 * as buddy blocks (see docs/RUNTIME.md).
 *
 * Every block is an untyped cap of 2^bits bytes: a root (added with
 * lake_untyped_add) or one half of a split block (Untyped Retype of
 * LAKE_OBJ_UNTYPED, bits - 1, count 2 into two consecutive slots). A block
 * is FREE, SPLIT (its two halves exist, nothing else was retyped from it)
 * or ALLOCATED (handed out; its owner retypes objects from it). Freeing a
 * block merges it with its buddy while both are free: the two half caps
 * are deleted, the parent has no children left, so the kernel resets its
 * watermark and it is whole again.
 *
 * Objects get blocks of exactly their own size (an endpoint a 32-byte
 * block), no slabs. Device untyped are kept apart: they are only split
 * on the way to a frame at a given physical address.
 *
 * Kernel calls and slot allocation go through struct lake_untyped_ops;
 * lake_untyped_kernel_ops (untyped_ops.c) is the real binding.
 */
#ifndef LAKE_UNTYPED_H
#define LAKE_UNTYPED_H

#include <lake/abi_types.h>
#include <lake/errors.h>
#include <lake/object.h>

#define LAKE_UT_LEVELS      (LAKE_UNTYPED_MAX_BITS + 1)
#define LAKE_UT_NONE        0xffffffffu

enum lake_ut_state {
    LAKE_UT_UNUSED = 0,         /* record not in use */
    LAKE_UT_FREE,
    LAKE_UT_SPLIT,
    LAKE_UT_ALLOCATED,
};

struct lake_untyped_ops {
    /* Untyped Retype of `count` objects from `untyped` into the empty
     * consecutive slots starting at `dest`. */
    int (*retype)(void *ctx, lake_cptr_t untyped, unsigned type, unsigned size_bits,
                  lake_cptr_t dest, unsigned count);
    /* Delete the cap in `slot`. */
    int (*delete_cap)(void *ctx, lake_cptr_t slot);
    /* `count` consecutive empty slots (consecutive cptrs). */
    int (*alloc_slots)(void *ctx, unsigned count, lake_cptr_t *first);
    void (*free_slots)(void *ctx, lake_cptr_t first, unsigned count);
};

struct lake_untyped_node {
    lake_cptr_t cptr;           /* the block's untyped cap */
    lake_word_t paddr;          /* physical address (or any base for RAM) */
    lake_cptr_t object;         /* ALLOCATED: the object retyped into it (0: none) */
    uint32_t parent;            /* LAKE_UT_NONE for roots */
    uint32_t child[2];          /* SPLIT: lower and upper half */
    uint32_t prev, next;        /* free list of its size (unused records: next) */
    uint8_t bits;
    uint8_t state;              /* enum lake_ut_state */
    bool device;
};

struct lake_untyped_pool;

/* Called when free RAM drops below the low-water mark, or when an
 * allocation of 2^wanted_bits finds no block; it may add untyped with
 * lake_untyped_add. */
typedef void (*lake_untyped_low_fn)(void *arg, struct lake_untyped_pool *pool,
                                    unsigned wanted_bits);

struct lake_untyped_pool {
    const struct lake_untyped_ops *ops;
    void *ctx;
    struct lake_untyped_node *nodes;
    uint32_t max_nodes;
    uint32_t unused;                    /* list of unused records */
    uint32_t unused_count;              /* and their number, with [fresh, max_nodes) */
    uint32_t fresh;                     /* records from here on were never used */
    uint32_t free_list[LAKE_UT_LEVELS]; /* FREE RAM blocks per size */
    unsigned min_bits;                  /* smallest block */
    lake_word_t total_bytes, free_bytes;        /* RAM */
    lake_word_t device_bytes, device_free_bytes;
    lake_word_t low_water;
    lake_untyped_low_fn low_hook;
    void *low_arg;
    bool in_hook;
    bool below;                         /* hook already told about this dip */
    unsigned splits, merges;            /* statistics */
};

void lake_untyped_init(struct lake_untyped_pool *pool, const struct lake_untyped_ops *ops,
                       void *ctx, struct lake_untyped_node *nodes, uint32_t max_nodes);
/* Low-water hook: called once each time free RAM drops below `low_water`
 * (re-armed when it is back at or above) and on a failed search. */
void lake_untyped_set_low_water(struct lake_untyped_pool *pool, lake_word_t low_water,
                                lake_untyped_low_fn hook, void *arg);
/* Add an untyped cap with no children (a root block of the pool). */
int lake_untyped_add(struct lake_untyped_pool *pool, lake_cptr_t cptr, lake_word_t paddr,
                     unsigned bits, bool device);

/* A RAM block of at least 2^bits bytes (exactly max(bits, min_bits)).
 * LAKE_NOT_ENOUGH_MEMORY, with nothing changed, if no block is big enough. */
int lake_untyped_alloc(struct lake_untyped_pool *pool, unsigned bits, uint32_t *block);
/* The block containing `paddr` of exactly 2^bits bytes, split out of the
 * root (normally a device untyped) that covers it. */
int lake_untyped_alloc_at(struct lake_untyped_pool *pool, lake_word_t paddr, unsigned bits,
                          uint32_t *block);
/* Give a block back; whatever was retyped from it must be deleted. It
 * merges with its buddy (and on upwards) while both are free, except that
 * blocks below 2^LAKE_UT_KEEP_BITS stay split: the next small objects take
 * them as they are, where merging would cost a Delete now and a Retype
 * later per level (a thread created and joined again and again would
 * split and merge a dozen levels each time). An allocation that finds no
 * block that fits merges them first (lake_untyped_trim). */
#define LAKE_UT_KEEP_BITS 12
int lake_untyped_free(struct lake_untyped_pool *pool, uint32_t block);
/* Merge every pair of free buddies, smallest first. */
void lake_untyped_trim(struct lake_untyped_pool *pool);

/* A block of the object's size with one object retyped into slot `dest`. */
int lake_untyped_alloc_object(struct lake_untyped_pool *pool, unsigned type, unsigned size_bits,
                              lake_cptr_t dest, uint32_t *block);
/* A frame of 2^bits (12 or 21) at `paddr` from device untyped, into `dest`. */
int lake_untyped_alloc_frame_at(struct lake_untyped_pool *pool, lake_word_t paddr, unsigned bits,
                                lake_cptr_t dest, uint32_t *block);
/* Delete the block's object (if recorded) and free the block. */
int lake_untyped_free_object(struct lake_untyped_pool *pool, uint32_t block);
/* The ALLOCATED block whose recorded object is `cptr` (linear search). */
int lake_untyped_find_object(const struct lake_untyped_pool *pool, lake_cptr_t cptr,
                             uint32_t *block);

static inline lake_cptr_t lake_untyped_cptr(const struct lake_untyped_pool *pool, uint32_t block)
{
    return pool->nodes[block].cptr;
}
static inline lake_word_t lake_untyped_free_bytes(const struct lake_untyped_pool *pool)
{
    return pool->free_bytes;
}
/* Records in use (for tests: every split adds two, every merge removes two). */
uint32_t lake_untyped_nodes_used(const struct lake_untyped_pool *pool);
/* Continue with the record array `nodes` of max_nodes records (at least
 * the records touched so far): they are copied there. For a pool that
 * starts on a small static array and moves to a larger one once memory can
 * be mapped. Only records [0, touched) of the new array are written. */
int lake_untyped_move_records(struct lake_untyped_pool *pool, struct lake_untyped_node *nodes,
                              uint32_t max_nodes);
/* Records [0, n) have been touched; the rest of the array is untouched
 * (so its memory may be mapped on demand, ahead of this mark). */
static inline uint32_t lake_untyped_records_touched(const struct lake_untyped_pool *pool)
{
    return pool->fresh;
}
/* Consistency check of lists, states and byte counts (tests). */
bool lake_untyped_check(const struct lake_untyped_pool *pool);

/* ---- kernel binding (untyped_ops.c, not built for the host) ---- */

struct lake_cspace;
/* ctx: struct lake_cspace * (slots from it, invocations through its root). */
extern const struct lake_untyped_ops lake_untyped_kernel_ops;
/* make_object callback for struct lake_cspace_kernel; arg: the pool. */
int lake_untyped_make_object(void *arg, unsigned type, unsigned size_bits, lake_cptr_t dest);
/* free_object callback for struct lake_cspace_kernel; arg: the pool. */
int lake_untyped_free_object_at(void *arg, lake_cptr_t slot);

#endif
