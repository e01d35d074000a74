/*
 * VSpace region manager: a process's own view of its address space.
 *
 * The address space is a sorted set of non-overlapping regions
 * [start, end) (page aligned, inside [floor, ceiling) of the user range
 * 0..2^48), each with rights, attributes and a kind. For every region the
 * manager knows which frame capability backs each mapped page (a sparse
 * two-level page array: one chunk of up to 512 entries per 2 MiB, allocated on
 * first use), and for the whole space which page tables exist (a hash set
 * keyed by level and address), so that Frame Map is never tried before the
 * tables on the way are installed.
 *
 * Operations:
 *   reserve   at a fixed address or anywhere (first fit or next fit, with an
 *             alignment) - claims addresses, maps nothing
 *   map       install frames for pages of a region now (caller's frames, or
 *             fresh zeroed frames from the ops)
 *   unmap     remove pages of a region (fresh frames are given back)
 *   protect   change the rights of a whole region (unmap and re-map each
 *             mapped frame: a mapped frame cap cannot be re-mapped in place)
 *   release   unmap everything in a region and forget it
 * map/unmap take any page range inside one region; reserve/protect/release
 * are whole-region (no split or merge).
 *
 * All kernel calls go through struct vspace_ops, so the core is pure C and
 * is tested on the host with fakes (tests/unit/test_rt_vspace.c); the
 * LakeOS implementation is vspace_lake_ops() in vspace_ops.c.
 *
 * Not thread-safe: one thread (the process's pager) owns a struct vspace.
 */
#ifndef LAKE_VSPACE_H
#define LAKE_VSPACE_H

#include <lake/abi_types.h>
#include <lake/errors.h>
#include <lake/message.h>

#define VSPACE_PAGE_BITS    12
#define VSPACE_PAGE_SIZE    ((lake_word_t)1 << VSPACE_PAGE_BITS)
#define VSPACE_USER_TOP     ((lake_word_t)1 << 48)
#define VSPACE_CHUNK_PAGES  512             /* page-array chunk: 2 MiB of pages */

/* Page-table levels below the root: a level-n table covers 2^(48 - 9n)
 * bytes (level 1: 512 GiB, level 2: 1 GiB, level 3: 2 MiB). */
#define VSPACE_TABLE_LEVELS 3
static inline unsigned vspace_table_shift(unsigned level)
{
    return 48 - 9 * level;
}

enum vspace_kind {
    VSPACE_ANON = 1,    /* anonymous, lazily backed: a fault maps a fresh zeroed frame */
    VSPACE_FIXED = 2,   /* frames installed explicitly by vspace_map; a fault is fatal */
    VSPACE_GUARD = 3,   /* reserved, never mapped */
    VSPACE_STACK = 4,   /* lazily backed, with guard_pages unmapped pages at the bottom */
};

enum vspace_fit {
    VSPACE_FIRST_FIT = 0,   /* lowest free range above the floor */
    VSPACE_NEXT_FIT = 1,    /* first free range after the previous next-fit reservation */
};

/* What a region is (given to reserve). */
struct vspace_attr {
    enum vspace_kind kind;
    unsigned rights;        /* LAKE_RIGHT_READ (required) | LAKE_RIGHT_WRITE */
    unsigned attrs;         /* LAKE_ATTR_EXECUTE_NEVER | LAKE_ATTR_DEVICE | LAKE_ATTR_UNCACHED */
    unsigned guard_pages;   /* VSPACE_STACK only: unmapped pages at the bottom */
};

/* One page of a region: the frame cap mapped there (0: not mapped) and
 * whether it came from ops->alloc_frame. Eight bytes, so a chunk of 512 is
 * exactly one page; frame caps are below 2^63 (vspace_map checks). */
#define VSPACE_MAX_CPTR     (((lake_word_t)1 << 63) - 1)
struct vspace_page {
    lake_cptr_t frame : 63;
    lake_cptr_t owned : 1;
};

struct vspace_region {
    lake_word_t start, end;         /* the whole reservation, guard pages included */
    struct vspace_attr attr;
    size_t mapped;                  /* pages mapped now */
    size_t nchunks;                 /* length of chunks: grows up to the last chunk used */
    struct vspace_page **chunks;    /* chunk i: pages [i*512, i*512+512); NULL: none mapped */
    void *user;                     /* free for the owner */
};

/* The kernel-calling layer. ctx is passed back to every function. Errors
 * are enum lake_error values. */
struct vspace_ops {
    void *ctx;
    /* A fresh 4 KiB frame, zero-filled (Retype zeroes memory). */
    int (*alloc_frame)(void *ctx, lake_cptr_t *frame);
    void (*free_frame)(void *ctx, lake_cptr_t frame);
    /* A fresh page-table object (not mapped). */
    int (*alloc_table)(void *ctx, lake_cptr_t *table);
    void (*free_table)(void *ctx, lake_cptr_t table);
    /* Frame Map. On LAKE_FAILED_LOOKUP *missing_level is the level (1-3)
     * of the missing table (the error's detail word 2). */
    int (*map_frame)(void *ctx, lake_cptr_t frame, lake_word_t vaddr, unsigned rights,
                     unsigned attrs, unsigned *missing_level);
    int (*unmap_frame)(void *ctx, lake_cptr_t frame);
    /* PageTable Map: installs at the first missing level on the way. */
    int (*map_table)(void *ctx, lake_cptr_t table, lake_word_t vaddr);
    /* Optional, for the manager's own bookkeeping: NULL means calloc/free.
     * meta_free gets the size the block was allocated with (so an
     * allocator needs no headers: a chunk of pages is exactly a page). */
    void *(*meta_alloc)(void *ctx, size_t size);    /* zeroed */
    void (*meta_free)(void *ctx, void *p, size_t size);
};

struct vspace_table_set {
    lake_word_t *keys;          /* (level << 60) | (vaddr >> shift) + 1; 0: empty */
    lake_cptr_t *caps;          /* the table's cap (0: not ours, noted) */
    size_t count, capacity;     /* capacity: power of two */
};

struct vspace {
    struct vspace_ops ops;
    lake_word_t floor, ceiling;     /* reservations lie in [floor, ceiling) */
    lake_word_t next_fit;           /* where the next next-fit search starts */
    struct vspace_region **regions; /* sorted by start */
    size_t count, capacity;
    struct vspace_region *hint;     /* where the last fault was resolved (or NULL) */
    struct vspace_table_set tables;
    lake_word_t last_leaf;          /* (vaddr >> 21) + 1 of a 2 MiB known to have all tables */
    /* Statistics. */
    size_t tables_made;             /* page tables allocated and installed */
    size_t frames_allocated;        /* frames taken from ops->alloc_frame (in use) */
    size_t faults_resolved;
};

/* floor and ceiling page aligned, floor < ceiling <= 2^48. */
int vspace_init(struct vspace *vs, const struct vspace_ops *ops, lake_word_t floor,
                lake_word_t ceiling);
/* Releases every region (unmapping and freeing its fresh frames) and the
 * bookkeeping. Page tables stay installed. */
void vspace_destroy(struct vspace *vs);

/* ---- page tables ---- */

/* Record a table that exists already (made by someone else; cap 0 if not
 * known). The table set must describe the VSpace: note the tables that
 * exist at start (e.g. the level-1 table under the image). */
int vspace_note_table(struct vspace *vs, unsigned level, lake_word_t vaddr, lake_cptr_t table);
bool vspace_has_table(const struct vspace *vs, unsigned level, lake_word_t vaddr);
size_t vspace_table_count(const struct vspace *vs);
/* Install every table missing on the way to vaddr (up to three). */
int vspace_ensure_tables(struct vspace *vs, lake_word_t vaddr);

/* ---- regions ---- */

/* [start, start + size): LAKE_ALIGNMENT_ERROR (not page aligned),
 * LAKE_RANGE_ERROR (outside [floor, ceiling) or size 0),
 * LAKE_DELETE_FIRST (overlaps a region), LAKE_INVALID_ARGUMENT (attr). */
int vspace_reserve_at(struct vspace *vs, lake_word_t start, lake_word_t size,
                      const struct vspace_attr *attr, struct vspace_region **out);
/* Anywhere: align is a power of two >= the page size (0: page).
 * LAKE_NOT_ENOUGH_MEMORY when no free range fits. */
int vspace_reserve_anywhere(struct vspace *vs, lake_word_t size, lake_word_t align,
                            enum vspace_fit fit, const struct vspace_attr *attr,
                            struct vspace_region **out);
/* A lazily backed read-write, execute-never stack of `pages` pages with
 * `guard_pages` (>= 1) reserved, never mapped pages below it. */
int vspace_reserve_stack(struct vspace *vs, size_t pages, unsigned guard_pages,
                         struct vspace_region **out);
/* Top of a stack region (its end). */
static inline lake_word_t vspace_region_top(const struct vspace_region *r)
{
    return r->end;
}
/* First address that may be mapped (above the guard pages). */
static inline lake_word_t vspace_region_base(const struct vspace_region *r)
{
    return r->start + (lake_word_t)r->attr.guard_pages * VSPACE_PAGE_SIZE;
}

/* Unmap every page (freeing fresh frames) and forget the region. */
int vspace_release(struct vspace *vs, struct vspace_region *r);

/* The region containing vaddr, or NULL (binary search). */
struct vspace_region *vspace_find(const struct vspace *vs, lake_word_t vaddr);

enum vspace_where {
    VSPACE_NOWHERE = 0,     /* no region */
    VSPACE_GUARD_PAGE,      /* a guard region or a stack's guard page */
    VSPACE_UNMAPPED,        /* inside a region, page not mapped */
    VSPACE_MAPPED,          /* mapped; *frame says by which cap */
};
/* Where vaddr lies; region and frame may be NULL. */
enum vspace_where vspace_lookup(const struct vspace *vs, lake_word_t vaddr,
                                struct vspace_region **region, lake_cptr_t *frame);

/* ---- mappings ---- */

/* Map `npages` pages from vaddr (inside one region, above its guard) with
 * the region's rights and attributes. frames: one cap per page (the caller
 * keeps them), or NULL for fresh zeroed frames. All or nothing:
 * LAKE_DELETE_FIRST if a page is mapped already, LAKE_ILLEGAL_OPERATION for
 * guard pages, LAKE_FAILED_LOOKUP if the range is not inside one region. */
int vspace_map(struct vspace *vs, lake_word_t vaddr, size_t npages, const lake_cptr_t *frames);
/* Unmap the mapped pages of [vaddr, vaddr + npages pages) (inside one
 * region); fresh frames are freed. A lazily backed page faults in again as
 * a new zero page. */
int vspace_unmap(struct vspace *vs, lake_word_t vaddr, size_t npages);
/* New rights for the whole region: every mapped page is unmapped and
 * mapped again with them. rights must include Read. */
int vspace_protect(struct vspace *vs, struct vspace_region *r, unsigned rights);

/* ---- self-paging ---- */

enum vspace_fault_action {
    VSPACE_RESUME = 0,      /* resolved (or already mapped): reply and retry */
    VSPACE_KILL = 1,        /* not resolvable: *reason says why */
};
/* Decide a VM fault at addr: a lazily backed region gets a fresh zeroed
 * frame mapped; guard pages, addresses outside any region, unmapped pages
 * of fixed regions, writes to read-only and execution of execute-never
 * regions are fatal. reason may be NULL. */
enum vspace_fault_action vspace_handle_fault(struct vspace *vs, lake_word_t addr, bool is_write,
                                             bool is_exec, const char **reason);

/* ---- the LakeOS ops (vspace_ops.c, not built on the host) ---- */

struct lake_alloc;
struct vspace_lake_ctx {
    lake_cptr_t vspace;         /* the VSpace cap */
    struct lake_alloc *alloc;   /* where frames and tables are retyped from */
    lake_cptr_t cnode;          /* root CNode (for deleting freed caps) */
    unsigned depth;             /* its depth (64) */
};
/* Fill ops with the real kernel calls on ctx. */
void vspace_lake_ops(struct vspace_ops *ops, struct vspace_lake_ctx *ctx);

#endif
