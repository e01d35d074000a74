/*
 * Untyped allocator: buddy bookkeeping over untyped caps (untyped.h).
 * Kernel calls and slots only through pool->ops.
 */
#include "include/lake/untyped.h"

#define BIT(n) ((lake_word_t)1 << (n))
#define MAX_SPLITS LAKE_UT_LEVELS

/* ---- records and free lists ----------------------------------------- */

static uint32_t node_new(struct lake_untyped_pool *pool)
{
    uint32_t i = pool->unused;
    if (i != LAKE_UT_NONE) {
        pool->unused = pool->nodes[i].next;
    } else if (pool->fresh < pool->max_nodes) {
        /* Records are first touched here, so the array may be mapped lazily
         * (lake_untyped_records_touched says how far). */
        i = pool->fresh++;
    } else {
        return LAKE_UT_NONE;
    }
    pool->unused_count--;
    struct lake_untyped_node *n = &pool->nodes[i];
    n->cptr = n->paddr = n->object = 0;
    n->parent = n->child[0] = n->child[1] = LAKE_UT_NONE;
    n->prev = n->next = LAKE_UT_NONE;
    n->bits = 0;
    n->state = LAKE_UT_FREE;
    n->device = false;
    return i;
}

static void node_release(struct lake_untyped_pool *pool, uint32_t i)
{
    pool->nodes[i].state = LAKE_UT_UNUSED;
    pool->nodes[i].next = pool->unused;
    pool->unused = i;
    pool->unused_count++;
}

static uint32_t unused_count(const struct lake_untyped_pool *pool)
{
    return pool->unused_count;
}

static void list_push(struct lake_untyped_pool *pool, uint32_t i)
{
    struct lake_untyped_node *n = &pool->nodes[i];
    if (n->device)
        return;
    uint32_t *head = &pool->free_list[n->bits];
    n->prev = LAKE_UT_NONE;
    n->next = *head;
    if (*head != LAKE_UT_NONE)
        pool->nodes[*head].prev = i;
    *head = i;
}

static void list_remove(struct lake_untyped_pool *pool, uint32_t i)
{
    struct lake_untyped_node *n = &pool->nodes[i];
    if (n->device)
        return;
    if (n->prev != LAKE_UT_NONE)
        pool->nodes[n->prev].next = n->next;
    else
        pool->free_list[n->bits] = n->next;
    if (n->next != LAKE_UT_NONE)
        pool->nodes[n->next].prev = n->prev;
    n->prev = n->next = LAKE_UT_NONE;
}

/* Free-byte accounting of a FREE block entering or leaving that state. */
static void account(struct lake_untyped_pool *pool, uint32_t i, bool becomes_free)
{
    struct lake_untyped_node *n = &pool->nodes[i];
    lake_word_t *counter = n->device ? &pool->device_free_bytes : &pool->free_bytes;
    if (becomes_free)
        *counter += BIT(n->bits);
    else
        *counter -= BIT(n->bits);
}

/* ---- set-up --------------------------------------------------------- */

void lake_untyped_init(struct lake_untyped_pool *pool, const struct lake_untyped_ops *ops,
                       void *ctx, struct lake_untyped_node *nodes, uint32_t max_nodes)
{
    pool->ops = ops;
    pool->ctx = ctx;
    pool->nodes = nodes;
    pool->max_nodes = max_nodes;
    pool->unused = LAKE_UT_NONE;
    pool->unused_count = max_nodes;
    pool->fresh = 0;
    for (unsigned b = 0; b < LAKE_UT_LEVELS; b++)
        pool->free_list[b] = LAKE_UT_NONE;
    pool->min_bits = LAKE_UNTYPED_MIN_BITS;
    pool->total_bytes = pool->free_bytes = 0;
    pool->device_bytes = pool->device_free_bytes = 0;
    pool->low_water = 0;
    pool->low_hook = NULL;
    pool->low_arg = NULL;
    pool->in_hook = false;
    pool->below = false;
    pool->splits = pool->merges = 0;
}

void lake_untyped_set_low_water(struct lake_untyped_pool *pool, lake_word_t low_water,
                                lake_untyped_low_fn hook, void *arg)
{
    pool->low_water = low_water;
    pool->low_hook = hook;
    pool->low_arg = arg;
    pool->below = false;
}

int lake_untyped_add(struct lake_untyped_pool *pool, lake_cptr_t cptr, lake_word_t paddr,
                     unsigned bits, bool device)
{
    if (bits < LAKE_UNTYPED_MIN_BITS || bits > LAKE_UNTYPED_MAX_BITS)
        return LAKE_INVALID_ARGUMENT;
    if (paddr & (BIT(bits) - 1))
        return LAKE_ALIGNMENT_ERROR;
    uint32_t i = node_new(pool);
    if (i == LAKE_UT_NONE)
        return LAKE_NOT_ENOUGH_MEMORY;
    struct lake_untyped_node *n = &pool->nodes[i];
    n->cptr = cptr;
    n->paddr = paddr;
    n->bits = (uint8_t)bits;
    n->device = device;
    if (device)
        pool->device_bytes += BIT(bits);
    else
        pool->total_bytes += BIT(bits);
    account(pool, i, true);
    list_push(pool, i);
    if (!device && pool->free_bytes >= pool->low_water)
        pool->below = false;
    return LAKE_OK;
}

/* ---- split and merge ------------------------------------------------ */

/* Split FREE block i into two FREE halves whose caps go to the slots
 * first, first + 1. */
static int split(struct lake_untyped_pool *pool, uint32_t i, lake_cptr_t first)
{
    struct lake_untyped_node *n = &pool->nodes[i];
    int error = pool->ops->retype(pool->ctx, n->cptr, LAKE_OBJ_UNTYPED, n->bits - 1u, first, 2);
    if (error != LAKE_OK)
        return error;
    list_remove(pool, i);
    account(pool, i, false);
    n->state = LAKE_UT_SPLIT;
    for (unsigned h = 2; h-- > 0;) {
        uint32_t c = node_new(pool);          /* records were checked before */
        struct lake_untyped_node *child = &pool->nodes[c];
        n = &pool->nodes[i];
        child->cptr = first + h;
        child->paddr = n->paddr + h * BIT(n->bits - 1u);
        child->bits = (uint8_t)(n->bits - 1u);
        child->device = n->device;
        child->parent = i;
        n->child[h] = c;
        account(pool, c, true);
        list_push(pool, c);
    }
    pool->splits++;
    return LAKE_OK;
}

/* Merge the two FREE halves of SPLIT block p back into p. */
static int merge(struct lake_untyped_pool *pool, uint32_t p)
{
    struct lake_untyped_node *n = &pool->nodes[p];
    uint32_t c0 = n->child[0], c1 = n->child[1];
    /* Delete the upper half first: if the lower one then fails, the
     * upper cap is gone but the block stays split, so recreate nothing
     * and report; the parent still has a child and stays SPLIT. */
    int error = pool->ops->delete_cap(pool->ctx, pool->nodes[c1].cptr);
    if (error != LAKE_OK)
        return error;
    error = pool->ops->delete_cap(pool->ctx, pool->nodes[c0].cptr);
    if (error != LAKE_OK)
        return error;
    lake_cptr_t first = pool->nodes[c0].cptr;
    for (unsigned h = 0; h < 2; h++) {
        uint32_t c = n->child[h];
        list_remove(pool, c);
        account(pool, c, false);
        node_release(pool, c);
    }
    pool->ops->free_slots(pool->ctx, first, 2);
    n->child[0] = n->child[1] = LAKE_UT_NONE;
    n->state = LAKE_UT_FREE;
    account(pool, p, true);
    list_push(pool, p);
    pool->merges++;
    return LAKE_OK;
}

/* Whether FREE block i's buddy is free too (so their parent can merge). */
static bool buddy_free(const struct lake_untyped_pool *pool, uint32_t i)
{
    uint32_t p = pool->nodes[i].parent;
    if (p == LAKE_UT_NONE)
        return false;
    const struct lake_untyped_node *parent = &pool->nodes[p];
    return pool->nodes[parent->child[0]].state == LAKE_UT_FREE &&
           pool->nodes[parent->child[1]].state == LAKE_UT_FREE;
}

/* Merge upwards from FREE block i while its buddy is free too, but leave
 * blocks below 2^LAKE_UT_KEEP_BITS as they are (see untyped.h). */
static void coalesce(struct lake_untyped_pool *pool, uint32_t i)
{
    while (pool->nodes[i].bits >= LAKE_UT_KEEP_BITS && buddy_free(pool, i)) {
        uint32_t p = pool->nodes[i].parent;
        if (merge(pool, p) != LAKE_OK)
            return;
        i = p;
    }
}

/* ---- allocation ----------------------------------------------------- */

static uint32_t find_free(const struct lake_untyped_pool *pool, unsigned bits)
{
    for (unsigned b = bits; b < LAKE_UT_LEVELS; b++)
        if (pool->free_list[b] != LAKE_UT_NONE)
            return pool->free_list[b];
    return LAKE_UT_NONE;
}

void lake_untyped_trim(struct lake_untyped_pool *pool)
{
    /* Smallest first, so merges go on upwards; after each merge the list
     * changed, so that level is walked again. */
    for (unsigned b = LAKE_UNTYPED_MIN_BITS; b < LAKE_UT_LEVELS; b++) {
again:
        for (uint32_t i = pool->free_list[b]; i != LAKE_UT_NONE; i = pool->nodes[i].next) {
            if (buddy_free(pool, i)) {
                if (merge(pool, pool->nodes[i].parent) != LAKE_OK)
                    return;
                goto again;
            }
        }
    }
}

static void check_low_water(struct lake_untyped_pool *pool)
{
    if (pool->free_bytes >= pool->low_water) {
        pool->below = false;
        return;
    }
    if (pool->below || pool->low_hook == NULL || pool->in_hook)
        return;
    pool->below = true;
    pool->in_hook = true;
    pool->low_hook(pool->low_arg, pool, 0);
    pool->in_hook = false;
}

static void take(struct lake_untyped_pool *pool, uint32_t i)
{
    list_remove(pool, i);
    account(pool, i, false);
    pool->nodes[i].state = LAKE_UT_ALLOCATED;
    pool->nodes[i].object = 0;
}

/* Slot pairs for splits, obtained before the free lists are touched (slot
 * allocation may grow the CSpace, which allocates memory from this pool). */
struct pairs {
    lake_cptr_t first[MAX_SPLITS];
    unsigned count, used;
};

static void pairs_release(struct lake_untyped_pool *pool, struct pairs *pairs)
{
    for (unsigned k = pairs->used; k < pairs->count; k++)
        pool->ops->free_slots(pool->ctx, pairs->first[k], 2);
    pairs->count = pairs->used;
}

static int pairs_get(struct lake_untyped_pool *pool, struct pairs *pairs, unsigned need)
{
    while (pairs->count < need) {
        int error = pool->ops->alloc_slots(pool->ctx, 2, &pairs->first[pairs->count]);
        if (error != LAKE_OK)
            return error;
        pairs->count++;
    }
    return LAKE_OK;
}

/* Split block i down along the path to `paddr` (any half if !by_addr)
 * until it is 2^bits; on failure merge back what was split. */
static int split_down(struct lake_untyped_pool *pool, uint32_t i, unsigned bits, bool by_addr,
                      lake_word_t paddr, struct pairs *pairs, uint32_t *result)
{
    uint32_t start = i;
    while (pool->nodes[i].bits > bits) {
        int error = split(pool, i, pairs->first[pairs->used]);
        if (error != LAKE_OK) {
            /* Undo: everything split from `start` down is free. */
            while (i != start) {
                i = pool->nodes[i].parent;
                merge(pool, i);
            }
            return error;
        }
        pairs->used++;
        unsigned h = 0;
        if (by_addr)
            h = (paddr & BIT(pool->nodes[i].bits - 1u)) ? 1 : 0;
        i = pool->nodes[i].child[h];
    }
    *result = i;
    return LAKE_OK;
}

int lake_untyped_alloc(struct lake_untyped_pool *pool, unsigned bits, uint32_t *block)
{
    if (bits > LAKE_UNTYPED_MAX_BITS)
        return LAKE_INVALID_ARGUMENT;
    if (bits < pool->min_bits)
        bits = pool->min_bits;
    struct pairs pairs = { .count = 0, .used = 0 };
    uint32_t i;
    for (;;) {
        i = find_free(pool, bits);
        if (i == LAKE_UT_NONE) {
            lake_untyped_trim(pool);    /* small free blocks kept split may merge */
            i = find_free(pool, bits);
        }
        if (i == LAKE_UT_NONE && pool->low_hook != NULL && !pool->in_hook) {
            pool->in_hook = true;
            pool->low_hook(pool->low_arg, pool, bits);
            pool->in_hook = false;
            i = find_free(pool, bits);
        }
        if (i == LAKE_UT_NONE) {
            pairs_release(pool, &pairs);
            return LAKE_NOT_ENOUGH_MEMORY;
        }
        unsigned need = pool->nodes[i].bits - bits;
        if (unused_count(pool) < 2 * need) {
            pairs_release(pool, &pairs);
            return LAKE_NOT_ENOUGH_MEMORY;
        }
        if (pairs.count >= need)
            break;
        int error = pairs_get(pool, &pairs, need);
        if (error != LAKE_OK) {
            pairs_release(pool, &pairs);
            return error;
        }
        /* Getting slots may have used memory: look again. */
    }
    int error = split_down(pool, i, bits, false, 0, &pairs, &i);
    pairs_release(pool, &pairs);
    if (error != LAKE_OK)
        return error;
    take(pool, i);
    *block = i;
    check_low_water(pool);
    return LAKE_OK;
}

/* The root covering [paddr, paddr + 2^bits). */
static uint32_t find_root(const struct lake_untyped_pool *pool, lake_word_t paddr)
{
    for (uint32_t i = 0; i < pool->max_nodes; i++) {
        const struct lake_untyped_node *n = &pool->nodes[i];
        if (n->state != LAKE_UT_UNUSED && n->parent == LAKE_UT_NONE && n->paddr <= paddr &&
            paddr - n->paddr < BIT(n->bits))
            return i;
    }
    return LAKE_UT_NONE;
}

int lake_untyped_alloc_at(struct lake_untyped_pool *pool, lake_word_t paddr, unsigned bits,
                          uint32_t *block)
{
    if (bits < LAKE_UNTYPED_MIN_BITS || bits > LAKE_UNTYPED_MAX_BITS)
        return LAKE_INVALID_ARGUMENT;
    if (paddr & (BIT(bits) - 1))
        return LAKE_ALIGNMENT_ERROR;
    struct pairs pairs = { .count = 0, .used = 0 };
    uint32_t i;
    for (;;) {
        i = find_root(pool, paddr);
        if (i == LAKE_UT_NONE || pool->nodes[i].bits < bits) {
            pairs_release(pool, &pairs);
            return LAKE_RANGE_ERROR;
        }
        while (pool->nodes[i].state == LAKE_UT_SPLIT) {
            struct lake_untyped_node *n = &pool->nodes[i];
            if (n->bits == bits)
                break;
            i = n->child[(paddr & BIT(n->bits - 1u)) ? 1 : 0];
        }
        struct lake_untyped_node *n = &pool->nodes[i];
        if (n->state != LAKE_UT_FREE || n->bits < bits) {
            pairs_release(pool, &pairs);
            return LAKE_DELETE_FIRST;       /* that memory is in use */
        }
        unsigned need = n->bits - bits;
        if (unused_count(pool) < 2 * need) {
            pairs_release(pool, &pairs);
            return LAKE_NOT_ENOUGH_MEMORY;
        }
        if (pairs.count >= need)
            break;
        int error = pairs_get(pool, &pairs, need);
        if (error != LAKE_OK) {
            pairs_release(pool, &pairs);
            return error;
        }
    }
    int error = split_down(pool, i, bits, true, paddr, &pairs, &i);
    pairs_release(pool, &pairs);
    if (error != LAKE_OK)
        return error;
    take(pool, i);
    *block = i;
    if (!pool->nodes[i].device)
        check_low_water(pool);
    return LAKE_OK;
}

int lake_untyped_free(struct lake_untyped_pool *pool, uint32_t block)
{
    if (block >= pool->max_nodes || pool->nodes[block].state != LAKE_UT_ALLOCATED)
        return LAKE_INVALID_ARGUMENT;
    struct lake_untyped_node *n = &pool->nodes[block];
    n->state = LAKE_UT_FREE;
    n->object = 0;
    account(pool, block, true);
    list_push(pool, block);
    coalesce(pool, block);
    if (pool->free_bytes >= pool->low_water)
        pool->below = false;
    return LAKE_OK;
}

/* ---- objects -------------------------------------------------------- */

int lake_untyped_alloc_object(struct lake_untyped_pool *pool, unsigned type, unsigned size_bits,
                              lake_cptr_t dest, uint32_t *block)
{
    unsigned bits = lake_object_size_bits(type, size_bits);
    if (bits == 0)
        return LAKE_INVALID_ARGUMENT;
    uint32_t b;
    int error = lake_untyped_alloc(pool, bits, &b);
    if (error != LAKE_OK)
        return error;
    error = pool->ops->retype(pool->ctx, pool->nodes[b].cptr, type, size_bits, dest, 1);
    if (error != LAKE_OK) {
        lake_untyped_free(pool, b);
        return error;
    }
    pool->nodes[b].object = dest;
    *block = b;
    return LAKE_OK;
}

int lake_untyped_alloc_frame_at(struct lake_untyped_pool *pool, lake_word_t paddr, unsigned bits,
                                lake_cptr_t dest, uint32_t *block)
{
    unsigned type;
    if (bits == LAKE_PAGE_BITS)
        type = LAKE_OBJ_FRAME_4K;
    else if (bits == LAKE_LARGE_PAGE_BITS)
        type = LAKE_OBJ_FRAME_2M;
    else
        return LAKE_INVALID_ARGUMENT;
    uint32_t b;
    int error = lake_untyped_alloc_at(pool, paddr, bits, &b);
    if (error != LAKE_OK)
        return error;
    error = pool->ops->retype(pool->ctx, pool->nodes[b].cptr, type, 0, dest, 1);
    if (error != LAKE_OK) {
        lake_untyped_free(pool, b);
        return error;
    }
    pool->nodes[b].object = dest;
    *block = b;
    return LAKE_OK;
}

int lake_untyped_free_object(struct lake_untyped_pool *pool, uint32_t block)
{
    if (block >= pool->max_nodes || pool->nodes[block].state != LAKE_UT_ALLOCATED)
        return LAKE_INVALID_ARGUMENT;
    if (pool->nodes[block].object != 0) {
        int error = pool->ops->delete_cap(pool->ctx, pool->nodes[block].object);
        if (error != LAKE_OK)
            return error;
    }
    return lake_untyped_free(pool, block);
}

int lake_untyped_find_object(const struct lake_untyped_pool *pool, lake_cptr_t cptr,
                             uint32_t *block)
{
    for (uint32_t i = 0; i < pool->max_nodes; i++) {
        if (pool->nodes[i].state == LAKE_UT_ALLOCATED && pool->nodes[i].object == cptr) {
            *block = i;
            return LAKE_OK;
        }
    }
    return LAKE_INVALID_ARGUMENT;
}

int lake_untyped_move_records(struct lake_untyped_pool *pool, struct lake_untyped_node *nodes,
                              uint32_t max_nodes)
{
    if (nodes == NULL || max_nodes < pool->fresh)
        return LAKE_INVALID_ARGUMENT;
    /* Records are named by index, so a copy keeps every link valid. */
    for (uint32_t i = 0; i < pool->fresh; i++)
        nodes[i] = pool->nodes[i];
    pool->unused_count += max_nodes - pool->max_nodes;
    pool->nodes = nodes;
    pool->max_nodes = max_nodes;
    return LAKE_OK;
}

/* ---- checks --------------------------------------------------------- */

uint32_t lake_untyped_nodes_used(const struct lake_untyped_pool *pool)
{
    return pool->max_nodes - unused_count(pool);
}

bool lake_untyped_check(const struct lake_untyped_pool *pool)
{
    lake_word_t free_ram = 0, free_dev = 0, leaves_ram = 0, leaves_dev = 0;
    uint32_t listed = 0, free_ram_blocks = 0, unused = 0;
    for (uint32_t i = pool->unused; i != LAKE_UT_NONE; i = pool->nodes[i].next)
        if (++unused > pool->max_nodes || pool->nodes[i].state != LAKE_UT_UNUSED)
            return false;
    if (pool->fresh > pool->max_nodes || unused + (pool->max_nodes - pool->fresh) != pool->unused_count)
        return false;
    for (unsigned b = 0; b < LAKE_UT_LEVELS; b++) {
        uint32_t prev = LAKE_UT_NONE;
        for (uint32_t i = pool->free_list[b]; i != LAKE_UT_NONE; i = pool->nodes[i].next) {
            const struct lake_untyped_node *n = &pool->nodes[i];
            if (n->state != LAKE_UT_FREE || n->bits != b || n->device || n->prev != prev)
                return false;
            if (++listed > pool->max_nodes)
                return false;
            prev = i;
        }
    }
    for (uint32_t i = 0; i < pool->fresh; i++) {
        const struct lake_untyped_node *n = &pool->nodes[i];
        if (n->state == LAKE_UT_UNUSED)
            continue;
        if (n->parent != LAKE_UT_NONE) {
            const struct lake_untyped_node *p = &pool->nodes[n->parent];
            if (p->state != LAKE_UT_SPLIT || p->bits != n->bits + 1 || p->device != n->device)
                return false;
            unsigned h = p->child[1] == i;
            if (p->child[h] != i || n->paddr != p->paddr + h * BIT(n->bits))
                return false;
        }
        if (n->state == LAKE_UT_SPLIT)
            continue;
        lake_word_t size = BIT(n->bits);
        if (n->device)
            leaves_dev += size;
        else
            leaves_ram += size;
        if (n->state == LAKE_UT_FREE) {
            if (n->device) {
                free_dev += size;
            } else {
                free_ram += size;
                free_ram_blocks++;
            }
            /* Buddies of 4 KiB and more are never both free (they would
             * have merged); smaller ones may be, until a trim. */
            if (n->parent != LAKE_UT_NONE && n->bits >= LAKE_UT_KEEP_BITS) {
                const struct lake_untyped_node *p = &pool->nodes[n->parent];
                if (pool->nodes[p->child[0]].state == LAKE_UT_FREE &&
                    pool->nodes[p->child[1]].state == LAKE_UT_FREE)
                    return false;
            }
        }
    }
    return free_ram == pool->free_bytes && free_dev == pool->device_free_bytes &&
           leaves_ram == pool->total_bytes && leaves_dev == pool->device_bytes &&
           listed == free_ram_blocks;
}
