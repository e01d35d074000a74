/*
 * CSpace slot allocator for a two-level CSpace (see docs/RUNTIME.md).
 *
 * The CSpace is a top CNode of 2^top_radix slots with a guard of
 * top_guard_bits zero bits; top-level slots [first_index, end_index) are
 * managed here and hold second-level CNodes of 2^l2_radix slots with a
 * guard of l2_guard_bits zero bits, so that
 *
 *   top_guard_bits + top_radix + l2_guard_bits + l2_radix == 64
 *   cptr = index << (l2_guard_bits + l2_radix) | slot
 *
 * Consecutive slots of one second-level CNode are consecutive cptrs.
 *
 * The bookkeeping (bitmaps, cptr arithmetic, growth decisions) is pure C;
 * the kernel is reached only through struct lake_cspace_ops, so the host
 * unit tests can substitute fakes. lake_cspace_kernel_ops (cspace_ops.c)
 * is the real implementation.
 */
#ifndef LAKE_CSPACE_H
#define LAKE_CSPACE_H

#include <lake/abi_types.h>
#include <lake/errors.h>

#define LAKE_CSPACE_MAX_L2_RADIX    12
#define LAKE_CSPACE_WORDS_PER_NODE(l2_radix)  ((((lake_word_t)1 << (l2_radix)) + 63) / 64)
/* uint64_t words of bitmap storage for `nodes` second-level CNodes. */
#define LAKE_CSPACE_BITMAP_WORDS(nodes, l2_radix) ((nodes) * LAKE_CSPACE_WORDS_PER_NODE(l2_radix))
/* Default free slots kept back for growing (one CNode slot plus the slots
 * the untyped allocator may need to split memory for it). */
#define LAKE_CSPACE_DEFAULT_RESERVE 64

struct lake_cspace;

struct lake_cspace_layout {
    unsigned top_radix;         /* slots of the top CNode: 2^top_radix */
    unsigned top_guard_bits;    /* guard size of the top CNode cap */
    unsigned l2_radix;          /* slots of each second-level CNode */
    unsigned l2_guard_bits;     /* guard size of second-level CNode caps */
    unsigned first_index;       /* top-level slots this allocator fills: */
    unsigned end_index;         /* [first_index, end_index) */
};

struct lake_cspace_ops {
    /* Make a CNode of 2^radix slots in the empty slot `slot` (a cptr of
     * this CSpace). */
    int (*new_cnode)(void *ctx, struct lake_cspace *cs, lake_cptr_t slot, unsigned radix);
    /* Move the CNode cap at `slot` into top-level slot `index` with a
     * guard of l2_guard_bits zero bits (CNode Mutate); `slot` is empty after. */
    int (*install)(void *ctx, struct lake_cspace *cs, lake_word_t index, lake_cptr_t slot);
    /* Undo new_cnode after a failed install: delete the CNode at `slot`. */
    int (*delete_cnode)(void *ctx, struct lake_cspace *cs, lake_cptr_t slot);
};

struct lake_cspace_node {
    uint16_t free;              /* free slots in this CNode */
    uint16_t hint;              /* first bitmap word that may have a free bit */
    bool present;               /* installed in the top CNode */
};

struct lake_cspace {
    struct lake_cspace_layout layout;
    lake_cptr_t root;           /* the top CNode as named in the caller's CSpace */
    const struct lake_cspace_ops *ops;
    void *ctx;
    struct lake_cspace_node *nodes;     /* end_index - first_index records */
    uint64_t *bitmap;                   /* words_per_node words per node; 1 = free */
    unsigned words_per_node;
    unsigned next_index;        /* next top-level slot a growth fills */
    unsigned node_hint;         /* lowest node (0-based) that may have free slots */
    size_t free_slots;          /* free slots in present nodes */
    unsigned reserve;           /* free slots kept back for growing */
    unsigned grows;             /* number of successful growths */
    bool growing;               /* a growth is in progress (it may use the reserve) */
};

/* Check a layout: the bits add up to 64 and the radices and index range fit. */
bool lake_cspace_layout_valid(const struct lake_cspace_layout *layout);

/* Set up an allocator without any second-level CNode. `nodes` has
 * end_index - first_index records, `bitmap` LAKE_CSPACE_BITMAP_WORDS of
 * that many nodes. Returns LAKE_INVALID_ARGUMENT for a bad layout. */
int lake_cspace_init(struct lake_cspace *cs, const struct lake_cspace_layout *layout,
                     lake_cptr_t root, const struct lake_cspace_ops *ops, void *ctx,
                     struct lake_cspace_node *nodes, uint64_t *bitmap, unsigned reserve);

/* ---- cptr arithmetic (pure) ---- */

/* cptr of slot `slot` of the second-level CNode at top-level `index`. */
lake_cptr_t lake_cspace_cptr(const struct lake_cspace *cs, lake_word_t index, lake_word_t slot);
/* Split a cptr; false if it is not a valid two-level address of the layout
 * (guard bits not zero, or index/slot out of range). */
bool lake_cspace_decode(const struct lake_cspace *cs, lake_cptr_t cptr, lake_word_t *index,
                        lake_word_t *slot);
/* Depth that names a top-level slot (where a second-level CNode cap is). */
unsigned lake_cspace_node_depth(const struct lake_cspace *cs);
/* Retype destination for `cptr`: (root, *node_index, *node_depth), offset *offset. */
bool lake_cspace_retype_dest(const struct lake_cspace *cs, lake_cptr_t cptr,
                             lake_word_t *node_index, unsigned *node_depth, lake_word_t *offset);

/* ---- allocation ---- */

/* Declare an existing second-level CNode at top-level `index` (its slots
 * all free), e.g. one a parent installed. The next growth goes after it. */
int lake_cspace_add_node(struct lake_cspace *cs, lake_word_t index);
/* The same for a CNode whose slots below `used` are taken already (by its
 * creator): a process's first CNode as its node 0. LAKE_INVALID_ARGUMENT
 * if used is more than the node's slots. */
int lake_cspace_add_node_used(struct lake_cspace *cs, lake_word_t index, unsigned used);
/* Grow by one second-level CNode. `scratch` is an empty slot to retype
 * the CNode into before it is installed (0: take one from the free slots,
 * which must then not be empty). */
int lake_cspace_grow(struct lake_cspace *cs, lake_cptr_t scratch);
/* One free slot. Grows first when fewer than reserve + 1 slots would be
 * left (the reserve is only for growth, unless the top level is full).
 * LAKE_RANGE_ERROR when the CSpace is full; a growth's error otherwise. */
int lake_cspace_alloc(struct lake_cspace *cs, lake_cptr_t *cptr);
/* `count` (1..2^l2_radix) consecutive free slots in one second-level CNode. */
int lake_cspace_alloc_range(struct lake_cspace *cs, unsigned count, lake_cptr_t *first);
/* Give back a slot (it must be empty in the kernel). LAKE_INVALID_ARGUMENT
 * if it is not one of ours or already free. */
int lake_cspace_free(struct lake_cspace *cs, lake_cptr_t cptr);
int lake_cspace_free_range(struct lake_cspace *cs, lake_cptr_t first, unsigned count);
/* Whether a managed slot is allocated. */
bool lake_cspace_is_allocated(const struct lake_cspace *cs, lake_cptr_t cptr);
static inline size_t lake_cspace_free_slots(const struct lake_cspace *cs)
{
    return cs->free_slots;
}

/* ---- kernel binding (cspace_ops.c, not built for the host) ---- */

/* How new second-level CNodes get their memory: make an object of `type`
 * (size_bits as for Retype) in the empty slot `dest` of the CSpace, e.g.
 * lake_untyped_make_object (untyped.h); free_object deletes one again. */
struct lake_cspace_kernel {
    int (*make_object)(void *arg, unsigned type, unsigned size_bits, lake_cptr_t dest);
    int (*free_object)(void *arg, lake_cptr_t slot);   /* NULL: just delete the cap */
    void *arg;
};
/* ctx: struct lake_cspace_kernel *. */
extern const struct lake_cspace_ops lake_cspace_kernel_ops;
/* Delete the cap in a slot of the CSpace (CNode Delete, depth 64). */
int lake_cspace_delete_cap(struct lake_cspace *cs, lake_cptr_t cptr);

#endif
