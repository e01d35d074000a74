/*
 * The process environment (lake/env.h; docs/RUNTIME.md "The process
 * environment"): the CSpace, untyped and VSpace allocators of a spawned
 * process wired together, its lazily backed heap and its pager thread.
 *
 * Bootstrapping. The allocators depend on each other: frames come from
 * the untyped pool, which takes slots from the CSpace allocator, which
 * takes CNodes from the pool, and the VSpace manager's records come from
 * an arena that is itself mapped by the VSpace manager. So the first
 * records live in .bss (the image is mapped eagerly by spawn): the CSpace
 * allocator's tables, 128 untyped block records and 32 KiB of arena.
 * Once the manager runs, the untyped records move into a region of their
 * own and the arena continues in another; both are mapped explicitly, a
 * little ahead of use (env_prepare, at the start of every operation), so
 * nothing the allocators touch ever faults: the pager cannot page itself.
 *
 * Locking. One mutex guards the allocators. The pager takes it too, so a
 * thread must not fault while holding it: nothing under the lock touches
 * lazily backed memory, and a thread probes the stack it will need before
 * it takes the lock (its own stack may be lazily backed).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/lock.h>
#include <unistd.h>

#include <lake/cspace.h>
#include <lake/env.h>
#include <lake/event.h>
#include <lake/proto/init.h>
#include <lake/sys.h>
#include <lake/runtime.h>
#include <lake/sync.h>
#include <lake/untyped.h>
#include <lake/vspace.h>

#define PAGE                LAKE_PAGE_SIZE
#define BOOT_RECORDS        128
#define BOOT_ARENA_BYTES    (24u << 10)     /* a small program's records fit (about 6 KiB) */
#define ARENA_SLACK         (16u << 10)     /* arena mapped ahead of use */
#define ARENA_MIN_CLASS     4               /* 16-byte blocks */
#define ARENA_ALIGN         64              /* blocks start on a cache line at least */
#define ARENA_PAGE_CLASS    12
#define ARENA_MAX_CLASS     (ARENA_PAGE_CLASS + 64)   /* 256 KiB */
#define PAGER_STACK_BYTES   (16u << 10)
#define PROBE_BYTES         (6u << 10)      /* stack a locked operation may use */
#define DEFAULT_STACK_BYTES (64u << 10)
#define CS_NODES            (1u << LAKE_PROC_TOP_RADIX)     /* node 0 may be the first CNode */
#define ENV_GAP_PAGES       2               /* unreserved after the image */
#define ENV_CEILING         (1ul << 47)

struct frame_mapping {
    lake_cptr_t frame;
    lake_word_t vaddr;
};

static struct {
    bool ready;
    const struct lake_procinfo *pi;
    const char *program;
    struct lake_mutex lock;

    struct lake_cspace cs;
    struct lake_cspace_kernel cs_kernel;
    struct lake_cspace_node cs_nodes[CS_NODES];
    uint64_t cs_bitmap[LAKE_CSPACE_BITMAP_WORDS(CS_NODES, LAKE_PROC_L2_RADIX)];

    /* The starter kit spawn made (procinfo kit): taken before the pool;
     * per part (frames, TCBs, notifications, endpoints) the next slot and
     * the end (next == end: none left, or no kit). */
    lake_cptr_t kit_first;
    lake_cptr_t kit_next[4], kit_end[4];

    struct lake_untyped_pool pool;
    struct lake_untyped_node boot_records[BOOT_RECORDS];
    bool records_moved;
    unsigned record_slack;                  /* records one operation may take at most */
    lake_word_t records_mapped;             /* end of the mapped part of the records */
    lake_word_t meta_base, nodes_base;      /* the arena's and the records' regions */

    struct vspace vs;
    struct vspace_region *heap;
    struct vspace_region *pager_ipc;        /* the pager's IPC buffer, just past the image */
    size_t heap_size;

    /* The arena: a bump pointer in the boot buffer, then in the arena
     * region; freed blocks on a list per power-of-two size class. */
    uintptr_t arena_next, arena_limit;
    bool arena_in_region;
    lake_word_t arena_mapped;               /* end of the mapped part of the region */
    void *arena_free[ARENA_MAX_CLASS + 1];

    struct frame_mapping *mappings;         /* frames mapped for the thread library */
    size_t num_mappings, max_mappings;

    struct lake_thread_ops thread_ops;
    lake_cptr_t fault_ep;                   /* the pager's endpoint */
    struct lake_thread pager;
} env;

static const struct vspace_attr anon_attr = {
    .kind = VSPACE_ANON, .rights = LAKE_RIGHTS_RW, .attrs = LAKE_ATTR_EXECUTE_NEVER,
};
static const struct vspace_attr fixed_attr = {
    .kind = VSPACE_FIXED, .rights = LAKE_RIGHTS_RW, .attrs = LAKE_ATTR_EXECUTE_NEVER,
};
static char boot_arena[BOOT_ARENA_BYTES] __attribute__((aligned(64)));
static char pager_stack[PAGER_STACK_BYTES] __attribute__((aligned(16)));

bool lake_env_ready(void)
{
    return env.ready;
}

const char *lake_env_program(void)
{
    return env.program ? env.program : "process";
}

/* ---- locking -------------------------------------------------------------- */

/* Touch the stack a locked operation may need, so that a fault on a lazily
 * backed stack happens now, while the pager can still take the lock. */
static void __attribute__((noinline)) probe_stack(void)
{
    volatile char area[PROBE_BYTES];
    for (size_t i = 0; i < PROBE_BYTES; i += PAGE / 2)
        area[i] = 0;
    area[PROBE_BYTES - 1] = 0;
    __asm__ volatile("" : : "r"(area) : "memory");
}

static void env_lock(void)
{
    if (lake_thread_self() != &env.pager)
        probe_stack();
    lake_mutex_lock(&env.lock);
}

static void env_unlock(void)
{
    lake_mutex_unlock(&env.lock);
}

/* ---- the arena: the VSpace manager's records and the mapping table ------ */

/* Power-of-two classes up to a page; above that, whole pages (class
 * ARENA_PAGE_CLASS + n: n pages). Blocks have no header: the manager
 * gives the size back when it frees (a VSpace page chunk is one page). */
static size_t class_bytes(unsigned c)
{
    return c <= ARENA_PAGE_CLASS ? (size_t)1 << c : (size_t)(c - ARENA_PAGE_CLASS) * PAGE;
}

static unsigned size_class(size_t bytes)
{
    if (bytes > PAGE)
        return ARENA_PAGE_CLASS + (unsigned)((bytes + PAGE - 1) / PAGE);
    unsigned c = ARENA_MIN_CLASS;
    while (c <= ARENA_MAX_CLASS && ((size_t)1 << c) < bytes)
        c++;
    return c;
}

static void *arena_bump(size_t bytes)
{
    uintptr_t align = bytes < ARENA_ALIGN ? bytes : ARENA_ALIGN;
    uintptr_t at = (env.arena_next + align - 1) & ~(align - 1);
    if (at + bytes > env.arena_limit) {
        if (env.arena_in_region || env.vs.ops.ctx == NULL || env.arena_mapped == 0)
            return NULL;
        /* The boot buffer is used up: continue in the region. */
        env.arena_in_region = true;
        env.arena_next = env.meta_base;
        env.arena_limit = env.arena_mapped;
        at = env.arena_next;
        if (at + bytes > env.arena_limit)
            return NULL;
    }
    env.arena_next = at + bytes;
    return (void *)at;
}

static void *arena_alloc(void *ctx, size_t size)
{
    (void)ctx;
    unsigned c = size_class(size);
    if (c > ARENA_MAX_CLASS)
        return NULL;
    void *block = env.arena_free[c];
    if (block != NULL)
        env.arena_free[c] = *(void **)block;
    else
        block = arena_bump(class_bytes(c));
    if (block == NULL)
        return NULL;
    memset(block, 0, class_bytes(c));
    return block;
}

static void arena_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    if (p == NULL)
        return;
    unsigned c = size_class(size);
    *(void **)p = env.arena_free[c];
    env.arena_free[c] = p;
}

/* ---- kernel objects (lock held) ------------------------------------------ */

/* An object of the kit's (its part for the type, see lake/procinfo.h);
 * each part is handed out in order, once. */
static bool kit_take(unsigned type, lake_cptr_t *slot)
{
    unsigned part;
    switch (type) {
    case LAKE_OBJ_FRAME_4K:     part = 0; break;
    case LAKE_OBJ_TCB:          part = 1; break;
    case LAKE_OBJ_NOTIFICATION: part = 2; break;
    case LAKE_OBJ_ENDPOINT:     part = 3; break;
    default:                    return false;
    }
    if (env.kit_next[part] == env.kit_end[part])
        return false;
    *slot = env.kit_next[part]++;
    return true;
}

/* A kit object freed: its cap goes (the memory stays the parent's until
 * the process ends); the slot is not used again. */
static bool kit_free(lake_cptr_t slot)
{
    if (env.kit_first == 0 || slot < env.kit_first || slot >= env.kit_first + LAKE_KIT_SLOTS)
        return false;
    lake_cspace_delete_cap(&env.cs, slot);
    return true;
}

static int alloc_object_locked(unsigned type, unsigned size_bits, lake_cptr_t *slot)
{
    if (kit_take(type, slot))
        return LAKE_OK;
    lake_cptr_t dest;
    int error = lake_cspace_alloc(&env.cs, &dest);
    if (error)
        return error;
    uint32_t block;
    error = lake_untyped_alloc_object(&env.pool, type, size_bits, dest, &block);
    if (error) {
        lake_cspace_free(&env.cs, dest);
        return error;
    }
    *slot = dest;
    return LAKE_OK;
}

static void free_object_locked(lake_cptr_t slot)
{
    if (kit_free(slot))
        return;
    uint32_t block;
    if (lake_untyped_find_object(&env.pool, slot, &block) == LAKE_OK)
        lake_untyped_free_object(&env.pool, block);
    else
        lake_cspace_delete_cap(&env.cs, slot);
    lake_cspace_free(&env.cs, slot);
}

/* ---- the VSpace manager's kernel calls (lock held) ------------------------ */

/* ---- frames in batches (lock held) ---------------------------------------
 * A fault needs one 4 KiB frame. Retyping them one at a time costs a block
 * split, an untyped cap and a Retype each (and three slots per frame).
 * Frames come instead sixteen at a time from one 64 KiB block (four from a
 * 16 KiB one while the pool is small, so a batch does not hold memory page
 * tables need): one Retype into consecutive slots; the block goes back to
 * the pool when all of them have been handed out and freed again. */
#define BATCH_FRAMES        16
#define BATCH_SMALL_FRAMES  4
#define BATCH_MIN_FREE      (1ul << 20)     /* for full batches */
#define BATCH_SMALL_MIN_FREE (128ul << 10)  /* for small ones; below: one at a time */

struct frame_batch {
    lake_cptr_t first;          /* slots first .. first + size - 1; 0: unused record */
    uint32_t block;             /* the pool's block of size frames */
    uint16_t handed, live;      /* frames handed out; of those not freed yet */
    uint16_t size;              /* BATCH_FRAMES or BATCH_SMALL_FRAMES */
};

/* Batch records in page-sized chunks from the arena (a growing array
 * would at some point need more than the arena has mapped ahead). */
#define BATCHES_PER_CHUNK ((PAGE - 64) / sizeof(struct frame_batch))
struct batch_chunk {
    struct batch_chunk *next;
    struct frame_batch b[BATCHES_PER_CHUNK];
};

static struct batch_chunk *batch_chunks;
static struct frame_batch *current_batch;   /* frames are handed from it */

static struct frame_batch *batch_record(void)
{
    for (struct batch_chunk *c = batch_chunks; c; c = c->next)
        for (size_t i = 0; i < BATCHES_PER_CHUNK; i++)
            if (c->b[i].first == 0)
                return &c->b[i];
    struct batch_chunk *c = arena_alloc(NULL, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->next = batch_chunks;
    batch_chunks = c;
    return &c->b[0];
}

static int batch_new(unsigned frames)
{
    struct frame_batch *rec = batch_record();
    if (rec == NULL)
        return LAKE_NOT_ENOUGH_MEMORY;
    uint32_t block;
    lake_cptr_t first;
    unsigned bits = LAKE_PAGE_BITS + (frames == BATCH_FRAMES ? 4 : 2);
    int error = lake_untyped_alloc(&env.pool, bits, &block);
    if (error)
        return error;
    error = lake_cspace_alloc_range(&env.cs, frames, &first);
    if (error) {
        lake_untyped_free(&env.pool, block);
        return error;
    }
    lake_word_t index, offset;
    unsigned depth;
    if (!lake_cspace_retype_dest(&env.cs, first, &index, &depth, &offset))
        error = LAKE_INVALID_ARGUMENT;
    else
        error = lake_untyped_retype(lake_untyped_cptr(&env.pool, block), LAKE_OBJ_FRAME_4K, 0,
                                    env.cs.root, index, depth, offset, frames);
    if (error) {
        lake_cspace_free_range(&env.cs, first, frames);
        lake_untyped_free(&env.pool, block);
        return error;
    }
    *rec = (struct frame_batch){ first, block, 0, 0, (uint16_t)frames };
    current_batch = rec;
    return LAKE_OK;
}

static int vs_alloc_frame(void *ctx, lake_cptr_t *frame)
{
    (void)ctx;
    /* During start-up, or when the pool is almost empty: one frame at a
     * time. */
    if (kit_take(LAKE_OBJ_FRAME_4K, frame))
        return LAKE_OK;
    lake_word_t free_bytes = lake_untyped_free_bytes(&env.pool);
    if (!env.ready || free_bytes < BATCH_SMALL_MIN_FREE)
        return alloc_object_locked(LAKE_OBJ_FRAME_4K, 0, frame);
    if (current_batch == NULL || current_batch->handed == current_batch->size) {
        unsigned frames = free_bytes >= BATCH_MIN_FREE ? BATCH_FRAMES : BATCH_SMALL_FRAMES;
        if (batch_new(frames) != LAKE_OK)
            return alloc_object_locked(LAKE_OBJ_FRAME_4K, 0, frame);
    }
    *frame = current_batch->first + current_batch->handed++;
    current_batch->live++;
    return LAKE_OK;
}

/* A frame of a batch: delete it; the last one returns the batch. */
static bool batch_free(lake_cptr_t cap)
{
    for (struct batch_chunk *c = batch_chunks; c; c = c->next) {
        for (size_t i = 0; i < BATCHES_PER_CHUNK; i++) {
            struct frame_batch *b = &c->b[i];
            if (b->first == 0 || cap < b->first || cap >= b->first + b->size)
                continue;
            lake_cspace_delete_cap(&env.cs, cap);
            if (--b->live == 0 && b->handed == b->size) {
                lake_cspace_free_range(&env.cs, b->first, b->size);
                lake_untyped_free(&env.pool, b->block);
                if (current_batch == b)
                    current_batch = NULL;
                b->first = 0;
            }
            return true;
        }
    }
    return false;
}

static int vs_alloc_table(void *ctx, lake_cptr_t *table)
{
    (void)ctx;
    return alloc_object_locked(LAKE_OBJ_PAGE_TABLE, 0, table);
}

static void vs_free(void *ctx, lake_cptr_t cap)
{
    (void)ctx;
    if (!batch_free(cap))
        free_object_locked(cap);
}

static int vs_map_frame(void *ctx, lake_cptr_t frame, lake_word_t vaddr, unsigned rights,
                        unsigned attrs, unsigned *missing_level)
{
    (void)ctx;
    int error = lake_frame_map(frame, env.pi->vspace, vaddr, rights, attrs);
    if (error == LAKE_FAILED_LOOKUP)
        *missing_level = (unsigned)lake_error_detail(2);
    return error;
}

static int vs_unmap_frame(void *ctx, lake_cptr_t frame)
{
    (void)ctx;
    return lake_frame_unmap(frame);
}

static int vs_map_table(void *ctx, lake_cptr_t table, lake_word_t vaddr)
{
    (void)ctx;
    return lake_page_table_map(table, env.pi->vspace, vaddr);
}

static const struct vspace_ops env_vspace_ops = {
    .ctx = &env,
    .alloc_frame = vs_alloc_frame,
    .free_frame = vs_free,
    .alloc_table = vs_alloc_table,
    .free_table = vs_free,
    .map_frame = vs_map_frame,
    .unmap_frame = vs_unmap_frame,
    .map_table = vs_map_table,
    .meta_alloc = arena_alloc,
    .meta_free = arena_free,
};

/* Records in use plus the slack, i.e. what must be there before an
 * operation starts. */
static inline lake_word_t records_wanted(void)
{
    return (lake_word_t)lake_untyped_records_touched(&env.pool) + env.record_slack;
}

/* The records' region is mapped short of those in use plus the slack. */
static inline bool records_region_short(void)
{
    lake_word_t want = env.nodes_base + records_wanted() * sizeof(struct lake_untyped_node);
    lake_word_t top = env.nodes_base +
        (lake_word_t)LAKE_ENV_MAX_NODES * sizeof(struct lake_untyped_node);
    return env.records_mapped < want && env.records_mapped < top;
}

/* The untyped records fall short of those in use plus the slack: the boot
 * records in .bss (then they move out), or the part of the region mapped. */
static inline bool records_short(void)
{
    return env.records_moved ? records_region_short() : records_wanted() > BOOT_RECORDS;
}

/* The arena falls short of the slack ahead of its next allocation: while
 * the boot buffer in .bss holds the slack, the region is not needed. */
static inline bool arena_short(void)
{
    if (!env.arena_in_region && env.arena_limit - env.arena_next >= ARENA_SLACK)
        return false;
    lake_word_t used_to = env.arena_in_region ? env.arena_next : env.meta_base;
    return env.arena_mapped - used_to < ARENA_SLACK &&
           env.arena_mapped < env.meta_base + LAKE_ENV_META_SIZE;
}

/* Mapping takes records and arena blocks itself, well inside the slack,
 * so the loops end. Records outgrowing the boot ones in .bss move to
 * their region once it is mapped a slack ahead. */
static int __attribute__((noinline)) env_prepare_slow(void)
{
    if (records_short()) {
        while (records_region_short()) {
            int error = vspace_map(&env.vs, env.records_mapped, 1, NULL);
            if (error)
                return error;
            env.records_mapped += PAGE;
        }
        if (!env.records_moved) {
            int error = lake_untyped_move_records(
                &env.pool, (struct lake_untyped_node *)env.nodes_base, LAKE_ENV_MAX_NODES);
            if (error)
                return error;
            env.records_moved = true;
        }
    }
    while (arena_short()) {
        int error = vspace_map(&env.vs, env.arena_mapped, 1, NULL);
        if (error)
            return error;
        env.arena_mapped += PAGE;
        if (env.arena_in_region)
            env.arena_limit = env.arena_mapped;
    }
    return LAKE_OK;
}

/* Map the untyped records and the arena a little ahead of their use (lock
 * held); inline, since it usually has nothing to do. */
static inline int env_prepare(void)
{
    if (!records_short() && !arena_short())
        return LAKE_OK;
    return env_prepare_slow();
}

/* ---- public allocation ------------------------------------------------------ */

int lake_env_alloc_slot(lake_cptr_t *slot)
{
    return lake_env_alloc_slots(1, slot);
}

void lake_env_free_slot(lake_cptr_t slot)
{
    if (!env.ready)
        return;
    env_lock();
    lake_cspace_free(&env.cs, slot);
    env_unlock();
}

int lake_env_alloc_object(unsigned type, unsigned size_bits, lake_cptr_t *slot)
{
    if (!env.ready)
        return LAKE_ILLEGAL_OPERATION;
    env_lock();
    int error = env_prepare();
    if (error == LAKE_OK)
        error = alloc_object_locked(type, size_bits, slot);
    env_unlock();
    return error;
}

void lake_env_free_object(lake_cptr_t slot)
{
    if (!env.ready)
        return;
    env_lock();
    free_object_locked(slot);
    env_unlock();
}


int lake_env_map_anon(size_t bytes, void **addr)
{
    if (!env.ready)
        return LAKE_ILLEGAL_OPERATION;
    if (bytes == 0 || bytes > (1ul << 40))
        return LAKE_INVALID_ARGUMENT;
    lake_word_t size = (bytes + PAGE - 1) & ~(PAGE - 1);
    struct vspace_region *r;
    env_lock();
    int error = env_prepare();
    if (error == LAKE_OK)
        error = vspace_reserve_anywhere(&env.vs, size, PAGE, VSPACE_NEXT_FIT, &anon_attr, &r);
    env_unlock();
    if (error == LAKE_OK)
        *addr = (void *)r->start;
    return error;
}

int lake_env_unmap(void *addr)
{
    if (!env.ready)
        return LAKE_ILLEGAL_OPERATION;
    env_lock();
    struct vspace_region *r = vspace_find(&env.vs, (lake_word_t)addr);
    int error = LAKE_INVALID_ARGUMENT;
    if (r != NULL && r->start == (lake_word_t)addr && r != env.heap)
        error = vspace_release(&env.vs, r);
    env_unlock();
    return error;
}

int lake_env_map_frame(lake_cptr_t frame, unsigned attrs, void **addr)
{
    if (!env.ready)
        return LAKE_ILLEGAL_OPERATION;
    const struct vspace_attr attr = {
        .kind = VSPACE_FIXED, .rights = LAKE_RIGHTS_RW,
        .attrs = (attrs & LAKE_ATTR_DEVICE) | LAKE_ATTR_EXECUTE_NEVER,
    };
    struct vspace_region *r;
    env_lock();
    int error = env_prepare();
    if (error == LAKE_OK)
        error = vspace_reserve_anywhere(&env.vs, PAGE, PAGE, VSPACE_NEXT_FIT, &attr, &r);
    if (error == LAKE_OK) {
        error = vspace_map(&env.vs, r->start, 1, &frame);
        if (error)
            vspace_release(&env.vs, r);
    }
    env_unlock();
    if (error == LAKE_OK)
        *addr = (void *)r->start;
    return error;
}

int lake_env_alloc_slots(unsigned count, lake_cptr_t *first)
{
    if (!env.ready)
        return LAKE_ILLEGAL_OPERATION;
    env_lock();
    int error = env_prepare();
    if (error == LAKE_OK)
        error = count == 1 ? lake_cspace_alloc(&env.cs, first)
                           : lake_cspace_alloc_range(&env.cs, count, first);
    env_unlock();
    return error;
}

void lake_env_free_slots(lake_cptr_t first, unsigned count)
{
    if (!env.ready)
        return;
    env_lock();
    for (unsigned i = 0; i < count; i++)
        lake_cspace_delete_cap(&env.cs, first + i);
    if (count == 1)
        lake_cspace_free(&env.cs, first);
    else
        lake_cspace_free_range(&env.cs, first, count);
    env_unlock();
}

lake_cptr_t lake_env_cspace_root(void)
{
    return env.ready ? env.pi->cspace_top : 0;
}

static int loop_alloc(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    return lake_env_alloc_slots(count, first);
}

static void loop_free(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    lake_env_free_slots(first, count);
}

/* Received caps go into the second-level CNode holding the slot: the
 * kernel resolves that CNode from the CSpace root (T) and indexes it. */
int lake_env_receive_path(lake_cptr_t slot, lake_cptr_t *node, lake_word_t *index,
                          unsigned *node_depth)
{
    lake_word_t node_index;
    if (!env.ready || !lake_cspace_retype_dest(&env.cs, slot, &node_index, node_depth, index)) {
        *node = 0, *index = 0, *node_depth = 0;
        return LAKE_INVALID_ARGUMENT;
    }
    *node = node_index;
    return LAKE_OK;
}

static void loop_recv_path(void *ctx, lake_cptr_t slot, lake_cptr_t *node, lake_word_t *index,
                           unsigned *node_depth)
{
    (void)ctx;
    lake_env_receive_path(slot, node, index, node_depth);
}

void lake_env_event_slots(struct lake_event_slots *slots)
{
    *slots = (struct lake_event_slots){
        .alloc = loop_alloc, .free = loop_free, .cnode = lake_env_cspace_root(), .depth = 64,
        .recv_path = loop_recv_path,
    };
}

void lake_env_get_stats(struct lake_env_stats *s)
{
    memset(s, 0, sizeof(*s));
    if (!env.ready)
        return;
    env_lock();
    s->frames_mapped = env.vs.frames_allocated;
    s->faults_resolved = env.vs.faults_resolved;
    s->heap_bytes = env.heap_size;
    s->heap_pages_mapped = env.heap->mapped;
    s->free_bytes = lake_untyped_free_bytes(&env.pool);
    s->free_slots = lake_cspace_free_slots(&env.cs);
    env_unlock();
}

/* ---- the heap (picolibc's malloc calls sbrk) ------------------------------- */

/* A program without an environment may define a static heap
 * (LAKE_STATIC_HEAP in lake/env.h); otherwise malloc fails there. */
extern char lake_static_heap[] __attribute__((weak));
extern const size_t lake_static_heap_size __attribute__((weak));
static size_t static_heap_used;
static uintptr_t other_heap_base;
static size_t other_heap_size;
static int (*other_heap_grow)(uintptr_t top);

void lake_heap_use(void *base, size_t size, int (*grow)(uintptr_t top))
{
    other_heap_base = (uintptr_t)base;
    other_heap_size = size;
    other_heap_grow = grow;
    static_heap_used = 0;
}

/* malloc's lock is held, so sbrk itself needs none for the break; the heap
 * region was reserved at start-up and its pages come by faults. */
void *sbrk(ptrdiff_t increment)
{
    size_t *used = env.heap ? &env.heap_size : &static_heap_used;
    uintptr_t base = env.heap ? env.heap->start
                   : other_heap_base ? other_heap_base : (uintptr_t)lake_static_heap;
    size_t limit = env.heap ? LAKE_ENV_HEAP_SIZE
                 : other_heap_base ? other_heap_size
                 : lake_static_heap ? lake_static_heap_size : 0;
    if ((increment > 0 && (size_t)increment > limit - *used) ||
        (increment < 0 && (size_t)-increment > *used)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    if (!env.heap && other_heap_base && other_heap_grow && increment > 0 &&
        other_heap_grow(base + *used + (size_t)increment) != 0) {
        errno = ENOMEM;
        return (void *)-1;
    }
    void *old = (void *)(base + *used);
    *used += (size_t)increment;
    return old;
}

/* ---- picolibc's lock (malloc, stdio) ----------------------------------------- */

struct __lock {
    struct lake_mutex mutex;
    struct lake_thread *owner;
    unsigned depth;
};

struct __lock __lock___libc_recursive_mutex;

void __retarget_lock_init(_LOCK_T *lock)
{
    *lock = &__lock___libc_recursive_mutex;
}

void __retarget_lock_init_recursive(_LOCK_T *lock)
{
    *lock = &__lock___libc_recursive_mutex;
}

void __retarget_lock_close(_LOCK_T lock)
{
    (void)lock;
}

void __retarget_lock_close_recursive(_LOCK_T lock)
{
    (void)lock;
}

/* Before the environment exists the process has one thread: no locking. */
void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    if (lock->mutex.ntfn == 0)
        return;
    struct lake_thread *self = lake_thread_self();
    if (lock->owner != self) {
        lake_mutex_lock(&lock->mutex);
        lock->owner = self;
    }
    lock->depth++;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    if (lock->mutex.ntfn == 0)
        return 1;
    struct lake_thread *self = lake_thread_self();
    if (lock->owner != self) {
        if (!lake_mutex_trylock(&lock->mutex))
            return 0;
        lock->owner = self;
    }
    lock->depth++;
    return 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    if (lock->mutex.ntfn == 0 || lock->depth == 0)
        return;
    if (--lock->depth == 0) {
        lock->owner = NULL;
        lake_mutex_unlock(&lock->mutex);
    }
}

void __retarget_lock_acquire(_LOCK_T lock)
{
    __retarget_lock_acquire_recursive(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
    return __retarget_lock_try_acquire_recursive(lock);
}

void __retarget_lock_release(_LOCK_T lock)
{
    __retarget_lock_release_recursive(lock);
}

/* ---- threads ------------------------------------------------------------------ */

static int th_alloc_object(void *ctx, unsigned type, unsigned size_bits, lake_cptr_t *slot)
{
    (void)ctx;
    return lake_env_alloc_object(type, size_bits, slot);
}

static void th_free_object(void *ctx, lake_cptr_t slot)
{
    (void)ctx;
    lake_env_free_object(slot);
}

/* Frames the thread library maps (IPC buffers) go into FIXED regions the
 * caller reserved; remember where, to unmap them through the manager. */
static int th_map_frame(void *ctx, lake_cptr_t frame, lake_word_t vaddr)
{
    (void)ctx;
    env_lock();
    int error = env_prepare();
    if (error == LAKE_OK && env.num_mappings == env.max_mappings) {
        size_t max = env.max_mappings ? 2 * env.max_mappings : 16;
        struct frame_mapping *m = arena_alloc(NULL, max * sizeof(*m));
        if (m == NULL) {
            error = LAKE_NOT_ENOUGH_MEMORY;
        } else {
            if (env.mappings)
                memcpy(m, env.mappings, env.num_mappings * sizeof(*m));
            arena_free(NULL, env.mappings, env.max_mappings * sizeof(*m));
            env.mappings = m;
            env.max_mappings = max;
        }
    }
    if (error == LAKE_OK)
        error = vspace_map(&env.vs, vaddr, 1, &frame);
    if (error == LAKE_OK)
        env.mappings[env.num_mappings++] = (struct frame_mapping){ frame, vaddr };
    env_unlock();
    return error;
}

static void th_unmap_frame(void *ctx, lake_cptr_t frame)
{
    (void)ctx;
    env_lock();
    for (size_t i = 0; i < env.num_mappings; i++) {
        if (env.mappings[i].frame == frame) {
            vspace_unmap(&env.vs, env.mappings[i].vaddr, 1);
            env.mappings[i] = env.mappings[--env.num_mappings];
            break;
        }
    }
    env_unlock();
}


/* A lazily backed stack with a guard page below it and a one-page region
 * for the IPC buffer. */
static int reserve_thread_space(size_t stack_bytes, struct vspace_region **stack,
                                struct vspace_region **ipc)
{
    size_t pages = (stack_bytes + PAGE - 1) / PAGE;
    env_lock();
    int error = env_prepare();
    if (error == LAKE_OK)
        error = vspace_reserve_stack(&env.vs, pages, 1, stack);
    if (error == LAKE_OK) {
        error = vspace_reserve_anywhere(&env.vs, PAGE, PAGE, VSPACE_NEXT_FIT, &fixed_attr, ipc);
        if (error)
            vspace_release(&env.vs, *stack);
    }
    env_unlock();
    return error;
}

static void release_region_at(lake_word_t vaddr)
{
    env_lock();
    struct vspace_region *r = vspace_find(&env.vs, vaddr);
    if (r != NULL)
        vspace_release(&env.vs, r);
    env_unlock();
}

int lake_env_thread_create(struct lake_thread *t, size_t stack_bytes, int priority,
                           void (*fn)(void *), void *arg)
{
    if (!env.ready)
        return LAKE_ILLEGAL_OPERATION;
    if (stack_bytes == 0)
        stack_bytes = DEFAULT_STACK_BYTES;
    if (stack_bytes > (1ul << 30))
        return LAKE_INVALID_ARGUMENT;
    struct vspace_region *stack, *ipc;
    int error = reserve_thread_space(stack_bytes, &stack, &ipc);
    if (error)
        return error;
    struct lake_thread_attr attr;
    lake_thread_attr_init(&attr);
    attr.ops = &env.thread_ops;
    attr.priority = priority;
    attr.fault_ep = env.fault_ep;
    attr.vaddr = ipc->start;
    attr.stack = (void *)vspace_region_base(stack);
    attr.stack_size = vspace_region_top(stack) - vspace_region_base(stack);
    error = lake_thread_create(t, &attr, fn, arg);
    if (error) {
        release_region_at(ipc->start);
        release_region_at(vspace_region_base(stack));
    }
    return error;
}

int lake_env_thread_join(struct lake_thread *t, lake_word_t *result)
{
    lake_word_t ipc = t->ipc_buffer, stack = t->stack_base;
    int error = lake_thread_join(t, result);
    if (error)
        return error;
    release_region_at(ipc);
    release_region_at(stack);
    return LAKE_OK;
}

/* ---- the pager ----------------------------------------------------------------- */

/* What an unresolvable VM fault was, from the fault status (ESR). */
static const char *describe_vm_fault(lake_word_t fsr, bool prefetch, bool write)
{
    unsigned status = fsr & 0x3f;
    bool permission = (status & 0x3c) == 0x0c;
    if (prefetch)
        return permission ? "execution of non-executable memory" : "execution of unmapped memory";
    if ((status & 0x3f) == 0x21)
        return "unaligned access";
    if (permission)
        return write ? "write to read-only memory" : "read of protected memory";
    return write ? "write to unmapped memory" : "read of unmapped memory";
}

static void print_kill(const char *what, lake_word_t addr, bool has_addr, lake_word_t pc)
{
    char line[200];
    int n;
    if (has_addr)
        n = snprintf(line, sizeof(line), "%s: killed: %s at address 0x%lx, pc 0x%lx\n",
                     lake_env_program(), what, (unsigned long)addr, (unsigned long)pc);
    else
        n = snprintf(line, sizeof(line), "%s: killed: %s, pc 0x%lx\n", lake_env_program(), what,
                     (unsigned long)pc);
    if (n > 0)
        lake_debug_puts(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Handle one fault message; true if the thread may go on. */
static bool pager_handle(lake_msginfo_t info)
{
    lake_word_t label = lake_msginfo_label(info);
    if (label == LAKE_FAULT_VM) {
        lake_word_t pc = lake_get_mr(LAKE_VM_FAULT_PC);
        lake_word_t addr = lake_get_mr(LAKE_VM_FAULT_ADDR);
        lake_word_t fsr = lake_get_mr(LAKE_VM_FAULT_FSR);
        bool prefetch = lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH) != 0;
        bool write = !prefetch && (fsr & (1u << 6)) != 0;
        const char *reason = NULL;
        lake_mutex_lock(&env.lock);     /* env_lock without the probe: this is the pager */
        int error = env_prepare();
        enum vspace_fault_action action = VSPACE_KILL;
        if (error == LAKE_OK)
            action = vspace_handle_fault(&env.vs, addr, write, prefetch, &reason);
        else
            reason = "out of memory";
        if (action == VSPACE_RESUME) {
            env_unlock();
            return true;
        }
        bool in_region = vspace_find(&env.vs, addr) != NULL;
        env_unlock();
        if (addr - env.pi->stack_guard < PAGE)
            reason = "stack overflow (guard page)";
        print_kill(in_region && reason ? reason : describe_vm_fault(fsr, prefetch, write), addr,
                   true, pc);
        lake_procinfo_exit(LAKE_EXIT_FAULT_VM);
        return false;
    }
    if (label == LAKE_FAULT_USER_EXCEPTION) {
        lake_word_t esr = lake_get_mr(LAKE_USER_EXC_ESR);
        unsigned ec = (unsigned)(esr >> 26) & 0x3f;
        const char *what = ec == 0 ? "undefined instruction" :
                           ec == 0x26 ? "misaligned stack pointer" :
                           ec == 0x22 ? "misaligned pc" :
                           ec == 0x3c ? "breakpoint" : "user exception";
        print_kill(what, 0, false, lake_get_mr(LAKE_USER_EXC_PC));
        lake_procinfo_exit(LAKE_EXIT_FAULT_OTHER);
        return false;
    }
    if (label == LAKE_FAULT_UNKNOWN_SYSCALL) {
        print_kill("unknown system call", 0, false, lake_get_mr(LAKE_UNKNOWN_SYSCALL_PC));
        lake_procinfo_exit(LAKE_EXIT_FAULT_OTHER);
        return false;
    }
    print_kill("capability fault", lake_get_mr(LAKE_CAP_FAULT_ADDR), true, 0);
    lake_procinfo_exit(LAKE_EXIT_FAULT_OTHER);
    return false;
}

static void pager_main(void *arg)
{
    (void)arg;
    lake_msginfo_t info = lake_recv(env.fault_ep, NULL);
    for (;;) {
        if (pager_handle(info))
            info = lake_reply_recv(env.fault_ep, lake_msginfo(0, 0, 0, 0), NULL);
        else
            info = lake_recv(env.fault_ep, NULL);
    }
}

/* ---- start-up ---------------------------------------------------------------------- */

static int init_cspace(const struct lake_procinfo *pi)
{
    const struct lake_cspace_layout layout = {
        .top_radix = (unsigned)pi->top_radix, .top_guard_bits = (unsigned)pi->top_guard_bits,
        .l2_radix = (unsigned)pi->l2_radix, .l2_guard_bits = (unsigned)pi->l2_guard_bits,
        .first_index = (unsigned)pi->l2_first_index,
        .end_index = 1u << pi->top_radix,
    };
    bool node0 = pi->l2_first_index == 0;
    if (pi->top_radix != LAKE_PROC_TOP_RADIX || pi->l2_radix != LAKE_PROC_L2_RADIX ||
        (!node0 && pi->l2_first_index != LAKE_PROC_L2_FIRST_INDEX) ||
        (node0 && (pi->cnode_radix != LAKE_PROC_L2_RADIX ||
                   pi->first_free_slot + LAKE_PROC_GRANT_SLOTS > (1ul << pi->cnode_radix))))
        return LAKE_INVALID_ARGUMENT;
    env.cs_kernel.make_object = lake_untyped_make_object;
    env.cs_kernel.free_object = lake_untyped_free_object_at;
    env.cs_kernel.arg = &env.pool;
    int error = lake_cspace_init(&env.cs, &layout, pi->cspace_top, &lake_cspace_kernel_ops,
                                 &env.cs_kernel, env.cs_nodes, env.cs_bitmap,
                                 LAKE_CSPACE_DEFAULT_RESERVE);
    /* Node 0 is the first CNode: its slots up to the grant slots are
     * spawn's and init's. */
    if (error == LAKE_OK)
        error = node0 ? lake_cspace_add_node_used(&env.cs, 0, (unsigned)pi->first_free_slot +
                                                              LAKE_PROC_GRANT_SLOTS)
                      : lake_cspace_add_node(&env.cs, pi->l2_first_index);
    return error;
}

/* The pool found no block for 2^wanted_bits: ask the parent (init) for
 * more (4 MiB, then doubling up to 64 MiB), moved into a free slot of the first CNode. Runs
 * with the environment's lock held, inside the allocation; it makes one
 * RPC and no allocation. */
#define MORE_MIN_BITS 22
static lake_cptr_t next_grant_slot;
static unsigned grants;

static void ask_for_memory(void *arg, struct lake_untyped_pool *pool, unsigned wanted_bits)
{
    (void)arg;
    const struct lake_procinfo *pi = env.pi;
    if (wanted_bits == 0 || !(pi->flags & LAKE_PROCINFO_INIT_SERVICES))
        return;                         /* only when a request failed, only from init */
    /* Each grant twice the one before (4, 8, ... 64 MiB): few grants for
     * a large heap, little waste for a small one. */
    unsigned bits = MORE_MIN_BITS + grants;
    if (bits > LAKE_INIT_MORE_MAX_BITS)
        bits = LAKE_INIT_MORE_MAX_BITS;
    if (wanted_bits > bits)
        bits = wanted_bits;
    lake_cptr_t grant_end = pi->l2_first_index == 0 ? pi->first_free_slot + LAKE_PROC_GRANT_SLOTS
                                                    : (lake_cptr_t)1 << pi->cnode_radix;
    if (bits > LAKE_INIT_MORE_MAX_BITS || next_grant_slot >= grant_end)
        return;
    struct init_mem_more_in in = { .bits = bits, .slot = next_grant_slot };
    struct init_mem_more_out out;
    if (init_mem_more(lake_init_client(), &in, &out) != LAKE_OK)
        return;
    grants++;
    if (lake_untyped_add(pool, next_grant_slot, (lake_word_t)(LAKE_PROCINFO_MAX_UNTYPED + grants) << 41,
                         bits, false) == LAKE_OK)
        next_grant_slot++;
}

/* The most records one operation can take: a block split from the
 * largest root (or from a grant of init's) down to the smallest size, for
 * the request and for a CNode the CSpace may need on the way. */
static unsigned record_slack(unsigned largest_bits)
{
    if ((env.pi->flags & LAKE_PROCINFO_INIT_SERVICES) && largest_bits < LAKE_INIT_MORE_MAX_BITS)
        largest_bits = LAKE_INIT_MORE_MAX_BITS;
    return 4 * (largest_bits - LAKE_UNTYPED_MIN_BITS) + 16;
}

static int init_pool(const struct lake_procinfo *pi)
{
    lake_untyped_init(&env.pool, &lake_untyped_kernel_ops, &env.cs, env.boot_records,
                      BOOT_RECORDS);
    if (pi->num_untyped == 0 || pi->num_untyped > LAKE_PROCINFO_MAX_UNTYPED)
        return LAKE_NOT_ENOUGH_MEMORY;
    unsigned largest = LAKE_UNTYPED_MIN_BITS;
    for (uint64_t i = 0; i < pi->num_untyped; i++) {
        if (pi->untyped[i].size_bits > largest)
            largest = (unsigned)pi->untyped[i].size_bits;
        /* Addresses only order the blocks: give each root its own range. */
        int error = lake_untyped_add(&env.pool, pi->untyped[i].cptr, i << 41,
                                     (unsigned)pi->untyped[i].size_bits, false);
        if (error)
            return error;
    }
    env.record_slack = record_slack(largest);
    next_grant_slot = pi->first_free_slot;
    lake_untyped_set_low_water(&env.pool, 0, ask_for_memory, NULL);
    return LAKE_OK;
}


/* Every page table spawn made: those over the image and over the pages it
 * mapped in the stack area (their caps are the child's, not the
 * manager's, and are never freed). */
static int note_spawn_tables(const struct lake_procinfo *pi)
{
    size_t resident = pi->stack_frames.end - pi->stack_frames.start;
    struct { lake_word_t start, end; } spans[] = {
        { pi->image_start, pi->image_end },
        { pi->ipc_buffer, pi->ipc_buffer + PAGE },
        { pi->self, pi->self + PAGE },
        { pi->stack_end - resident * PAGE, pi->stack_end },
    };
    for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
        for (unsigned level = 1; level <= VSPACE_TABLE_LEVELS; level++) {
            lake_word_t step = (lake_word_t)1 << vspace_table_shift(level);
            for (lake_word_t va = spans[i].start & ~(step - 1); va < spans[i].end; va += step) {
                int error = vspace_note_table(&env.vs, level, va, 0);
                if (error && error != LAKE_DELETE_FIRST)
                    return error;
            }
        }
    }
    return LAKE_OK;
}


/* The manager and its regions, from just past the image: the pager's IPC
 * buffer, the heap, the arena and the untyped records (those two mapped
 * only when the boot buffers in .bss run low), the main thread's stack. */
static int init_vspace(const struct lake_procinfo *pi)
{
    lake_word_t floor = ((pi->image_end + PAGE - 1) & ~(PAGE - 1)) + ENV_GAP_PAGES * PAGE;
    lake_word_t heap = floor + 2 * PAGE;
    env.meta_base = heap + LAKE_ENV_HEAP_SIZE;
    env.nodes_base = env.meta_base + LAKE_ENV_META_SIZE;
    env.arena_next = (uintptr_t)boot_arena;
    env.arena_limit = (uintptr_t)boot_arena + sizeof(boot_arena);
    env.arena_mapped = env.meta_base;
    env.records_mapped = env.nodes_base;
    int error = vspace_init(&env.vs, &env_vspace_ops, floor, ENV_CEILING);
    struct vspace_region *r;
    if (error == LAKE_OK)
        error = vspace_reserve_at(&env.vs, floor, PAGE, &fixed_attr, &env.pager_ipc);
    if (error == LAKE_OK)
        error = vspace_reserve_at(&env.vs, heap, LAKE_ENV_HEAP_SIZE, &anon_attr, &env.heap);
    if (error == LAKE_OK)
        error = vspace_reserve_at(&env.vs, env.meta_base, LAKE_ENV_META_SIZE, &fixed_attr, &r);
    if (error == LAKE_OK)
        error = vspace_reserve_at(&env.vs, env.nodes_base,
                                  (lake_word_t)LAKE_ENV_MAX_NODES *
                                      sizeof(struct lake_untyped_node), &fixed_attr, &r);
    /* The main thread's stack: spawn mapped its top (resident) pages; the
     * rest is backed lazily like the heap (the mapped pages just never
     * fault). Its guard page is known, so an overflow is reported as one. */
    static const struct vspace_attr guard_attr = { .kind = VSPACE_GUARD, .rights = LAKE_RIGHT_READ };
    if (error == LAKE_OK && pi->stack_guard >= floor)
        error = vspace_reserve_at(&env.vs, pi->stack_guard, PAGE, &guard_attr, &r);
    if (error == LAKE_OK && pi->stack_start >= floor)
        error = vspace_reserve_at(&env.vs, pi->stack_start, pi->stack_end - pi->stack_start,
                                  &anon_attr, &r);
    if (error == LAKE_OK)
        error = note_spawn_tables(pi);
    return error;
}

static int init_threads(const struct lake_procinfo *pi)
{
    lake_cptr_t ntfn, wait_ntfn;
    int error = alloc_object_locked(LAKE_OBJ_NOTIFICATION, 0, &ntfn);
    if (error == LAKE_OK)
        error = alloc_object_locked(LAKE_OBJ_NOTIFICATION, 0, &wait_ntfn);
    if (error == LAKE_OK)
        error = alloc_object_locked(LAKE_OBJ_NOTIFICATION, 0,
                                    &__lock___libc_recursive_mutex.mutex.ntfn);
    if (error == LAKE_OK)
        error = alloc_object_locked(LAKE_OBJ_ENDPOINT, 0, &env.fault_ep);
    if (error)
        return error;
    lake_mutex_init(&env.lock, ntfn);
    lake_thread_adopt_main(pi->tcb, (unsigned)pi->priority, wait_ntfn);
    env.thread_ops = (struct lake_thread_ops){
        .ctx = &env,
        .alloc_object = th_alloc_object,
        .free_object = th_free_object,
        .map_frame = th_map_frame,
        .unmap_frame = th_unmap_frame,
        .cspace = pi->cspace_top,
        .cspace_data = 0,
        .vspace = pi->vspace,
        .authority = pi->tcb,
    };
    lake_thread_set_default_ops(&env.thread_ops);
    return LAKE_OK;
}

static int start_pager(const struct lake_procinfo *pi)
{
    struct lake_thread_attr attr;
    lake_thread_attr_init(&attr);
    attr.ops = &env.thread_ops;
    attr.priority = (int)pi->priority;
    attr.fault_ep = pi->parent_ep;          /* a pager bug goes to the parent */
    attr.vaddr = env.pager_ipc->start;
    attr.stack = pager_stack;
    attr.stack_size = sizeof(pager_stack);
    attr.name = "pager";
    int error = lake_thread_create(&env.pager, &attr, pager_main, NULL);
    if (error == LAKE_OK)
        error = lake_tcb_set_fault_handler(pi->tcb, env.fault_ep);
    return error;
}

int lake_env_init_spawned(const struct lake_procinfo *pi, const char *program)
{
    if (env.ready || pi == NULL)
        return LAKE_ILLEGAL_OPERATION;
    env.pi = pi;
    env.program = program;
    if (pi->kit.end - pi->kit.start == LAKE_KIT_SLOTS) {
        static const unsigned counts[4] = {
            LAKE_KIT_FRAMES, LAKE_KIT_TCBS, LAKE_KIT_NOTIFICATIONS, LAKE_KIT_ENDPOINTS,
        };
        lake_cptr_t at = env.kit_first = pi->kit.start;
        for (unsigned part = 0; part < 4; part++) {
            env.kit_next[part] = at;
            env.kit_end[part] = at += counts[part];
        }
    }
    int error = init_cspace(pi);
    if (error == LAKE_OK)
        error = init_pool(pi);
    if (error == LAKE_OK)
        error = init_vspace(pi);
    if (error == LAKE_OK)
        error = init_threads(pi);
    if (error)
        return error;
    /* From here on the thread library's calls take the lock. */
    env.ready = true;
    error = start_pager(pi);
    if (error)
        env.ready = false;
    return error;
}
