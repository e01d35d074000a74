/*
 * VSpace region manager (see lake/vspace.h). Pure C: every kernel call goes
 * through vs->ops, so this file builds and is tested on the host.
 *
 * Invariants:
 *  - regions[0..count) are sorted by start, pairwise disjoint, page aligned,
 *    inside [floor, ceiling);
 *  - a page entry's frame is non-zero exactly when that page is mapped by
 *    the kernel with the region's rights and attributes, and r->mapped
 *    counts those entries;
 *  - guard pages (a VSPACE_GUARD region, the guard_pages bottom pages of a
 *    VSPACE_STACK region) are never mapped;
 *  - the table set holds every page table installed in the VSpace (those
 *    made here and those noted with vspace_note_table).
 */
#include <stdlib.h>
#include <string.h>

#include <lake/vspace.h>

#define PAGE VSPACE_PAGE_SIZE

static void *meta_alloc(struct vspace *vs, size_t size)
{
    if (vs->ops.meta_alloc)
        return vs->ops.meta_alloc(vs->ops.ctx, size);
    return calloc(1, size);
}

static void meta_free(struct vspace *vs, void *p, size_t size)
{
    if (!p)
        return;
    if (vs->ops.meta_free)
        vs->ops.meta_free(vs->ops.ctx, p, size);
    else
        free(p);
}

/* A bigger block holding the first `used` bytes of `old` (old_size bytes,
 * freed); NULL, with old kept, if there is no memory. */
static void *regrow(struct vspace *vs, void *old, size_t used, size_t old_size, size_t new_size)
{
    void *n = meta_alloc(vs, new_size);
    if (n == NULL)
        return NULL;
    if (used)
        memcpy(n, old, used);
    meta_free(vs, old, old_size);
    return n;
}

static bool page_aligned(lake_word_t x)
{
    return (x & (PAGE - 1)) == 0;
}

int vspace_init(struct vspace *vs, const struct vspace_ops *ops, lake_word_t floor,
                lake_word_t ceiling)
{
    memset(vs, 0, sizeof(*vs));
    if (!page_aligned(floor) || !page_aligned(ceiling))
        return LAKE_ALIGNMENT_ERROR;
    if (floor >= ceiling || ceiling > VSPACE_USER_TOP)
        return LAKE_RANGE_ERROR;
    vs->ops = *ops;
    vs->floor = floor;
    vs->ceiling = ceiling;
    vs->next_fit = floor;
    return LAKE_OK;
}

/* ---- page-table set: open addressing, linear probing ---------------- */

static lake_word_t table_key(unsigned level, lake_word_t vaddr)
{
    return ((lake_word_t)level << 60) + (vaddr >> vspace_table_shift(level)) + 1;
}

static size_t table_hash(lake_word_t key, size_t capacity)
{
    key *= 0x9e3779b97f4a7c15ull;
    return (size_t)(key >> 32) & (capacity - 1);
}

static size_t table_find(const struct vspace_table_set *t, lake_word_t key)
{
    size_t i = table_hash(key, t->capacity);
    while (t->keys[i] != 0 && t->keys[i] != key)
        i = (i + 1) & (t->capacity - 1);
    return i;
}

bool vspace_has_table(const struct vspace *vs, unsigned level, lake_word_t vaddr)
{
    const struct vspace_table_set *t = &vs->tables;
    if (level < 1 || level > VSPACE_TABLE_LEVELS || t->capacity == 0)
        return false;
    lake_word_t key = table_key(level, vaddr);
    return t->keys[table_find(t, key)] == key;
}

size_t vspace_table_count(const struct vspace *vs)
{
    return vs->tables.count;
}

static int table_grow(struct vspace *vs)
{
    struct vspace_table_set *t = &vs->tables;
    size_t capacity = t->capacity ? t->capacity * 2 : 64;
    struct vspace_table_set n = {
        .keys = meta_alloc(vs, capacity * sizeof(lake_word_t)),
        .caps = meta_alloc(vs, capacity * sizeof(lake_cptr_t)),
        .count = t->count,
        .capacity = capacity,
    };
    if (!n.keys || !n.caps) {
        meta_free(vs, n.keys, capacity * sizeof(lake_word_t));
        meta_free(vs, n.caps, capacity * sizeof(lake_cptr_t));
        return LAKE_NOT_ENOUGH_MEMORY;
    }
    for (size_t i = 0; i < t->capacity; i++) {
        if (t->keys[i] == 0)
            continue;
        size_t j = table_find(&n, t->keys[i]);
        n.keys[j] = t->keys[i];
        n.caps[j] = t->caps[i];
    }
    meta_free(vs, t->keys, t->capacity * sizeof(lake_word_t));
    meta_free(vs, t->caps, t->capacity * sizeof(lake_cptr_t));
    *t = n;
    return LAKE_OK;
}

int vspace_note_table(struct vspace *vs, unsigned level, lake_word_t vaddr, lake_cptr_t table)
{
    if (level < 1 || level > VSPACE_TABLE_LEVELS || vaddr >= VSPACE_USER_TOP)
        return LAKE_INVALID_ARGUMENT;
    struct vspace_table_set *t = &vs->tables;
    if ((t->count + 1) * 2 > t->capacity) {
        int error = table_grow(vs);
        if (error)
            return error;
    }
    lake_word_t key = table_key(level, vaddr);
    size_t i = table_find(t, key);
    if (t->keys[i] == key)
        return LAKE_DELETE_FIRST;
    t->keys[i] = key;
    t->caps[i] = table;
    t->count++;
    return LAKE_OK;
}

/* Install one table at `level` for vaddr; the levels above exist. */
static int install_table(struct vspace *vs, unsigned level, lake_word_t vaddr)
{
    lake_cptr_t table;
    /* Make room in the set first, so that recording cannot fail after the
     * table is in the VSpace. */
    if ((vs->tables.count + 1) * 2 > vs->tables.capacity) {
        int error = table_grow(vs);
        if (error)
            return error;
    }
    int error = vs->ops.alloc_table(vs->ops.ctx, &table);
    if (error)
        return error;
    error = vs->ops.map_table(vs->ops.ctx, table, vaddr);
    if (error == LAKE_DELETE_FIRST) {
        /* Every level exists already: the set missed a table made by
         * someone else. Note it (without a cap) and go on. */
        vs->ops.free_table(vs->ops.ctx, table);
        for (unsigned l = level; l <= VSPACE_TABLE_LEVELS; l++) {
            error = vspace_note_table(vs, l, vaddr, 0);
            if (error && error != LAKE_DELETE_FIRST)
                return error;
        }
        return LAKE_OK;
    }
    if (error) {
        vs->ops.free_table(vs->ops.ctx, table);
        return error;
    }
    vs->tables_made++;
    return vspace_note_table(vs, level, vaddr, table);
}

int vspace_ensure_tables(struct vspace *vs, lake_word_t vaddr)
{
    /* Pages are mapped in runs: the 2 MiB of the last page usually has
     * all its tables already (three set lookups saved). */
    lake_word_t leaf = (vaddr >> vspace_table_shift(VSPACE_TABLE_LEVELS)) + 1;
    if (vs->last_leaf == leaf)
        return LAKE_OK;
    for (unsigned level = 1; level <= VSPACE_TABLE_LEVELS; level++) {
        if (vspace_has_table(vs, level, vaddr))
            continue;
        int error = install_table(vs, level, vaddr);
        if (error)
            return error;
    }
    vs->last_leaf = leaf;
    return LAKE_OK;
}

/* Frame Map with the tables installed first; if the kernel still reports a
 * missing table (the set was wrong), install it and retry. */
static int map_one(struct vspace *vs, lake_cptr_t frame, lake_word_t vaddr, unsigned rights,
                   unsigned attrs)
{
    int error = vspace_ensure_tables(vs, vaddr);
    if (error)
        return error;
    for (int tries = 0; tries <= VSPACE_TABLE_LEVELS; tries++) {
        unsigned missing = 0;
        error = vs->ops.map_frame(vs->ops.ctx, frame, vaddr, rights, attrs, &missing);
        if (error != LAKE_FAILED_LOOKUP || missing < 1 || missing > VSPACE_TABLE_LEVELS)
            return error;
        /* Forget the stale entry, then install the table for real. */
        vs->last_leaf = 0;
        struct vspace_table_set *t = &vs->tables;
        if (t->capacity) {
            lake_word_t key = table_key(missing, vaddr);
            size_t i = table_find(t, key);
            if (t->keys[i] == key) {
                /* Remove by re-inserting the rest of the cluster. */
                t->keys[i] = 0;
                t->count--;
                for (size_t j = (i + 1) & (t->capacity - 1); t->keys[j];
                     j = (j + 1) & (t->capacity - 1)) {
                    lake_word_t k = t->keys[j];
                    lake_cptr_t c = t->caps[j];
                    t->keys[j] = 0;
                    size_t n = table_find(t, k);
                    t->keys[n] = k;
                    t->caps[n] = c;
                }
            }
        }
        error = install_table(vs, missing, vaddr);
        if (error)
            return error;
    }
    return LAKE_FAILED_LOOKUP;
}

/* ---- regions ---------------------------------------------------------- */

/* Index of the first region with end > vaddr (count if none). */
static size_t region_index(const struct vspace *vs, lake_word_t vaddr)
{
    size_t lo = 0, hi = vs->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vs->regions[mid]->end <= vaddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct vspace_region *vspace_find(const struct vspace *vs, lake_word_t vaddr)
{
    /* Faults come in runs through one region (a heap or a buffer growing). */
    struct vspace_region *hint = vs->hint;
    if (hint != NULL && vaddr - hint->start < hint->end - hint->start)
        return hint;
    size_t i = region_index(vs, vaddr);
    if (i < vs->count && vs->regions[i]->start <= vaddr)
        return vs->regions[i];
    return NULL;
}

static bool range_free(const struct vspace *vs, lake_word_t start, lake_word_t end)
{
    size_t i = region_index(vs, start);
    return i == vs->count || vs->regions[i]->start >= end;
}

static int check_attr(const struct vspace_attr *a, lake_word_t size)
{
    if (a->kind < VSPACE_ANON || a->kind > VSPACE_STACK)
        return LAKE_INVALID_ARGUMENT;
    if (a->kind != VSPACE_GUARD && !(a->rights & LAKE_RIGHT_READ))
        return LAKE_INVALID_ARGUMENT;
    if ((a->rights & ~(unsigned)LAKE_RIGHTS_RW) || (a->attrs & ~(unsigned)LAKE_ATTRS_ALL))
        return LAKE_INVALID_ARGUMENT;
    if (a->kind == VSPACE_STACK) {
        if (a->guard_pages == 0 || (lake_word_t)a->guard_pages * PAGE >= size)
            return LAKE_INVALID_ARGUMENT;
    } else if (a->guard_pages != 0) {
        return LAKE_INVALID_ARGUMENT;
    }
    return LAKE_OK;
}

static int insert_region(struct vspace *vs, lake_word_t start, lake_word_t size,
                         const struct vspace_attr *attr, struct vspace_region **out)
{
    if (vs->count == vs->capacity) {
        size_t capacity = vs->capacity ? vs->capacity * 2 : 16;
        struct vspace_region **n = regrow(vs, vs->regions, vs->count * sizeof(*n),
                                          vs->capacity * sizeof(*n), capacity * sizeof(*n));
        if (!n)
            return LAKE_NOT_ENOUGH_MEMORY;
        vs->regions = n;
        vs->capacity = capacity;
    }
    struct vspace_region *r = meta_alloc(vs, sizeof(*r));
    if (!r)
        return LAKE_NOT_ENOUGH_MEMORY;
    r->start = start;
    r->end = start + size;
    r->attr = *attr;
    size_t i = region_index(vs, start);
    memmove(&vs->regions[i + 1], &vs->regions[i], (vs->count - i) * sizeof(*vs->regions));
    vs->regions[i] = r;
    vs->count++;
    if (out)
        *out = r;
    return LAKE_OK;
}

int vspace_reserve_at(struct vspace *vs, lake_word_t start, lake_word_t size,
                      const struct vspace_attr *attr, struct vspace_region **out)
{
    if (!page_aligned(start) || !page_aligned(size))
        return LAKE_ALIGNMENT_ERROR;
    if (size == 0 || start < vs->floor || start >= vs->ceiling || size > vs->ceiling - start)
        return LAKE_RANGE_ERROR;
    int error = check_attr(attr, size);
    if (error)
        return error;
    if (!range_free(vs, start, start + size))
        return LAKE_DELETE_FIRST;
    return insert_region(vs, start, size, attr, out);
}

static lake_word_t align_up(lake_word_t x, lake_word_t align)
{
    return (x + align - 1) & ~(align - 1);
}

/* Lowest aligned start >= lo with [start, start + size) free and inside
 * [lo, limit); returns false if none. */
static bool first_fit(const struct vspace *vs, lake_word_t lo, lake_word_t limit, lake_word_t size,
                      lake_word_t align, lake_word_t *found)
{
    lake_word_t candidate = align_up(lo, align);
    for (size_t i = region_index(vs, lo); i < vs->count; i++) {
        const struct vspace_region *r = vs->regions[i];
        if (candidate >= limit || size > limit - candidate)
            return false;
        if (candidate + size <= r->start)
            break;
        if (r->end > candidate)
            candidate = align_up(r->end, align);
    }
    if (candidate >= limit || size > limit - candidate)
        return false;
    *found = candidate;
    return true;
}

int vspace_reserve_anywhere(struct vspace *vs, lake_word_t size, lake_word_t align,
                            enum vspace_fit fit, const struct vspace_attr *attr,
                            struct vspace_region **out)
{
    if (align == 0)
        align = PAGE;
    if (!page_aligned(size) || (align & (align - 1)) || align < PAGE || align > VSPACE_USER_TOP)
        return LAKE_ALIGNMENT_ERROR;
    if (size == 0 || size > vs->ceiling - vs->floor)
        return LAKE_RANGE_ERROR;
    int error = check_attr(attr, size);
    if (error)
        return error;
    lake_word_t start;
    bool ok;
    if (fit == VSPACE_NEXT_FIT) {
        ok = first_fit(vs, vs->next_fit, vs->ceiling, size, align, &start) ||
             first_fit(vs, vs->floor, vs->ceiling, size, align, &start);
    } else {
        ok = first_fit(vs, vs->floor, vs->ceiling, size, align, &start);
    }
    if (!ok)
        return LAKE_NOT_ENOUGH_MEMORY;
    error = insert_region(vs, start, size, attr, out);
    if (error == LAKE_OK && fit == VSPACE_NEXT_FIT)
        vs->next_fit = start + size;
    return error;
}

int vspace_reserve_stack(struct vspace *vs, size_t pages, unsigned guard_pages,
                         struct vspace_region **out)
{
    struct vspace_attr a = {
        .kind = VSPACE_STACK,
        .rights = LAKE_RIGHTS_RW,
        .attrs = LAKE_ATTR_EXECUTE_NEVER,
        .guard_pages = guard_pages,
    };
    if (pages == 0 || guard_pages == 0)
        return LAKE_INVALID_ARGUMENT;
    return vspace_reserve_anywhere(vs, (pages + guard_pages) * PAGE, 0, VSPACE_NEXT_FIT, &a, out);
}

/* ---- page arrays ------------------------------------------------------ */

static struct vspace_page *page_get(const struct vspace_region *r, size_t index)
{
    size_t c = index / VSPACE_CHUNK_PAGES;
    if (c >= r->nchunks || !r->chunks[c])
        return NULL;
    return &r->chunks[c][index % VSPACE_CHUNK_PAGES];
}

/* The chunk pointers grow with the highest chunk used (doubling), so a
 * large region whose first pages alone are used (a heap) costs little. */
static bool chunks_cover(struct vspace *vs, struct vspace_region *r, size_t c)
{
    if (c < r->nchunks)
        return true;
    size_t total = ((r->end - r->start) / PAGE + VSPACE_CHUNK_PAGES - 1) / VSPACE_CHUNK_PAGES;
    size_t n = r->nchunks ? 2 * r->nchunks : 4;
    if (n <= c)
        n = c + 1;
    if (n > total)
        n = total;
    size_t bytes = r->nchunks * sizeof(*r->chunks);
    struct vspace_page **chunks = regrow(vs, r->chunks, bytes, bytes, n * sizeof(*chunks));
    if (!chunks)
        return false;
    r->chunks = chunks;
    r->nchunks = n;
    return true;
}

/* Entries of chunk c: 512, or fewer for the last chunk of a region (a
 * one-page region's chunk is one entry, not a page). */
static size_t chunk_length(const struct vspace_region *r, size_t c)
{
    size_t pages = (r->end - r->start) / PAGE - c * VSPACE_CHUNK_PAGES;
    return pages < VSPACE_CHUNK_PAGES ? pages : VSPACE_CHUNK_PAGES;
}

static struct vspace_page *page_make(struct vspace *vs, struct vspace_region *r, size_t index)
{
    size_t c = index / VSPACE_CHUNK_PAGES;
    if (!chunks_cover(vs, r, c))
        return NULL;
    struct vspace_page **chunk = &r->chunks[c];
    if (!*chunk) {
        *chunk = meta_alloc(vs, chunk_length(r, c) * sizeof(**chunk));
        if (!*chunk)
            return NULL;
    }
    return &(*chunk)[index % VSPACE_CHUNK_PAGES];
}

static bool is_guard(const struct vspace_region *r, lake_word_t vaddr)
{
    return r->attr.kind == VSPACE_GUARD || vaddr < vspace_region_base(r);
}

enum vspace_where vspace_lookup(const struct vspace *vs, lake_word_t vaddr,
                                struct vspace_region **region, lake_cptr_t *frame)
{
    struct vspace_region *r = vspace_find(vs, vaddr);
    if (region)
        *region = r;
    if (frame)
        *frame = 0;
    if (!r)
        return VSPACE_NOWHERE;
    if (is_guard(r, vaddr))
        return VSPACE_GUARD_PAGE;
    const struct vspace_page *p = page_get(r, (vaddr - r->start) / PAGE);
    if (!p || !p->frame)
        return VSPACE_UNMAPPED;
    if (frame)
        *frame = p->frame;
    return VSPACE_MAPPED;
}

/* Unmap one mapped page entry and free a fresh frame. */
static void page_drop(struct vspace *vs, struct vspace_region *r, struct vspace_page *p)
{
    vs->ops.unmap_frame(vs->ops.ctx, p->frame);
    if (p->owned) {
        vs->ops.free_frame(vs->ops.ctx, p->frame);
        vs->frames_allocated--;
    }
    p->frame = 0;
    p->owned = 0;
    r->mapped--;
}

/* The region holding [vaddr, vaddr + npages pages), mappable part only. */
static int range_region(struct vspace *vs, lake_word_t vaddr, size_t npages,
                        struct vspace_region **out)
{
    if (!page_aligned(vaddr))
        return LAKE_ALIGNMENT_ERROR;
    struct vspace_region *r = vspace_find(vs, vaddr);
    if (!r || npages == 0 || npages > (r->end - vaddr) / PAGE)
        return LAKE_FAILED_LOOKUP;
    if (is_guard(r, vaddr))
        return LAKE_ILLEGAL_OPERATION;
    *out = r;
    return LAKE_OK;
}

static int map_page_at(struct vspace *vs, struct vspace_region *r, lake_word_t vaddr,
                       lake_cptr_t frame)
{
    size_t index = (vaddr - r->start) / PAGE;
    struct vspace_page *p = page_make(vs, r, index);
    if (!p)
        return LAKE_NOT_ENOUGH_MEMORY;
    bool owned = false;
    if (!frame) {
        int error = vs->ops.alloc_frame(vs->ops.ctx, &frame);
        if (error)
            return error;
        owned = true;
    }
    int error = frame > VSPACE_MAX_CPTR ? LAKE_INVALID_ARGUMENT
                                        : map_one(vs, frame, vaddr, r->attr.rights, r->attr.attrs);
    if (error) {
        if (owned)
            vs->ops.free_frame(vs->ops.ctx, frame);
        return error;
    }
    if (owned)
        vs->frames_allocated++;
    p->frame = frame;
    p->owned = owned;
    r->mapped++;
    return LAKE_OK;
}

int vspace_map(struct vspace *vs, lake_word_t vaddr, size_t npages, const lake_cptr_t *frames)
{
    struct vspace_region *r;
    int error = range_region(vs, vaddr, npages, &r);
    if (error)
        return error;
    size_t first = (vaddr - r->start) / PAGE;
    for (size_t i = 0; i < npages; i++) {
        const struct vspace_page *p = page_get(r, first + i);
        if (p && p->frame)
            return LAKE_DELETE_FIRST;
        if (frames && (frames[i] == 0 || frames[i] > VSPACE_MAX_CPTR))
            return LAKE_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < npages; i++) {
        error = map_page_at(vs, r, vaddr + i * PAGE, frames ? frames[i] : 0);
        if (error) {
            while (i-- > 0)
                page_drop(vs, r, page_get(r, first + i));
            return error;
        }
    }
    return LAKE_OK;
}

int vspace_unmap(struct vspace *vs, lake_word_t vaddr, size_t npages)
{
    struct vspace_region *r;
    int error = range_region(vs, vaddr, npages, &r);
    if (error)
        return error;
    size_t first = (vaddr - r->start) / PAGE;
    for (size_t i = 0; i < npages; i++) {
        struct vspace_page *p = page_get(r, first + i);
        if (p && p->frame)
            page_drop(vs, r, p);
    }
    return LAKE_OK;
}

int vspace_protect(struct vspace *vs, struct vspace_region *r, unsigned rights)
{
    if (!(rights & LAKE_RIGHT_READ) || (rights & ~(unsigned)LAKE_RIGHTS_RW))
        return LAKE_INVALID_ARGUMENT;
    if (r->attr.kind == VSPACE_GUARD)
        return LAKE_ILLEGAL_OPERATION;
    unsigned old = r->attr.rights;
    if (rights == old)
        return LAKE_OK;
    size_t pages = (r->end - r->start) / PAGE;
    for (size_t i = 0; i < pages; i++) {
        struct vspace_page *p = page_get(r, i);
        if (!p || !p->frame)
            continue;
        lake_word_t vaddr = r->start + i * PAGE;
        vs->ops.unmap_frame(vs->ops.ctx, p->frame);
        unsigned missing;
        int error = vs->ops.map_frame(vs->ops.ctx, p->frame, vaddr, rights, r->attr.attrs,
                                      &missing);
        if (error) {
            /* Put this page and the ones done back as they were. */
            vs->ops.map_frame(vs->ops.ctx, p->frame, vaddr, old, r->attr.attrs, &missing);
            while (i-- > 0) {
                struct vspace_page *q = page_get(r, i);
                if (!q || !q->frame)
                    continue;
                vs->ops.unmap_frame(vs->ops.ctx, q->frame);
                vs->ops.map_frame(vs->ops.ctx, q->frame, r->start + i * PAGE, old,
                                  r->attr.attrs, &missing);
            }
            return error;
        }
    }
    r->attr.rights = rights;
    return LAKE_OK;
}

static void region_free(struct vspace *vs, struct vspace_region *r)
{
    for (size_t c = 0; r->chunks && c < r->nchunks; c++) {
        struct vspace_page *chunk = r->chunks[c];
        if (!chunk)
            continue;
        size_t n = chunk_length(r, c);
        for (size_t i = 0; i < n; i++)
            if (chunk[i].frame)
                page_drop(vs, r, &chunk[i]);
        meta_free(vs, chunk, n * sizeof(*chunk));
    }
    meta_free(vs, r->chunks, r->nchunks * sizeof(*r->chunks));
    meta_free(vs, r, sizeof(*r));
}

int vspace_release(struct vspace *vs, struct vspace_region *r)
{
    size_t i = region_index(vs, r->start);
    if (i >= vs->count || vs->regions[i] != r)
        return LAKE_FAILED_LOOKUP;
    memmove(&vs->regions[i], &vs->regions[i + 1], (vs->count - i - 1) * sizeof(*vs->regions));
    vs->count--;
    if (vs->hint == r)
        vs->hint = NULL;
    region_free(vs, r);
    return LAKE_OK;
}

void vspace_destroy(struct vspace *vs)
{
    for (size_t i = 0; i < vs->count; i++)
        region_free(vs, vs->regions[i]);
    meta_free(vs, vs->regions, vs->capacity * sizeof(*vs->regions));
    meta_free(vs, vs->tables.keys, vs->tables.capacity * sizeof(lake_word_t));
    meta_free(vs, vs->tables.caps, vs->tables.capacity * sizeof(lake_cptr_t));
    vs->regions = NULL;
    vs->hint = NULL;
    vs->count = vs->capacity = 0;
    memset(&vs->tables, 0, sizeof(vs->tables));
}

/* ---- self-paging ------------------------------------------------------ */

enum vspace_fault_action vspace_handle_fault(struct vspace *vs, lake_word_t addr, bool is_write,
                                             bool is_exec, const char **reason)
{
    const char *dummy;
    if (!reason)
        reason = &dummy;
    *reason = NULL;
    struct vspace_region *r;
    enum vspace_where where = vspace_lookup(vs, addr, &r, NULL);
    switch (where) {
    case VSPACE_NOWHERE:
        *reason = "no region at the address";
        return VSPACE_KILL;
    case VSPACE_GUARD_PAGE:
        *reason = r->attr.kind == VSPACE_STACK ? "stack overflow (guard page)" : "guard page";
        return VSPACE_KILL;
    default:
        break;
    }
    if (is_write && !(r->attr.rights & LAKE_RIGHT_WRITE)) {
        *reason = "write to a read-only region";
        return VSPACE_KILL;
    }
    if (is_exec && (r->attr.attrs & LAKE_ATTR_EXECUTE_NEVER)) {
        *reason = "execution in an execute-never region";
        return VSPACE_KILL;
    }
    if (where == VSPACE_MAPPED)
        return VSPACE_RESUME;   /* another thread's fault mapped it meanwhile */
    if (r->attr.kind != VSPACE_ANON && r->attr.kind != VSPACE_STACK) {
        *reason = "unmapped page of a fixed region";
        return VSPACE_KILL;
    }
    int error = map_page_at(vs, r, addr & ~(PAGE - 1), 0);
    if (error) {
        *reason = "out of memory for a page";
        return VSPACE_KILL;
    }
    vs->faults_resolved++;
    vs->hint = r;
    return VSPACE_RESUME;
}
