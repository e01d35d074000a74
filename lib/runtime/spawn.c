/*
 * Process creation from an ELF image (lake/spawn.h, docs/RUNTIME.md
 * "Process creation").
 *
 * Order of work: everything that can be checked without the kernel (the
 * ELF image, the arguments, the procinfo page contents, the child's slot
 * layout, the page tables needed, P's size) is done first, so a bad image
 * or argument list fails before anything is allocated. Then P is retyped
 * from the caller's untyped and every object comes from P, largest first
 * (CNode and quota, then the 4 KiB objects, then the TCB), so P of
 * 2^ceil(log2(bytes)) bytes always has room. A failure after that revokes
 * and deletes P (which destroys everything) and gives the slots back.
 */
#include <stdlib.h>
#include <string.h>

#include <lake/elf_load.h>
#include <lake/spawn.h>

#define PAGE            LAKE_PAGE_SIZE
#define PARENT_DEPTH    64
#define MAX_SLOTS       (1ul << LAKE_SPAWN_MAX_CNODE_RADIX)
#define TOP_BITS        (LAKE_PROC_TOP_RADIX + LAKE_SLOT_BITS)
#define L2_BITS         (LAKE_PROC_L2_RADIX + LAKE_SLOT_BITS)
#define DEFAULT_EP_RIGHTS (LAKE_RIGHT_WRITE | LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY)

static __thread const char *spawn_reason = "";

const char *lake_spawn_error_reason(void)
{
    return spawn_reason;
}

static int fail(int error, const char *reason)
{
    spawn_reason = reason;
    return error;
}

/* ---- default slot allocator: struct lake_alloc ------------------------- */

static int alloc_slot(void *ctx, lake_cptr_t *slot)
{
    return lake_alloc_slot(ctx, slot);
}

static void alloc_free(void *ctx, lake_cptr_t slot)
{
    struct lake_alloc *a = ctx;
    if (slot + 1 == a->next_slot)
        a->next_slot--;
}

static void alloc_retype_dest(void *ctx, lake_cptr_t slot, lake_cptr_t *root, lake_word_t *index,
                              unsigned *depth, lake_word_t *offset)
{
    (void)ctx;
    *root = LAKE_ROOT_CNODE;
    *index = 0;
    *depth = 0;
    *offset = slot;
}

static int alloc_range(void *ctx, unsigned count, lake_cptr_t *first)
{
    struct lake_alloc *a = ctx;
    if (count > a->end_slot - a->next_slot)
        return LAKE_RANGE_ERROR;
    *first = a->next_slot;
    a->next_slot += count;
    return LAKE_OK;
}

static void alloc_free_range(void *ctx, lake_cptr_t first, unsigned count)
{
    struct lake_alloc *a = ctx;
    if (first + count == a->next_slot)
        a->next_slot = first;
}

static const struct lake_spawn_slot_ops lake_alloc_slot_ops = {
    .alloc = alloc_slot, .free = alloc_free, .retype_dest = alloc_retype_dest,
    .alloc_range = alloc_range, .free_range = alloc_free_range,
};

/* ---- the plan: everything decided before the first kernel call --------- */

struct plan {
    struct lake_elf_info elf;
    struct lake_elf_page *pages;
    size_t num_pages;
    lake_word_t area;
    size_t stack_pages;
    size_t resident;                    /* stack pages mapped now, from the top */
    size_t tables;                      /* page tables the child's VSpace needs */
    unsigned quota_bits;
    unsigned p_bits;                    /* size of P */
    unsigned cnode_radix;               /* the child's first CNode */
    lake_cptr_t image_first, stack_first, tables_first, caps_first, kit_first, first_free;
    struct lake_procinfo *info;         /* the page's contents (PAGE bytes) */
};

static void plan_free(struct plan *pl)
{
    free(pl->pages);
    free(pl->info);
    pl->pages = NULL;
    pl->info = NULL;
}

static int compare_words(const void *a, const void *b)
{
    lake_word_t x = *(const lake_word_t *)a, y = *(const lake_word_t *)b;
    return x < y ? -1 : x > y;
}

/* Page tables (levels 1-3) needed to map every page in `va` (n entries). */
static size_t count_tables(lake_word_t *va, size_t n)
{
    qsort(va, n, sizeof(*va), compare_words);
    size_t tables = 0;
    for (unsigned shift = 39; shift >= 21; shift -= 9) {
        for (size_t i = 0; i < n; i++)
            if (i == 0 || (va[i] >> shift) != (va[i - 1] >> shift))
                tables++;
    }
    return tables;
}

static size_t vector_length(const char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* Put a vector's offset array and strings into the page at *used. */
static int store_vector(struct lake_procinfo *info, size_t *used, const char *const *v,
                        uint64_t *count, uint64_t *array_offset)
{
    size_t n = vector_length(v);
    size_t at = (*used + 7) & ~(size_t)7;
    if (n >= PAGE / sizeof(uint64_t) || (n + 1) * sizeof(uint64_t) > PAGE - at)
        return -1;
    uint64_t *offsets = (uint64_t *)((char *)info + at);
    size_t next = at + (n + 1) * sizeof(uint64_t);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        if (len > PAGE - next)
            return -1;
        memcpy((char *)info + next, v[i], len);
        offsets[i] = next;
        next += len;
    }
    offsets[n] = 0;
    *count = n;
    *array_offset = at;
    *used = next;
    return 0;
}

static bool overlaps(lake_word_t a0, lake_word_t a1, lake_word_t b0, lake_word_t b1)
{
    return a0 < b1 && b0 < a1;
}

static unsigned ceil_log2(uint64_t x)
{
    unsigned bits = 0;
    while ((1ull << bits) < x)
        bits++;
    return bits;
}

static int make_plan(const struct lake_spawn_args *a, struct plan *pl)
{
    const char *why = NULL;
    memset(pl, 0, sizeof(*pl));
    if (a->image == NULL || lake_elf_parse(a->image, a->image_size, 0, &pl->elf, &why) != 0)
        return fail(LAKE_INVALID_ARGUMENT, why ? why : "no image");
    pl->num_pages = lake_elf_page_count(&pl->elf);
    pl->stack_pages = a->stack_pages ? a->stack_pages : LAKE_SPAWN_DEFAULT_STACK_PAGES;
    pl->resident = a->resident_stack_pages ? a->resident_stack_pages
                                           : LAKE_SPAWN_DEFAULT_RESIDENT_STACK_PAGES;
    if (a->resident_stack_pages > pl->stack_pages)
        return fail(LAKE_INVALID_ARGUMENT, "more resident stack pages than stack pages");
    if (pl->resident > pl->stack_pages)
        pl->resident = pl->stack_pages;
    pl->area = a->area ? a->area : LAKE_SPAWN_DEFAULT_AREA;
    pl->quota_bits = a->quota_bits;
    if (pl->quota_bits != 0 && (pl->quota_bits < LAKE_PAGE_BITS || pl->quota_bits > 40))
        return fail(LAKE_INVALID_ARGUMENT, "quota size out of range");
    if (a->num_caps > LAKE_SPAWN_MAX_CAPS || (a->num_caps && a->caps == NULL))
        return fail(LAKE_INVALID_ARGUMENT, "too many extra caps");
    if (a->asid_pool == 0)
        return fail(LAKE_INVALID_ARGUMENT, "no ASID pool");
    if (a->scratch_vaddr == 0 || (a->scratch_vaddr & (PAGE - 1)))
        return fail(LAKE_INVALID_ARGUMENT, "no scratch page");

    /* Slots of the child's CNode. */
    size_t need = LAKE_PROC_FIRST_RANGE_SLOT + pl->num_pages + pl->resident + a->num_caps;
    if (pl->stack_pages > MAX_SLOTS || need > MAX_SLOTS)
        return fail(LAKE_RANGE_ERROR, "image or stack too large for the child's CNode");

    /* The area: IPC buffer, procinfo, guard, stack. */
    lake_word_t area_end = pl->area + LAKE_SPAWN_AREA_STACK + pl->stack_pages * PAGE;
    if ((pl->area & (PAGE - 1)) || pl->area < PAGE || area_end > LAKE_USER_TOP ||
        area_end < pl->area)
        return fail(LAKE_INVALID_ARGUMENT, "bad stack area");
    if (overlaps(pl->area, area_end, pl->elf.start, pl->elf.end))
        return fail(LAKE_INVALID_ARGUMENT, "stack area overlaps the image");

    /* Pages and page tables. */
    pl->pages = malloc(pl->num_pages * sizeof(*pl->pages));
    size_t num_va = pl->num_pages + 2 + pl->resident;
    lake_word_t *va = malloc(num_va * sizeof(*va));
    pl->info = calloc(1, PAGE);
    if (pl->pages == NULL || va == NULL || pl->info == NULL) {
        free(va);
        plan_free(pl);
        return fail(LAKE_NOT_ENOUGH_MEMORY, "out of heap");
    }
    lake_elf_pages(&pl->elf, pl->pages, pl->num_pages);
    size_t k = 0;
    for (size_t i = 0; i < pl->num_pages; i++)
        va[k++] = pl->pages[i].vaddr;
    va[k++] = pl->area + LAKE_SPAWN_AREA_IPC_BUFFER;
    va[k++] = pl->area + LAKE_SPAWN_AREA_PROCINFO;
    for (size_t i = 0; i < pl->resident; i++)
        va[k++] = area_end - (pl->resident - i) * PAGE;
    pl->tables = count_tables(va, num_va);
    free(va);

    pl->image_first = LAKE_PROC_FIRST_RANGE_SLOT;
    pl->stack_first = pl->image_first + pl->num_pages;
    pl->tables_first = pl->stack_first + pl->resident;
    pl->caps_first = pl->tables_first + pl->tables;
    pl->kit_first = pl->caps_first + a->num_caps;
    pl->first_free = pl->kit_first + (pl->quota_bits ? LAKE_KIT_SLOTS : 0);
    if (a->cnode_radix != 0) {
        pl->cnode_radix = a->cnode_radix;
    } else {
        pl->cnode_radix = ceil_log2(pl->first_free + LAKE_SPAWN_DEFAULT_SPARE_SLOTS);
        if (pl->cnode_radix < LAKE_SPAWN_MIN_CNODE_RADIX)
            pl->cnode_radix = LAKE_SPAWN_MIN_CNODE_RADIX;
        if (pl->cnode_radix > LAKE_SPAWN_MAX_CNODE_RADIX)
            pl->cnode_radix = LAKE_SPAWN_MAX_CNODE_RADIX;
    }
    if (pl->cnode_radix < LAKE_SPAWN_MIN_CNODE_RADIX ||
        pl->cnode_radix > LAKE_SPAWN_MAX_CNODE_RADIX) {
        plan_free(pl);
        return fail(LAKE_INVALID_ARGUMENT, "CNode radix out of range");
    }
    if (pl->first_free > (1ul << pl->cnode_radix)) {
        plan_free(pl);
        return fail(LAKE_RANGE_ERROR, "image or stack too large for the child's CNode");
    }

    /* P: CNode + quota + top and second-level CNodes + 4 KiB objects +
     * TCBs + the kit's small objects, packed without padding (largest
     * first, each size a multiple of the next). */
    _Static_assert(TOP_BITS >= LAKE_PAGE_BITS && L2_BITS >= LAKE_PAGE_BITS &&
                   TOP_BITS <= LAKE_SPAWN_MIN_CNODE_RADIX + LAKE_SLOT_BITS,
                   "CNode sizes keep P packed");
    unsigned cnode_bits = pl->cnode_radix + LAKE_SLOT_BITS;
    uint64_t bytes = (1ull << cnode_bits) + (pl->quota_bits ? 1ull << pl->quota_bits : 0) +
                     (1ull << TOP_BITS) + (1ull << L2_BITS) +
                     PAGE * (1 /* VSpace */ + pl->num_pages + 2 + pl->resident + pl->tables) +
                     (1ull << LAKE_TCB_BITS);
    if (pl->quota_bits)
        bytes += PAGE * LAKE_KIT_FRAMES + (LAKE_KIT_TCBS << LAKE_TCB_BITS) +
                 (LAKE_KIT_NOTIFICATIONS << LAKE_NOTIFICATION_BITS) +
                 (LAKE_KIT_ENDPOINTS << LAKE_ENDPOINT_BITS);
    if (pl->quota_bits && pl->quota_bits < L2_BITS)
        bytes += 1ull << L2_BITS;       /* alignment of T after a small quota */
    pl->p_bits = ceil_log2(bytes);
    if (pl->p_bits > LAKE_UNTYPED_MAX_BITS) {
        plan_free(pl);
        return fail(LAKE_NOT_ENOUGH_MEMORY, "process too large");
    }

    /* The procinfo page. */
    struct lake_procinfo *info = pl->info;
    info->magic = LAKE_PROCINFO_MAGIC;
    info->version = LAKE_PROCINFO_VERSION;
    info->self = pl->area + LAKE_SPAWN_AREA_PROCINFO;
    info->ipc_buffer = pl->area + LAKE_SPAWN_AREA_IPC_BUFFER;
    info->cnode_radix = pl->cnode_radix;
    info->cnode = LAKE_PROC_CNODE;
    info->vspace = LAKE_PROC_VSPACE;
    info->tcb = LAKE_PROC_TCB;
    info->parent_ep = a->parent_ep ? LAKE_PROC_PARENT_EP : 0;
    info->parent_badge = a->badge;
    info->asid_pool = a->give_asid_pool ? LAKE_PROC_ASID_POOL : 0;
    info->ipc_buffer_frame = LAKE_PROC_IPC_BUFFER;
    info->procinfo_frame = LAKE_PROC_PROCINFO_FRAME;
    if (pl->quota_bits) {
        info->num_untyped = 1;
        info->untyped[0].cptr = LAKE_PROC_UNTYPED;
        info->untyped[0].size_bits = pl->quota_bits;
    }
    info->image_frames = (struct lake_slot_range){ pl->image_first, pl->stack_first };
    info->stack_frames = (struct lake_slot_range){ pl->stack_first, pl->tables_first };  /* resident */
    info->page_tables = (struct lake_slot_range){ pl->tables_first, pl->caps_first };
    info->caps = (struct lake_slot_range){ pl->caps_first, pl->kit_first };
    info->kit = (struct lake_slot_range){ pl->kit_first, pl->first_free };
    info->first_free_slot = pl->first_free;
    info->cspace_top = LAKE_PROC_CSPACE_TOP;
    info->top_radix = LAKE_PROC_TOP_RADIX;
    info->top_guard_bits = LAKE_PROC_TOP_GUARD;
    info->l2_radix = LAKE_PROC_L2_RADIX;
    info->l2_guard_bits = LAKE_PROC_L2_GUARD;
    info->l2_first_index = LAKE_PROC_L2_FIRST_INDEX;
    info->image_start = pl->elf.start;
    info->image_end = pl->elf.end;
    info->entry = pl->elf.entry;
    info->stack_start = pl->area + LAKE_SPAWN_AREA_STACK;
    info->stack_end = area_end;
    info->stack_guard = pl->area + LAKE_SPAWN_AREA_GUARD;
    info->flags = a->procinfo_flags;
    info->priority = a->authority ? a->priority : 0;
    info->mcp = a->authority ? a->mcp : 0;
    size_t used = sizeof(*info);
    if (store_vector(info, &used, a->argv, &info->argc, &info->argv_offset) != 0 ||
        store_vector(info, &used, a->envp, &info->envc, &info->envp_offset) != 0) {
        plan_free(pl);
        return fail(LAKE_RANGE_ERROR, "arguments and environment do not fit in the procinfo page");
    }
    info->strings_end = used;
    return LAKE_OK;
}

size_t lake_spawn_size(const struct lake_spawn_args *a)
{
    struct plan pl;
    if (make_plan(a, &pl) != LAKE_OK)
        return 0;
    plan_free(&pl);
    return (size_t)1 << pl.p_bits;
}

/* ---- building ------------------------------------------------------------ */

struct build {
    const struct lake_spawn_args *a;
    struct plan *pl;
    struct lake_process *p;
    lake_cptr_t t1, t2;                 /* parent scratch slots */
    lake_cptr_t top;                    /* parent slot of T until it moves to the child */
    lake_cptr_t parent_vspace;
    size_t tables_used;
    lake_cptr_t frames_first;           /* every frame, retyped at once (0: one at a time) */
    size_t frames_count, frames_used;
};

#define TRY(call, what)                                 \
    do {                                                \
        int try_error_ = (call);                        \
        if (try_error_ != LAKE_OK)                      \
            return fail(try_error_, what);              \
    } while (0)

/* Retype one object from P into a parent slot. */
static int retype_into(struct build *b, lake_cptr_t slot, unsigned type, unsigned bits)
{
    lake_cptr_t root;
    lake_word_t index, offset;
    unsigned depth;
    b->p->slot_ops->retype_dest(b->p->slot_ctx, slot, &root, &index, &depth, &offset);
    return lake_untyped_retype(b->p->untyped, type, bits, root, index, depth, offset, 1);
}

/* Retype `count` objects from P straight into the child's CNode from
 * slot `dest` on (objects the parent never invokes). */
static int retype_to_child(struct build *b, lake_cptr_t dest, unsigned type, unsigned count)
{
    return lake_untyped_retype(b->p->untyped, type, 0, b->p->parent_cnode, b->p->cnode,
                               PARENT_DEPTH, dest, count);
}

/* Move a parent slot's cap into slot `dest` of the child's CNode. */
static int move_to_child(struct build *b, lake_cptr_t dest, lake_cptr_t src)
{
    return lake_cnode_move(b->p->cnode, dest, b->pl->cnode_radix, b->p->parent_cnode, src,
                           PARENT_DEPTH);
}

/* Map `frame` at vaddr of the child, adding page tables as needed (each
 * retyped into t2, mapped, then moved into the child's CNode). */
static int map_child_page(struct build *b, lake_cptr_t frame, lake_word_t vaddr, unsigned rights,
                          unsigned attrs)
{
    for (int tries = 0; tries < 4; tries++) {
        int error = lake_frame_map(frame, b->p->vspace, vaddr, rights, attrs);
        if (error != LAKE_FAILED_LOOKUP)
            return error;
        if (b->tables_used == b->pl->tables)
            return fail(LAKE_FAILED_LOOKUP, "more page tables needed than planned");
        TRY(retype_into(b, b->t2, LAKE_OBJ_PAGE_TABLE, 0), "retype a page table");
        TRY(lake_page_table_map(b->t2, b->p->vspace, vaddr), "map a page table");
        TRY(move_to_child(b, b->pl->tables_first + b->tables_used, b->t2), "move a page table");
        b->tables_used++;
    }
    return fail(LAKE_FAILED_LOOKUP, "page table levels");
}

/* Every frame of the child (image, resident stack, procinfo page, IPC
 * buffer) in one go when the slot allocator gives ranges: Retypes of up to
 * 256 frames into consecutive parent slots instead of one per frame. */
#define FRAMES_PER_RETYPE 256
static int retype_frames(struct build *b, size_t count)
{
    const struct lake_spawn_slot_ops *ops = b->p->slot_ops;
    if (ops->alloc_range == NULL || ops->free_range == NULL)
        return LAKE_OK;
    lake_cptr_t first;
    if (ops->alloc_range(b->p->slot_ctx, (unsigned)count, &first) != LAKE_OK)
        return LAKE_OK;                 /* one at a time, then */
    b->frames_first = first;
    b->frames_count = count;
    for (size_t done = 0; done < count; done += FRAMES_PER_RETYPE) {
        size_t n = count - done < FRAMES_PER_RETYPE ? count - done : FRAMES_PER_RETYPE;
        lake_cptr_t root;
        lake_word_t index, offset;
        unsigned depth;
        ops->retype_dest(b->p->slot_ctx, first + done, &root, &index, &depth, &offset);
        TRY(lake_untyped_retype(b->p->untyped, LAKE_OBJ_FRAME_4K, 0, root, index, depth, offset,
                                n), "retype the frames");
    }
    return LAKE_OK;
}

/* A fresh (zero) frame with `fill` bytes written through the scratch page
 * (fill NULL: left zero): the next of the batch, or retyped into t1. */
static int new_frame(struct build *b, void (*fill)(struct build *, lake_word_t, void *),
                     lake_word_t vaddr, bool exec, lake_cptr_t *frame)
{
    if (b->frames_used < b->frames_count) {
        *frame = b->frames_first + b->frames_used++;
    } else {
        TRY(retype_into(b, b->t1, LAKE_OBJ_FRAME_4K, 0), "retype a frame");
        *frame = b->t1;
    }
    if (fill == NULL)
        return LAKE_OK;
    TRY(lake_frame_map(*frame, b->parent_vspace, b->a->scratch_vaddr, LAKE_RIGHTS_RW,
                       LAKE_ATTR_EXECUTE_NEVER), "map the scratch page");
    fill(b, vaddr, (void *)b->a->scratch_vaddr);
    TRY(lake_frame_unmap(*frame), "unmap the scratch page");
    if (exec)
        TRY(lake_frame_unify_instruction(*frame, 0, PAGE), "instruction cache");
    return LAKE_OK;
}

static void fill_image(struct build *b, lake_word_t vaddr, void *dst)
{
    lake_elf_page_fill(&b->pl->elf, b->a->image, vaddr, dst);
}

static void fill_procinfo(struct build *b, lake_word_t vaddr, void *dst)
{
    (void)vaddr;
    memcpy(dst, b->pl->info, PAGE);
}

/* T in the parent's slot b->top: the child's CNode in T[0] (its guard makes
 * up the bits below T that its radix does not take), an
 * empty second-level CNode in T[LAKE_PROC_L2_FIRST_INDEX] (made in t2). T
 * stays in the parent's slot until the TCB is configured with it. */
static int build_cspace_top(struct build *b)
{
    struct lake_process *p = b->p;
    TRY(retype_into(b, b->top, LAKE_OBJ_CNODE, LAKE_PROC_TOP_RADIX), "retype the top CNode");
    unsigned below_top = 64 - LAKE_PROC_TOP_GUARD - LAKE_PROC_TOP_RADIX;
    TRY(lake_cnode_mint(b->top, 0, LAKE_PROC_TOP_RADIX, p->parent_cnode, p->cnode, PARENT_DEPTH,
                        LAKE_RIGHTS_ALL, lake_cnode_guard_data(0, below_top - b->pl->cnode_radix)),
        "put the CNode in T");
    TRY(retype_into(b, b->t2, LAKE_OBJ_CNODE, LAKE_PROC_L2_RADIX), "retype a second-level CNode");
    TRY(lake_cnode_mutate(b->top, LAKE_PROC_L2_FIRST_INDEX, LAKE_PROC_TOP_RADIX, p->parent_cnode,
                          b->t2, PARENT_DEPTH, lake_cnode_guard_data(0, LAKE_PROC_L2_GUARD)),
        "put the second-level CNode in T");
    return LAKE_OK;
}

static int build_child(struct build *b)
{
    const struct lake_spawn_args *a = b->a;
    struct plan *pl = b->pl;
    struct lake_process *p = b->p;
    lake_cptr_t cnode = p->cnode;
    unsigned radix = pl->cnode_radix;

    /* Largest first: the CNode and the quota, in either order. */
    bool quota_first = pl->quota_bits > radix + LAKE_SLOT_BITS;
    if (quota_first)
        TRY(retype_into(b, b->t1, LAKE_OBJ_UNTYPED, pl->quota_bits), "retype the quota");
    TRY(retype_into(b, cnode, LAKE_OBJ_CNODE, radix), "retype the CNode");
    if (pl->quota_bits && !quota_first)
        TRY(retype_into(b, b->t1, LAKE_OBJ_UNTYPED, pl->quota_bits), "retype the quota");
    if (pl->quota_bits)
        TRY(move_to_child(b, LAKE_PROC_UNTYPED, b->t1), "move the quota");
    TRY(lake_cnode_mint(cnode, LAKE_PROC_CNODE, radix, p->parent_cnode, cnode, PARENT_DEPTH,
                        LAKE_RIGHTS_ALL, lake_cnode_guard_data(0, 64 - radix)),
        "give the CNode");
    int error = build_cspace_top(b);
    if (error)
        return error;

    TRY(retype_into(b, p->vspace, LAKE_OBJ_VSPACE, 0), "retype the VSpace");
    TRY(lake_asid_pool_assign(a->asid_pool, p->vspace), "assign an ASID");
    TRY(lake_cnode_copy(cnode, LAKE_PROC_VSPACE, radix, p->parent_cnode, p->vspace,
                        PARENT_DEPTH, LAKE_RIGHTS_ALL), "give the VSpace");
    if (a->give_asid_pool)
        TRY(lake_cnode_copy(cnode, LAKE_PROC_ASID_POOL, radix, p->parent_cnode,
                            a->asid_pool, PARENT_DEPTH, LAKE_RIGHTS_ALL), "give the ASID pool");

    error = retype_frames(b, pl->num_pages + pl->resident + 2);
    if (error)
        return error;

    /* The image. */
    lake_cptr_t frame;
    for (size_t i = 0; i < pl->num_pages; i++) {
        const struct lake_elf_page *pg = &pl->pages[i];
        unsigned rights = (pg->prot & LAKE_ELF_PROT_W) ? LAKE_RIGHTS_RW : LAKE_RIGHT_READ;
        unsigned attrs = (pg->prot & LAKE_ELF_PROT_X) ? 0 : LAKE_ATTR_EXECUTE_NEVER;
        error = new_frame(b, pg->has_data ? fill_image : NULL, pg->vaddr,
                          (pg->prot & LAKE_ELF_PROT_X) != 0, &frame);
        if (error)
            return error;
        error = map_child_page(b, frame, pg->vaddr, rights, attrs);
        if (error)
            return fail(error, spawn_reason[0] ? spawn_reason : "map an image page");
        TRY(move_to_child(b, pl->image_first + i, frame), "move an image frame");
    }

    /* The resident top of the stack (zero); the pages below it come from
     * the child's pager, and the guard page below the stack stays unmapped. */
    for (size_t i = 0; i < pl->resident; i++) {
        lake_word_t va = pl->info->stack_end - (pl->resident - i) * PAGE;
        error = new_frame(b, NULL, va, false, &frame);
        if (error)
            return error;
        error = map_child_page(b, frame, va, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
        if (error)
            return fail(error, "map a stack page");
        TRY(move_to_child(b, pl->stack_first + i, frame), "move a stack frame");
    }

    /* The procinfo page, read-only. */
    error = new_frame(b, fill_procinfo, 0, false, &frame);
    if (error)
        return error;
    error = map_child_page(b, frame, pl->info->self, LAKE_RIGHT_READ, LAKE_ATTR_EXECUTE_NEVER);
    if (error)
        return fail(error, "map the procinfo page");
    TRY(move_to_child(b, LAKE_PROC_PROCINFO_FRAME, frame), "move the procinfo frame");

    /* The TCB (last: the smallest object), with the IPC buffer frame and
     * the badged parent endpoint (in t2) while it is configured. */
    lake_cptr_t ipc_frame;
    error = new_frame(b, NULL, 0, false, &ipc_frame);
    if (error)
        return error;
    error = map_child_page(b, ipc_frame, pl->info->ipc_buffer, LAKE_RIGHTS_RW,
                           LAKE_ATTR_EXECUTE_NEVER);
    if (error)
        return fail(error, "map the IPC buffer");
    if (pl->quota_bits)
        TRY(retype_to_child(b, pl->kit_first, LAKE_OBJ_FRAME_4K, LAKE_KIT_FRAMES),
            "retype the kit's frames");
    TRY(retype_into(b, p->tcb, LAKE_OBJ_TCB, 0), "retype the TCB");
    if (pl->quota_bits) {
        lake_cptr_t kit = pl->kit_first + LAKE_KIT_FRAMES;
        TRY(retype_to_child(b, kit, LAKE_OBJ_TCB, LAKE_KIT_TCBS), "retype the kit's TCB");
        kit += LAKE_KIT_TCBS;
        TRY(retype_to_child(b, kit, LAKE_OBJ_NOTIFICATION, LAKE_KIT_NOTIFICATIONS),
            "retype the kit's notifications");
        kit += LAKE_KIT_NOTIFICATIONS;
        TRY(retype_to_child(b, kit, LAKE_OBJ_ENDPOINT, LAKE_KIT_ENDPOINTS),
            "retype the kit's endpoint");
    }
    lake_cptr_t fault_ep = 0;
    if (a->parent_ep) {
        unsigned rights = a->parent_ep_rights ? a->parent_ep_rights : DEFAULT_EP_RIGHTS;
        TRY(lake_cnode_mint(p->parent_cnode, b->t2, PARENT_DEPTH, p->parent_cnode, a->parent_ep,
                            PARENT_DEPTH, rights, a->badge), "mint the parent endpoint");
        fault_ep = b->t2;
    }
    TRY(lake_tcb_configure(p->tcb, fault_ep, b->top,
                           lake_cnode_guard_data(0, LAKE_PROC_TOP_GUARD), p->vspace,
                           pl->info->ipc_buffer, ipc_frame), "configure the TCB");
    TRY(lake_cnode_mutate(cnode, LAKE_PROC_CSPACE_TOP, radix, p->parent_cnode, b->top,
                          PARENT_DEPTH, lake_cnode_guard_data(0, LAKE_PROC_TOP_GUARD)),
        "give the top CNode");
    TRY(move_to_child(b, LAKE_PROC_IPC_BUFFER, ipc_frame), "move the IPC buffer frame");
    if (a->parent_ep)
        TRY(move_to_child(b, LAKE_PROC_PARENT_EP, b->t2), "move the parent endpoint");
    TRY(lake_cnode_copy(cnode, LAKE_PROC_TCB, radix, p->parent_cnode, p->tcb, PARENT_DEPTH,
                        LAKE_RIGHTS_ALL), "give the TCB");
    if (a->authority) {
        TRY(lake_tcb_set_mc_priority(p->tcb, a->authority, a->mcp), "set the MCP");
        TRY(lake_tcb_set_priority(p->tcb, a->authority, a->priority), "set the priority");
    }
    const char *name = a->name ? a->name : (a->argv && a->argv[0]) ? a->argv[0] : "child";
    lake_debug_name_thread(p->tcb, name);

    /* Extra caps. */
    for (unsigned i = 0; i < a->num_caps; i++)
        TRY(lake_cnode_copy(cnode, pl->caps_first + i, radix, p->parent_cnode, a->caps[i],
                            PARENT_DEPTH, LAKE_RIGHTS_ALL), "give an extra cap");

    lake_word_t regs[LAKE_REG_X0 + 1] = {0};
    regs[LAKE_REG_PC] = pl->elf.entry;
    regs[LAKE_REG_SP] = pl->info->stack_end;
    regs[LAKE_REG_X0] = pl->info->self;
    TRY(lake_tcb_write_registers(p->tcb, false, LAKE_REG_X0 + 1, regs), "write the registers");
    return LAKE_OK;
}

int lake_spawn(const struct lake_spawn_args *a, struct lake_process *p)
{
    struct plan pl;
    memset(p, 0, sizeof(*p));
    spawn_reason = "";
    p->slot_ops = a->slot_ops ? a->slot_ops : &lake_alloc_slot_ops;
    p->slot_ctx = a->slot_ops ? a->slot_ctx : a->alloc;
    if (a->slot_ops == NULL && a->alloc == NULL)
        return fail(LAKE_INVALID_ARGUMENT, "no slot allocator");
    lake_cptr_t untyped = a->untyped ? a->untyped : (a->alloc ? a->alloc->untyped : 0);
    if (untyped == 0)
        return fail(LAKE_INVALID_ARGUMENT, "no untyped");
    int error = make_plan(a, &pl);
    if (error)
        return error;

    p->parent_cnode = a->parent_cnode ? a->parent_cnode : LAKE_ROOT_CNODE;
    p->untyped_bits = pl.p_bits;
    p->cnode_radix = pl.cnode_radix;
    p->entry = pl.elf.entry;
    p->procinfo_vaddr = pl.info->self;
    p->ipc_buffer = pl.info->ipc_buffer;
    p->stack_top = pl.info->stack_end;
    p->image_pages = pl.num_pages;
    p->stack_pages = pl.stack_pages;
    p->resident_stack_pages = pl.resident;
    p->page_tables = pl.tables;

    /* Parent slots, taken and given back in LIFO order. */
    const struct lake_spawn_slot_ops *ops = p->slot_ops;
    struct build b = { .a = a, .pl = &pl, .p = p,
                       .parent_vspace = a->parent_vspace ? a->parent_vspace : LAKE_ROOT_VSPACE };
    lake_cptr_t *slots[] = { &p->untyped, &p->cnode, &p->vspace, &p->tcb, &b.t1, &b.t2, &b.top };
    const size_t num_slots = sizeof(slots) / sizeof(slots[0]);
    size_t taken = 0;
    for (; taken < num_slots; taken++) {
        error = ops->alloc(p->slot_ctx, slots[taken]);
        if (error) {
            fail(error, "no free slot in the parent");
            goto free_slots;
        }
    }

    lake_cptr_t root;
    lake_word_t index, offset;
    unsigned depth;
    ops->retype_dest(p->slot_ctx, p->untyped, &root, &index, &depth, &offset);
    error = lake_untyped_retype(untyped, LAKE_OBJ_UNTYPED, pl.p_bits, root, index, depth, offset, 1);
    if (error) {
        fail(error, "retype the process untyped");
        goto free_slots;
    }

    error = build_child(&b);
    if (error == LAKE_OK && !a->dont_start) {
        error = lake_tcb_resume(p->tcb);
        if (error)
            fail(error, "resume");
        p->started = error == LAKE_OK;
    }
    /* The scratch slots are empty after a success; after a failure they
     * may hold caps not derived from P (the minted endpoint). */
    lake_cnode_delete(p->parent_cnode, b.top, PARENT_DEPTH);
    lake_cnode_delete(p->parent_cnode, b.t2, PARENT_DEPTH);
    lake_cnode_delete(p->parent_cnode, b.t1, PARENT_DEPTH);
    if (error != LAKE_OK) {
        /* Everything else (frames of the batch not moved yet included)
         * comes from P. */
        lake_cnode_revoke(p->parent_cnode, p->untyped, PARENT_DEPTH);
        lake_cnode_delete(p->parent_cnode, p->untyped, PARENT_DEPTH);
    }
    if (b.frames_count)                 /* empty now; taken last, so given back first */
        ops->free_range(p->slot_ctx, b.frames_first, (unsigned)b.frames_count);
    if (error == LAKE_OK) {
        ops->free(p->slot_ctx, b.top);
        ops->free(p->slot_ctx, b.t2);
        ops->free(p->slot_ctx, b.t1);
        plan_free(&pl);
        return LAKE_OK;
    }

free_slots:
    while (taken > 0) {
        taken--;
        ops->free(p->slot_ctx, *slots[taken]);
    }
    plan_free(&pl);
    memset(p, 0, sizeof(*p));
    return error;
}

int lake_process_start(struct lake_process *p)
{
    if (p->tcb == 0 || p->started)
        return LAKE_ILLEGAL_OPERATION;
    int error = lake_tcb_resume(p->tcb);
    if (error == LAKE_OK)
        p->started = true;
    return error;
}

int lake_process_destroy(struct lake_process *p)
{
    if (p->untyped == 0)
        return LAKE_INVALID_ARGUMENT;
    lake_tcb_suspend(p->tcb);
    /* Everything of the child (its objects, everything it made from its
     * quota, the caps in its CNode) is derived from P. */
    int error = lake_cnode_revoke(p->parent_cnode, p->untyped, PARENT_DEPTH);
    int error2 = lake_cnode_delete(p->parent_cnode, p->untyped, PARENT_DEPTH);
    if (error == LAKE_OK)
        error = error2;
    /* The revoke emptied these; give them back in LIFO order. */
    p->slot_ops->free(p->slot_ctx, p->tcb);
    p->slot_ops->free(p->slot_ctx, p->vspace);
    p->slot_ops->free(p->slot_ctx, p->cnode);
    p->slot_ops->free(p->slot_ctx, p->untyped);
    memset(p, 0, sizeof(*p));
    return error;
}
