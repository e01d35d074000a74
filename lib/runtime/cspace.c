/*
 * CSpace slot allocator: the pure bookkeeping (bitmaps, cptr arithmetic,
 * growth decisions). Kernel calls go through cs->ops only; see cspace.h.
 */
#include <string.h>

#include "include/lake/cspace.h"

#define L2_SLOTS(cs) (1u << (cs)->layout.l2_radix)

static unsigned num_nodes(const struct lake_cspace *cs)
{
    return cs->layout.end_index - cs->layout.first_index;
}

static uint64_t *node_bits(const struct lake_cspace *cs, unsigned n)
{
    return cs->bitmap + (size_t)n * cs->words_per_node;
}

bool lake_cspace_layout_valid(const struct lake_cspace_layout *l)
{
    if (l->top_radix < 1 || l->top_radix > 20 || l->l2_radix < 1 ||
        l->l2_radix > LAKE_CSPACE_MAX_L2_RADIX)
        return false;
    if (l->top_guard_bits > 64 || l->l2_guard_bits > 64 ||
        l->top_guard_bits + l->top_radix + l->l2_guard_bits + l->l2_radix != 64)
        return false;
    return l->first_index < l->end_index && l->end_index <= (1u << l->top_radix);
}

int lake_cspace_init(struct lake_cspace *cs, const struct lake_cspace_layout *layout,
                     lake_cptr_t root, const struct lake_cspace_ops *ops, void *ctx,
                     struct lake_cspace_node *nodes, uint64_t *bitmap, unsigned reserve)
{
    if (!lake_cspace_layout_valid(layout) || nodes == NULL || bitmap == NULL)
        return LAKE_INVALID_ARGUMENT;
    cs->layout = *layout;
    cs->root = root;
    cs->ops = ops;
    cs->ctx = ctx;
    cs->nodes = nodes;
    cs->bitmap = bitmap;
    cs->words_per_node = (unsigned)LAKE_CSPACE_WORDS_PER_NODE(layout->l2_radix);
    cs->next_index = layout->first_index;
    cs->node_hint = 0;
    cs->free_slots = 0;
    cs->reserve = reserve;
    cs->grows = 0;
    cs->growing = false;
    /* One pass each over the records and the (contiguous) bitmaps. */
    memset(cs->nodes, 0, num_nodes(cs) * sizeof(*cs->nodes));
    memset(cs->bitmap, 0, (size_t)num_nodes(cs) * cs->words_per_node * sizeof(uint64_t));
    return LAKE_OK;
}

/* ---- cptr arithmetic ------------------------------------------------ */

static unsigned l2_bits(const struct lake_cspace *cs)
{
    return cs->layout.l2_guard_bits + cs->layout.l2_radix;
}

lake_cptr_t lake_cspace_cptr(const struct lake_cspace *cs, lake_word_t index, lake_word_t slot)
{
    return (index << l2_bits(cs)) | slot;
}

bool lake_cspace_decode(const struct lake_cspace *cs, lake_cptr_t cptr, lake_word_t *index,
                        lake_word_t *slot)
{
    unsigned low = l2_bits(cs);
    lake_word_t top = low >= 64 ? 0 : cptr >> low;
    lake_word_t below = low >= 64 ? cptr : cptr & (((lake_word_t)1 << low) - 1);
    if (top >> cs->layout.top_radix)            /* top-level guard bits */
        return false;
    if (below >> cs->layout.l2_radix)           /* second-level guard bits */
        return false;
    *index = top;
    *slot = below;
    return true;
}

unsigned lake_cspace_node_depth(const struct lake_cspace *cs)
{
    return cs->layout.top_guard_bits + cs->layout.top_radix;
}

bool lake_cspace_retype_dest(const struct lake_cspace *cs, lake_cptr_t cptr,
                             lake_word_t *node_index, unsigned *node_depth, lake_word_t *offset)
{
    if (!lake_cspace_decode(cs, cptr, node_index, offset))
        return false;
    *node_depth = lake_cspace_node_depth(cs);
    return true;
}

/* Managed node number (0-based) of a cptr; -1 if not managed and present. */
static int managed_node(const struct lake_cspace *cs, lake_cptr_t cptr, lake_word_t *slot)
{
    lake_word_t index;
    if (!lake_cspace_decode(cs, cptr, &index, slot))
        return -1;
    if (index < cs->layout.first_index || index >= cs->layout.end_index)
        return -1;
    unsigned n = (unsigned)(index - cs->layout.first_index);
    return cs->nodes[n].present ? (int)n : -1;
}

/* ---- nodes ---------------------------------------------------------- */

/* Node n is present with slots [used, slots) free. */
static void node_make_present(struct lake_cspace *cs, unsigned n, unsigned used)
{
    uint64_t *bits = node_bits(cs, n);
    unsigned slots = L2_SLOTS(cs);
    for (unsigned w = 0; w < cs->words_per_node; w++) {
        unsigned lo = w * 64, hi = lo + 64 < slots ? lo + 64 : slots;
        uint64_t word = hi - lo >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << (hi - lo)) - 1);
        if (used >= hi)
            word = 0;
        else if (used > lo)
            word &= ~(((uint64_t)1 << (used - lo)) - 1);
        bits[w] = word;
    }
    cs->nodes[n].present = true;
    cs->nodes[n].free = (uint16_t)(slots - used);
    cs->nodes[n].hint = (uint16_t)(used / 64);
    cs->free_slots += slots - used;
    if (n < cs->node_hint)
        cs->node_hint = n;
}

int lake_cspace_add_node(struct lake_cspace *cs, lake_word_t index)
{
    return lake_cspace_add_node_used(cs, index, 0);
}

int lake_cspace_add_node_used(struct lake_cspace *cs, lake_word_t index, unsigned used)
{
    if (index < cs->layout.first_index || index >= cs->layout.end_index)
        return LAKE_RANGE_ERROR;
    if (used > L2_SLOTS(cs))
        return LAKE_INVALID_ARGUMENT;
    unsigned n = (unsigned)(index - cs->layout.first_index);
    if (cs->nodes[n].present)
        return LAKE_DELETE_FIRST;
    node_make_present(cs, n, used);
    if (index >= cs->next_index)
        cs->next_index = (unsigned)index + 1;
    return LAKE_OK;
}

/* Next top-level index a growth would fill, or end_index. */
static unsigned next_free_index(const struct lake_cspace *cs)
{
    unsigned i = cs->next_index;
    while (i < cs->layout.end_index && cs->nodes[i - cs->layout.first_index].present)
        i++;
    return i;
}

static bool can_grow(const struct lake_cspace *cs)
{
    return next_free_index(cs) < cs->layout.end_index;
}

/* Find `count` consecutive free slots in node n; returns the first or -1.
 * Whole runs at a time: a word without free bits is skipped at once, and
 * within a word the next free bit and the length of a free run come from
 * counting trailing zeros. */
static long find_run(const struct lake_cspace *cs, unsigned n, unsigned count)
{
    const struct lake_cspace_node *node = &cs->nodes[n];
    if (!node->present || node->free < count)
        return -1;
    const uint64_t *bits = node_bits(cs, n);
    unsigned slots = L2_SLOTS(cs);
    unsigned s = count == 1 ? node->hint * 64u : 0;
    unsigned run = 0, run_start = 0;
    while (s < slots) {
        uint64_t w = bits[s / 64] >> (s & 63);     /* bit 0: slot s */
        if (w == 0) {                               /* nothing free in the word from s */
            run = 0;
            s = (s | 63) + 1;
            continue;
        }
        if ((w & 1) == 0) {                         /* used slots up to the next free one */
            run = 0;
            s += (unsigned)__builtin_ctzll(w);
            continue;
        }
        unsigned ones = ~w == 0 ? 64 : (unsigned)__builtin_ctzll(~w);
        if (run == 0)
            run_start = s;
        run += ones;
        s += ones;
        if (run >= count)
            return (long)run_start;
    }
    return -1;
}

static void take_run(struct lake_cspace *cs, unsigned n, unsigned first, unsigned count)
{
    uint64_t *bits = node_bits(cs, n);
    for (unsigned s = first; s < first + count; s++)
        bits[s / 64] &= ~((uint64_t)1 << (s & 63));
    cs->nodes[n].free = (uint16_t)(cs->nodes[n].free - count);
    cs->free_slots -= count;
    /* The hint is the first word that may hold a free bit. */
    unsigned w = cs->nodes[n].hint;
    while (w < cs->words_per_node && bits[w] == 0)
        w++;
    cs->nodes[n].hint = (uint16_t)w;
}

/* Take `count` consecutive slots anywhere, no growth. */
static int take_anywhere(struct lake_cspace *cs, unsigned count, lake_cptr_t *first)
{
    for (unsigned n = cs->node_hint; n < num_nodes(cs); n++) {
        if (count == 1 && n == cs->node_hint && (!cs->nodes[n].present || cs->nodes[n].free == 0)) {
            cs->node_hint++;    /* nothing free below the hint */
            continue;
        }
        long s = find_run(cs, n, count);
        if (s >= 0) {
            take_run(cs, n, (unsigned)s, count);
            *first = lake_cspace_cptr(cs, cs->layout.first_index + n, (lake_word_t)s);
            return LAKE_OK;
        }
    }
    return LAKE_RANGE_ERROR;
}

int lake_cspace_grow(struct lake_cspace *cs, lake_cptr_t scratch)
{
    if (cs->growing)
        return LAKE_ILLEGAL_OPERATION;
    unsigned index = next_free_index(cs);
    if (index >= cs->layout.end_index)
        return LAKE_RANGE_ERROR;
    cs->growing = true;
    bool own_scratch = scratch == 0;
    int error = LAKE_OK;
    if (own_scratch)
        error = take_anywhere(cs, 1, &scratch);
    if (error == LAKE_OK) {
        error = cs->ops->new_cnode(cs->ctx, cs, scratch, cs->layout.l2_radix);
        if (error == LAKE_OK) {
            error = cs->ops->install(cs->ctx, cs, index, scratch);
            if (error != LAKE_OK)
                cs->ops->delete_cnode(cs->ctx, cs, scratch);
        }
        /* The allocation callbacks may have filled `index` meanwhile (they
         * cannot: growth is not re-entered), so it is still ours. */
        if (error == LAKE_OK) {
            node_make_present(cs, index - cs->layout.first_index, 0);
            cs->next_index = index + 1;
            cs->grows++;
        }
        if (own_scratch)
            lake_cspace_free(cs, scratch);
    }
    cs->growing = false;
    return error;
}

int lake_cspace_alloc_range(struct lake_cspace *cs, unsigned count, lake_cptr_t *first)
{
    if (count == 0 || count > L2_SLOTS(cs))
        return LAKE_INVALID_ARGUMENT;
    int grow_error = LAKE_OK;
    if (!cs->growing) {
        /* Refill before empty: keep `reserve` slots for the next growth. */
        while (can_grow(cs) && cs->free_slots < (size_t)cs->reserve + count) {
            grow_error = lake_cspace_grow(cs, 0);
            if (grow_error != LAKE_OK)
                break;
        }
        size_t keep = can_grow(cs) ? cs->reserve : 0;
        if (cs->free_slots < keep + count)
            return grow_error != LAKE_OK ? grow_error : LAKE_RANGE_ERROR;
    }
    int error = take_anywhere(cs, count, first);
    if (error != LAKE_OK && count > 1 && !cs->growing && can_grow(cs)) {
        /* Enough free slots, but no run that long: a fresh CNode has one. */
        error = lake_cspace_grow(cs, 0);
        if (error != LAKE_OK)
            return error;
        error = take_anywhere(cs, count, first);
    }
    return error;
}

int lake_cspace_alloc(struct lake_cspace *cs, lake_cptr_t *cptr)
{
    return lake_cspace_alloc_range(cs, 1, cptr);
}

bool lake_cspace_is_allocated(const struct lake_cspace *cs, lake_cptr_t cptr)
{
    lake_word_t slot;
    int n = managed_node(cs, cptr, &slot);
    if (n < 0)
        return false;
    return !(node_bits(cs, (unsigned)n)[slot / 64] >> (slot & 63) & 1);
}

int lake_cspace_free_range(struct lake_cspace *cs, lake_cptr_t first, unsigned count)
{
    lake_word_t slot;
    int n = managed_node(cs, first, &slot);
    if (n < 0 || count == 0 || slot + count > L2_SLOTS(cs))
        return LAKE_INVALID_ARGUMENT;
    uint64_t *bits = node_bits(cs, (unsigned)n);
    for (lake_word_t s = slot; s < slot + count; s++)
        if (bits[s / 64] >> (s & 63) & 1)
            return LAKE_INVALID_ARGUMENT;      /* already free: change nothing */
    for (lake_word_t s = slot; s < slot + count; s++)
        bits[s / 64] |= (uint64_t)1 << (s & 63);
    struct lake_cspace_node *node = &cs->nodes[n];
    node->free = (uint16_t)(node->free + count);
    if (slot / 64 < node->hint)
        node->hint = (uint16_t)(slot / 64);
    if ((unsigned)n < cs->node_hint)
        cs->node_hint = (unsigned)n;
    cs->free_slots += count;
    return LAKE_OK;
}

int lake_cspace_free(struct lake_cspace *cs, lake_cptr_t cptr)
{
    return lake_cspace_free_range(cs, cptr, 1);
}
