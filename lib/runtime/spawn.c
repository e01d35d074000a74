/*
 * Process creation from an ELF image (lake/spawn.h, docs/RUNTIME.md
 * "Process creation").
 *
 * Order of work: everything that can be checked without the kernel (the
 * ELF image, the arguments, the procinfo page's size, the child's slot
 * layout, the page tables needed, P's size) is done first, so a bad image
 * or argument list fails before anything is allocated. Then P is retyped
 * from the caller's untyped and every object comes from P, largest first
 * (CNode and quota, then the 4 KiB objects, then the TCBs, then the kit's
 * small objects), so P of 2^ceil(log2(bytes)) bytes always has room.
 *
 * Most caps the child gets are made in one range of parent slots R that
 * mirrors the child's CNode from LAKE_PROC_FIRST_RANGE_SLOT on (image
 * frames, resident stack, IPC buffer, procinfo page, kit, page tables,
 * VSpace, parent endpoint, quota): a few Retypes (and, for a prepared
 * image, CopyRanges of its shared frames) fill it, the parent works on
 * them there (maps the frames and tables, configures the TCB), and one
 * MoveRange hands it all to the child. A failure after P exists revokes and deletes
 * P (which destroys everything made from it), empties R (shared copies are
 * not P's) and gives the slots back.
 */
#include <stdlib.h>
#include <string.h>

#include <lake/cspace.h>
#include <lake/elf_load.h>
#include <lake/spawn.h>

#define PAGE            LAKE_PAGE_SIZE
#define PARENT_DEPTH    64
#define MAX_SLOTS       (1ul << LAKE_SPAWN_MAX_CNODE_RADIX)
#define TOP_BITS        (LAKE_PROC_TOP_RADIX + LAKE_SLOT_BITS)
#define L2_BITS         (LAKE_PROC_L2_RADIX + LAKE_SLOT_BITS)
#define RANGE_MAX       256     /* objects per Retype, caps per Copy/MoveRange */
#define DEFAULT_EP_RIGHTS (LAKE_RIGHT_WRITE | LAKE_RIGHT_GRANT | LAKE_RIGHT_GRANT_REPLY)

static __thread const char *spawn_reason = "";

const char *lake_spawn_error_reason(void)
{
    return spawn_reason;
}

/* Records why, if error is not LAKE_OK; returns error. */
static int fail(int error, const char *reason)
{
    if (error != LAKE_OK)
        spawn_reason = reason;
    return error;
}

#define TRY(call, what)                                 \
    do {                                                \
        int try_error_ = (call);                        \
        if (try_error_ != LAKE_OK)                      \
            return fail(try_error_, what);              \
    } while (0)

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

/* The slot allocator of a spawn (or image) request. */
static int slot_ops_of(const struct lake_spawn_args *a, const struct lake_spawn_slot_ops **ops,
                       void **ctx)
{
    *ops = a->slot_ops ? a->slot_ops : &lake_alloc_slot_ops;
    *ctx = a->slot_ops ? a->slot_ctx : a->alloc;
    if (a->slot_ops == NULL && a->alloc == NULL)
        return fail(LAKE_INVALID_ARGUMENT, "no slot allocator");
    if ((*ops)->alloc_range == NULL || (*ops)->free_range == NULL)
        return fail(LAKE_INVALID_ARGUMENT, "the slot allocator gives no ranges");
    return LAKE_OK;
}

/* Slots [first, first + count) as a CNode range (the allocator places
 * consecutive slots at consecutive offsets of one CNode). */
static lake_cptr_t range_of(const struct lake_spawn_slot_ops *ops, void *ctx, lake_cptr_t first,
                            struct lake_cnode_range *r)
{
    lake_cptr_t root;
    ops->retype_dest(ctx, first, &root, &r->index, &r->depth, &r->offset);
    return root;
}

/* Retype `count` objects from `untyped` into the parent slots from
 * `first` on, RANGE_MAX at a time. */
static int retype_slots(const struct lake_spawn_slot_ops *ops, void *ctx, lake_cptr_t untyped,
                        unsigned type, unsigned bits, lake_cptr_t first, size_t count)
{
    for (size_t done = 0; done < count; done += RANGE_MAX) {
        size_t n = count - done < RANGE_MAX ? count - done : RANGE_MAX;
        struct lake_cnode_range r;
        lake_cptr_t root = range_of(ops, ctx, first + done, &r);
        int error = lake_untyped_retype(untyped, type, bits, root, r.index, r.depth, r.offset,
                                        (unsigned)n);
        if (error)
            return error;
    }
    return LAKE_OK;
}

/* Empty parent slots [first, first + count) (those already empty stay so). */
static void delete_slots(lake_cptr_t parent_cnode, lake_cptr_t first, size_t count)
{
    for (size_t i = 0; i < count; i++)
        lake_cnode_delete(parent_cnode, first + i, PARENT_DEPTH);
}

/* ---- prepared images ------------------------------------------------------ */

static bool page_shareable(const struct lake_elf_page *pg)
{
    return !(pg->prot & LAKE_ELF_PROT_W);
}

static size_t count_shareable(const struct lake_elf_page *pages, size_t n)
{
    size_t shared = 0;
    for (size_t i = 0; i < n; i++)
        shared += page_shareable(&pages[i]);
    return shared;
}

/* Map `frame` at the scratch page, let `write` fill it, unmap it. */
static int through_scratch(const struct lake_spawn_args *a, lake_cptr_t frame,
                           void (*write)(const void *ctx, lake_word_t vaddr, void *dst),
                           const void *ctx, lake_word_t vaddr)
{
    lake_cptr_t vspace = a->parent_vspace ? a->parent_vspace : LAKE_ROOT_VSPACE;
    TRY(lake_frame_map(frame, vspace, a->scratch_vaddr, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER),
        "map the scratch page");
    write(ctx, vaddr, (void *)a->scratch_vaddr);
    TRY(lake_frame_unmap(frame), "unmap the scratch page");
    return LAKE_OK;
}

struct image_ctx {
    const struct lake_elf_info *elf;
    const void *image;
};

static void copy_image_page(const void *ctx, lake_word_t vaddr, void *dst)
{
    const struct image_ctx *c = ctx;
    lake_elf_page_copy(c->elf, c->image, vaddr, dst);  /* the frame is fresh: zero */
}

/* A fresh frame gets the image's bytes for vaddr (and the instruction
 * cache is made to see them if the page is executable). */
static int fill_image_frame(const struct lake_spawn_args *a, const struct lake_elf_info *elf,
                            const void *image, const struct lake_elf_page *pg, lake_cptr_t frame)
{
    if (!pg->has_data)
        return LAKE_OK;
    struct image_ctx c = { elf, image };
    int error = through_scratch(a, frame, copy_image_page, &c, pg->vaddr);
    if (error == LAKE_OK && (pg->prot & LAKE_ELF_PROT_X))
        error = fail(lake_frame_unify_instruction(frame, 0, PAGE), "instruction cache");
    return error;
}

static int parse_image(const void *image, size_t size, struct lake_elf_info *elf,
                       struct lake_elf_page **pages, size_t *num_pages)
{
    const char *why = NULL;
    if (image == NULL || lake_elf_parse(image, size, 0, elf, &why) != 0)
        return fail(LAKE_INVALID_ARGUMENT, why ? why : "no image");
    *num_pages = lake_elf_page_count(elf);
    if (*num_pages > MAX_SLOTS)
        return fail(LAKE_RANGE_ERROR, "image too large for the child's CNode");
    *pages = malloc(*num_pages * sizeof(**pages));
    if (*pages == NULL)
        return fail(LAKE_NOT_ENOUGH_MEMORY, "out of heap");
    lake_elf_pages(elf, *pages, *num_pages);
    return LAKE_OK;
}

size_t lake_image_shared_size(const void *image, size_t size)
{
    struct lake_elf_info elf;
    struct lake_elf_page *pages;
    size_t num_pages;
    const char *reason = spawn_reason;
    if (parse_image(image, size, &elf, &pages, &num_pages) != LAKE_OK) {
        spawn_reason = reason;
        return 0;
    }
    size_t shared = count_shareable(pages, num_pages);
    free(pages);
    size_t bytes = PAGE;
    while (bytes < shared * PAGE)
        bytes *= 2;
    return shared ? bytes : 0;
}

int lake_image_prepare(struct lake_image *img, const struct lake_spawn_args *a)
{
    memset(img, 0, sizeof(*img));
    spawn_reason = "";
    int error = slot_ops_of(a, &img->slot_ops, &img->slot_ctx);
    lake_cptr_t untyped = a->untyped ? a->untyped : (a->alloc ? a->alloc->untyped : 0);
    if (error == LAKE_OK && untyped == 0)
        error = fail(LAKE_INVALID_ARGUMENT, "no untyped");
    if (error == LAKE_OK && (a->scratch_vaddr == 0 || (a->scratch_vaddr & (PAGE - 1))))
        error = fail(LAKE_INVALID_ARGUMENT, "no scratch page");
    if (error == LAKE_OK)
        error = parse_image(a->image, a->image_size, &img->elf, &img->pages, &img->num_pages);
    if (error)
        return error;
    img->image = a->image;
    img->image_size = a->image_size;
    img->parent_cnode = a->parent_cnode ? a->parent_cnode : LAKE_ROOT_CNODE;
    img->frames = calloc(img->num_pages, sizeof(*img->frames));
    size_t shared = count_shareable(img->pages, img->num_pages);
    if (img->frames == NULL) {
        error = fail(LAKE_NOT_ENOUGH_MEMORY, "out of heap");
    } else if (shared > 0) {
        error = img->slot_ops->alloc_range(img->slot_ctx, (unsigned)shared, &img->shared_first);
        if (error)
            fail(error, "no slots for the shared frames");
        else
            img->num_shared = shared;
    }
    if (error == LAKE_OK && shared > 0)
        error = fail(retype_slots(img->slot_ops, img->slot_ctx, untyped, LAKE_OBJ_FRAME_4K, 0,
                                  img->shared_first, shared), "retype the shared frames");
    for (size_t i = 0, k = 0; error == LAKE_OK && i < img->num_pages; i++) {
        if (!page_shareable(&img->pages[i]))
            continue;
        img->frames[i] = img->shared_first + k++;
        error = fill_image_frame(a, &img->elf, a->image, &img->pages[i], img->frames[i]);
    }
    if (error) {
        lake_image_release(img);
        return error;
    }
    spawn_reason = "";
    return LAKE_OK;
}

void lake_image_release(struct lake_image *img)
{
    if (img->num_shared > 0) {
        /* Revoke first: copies a process handed on (cap transfer) must not
         * outlive the frames' memory going back to its untyped. */
        for (size_t i = 0; i < img->num_shared; i++)
            lake_cnode_revoke(img->parent_cnode, img->shared_first + i, PARENT_DEPTH);
        delete_slots(img->parent_cnode, img->shared_first, img->num_shared);
        img->slot_ops->free_range(img->slot_ctx, img->shared_first, (unsigned)img->num_shared);
    }
    free(img->frames);
    free(img->pages);
    memset(img, 0, sizeof(*img));
}

/* ---- the plan: everything decided before the first kernel call --------- */

struct plan {
    struct lake_elf_info elf;
    const void *image;
    struct lake_elf_page *pages;
    const struct lake_image *img;       /* a prepared image, or NULL */
    const lake_cptr_t *shared;          /* per page: the prepared image's frame (0: private) */
    bool own_pages;                     /* pages were parsed here (not a prepared image's) */
    size_t num_pages;
    lake_word_t area;
    size_t stack_pages;
    size_t resident;                    /* stack pages mapped now, from the top */
    size_t tables;                      /* page tables the child's VSpace needs */
    lake_word_t *table_vaddr;           /* one address under each, level 1s first */
    unsigned quota_bits;
    unsigned p_bits;                    /* size of P */
    unsigned cnode_radix;               /* the child's first CNode */
    bool node0;                         /* it is the slot allocator's node 0 too (no L2 made) */
    /* The child's slots; [image_first, caps_first) is the range R. */
    lake_cptr_t image_first, stack_first, ipc_slot, procinfo_slot, kit_first, tables_first;
    lake_cptr_t vspace_slot, ep_slot, quota_slot;       /* ep, quota: 0 if none */
    lake_cptr_t caps_first, first_free;
    size_t kit_slots;
    struct lake_procinfo info;          /* the page's header; the strings follow at build */
};

static void plan_free(struct plan *pl)
{
    if (pl->own_pages)
        free(pl->pages);
    free(pl->table_vaddr);
    pl->pages = NULL;
    pl->table_vaddr = NULL;
}

static size_t vector_length(const char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* Room in the procinfo page for a vector's offset array and strings from
 * *used on; the array's offset and the count go into the header. */
static int layout_vector(size_t *used, const char *const *v, uint64_t *count,
                         uint64_t *array_offset)
{
    size_t n = vector_length(v);
    size_t at = (*used + 7) & ~(size_t)7;
    if (n >= PAGE / sizeof(uint64_t) || (n + 1) * sizeof(uint64_t) > PAGE - at)
        return -1;
    size_t next = at + (n + 1) * sizeof(uint64_t);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        if (len > PAGE - next)
            return -1;
        next += len;
    }
    *count = n;
    *array_offset = at;
    *used = next;
    return 0;
}

/* Write a vector laid out by layout_vector into the page. */
static void write_vector(char *page, const char *const *v, uint64_t count, uint64_t array_offset)
{
    uint64_t *offsets = (uint64_t *)(page + array_offset);
    size_t next = array_offset + (count + 1) * sizeof(uint64_t);
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(page + next, v[i], len);
        offsets[i] = next;
        next += len;
    }
    offsets[count] = 0;
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

/* Page tables (levels 1-3) needed to map every page in `va` (n ascending
 * addresses): one address under each, level 1 first, so PageTable Map in
 * this order installs each at its level. out NULL: count only. */
static size_t list_tables(const lake_word_t *va, size_t n, lake_word_t *out)
{
    size_t tables = 0;
    for (unsigned shift = 39; shift >= 21; shift -= 9) {
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || (va[i] >> shift) != (va[i - 1] >> shift)) {
                if (out)
                    out[tables] = va[i];
                tables++;
            }
        }
    }
    return tables;
}

/* The addresses the child gets pages at, ascending: image pages, IPC
 * buffer, procinfo page, resident stack (the area lies wholly above or
 * below the image). */
static lake_word_t *mapped_addresses(const struct plan *pl, lake_word_t area_end, size_t *n)
{
    *n = pl->num_pages + 2 + pl->resident;
    lake_word_t *va = malloc(*n * sizeof(*va));
    if (va == NULL)
        return NULL;
    size_t k = pl->area > pl->elf.start ? pl->num_pages : 0;
    size_t image_at = pl->area > pl->elf.start ? 0 : 2 + pl->resident;
    va[k++] = pl->area + LAKE_SPAWN_AREA_IPC_BUFFER;
    va[k++] = pl->area + LAKE_SPAWN_AREA_PROCINFO;
    for (size_t i = 0; i < pl->resident; i++)
        va[k++] = area_end - (pl->resident - i) * PAGE;
    for (size_t i = 0; i < pl->num_pages; i++)
        va[image_at + i] = pl->pages[i].vaddr;
    return va;
}

static int plan_image(const struct lake_spawn_args *a, struct plan *pl)
{
    const struct lake_image *img = a->prepared;
    if (img == NULL) {
        int error = parse_image(a->image, a->image_size, &pl->elf, &pl->pages, &pl->num_pages);
        if (error)
            return error;
        pl->own_pages = true;
        pl->image = a->image;
        return LAKE_OK;
    }
    if (img->pages == NULL)
        return fail(LAKE_INVALID_ARGUMENT, "prepared image released");
    pl->img = img;
    pl->elf = img->elf;
    pl->pages = img->pages;
    pl->shared = img->frames;
    pl->num_pages = img->num_pages;
    pl->image = img->image;
    return LAKE_OK;
}

static int make_plan(const struct lake_spawn_args *a, struct plan *pl)
{
    memset(pl, 0, sizeof(*pl));
    int error = plan_image(a, pl);
    if (error)
        return error;
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
    pl->kit_slots = pl->quota_bits ? LAKE_KIT_SLOTS : 0;

    /* Slots of the child's CNode. */
    size_t need = LAKE_PROC_FIRST_RANGE_SLOT + pl->num_pages + pl->resident + 2 + pl->kit_slots +
                  3 + a->num_caps;
    if (pl->stack_pages > MAX_SLOTS || need > MAX_SLOTS)
        return fail(LAKE_RANGE_ERROR, "image or stack too large for the child's CNode");

    /* The area: IPC buffer, procinfo, guard, stack. */
    lake_word_t area_end = pl->area + LAKE_SPAWN_AREA_STACK + pl->stack_pages * PAGE;
    if ((pl->area & (PAGE - 1)) || pl->area < PAGE || area_end > LAKE_USER_TOP ||
        area_end < pl->area)
        return fail(LAKE_INVALID_ARGUMENT, "bad stack area");
    if (overlaps(pl->area, area_end, pl->elf.start, pl->elf.end))
        return fail(LAKE_INVALID_ARGUMENT, "stack area overlaps the image");

    /* Page tables. */
    size_t num_va;
    lake_word_t *va = mapped_addresses(pl, area_end, &num_va);
    if (va != NULL)
        pl->table_vaddr = malloc(3 * num_va * sizeof(*pl->table_vaddr));
    if (va == NULL || pl->table_vaddr == NULL) {
        free(va);
        return fail(LAKE_NOT_ENOUGH_MEMORY, "out of heap");
    }
    pl->tables = list_tables(va, num_va, pl->table_vaddr);
    free(va);

    pl->image_first = LAKE_PROC_FIRST_RANGE_SLOT;
    pl->stack_first = pl->image_first + pl->num_pages;
    pl->ipc_slot = pl->stack_first + pl->resident;
    pl->procinfo_slot = pl->ipc_slot + 1;
    pl->kit_first = pl->procinfo_slot + 1;
    pl->tables_first = pl->kit_first + pl->kit_slots;
    lake_cptr_t next = pl->tables_first + pl->tables;
    pl->vspace_slot = next++;
    pl->ep_slot = a->parent_ep ? next++ : 0;
    pl->quota_slot = pl->quota_bits ? next++ : 0;
    pl->caps_first = next;
    pl->first_free = pl->caps_first + a->num_caps;
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
        pl->cnode_radix > LAKE_SPAWN_MAX_CNODE_RADIX)
        return fail(LAKE_INVALID_ARGUMENT, "CNode radix out of range");
    if (pl->first_free > (1ul << pl->cnode_radix))
        return fail(LAKE_RANGE_ERROR, "image or stack too large for the child's CNode");
    /* A first CNode shaped like a second-level one, with room beyond the
     * grant slots for the allocator's reserve, is the allocator's first
     * node: no second-level CNode is made until the process needs more
     * slots. */
    pl->node0 = pl->cnode_radix == LAKE_PROC_L2_RADIX &&
                pl->first_free + LAKE_PROC_GRANT_SLOTS + LAKE_CSPACE_DEFAULT_RESERVE <=
                    (1ul << pl->cnode_radix);

    /* P: CNode + quota + top and second-level CNodes + 4 KiB objects +
     * TCBs + the kit's small objects, packed without padding (largest
     * first, each size a multiple of the next). Shared frames are the
     * prepared image's, not P's. */
    _Static_assert(TOP_BITS >= LAKE_PAGE_BITS && L2_BITS >= LAKE_PAGE_BITS &&
                   TOP_BITS <= LAKE_SPAWN_MIN_CNODE_RADIX + LAKE_SLOT_BITS,
                   "CNode sizes keep P packed");
    size_t private_pages = 0;
    for (size_t i = 0; i < pl->num_pages; i++)
        private_pages += pl->shared == NULL || pl->shared[i] == 0;
    unsigned cnode_bits = pl->cnode_radix + LAKE_SLOT_BITS;
    uint64_t bytes = (1ull << cnode_bits) + (pl->quota_bits ? 1ull << pl->quota_bits : 0) +
                     (1ull << TOP_BITS) + (pl->node0 ? 0 : 1ull << L2_BITS) +
                     PAGE * (1 /* VSpace */ + private_pages + 2 + pl->resident + pl->tables) +
                     (1ull << LAKE_TCB_BITS);
    if (pl->quota_bits)
        bytes += PAGE * LAKE_KIT_FRAMES + (LAKE_KIT_TCBS << LAKE_TCB_BITS) +
                 (LAKE_KIT_NOTIFICATIONS << LAKE_NOTIFICATION_BITS) +
                 (LAKE_KIT_ENDPOINTS << LAKE_ENDPOINT_BITS);
    if (pl->quota_bits && pl->quota_bits < L2_BITS)
        bytes += 1ull << L2_BITS;       /* alignment of T after a small quota */
    pl->p_bits = ceil_log2(bytes);
    if (pl->p_bits > LAKE_UNTYPED_MAX_BITS)
        return fail(LAKE_NOT_ENOUGH_MEMORY, "process too large");

    /* The procinfo page's header. */
    struct lake_procinfo *info = &pl->info;
    info->magic = LAKE_PROCINFO_MAGIC;
    info->version = LAKE_PROCINFO_VERSION;
    info->self = pl->area + LAKE_SPAWN_AREA_PROCINFO;
    info->ipc_buffer = pl->area + LAKE_SPAWN_AREA_IPC_BUFFER;
    info->cnode_radix = pl->cnode_radix;
    info->cnode = LAKE_PROC_CNODE;
    info->vspace = pl->vspace_slot;
    info->tcb = LAKE_PROC_TCB;
    info->parent_ep = pl->ep_slot;
    info->parent_badge = a->badge;
    info->asid_pool = a->give_asid_pool ? LAKE_PROC_ASID_POOL : 0;
    info->ipc_buffer_frame = pl->ipc_slot;
    info->procinfo_frame = pl->procinfo_slot;
    if (pl->quota_bits) {
        info->num_untyped = 1;
        info->untyped[0].cptr = pl->quota_slot;
        info->untyped[0].size_bits = pl->quota_bits;
    }
    info->image_frames = (struct lake_slot_range){ pl->image_first, pl->stack_first };
    info->stack_frames = (struct lake_slot_range){ pl->stack_first, pl->ipc_slot };  /* resident */
    info->kit = (struct lake_slot_range){ pl->kit_first, pl->tables_first };
    info->page_tables = (struct lake_slot_range){ pl->tables_first, pl->vspace_slot };
    info->caps = (struct lake_slot_range){ pl->caps_first, pl->first_free };
    info->first_free_slot = pl->first_free;
    info->cspace_top = LAKE_PROC_CSPACE_TOP;
    info->top_radix = LAKE_PROC_TOP_RADIX;
    info->top_guard_bits = LAKE_PROC_TOP_GUARD;
    info->l2_radix = LAKE_PROC_L2_RADIX;
    info->l2_guard_bits = LAKE_PROC_L2_GUARD;
    info->l2_first_index = pl->node0 ? 0 : LAKE_PROC_L2_FIRST_INDEX;
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
    if (layout_vector(&used, a->argv, &info->argc, &info->argv_offset) != 0 ||
        layout_vector(&used, a->envp, &info->envc, &info->envp_offset) != 0)
        return fail(LAKE_RANGE_ERROR, "arguments and environment do not fit in the procinfo page");
    info->strings_end = used;
    return LAKE_OK;
}

size_t lake_spawn_size(const struct lake_spawn_args *a)
{
    struct plan pl;
    int error = make_plan(a, &pl);
    plan_free(&pl);
    return error == LAKE_OK ? (size_t)1 << pl.p_bits : 0;
}

/* ---- building ------------------------------------------------------------ */

struct build {
    const struct lake_spawn_args *a;
    struct plan *pl;
    struct lake_process *p;
    const struct lake_spawn_slot_ops *ops;
    void *ctx;
    lake_cptr_t t2;                     /* a parent scratch slot */
    lake_cptr_t top;                    /* parent slot of T until it moves to the child */
    lake_cptr_t range;                  /* R: parent slots mirroring the child's from image_first */
    size_t range_count;
    lake_cptr_t vspace;                 /* the child's VSpace, in R */
};

/* R's parent slot for the child's slot `child_slot`. */
static lake_cptr_t in_range(const struct build *b, lake_cptr_t child_slot)
{
    return b->range + (child_slot - b->pl->image_first);
}

/* Retype one object from P into a parent slot. */
static int retype_into(struct build *b, lake_cptr_t slot, unsigned type, unsigned bits)
{
    return retype_slots(b->ops, b->ctx, b->p->untyped, type, bits, slot, 1);
}

/* T in the parent's slot b->top: the child's CNode in T[0] (its guard makes
 * up the bits below T that its radix does not take) and, unless that is
 * the allocator's node 0, an empty second-level CNode in
 * T[LAKE_PROC_L2_FIRST_INDEX] (made in t2). T stays in the parent's slot
 * until the TCB is configured with it. */
static int build_cspace_top(struct build *b)
{
    struct lake_process *p = b->p;
    TRY(retype_into(b, b->top, LAKE_OBJ_CNODE, LAKE_PROC_TOP_RADIX), "retype the top CNode");
    unsigned below_top = 64 - LAKE_PROC_TOP_GUARD - LAKE_PROC_TOP_RADIX;
    TRY(lake_cnode_mint(b->top, 0, LAKE_PROC_TOP_RADIX, p->parent_cnode, p->cnode, PARENT_DEPTH,
                        LAKE_RIGHTS_ALL, lake_cnode_guard_data(0, below_top - b->pl->cnode_radix)),
        "put the CNode in T");
    if (b->pl->node0)
        return LAKE_OK;
    TRY(retype_into(b, b->t2, LAKE_OBJ_CNODE, LAKE_PROC_L2_RADIX), "retype a second-level CNode");
    TRY(lake_cnode_mutate(b->top, LAKE_PROC_L2_FIRST_INDEX, LAKE_PROC_TOP_RADIX, p->parent_cnode,
                          b->t2, PARENT_DEPTH, lake_cnode_guard_data(0, LAKE_PROC_L2_GUARD)),
        "put the second-level CNode in T");
    return LAKE_OK;
}

/* The child's CNode (with its own cap), the quota, T and the VSpace. */
static int build_spaces(struct build *b)
{
    const struct lake_spawn_args *a = b->a;
    struct plan *pl = b->pl;
    struct lake_process *p = b->p;
    unsigned radix = pl->cnode_radix;

    /* Largest first: the CNode and the quota, in either order. */
    bool quota_first = pl->quota_bits > radix + LAKE_SLOT_BITS;
    lake_cptr_t quota = pl->quota_bits ? in_range(b, pl->quota_slot) : 0;
    if (quota_first)
        TRY(retype_into(b, quota, LAKE_OBJ_UNTYPED, pl->quota_bits), "retype the quota");
    TRY(retype_into(b, p->cnode, LAKE_OBJ_CNODE, radix), "retype the CNode");
    if (quota && !quota_first)
        TRY(retype_into(b, quota, LAKE_OBJ_UNTYPED, pl->quota_bits), "retype the quota");
    TRY(lake_cnode_mint(p->cnode, LAKE_PROC_CNODE, radix, p->parent_cnode, p->cnode, PARENT_DEPTH,
                        LAKE_RIGHTS_ALL, lake_cnode_guard_data(0, 64 - radix)),
        "give the CNode");
    int error = build_cspace_top(b);
    if (error)
        return error;

    TRY(retype_into(b, b->vspace, LAKE_OBJ_VSPACE, 0), "retype the VSpace");
    TRY(lake_asid_pool_assign(a->asid_pool, b->vspace), "assign an ASID");
    if (a->give_asid_pool)
        TRY(lake_cnode_copy(p->cnode, LAKE_PROC_ASID_POOL, radix, p->parent_cnode,
                            a->asid_pool, PARENT_DEPTH, LAKE_RIGHTS_ALL), "give the ASID pool");
    return LAKE_OK;
}

static bool shared_page(const struct plan *pl, size_t i)
{
    return i < pl->num_pages && pl->shared != NULL && pl->shared[i] != 0;
}

/* The frames and page tables of R: copies of a prepared image's shared
 * frames (a CopyRange per run of consecutive ones), fresh frames from P
 * for the rest (a Retype per run), then the tables (one Retype). */
static int make_frames(struct build *b)
{
    struct plan *pl = b->pl;
    size_t frames = pl->num_pages + pl->resident + 2 + (pl->kit_slots ? LAKE_KIT_FRAMES : 0);
    for (size_t i = 0; i < frames;) {
        size_t n = 1;
        if (shared_page(pl, i)) {
            while (n < RANGE_MAX && shared_page(pl, i + n) &&
                   pl->shared[i + n] == pl->shared[i] + n)
                n++;
            struct lake_cnode_range dest, src;
            lake_cptr_t root = range_of(b->ops, b->ctx, b->range + i, &dest);
            lake_cptr_t src_root = range_of(pl->img->slot_ops, pl->img->slot_ctx, pl->shared[i],
                                            &src);
            /* Read-only copies: a child must not be able to map (and
             * write) the frames every process of the image runs. */
            TRY(lake_cnode_copy_range(root, &dest, src_root, &src, (unsigned)n, LAKE_RIGHT_READ),
                "copy the shared frames");
        } else {
            while (i + n < frames && !shared_page(pl, i + n))
                n++;
            TRY(retype_slots(b->ops, b->ctx, b->p->untyped, LAKE_OBJ_FRAME_4K, 0, b->range + i,
                             n), "retype the frames");
        }
        i += n;
    }
    TRY(retype_slots(b->ops, b->ctx, b->p->untyped, LAKE_OBJ_PAGE_TABLE, 0,
                     in_range(b, pl->tables_first), pl->tables), "retype the page tables");
    return LAKE_OK;
}

static void write_procinfo(const void *ctx, lake_word_t vaddr, void *dst)
{
    const struct build *b = ctx;
    const struct lake_procinfo *info = &b->pl->info;
    (void)vaddr;
    memcpy(dst, info, sizeof(*info));
    write_vector(dst, b->a->argv, info->argc, info->argv_offset);
    write_vector(dst, b->a->envp, info->envc, info->envp_offset);
}

/* Contents: the image's file bytes in private pages that have some, the
 * procinfo page. The rest is zero from Retype. */
static int fill_frames(struct build *b)
{
    struct plan *pl = b->pl;
    for (size_t i = 0; i < pl->num_pages; i++) {
        if (shared_page(pl, i))
            continue;
        int error = fill_image_frame(b->a, &pl->elf, pl->image, &pl->pages[i], b->range + i);
        if (error)
            return error;
    }
    return through_scratch(b->a, in_range(b, pl->procinfo_slot), write_procinfo, b, 0);
}

/* Map R's frames from R slot `first` on at vaddr, vaddr + 4 KiB, ...: a
 * run in one VSpace MapFrames, a single page by Frame Map (its fast path). */
static int map_run(struct build *b, lake_cptr_t first, size_t count, lake_word_t vaddr,
                   unsigned rights, unsigned attrs)
{
    if (count == 1)
        return lake_frame_map(first, b->vspace, vaddr, rights, attrs);
    struct lake_cnode_range r;
    lake_cptr_t root = range_of(b->ops, b->ctx, first, &r);
    return lake_vspace_map_frames(b->vspace, root, &r, (unsigned)count, vaddr, rights, attrs);
}

static unsigned page_rights(const struct lake_elf_page *pg)
{
    return (pg->prot & LAKE_ELF_PROT_W) ? LAKE_RIGHTS_RW : LAKE_RIGHT_READ;
}

static unsigned page_attrs(const struct lake_elf_page *pg)
{
    return (pg->prot & LAKE_ELF_PROT_X) ? 0 : LAKE_ATTR_EXECUTE_NEVER;
}

/* The tables, level 1 first, then the frames: each run of image pages at
 * consecutive addresses with the same rights in one go, the resident
 * stack, the IPC buffer and the procinfo page. */
static int map_frames(struct build *b)
{
    struct plan *pl = b->pl;
    for (size_t i = 0; i < pl->tables; i++)
        TRY(lake_page_table_map(in_range(b, pl->tables_first + i), b->vspace,
                                pl->table_vaddr[i]), "map a page table");
    for (size_t i = 0, n; i < pl->num_pages; i += n) {
        const struct lake_elf_page *pg = &pl->pages[i];
        for (n = 1; i + n < pl->num_pages && n < 512; n++) {
            const struct lake_elf_page *next = &pl->pages[i + n];
            if (next->vaddr != pg->vaddr + n * PAGE || page_rights(next) != page_rights(pg) ||
                page_attrs(next) != page_attrs(pg))
                break;
        }
        TRY(map_run(b, b->range + i, n, pg->vaddr, page_rights(pg), page_attrs(pg)),
            "map the image");
    }
    /* The resident top of the stack; the pages below it come from the
     * child's pager, and the guard page below the stack stays unmapped. */
    if (pl->resident)
        TRY(map_run(b, in_range(b, pl->stack_first), pl->resident,
                    pl->info.stack_end - pl->resident * PAGE, LAKE_RIGHTS_RW,
                    LAKE_ATTR_EXECUTE_NEVER), "map the stack");
    TRY(lake_frame_map(in_range(b, pl->ipc_slot), b->vspace, pl->info.ipc_buffer, LAKE_RIGHTS_RW,
                       LAKE_ATTR_EXECUTE_NEVER), "map the IPC buffer");
    TRY(lake_frame_map(in_range(b, pl->procinfo_slot), b->vspace, pl->info.self, LAKE_RIGHT_READ,
                       LAKE_ATTR_EXECUTE_NEVER), "map the procinfo page");
    return LAKE_OK;
}

/* The TCBs (the smallest objects but the kit's), the thread's set-up, and
 * the kit's notifications and endpoint, all into R. */
static int build_thread(struct build *b)
{
    const struct lake_spawn_args *a = b->a;
    struct plan *pl = b->pl;
    struct lake_process *p = b->p;
    unsigned radix = pl->cnode_radix;

    TRY(retype_into(b, p->tcb, LAKE_OBJ_TCB, 0), "retype the TCB");
    if (pl->kit_slots) {
        lake_cptr_t kit = in_range(b, pl->kit_first) + LAKE_KIT_FRAMES;
        TRY(retype_slots(b->ops, b->ctx, p->untyped, LAKE_OBJ_TCB, 0, kit, LAKE_KIT_TCBS),
            "retype the kit's TCB");
        kit += LAKE_KIT_TCBS;
        TRY(retype_slots(b->ops, b->ctx, p->untyped, LAKE_OBJ_NOTIFICATION, 0, kit,
                         LAKE_KIT_NOTIFICATIONS), "retype the kit's notifications");
        kit += LAKE_KIT_NOTIFICATIONS;
        TRY(retype_slots(b->ops, b->ctx, p->untyped, LAKE_OBJ_ENDPOINT, 0, kit,
                         LAKE_KIT_ENDPOINTS), "retype the kit's endpoint");
    }
    lake_cptr_t fault_ep = 0;
    if (a->parent_ep) {
        unsigned rights = a->parent_ep_rights ? a->parent_ep_rights : DEFAULT_EP_RIGHTS;
        fault_ep = in_range(b, pl->ep_slot);
        TRY(lake_cnode_mint(p->parent_cnode, fault_ep, PARENT_DEPTH, p->parent_cnode,
                            a->parent_ep, PARENT_DEPTH, rights, a->badge),
            "mint the parent endpoint");
    }
    TRY(lake_tcb_configure(p->tcb, fault_ep, b->top,
                           lake_cnode_guard_data(0, LAKE_PROC_TOP_GUARD), b->vspace,
                           pl->info.ipc_buffer, in_range(b, pl->ipc_slot)), "configure the TCB");
    TRY(lake_cnode_mutate(p->cnode, LAKE_PROC_CSPACE_TOP, radix, p->parent_cnode, b->top,
                          PARENT_DEPTH, lake_cnode_guard_data(0, LAKE_PROC_TOP_GUARD)),
        "give the top CNode");
    TRY(lake_cnode_copy(p->cnode, LAKE_PROC_TCB, radix, p->parent_cnode, p->tcb, PARENT_DEPTH,
                        LAKE_RIGHTS_ALL), "give the TCB");
    if (a->authority) {
        TRY(lake_tcb_set_mc_priority(p->tcb, a->authority, a->mcp), "set the MCP");
        TRY(lake_tcb_set_priority(p->tcb, a->authority, a->priority), "set the priority");
    }
    const char *name = a->name ? a->name : (a->argv && a->argv[0]) ? a->argv[0] : "child";
    lake_debug_name_thread(p->tcb, name);

    lake_word_t regs[LAKE_REG_X0 + 1] = {0};
    regs[LAKE_REG_PC] = pl->elf.entry;
    regs[LAKE_REG_SP] = pl->info.stack_end;
    regs[LAKE_REG_X0] = pl->info.self;
    TRY(lake_tcb_write_registers(p->tcb, false, LAKE_REG_X0 + 1, regs), "write the registers");
    return LAKE_OK;
}

/* R to the child's CNode, RANGE_MAX caps at a time; then the extra caps. */
static int hand_over(struct build *b)
{
    struct plan *pl = b->pl;
    struct lake_process *p = b->p;
    for (size_t done = 0; done < b->range_count; done += RANGE_MAX) {
        size_t n = b->range_count - done < RANGE_MAX ? b->range_count - done : RANGE_MAX;
        struct lake_cnode_range dest = { .offset = pl->image_first + done }, src;
        lake_cptr_t src_root = range_of(b->ops, b->ctx, b->range + done, &src);
        TRY(lake_cnode_move_range(p->cnode, &dest, src_root, &src, (unsigned)n),
            "move the caps to the child");
    }
    for (unsigned i = 0; i < b->a->num_caps; i++)
        TRY(lake_cnode_copy(p->cnode, pl->caps_first + i, pl->cnode_radix, p->parent_cnode,
                            b->a->caps[i], PARENT_DEPTH, LAKE_RIGHTS_ALL), "give an extra cap");
    return LAKE_OK;
}

static int build_child(struct build *b)
{
    int error = build_spaces(b);
    if (error == LAKE_OK)
        error = make_frames(b);
    if (error == LAKE_OK)
        error = fill_frames(b);
    if (error == LAKE_OK)
        error = map_frames(b);
    if (error == LAKE_OK)
        error = build_thread(b);
    if (error == LAKE_OK)
        error = hand_over(b);
    return error;
}

int lake_spawn(const struct lake_spawn_args *a, struct lake_process *p)
{
    struct plan pl;
    memset(p, 0, sizeof(*p));
    spawn_reason = "";
    const struct lake_spawn_slot_ops *ops;
    void *ctx;
    int error = slot_ops_of(a, &ops, &ctx);
    if (error)
        return error;
    lake_cptr_t untyped = a->untyped ? a->untyped : (a->alloc ? a->alloc->untyped : 0);
    if (untyped == 0)
        return fail(LAKE_INVALID_ARGUMENT, "no untyped");
    error = make_plan(a, &pl);
    if (error) {
        plan_free(&pl);
        return error;
    }

    p->slot_ops = ops;
    p->slot_ctx = ctx;
    p->parent_cnode = a->parent_cnode ? a->parent_cnode : LAKE_ROOT_CNODE;
    p->untyped_bits = pl.p_bits;
    p->cnode_radix = pl.cnode_radix;
    p->entry = pl.elf.entry;
    p->procinfo_vaddr = pl.info.self;
    p->procinfo_frame = pl.procinfo_slot;
    p->ipc_buffer = pl.info.ipc_buffer;
    p->stack_top = pl.info.stack_end;
    p->image_pages = pl.num_pages;
    p->stack_pages = pl.stack_pages;
    p->resident_stack_pages = pl.resident;
    p->page_tables = pl.tables;

    /* Parent slots, taken and given back in LIFO order; R last. */
    struct build b = { .a = a, .pl = &pl, .p = p, .ops = ops, .ctx = ctx,
                       .range_count = pl.caps_first - pl.image_first };
    lake_cptr_t *slots[] = { &p->untyped, &p->cnode, &p->tcb, &b.t2, &b.top };
    const size_t num_slots = sizeof(slots) / sizeof(slots[0]);
    size_t taken = 0;
    for (; taken < num_slots; taken++) {
        error = ops->alloc(ctx, slots[taken]);
        if (error) {
            fail(error, "no free slot in the parent");
            goto free_slots;
        }
    }
    error = ops->alloc_range(ctx, (unsigned)b.range_count, &b.range);
    if (error) {
        fail(error, "no free slots in the parent");
        goto free_slots;
    }
    b.vspace = in_range(&b, pl.vspace_slot);

    error = fail(retype_slots(ops, ctx, untyped, LAKE_OBJ_UNTYPED, pl.p_bits, p->untyped, 1),
                 "retype the process untyped");
    if (error == LAKE_OK) {
        error = build_child(&b);
        if (error == LAKE_OK && !a->dont_start) {
            error = lake_tcb_resume(p->tcb);
            if (error)
                fail(error, "resume");
            p->started = error == LAKE_OK;
        }
        /* After a success the scratch slots and R are empty; after a
         * failure they may hold caps not derived from P (the minted
         * endpoint, copies of shared frames). */
        if (error != LAKE_OK) {
            lake_cnode_delete(p->parent_cnode, b.top, PARENT_DEPTH);
            lake_cnode_delete(p->parent_cnode, b.t2, PARENT_DEPTH);
            delete_slots(p->parent_cnode, b.range, b.range_count);
            lake_cnode_revoke(p->parent_cnode, p->untyped, PARENT_DEPTH);
            lake_cnode_delete(p->parent_cnode, p->untyped, PARENT_DEPTH);
        }
    }
    ops->free_range(ctx, b.range, (unsigned)b.range_count);     /* empty now */
    if (error == LAKE_OK) {
        ops->free(ctx, b.top);
        ops->free(ctx, b.t2);
        plan_free(&pl);
        return LAKE_OK;
    }

free_slots:
    while (taken > 0) {
        taken--;
        ops->free(ctx, *slots[taken]);
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
     * quota, the caps in its CNode) is derived from P, or (copies of a
     * prepared image's frames) lives in its CNode. */
    int error = lake_cnode_revoke(p->parent_cnode, p->untyped, PARENT_DEPTH);
    int error2 = lake_cnode_delete(p->parent_cnode, p->untyped, PARENT_DEPTH);
    if (error == LAKE_OK)
        error = error2;
    /* The revoke emptied these; give them back in LIFO order. */
    p->slot_ops->free(p->slot_ctx, p->tcb);
    p->slot_ops->free(p->slot_ctx, p->cnode);
    p->slot_ops->free(p->slot_ctx, p->untyped);
    memset(p, 0, sizeof(*p));
    return error;
}
