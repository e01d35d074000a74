/*
 * Host tests of the untyped allocator's buddy bookkeeping
 * (lib/runtime/untyped.c) against a fake kernel that models untyped caps,
 * their children and watermarks, and a fake slot allocator.
 */
#include "unit.h"

#include <lake/untyped.h>

/* ---- fake kernel ------------------------------------------------------ */

#define SLOTS 8192

struct fake_cap {
    unsigned type;              /* 0: empty */
    unsigned bits;
    lake_word_t paddr;
    lake_cptr_t parent;
    unsigned children;
    lake_word_t watermark;
    bool device;
};

static struct fake_cap caps[SLOTS];
static bool slot_used[SLOTS];
static unsigned slots_in_use;
static int retype_calls, delete_calls, alloc_slot_calls;
static int fail_retype_at = -1;         /* fail the retype call with this number */
static struct lake_untyped_pool pool;
static struct lake_untyped_node nodes[2048];
static int nested_alloc_bits = -1;      /* alloc_slots allocates this from the pool once */
static uint32_t nested_block;

static int fake_retype(void *ctx, lake_cptr_t ut, unsigned type, unsigned size_bits,
                       lake_cptr_t dest, unsigned count)
{
    (void)ctx;
    int call = retype_calls++;
    if (call == fail_retype_at)
        return LAKE_NOT_ENOUGH_MEMORY;
    CHECK(ut < SLOTS && caps[ut].type == LAKE_OBJ_UNTYPED);
    struct fake_cap *u = &caps[ut];
    unsigned obj = lake_object_size_bits(type, size_bits);
    CHECK(obj != 0);
    if (u->device && type != LAKE_OBJ_UNTYPED && type != LAKE_OBJ_FRAME_4K &&
        type != LAKE_OBJ_FRAME_2M)
        return LAKE_INVALID_ARGUMENT;
    lake_word_t wm = u->children ? u->watermark : 0;
    lake_word_t start = (wm + (1ull << obj) - 1) & ~((1ull << obj) - 1);
    if (start + ((lake_word_t)count << obj) > (1ull << u->bits))
        return LAKE_NOT_ENOUGH_MEMORY;
    for (unsigned k = 0; k < count; k++) {
        CHECK(dest + k < SLOTS && slot_used[dest + k] && caps[dest + k].type == 0);
        caps[dest + k] = (struct fake_cap){ .type = type, .bits = obj,
            .paddr = u->paddr + start + ((lake_word_t)k << obj), .parent = ut,
            .device = u->device };
    }
    u->children += count;
    u->watermark = start + ((lake_word_t)count << obj);
    return LAKE_OK;
}

static int fake_delete(void *ctx, lake_cptr_t slot)
{
    (void)ctx;
    delete_calls++;
    CHECK(slot < SLOTS && caps[slot].type != 0);
    CHECK_EQ(caps[slot].children, 0);       /* the allocator never leaves orphans */
    caps[caps[slot].parent].children--;
    memset(&caps[slot], 0, sizeof(caps[slot]));
    return LAKE_OK;
}

static int fake_alloc_slots(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    alloc_slot_calls++;
    if (nested_alloc_bits >= 0) {
        /* Like a CSpace growth that needs memory from this very pool. */
        int bits = nested_alloc_bits;
        nested_alloc_bits = -1;
        CHECK_EQ(lake_untyped_alloc(&pool, (unsigned)bits, &nested_block), LAKE_OK);
        CHECK(lake_untyped_check(&pool));
    }
    for (lake_cptr_t s = 1; s + count <= SLOTS; s++) {
        unsigned k = 0;
        while (k < count && !slot_used[s + k])
            k++;
        if (k == count) {
            for (k = 0; k < count; k++)
                slot_used[s + k] = true;
            slots_in_use += count;
            *first = s;
            return LAKE_OK;
        }
    }
    return LAKE_RANGE_ERROR;
}

static void fake_free_slots(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    for (unsigned k = 0; k < count; k++) {
        CHECK(slot_used[first + k]);
        CHECK_EQ(caps[first + k].type, 0);
        slot_used[first + k] = false;
    }
    slots_in_use -= count;
}

static const struct lake_untyped_ops fake_ops = {
    .retype = fake_retype, .delete_cap = fake_delete,
    .alloc_slots = fake_alloc_slots, .free_slots = fake_free_slots,
};

static void setup(void)
{
    memset(caps, 0, sizeof(caps));
    memset(slot_used, 0, sizeof(slot_used));
    slots_in_use = 0;
    retype_calls = delete_calls = alloc_slot_calls = 0;
    fail_retype_at = -1;
    nested_alloc_bits = -1;
    lake_untyped_init(&pool, &fake_ops, NULL, nodes, 2048);
}

/* A root untyped in a fake slot of its own. */
static lake_cptr_t add_root(lake_word_t paddr, unsigned bits, bool device)
{
    lake_cptr_t slot;
    CHECK_EQ(fake_alloc_slots(NULL, 1, &slot), LAKE_OK);
    alloc_slot_calls--;
    caps[slot] = (struct fake_cap){ .type = LAKE_OBJ_UNTYPED, .bits = bits, .paddr = paddr,
                                    .device = device };
    CHECK_EQ(lake_untyped_add(&pool, slot, paddr, bits, device), LAKE_OK);
    return slot;
}

/* ---- tests ------------------------------------------------------------ */

TEST(split_and_merge_back)
{
    setup();
    lake_cptr_t root = add_root(0x100000, 20, false);
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b), LAKE_OK);
    CHECK_EQ(retype_calls, 8);              /* 2^20 -> 2^12: eight splits */
    CHECK_EQ(pool.nodes[b].bits, 12);
    CHECK_EQ(pool.nodes[b].paddr, 0x100000);
    CHECK_EQ(caps[lake_untyped_cptr(&pool, b)].paddr, 0x100000);
    CHECK_EQ(caps[lake_untyped_cptr(&pool, b)].bits, 12);
    CHECK_EQ(lake_untyped_free_bytes(&pool), (1u << 20) - (1u << 12));
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1 + 16);
    CHECK(lake_untyped_check(&pool));
    /* A second 4 KiB block is the buddy: no more splits. */
    uint32_t b2;
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b2), LAKE_OK);
    CHECK_EQ(retype_calls, 8);
    CHECK_EQ(pool.nodes[b2].paddr, 0x101000);
    CHECK_EQ(lake_untyped_free(&pool, b), LAKE_OK);
    CHECK_EQ(delete_calls, 0);              /* its buddy is still allocated */
    CHECK_EQ(lake_untyped_free(&pool, b2), LAKE_OK);
    CHECK_EQ(delete_calls, 16);             /* merged all the way up */
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 1u << 20);
    CHECK_EQ(slots_in_use, 1);
    CHECK_EQ(caps[root].children, 0);
    CHECK_EQ(lake_untyped_free(&pool, b2), LAKE_INVALID_ARGUMENT);
    /* The whole root is allocatable again, with no split. */
    CHECK_EQ(lake_untyped_alloc(&pool, 20, &b), LAKE_OK);
    CHECK_EQ(lake_untyped_cptr(&pool, b), root);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 0);
    CHECK(lake_untyped_check(&pool));
}

TEST(minimum_block_and_bad_sizes)
{
    setup();
    add_root(0, 8, false);
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc(&pool, 0, &b), LAKE_OK);
    CHECK_EQ(pool.nodes[b].bits, LAKE_UNTYPED_MIN_BITS);
    CHECK_EQ(lake_untyped_alloc(&pool, 48, &b), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_untyped_add(&pool, 99, 0x10, 8, false), LAKE_ALIGNMENT_ERROR);
    CHECK_EQ(lake_untyped_add(&pool, 99, 0, 3, false), LAKE_INVALID_ARGUMENT);
}

TEST(exhaustion_changes_nothing)
{
    setup();
    add_root(0x40000, 16, false);
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc(&pool, 17, &b), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(retype_calls, 0);
    CHECK_EQ(alloc_slot_calls, 0);
    uint32_t blocks[16];
    for (int i = 0; i < 16; i++)
        CHECK_EQ(lake_untyped_alloc(&pool, 12, &blocks[i]), LAKE_OK);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 0);
    int r = retype_calls, d = delete_calls, a = alloc_slot_calls;
    uint32_t used = lake_untyped_nodes_used(&pool);
    unsigned in_use = slots_in_use;
    CHECK_EQ(lake_untyped_alloc(&pool, 4, &b), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(retype_calls, r);
    CHECK_EQ(delete_calls, d);
    CHECK_EQ(alloc_slot_calls, a);
    CHECK_EQ(lake_untyped_nodes_used(&pool), used);
    CHECK_EQ(slots_in_use, in_use);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 0);
    CHECK(lake_untyped_check(&pool));
}

TEST(fragmentation_and_merge)
{
    setup();
    add_root(0, 16, false);
    uint32_t blocks[16];
    for (int i = 0; i < 16; i++)
        CHECK_EQ(lake_untyped_alloc(&pool, 12, &blocks[i]), LAKE_OK);
    for (int i = 0; i < 16; i += 2)
        CHECK_EQ(lake_untyped_free(&pool, blocks[i]), LAKE_OK);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 8u << 12);
    CHECK(lake_untyped_check(&pool));
    /* Half the memory is free, but no two free 4 KiB blocks are buddies. */
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc(&pool, 13, &b), LAKE_NOT_ENOUGH_MEMORY);
    /* Freeing block 1 merges 0+1 into an 8 KiB block, which fits. */
    CHECK_EQ(lake_untyped_free(&pool, blocks[1]), LAKE_OK);
    CHECK_EQ(lake_untyped_alloc(&pool, 13, &b), LAKE_OK);
    CHECK_EQ(pool.nodes[b].paddr, 0);
    CHECK_EQ(lake_untyped_free(&pool, b), LAKE_OK);
    for (int i = 3; i < 16; i += 2)
        CHECK_EQ(lake_untyped_free(&pool, blocks[i]), LAKE_OK);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 1u << 16);
    CHECK_EQ(slots_in_use, 1);
}

TEST(objects)
{
    setup();
    add_root(0, 20, false);
    lake_cptr_t dest;
    CHECK_EQ(fake_alloc_slots(NULL, 1, &dest), LAKE_OK);
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc_object(&pool, LAKE_OBJ_ENDPOINT, 0, dest, &b), LAKE_OK);
    CHECK_EQ(caps[dest].type, LAKE_OBJ_ENDPOINT);
    CHECK_EQ(pool.nodes[b].bits, LAKE_ENDPOINT_BITS);
    CHECK_EQ(lake_untyped_free_bytes(&pool), (1u << 20) - 32);
    uint32_t found;
    CHECK_EQ(lake_untyped_find_object(&pool, dest, &found), LAKE_OK);
    CHECK_EQ(found, b);
    CHECK_EQ(lake_untyped_find_object(&pool, dest + 1000, &found), LAKE_INVALID_ARGUMENT);
    /* A CNode of radix 8 takes 8 KiB. */
    lake_cptr_t dest2;
    CHECK_EQ(fake_alloc_slots(NULL, 1, &dest2), LAKE_OK);
    uint32_t b2;
    CHECK_EQ(lake_untyped_alloc_object(&pool, LAKE_OBJ_CNODE, 8, dest2, &b2), LAKE_OK);
    CHECK_EQ(pool.nodes[b2].bits, 13);
    CHECK_EQ(lake_untyped_alloc_object(&pool, LAKE_OBJ_ASID_POOL, 0, dest2, &b2),
             LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_untyped_free_object(&pool, b), LAKE_OK);
    CHECK_EQ(caps[dest].type, 0);
    CHECK_EQ(lake_untyped_free_object(&pool, b2), LAKE_OK);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 1u << 20);
    /* The small blocks stay split until a trim. */
    CHECK(lake_untyped_nodes_used(&pool) > 1);
    lake_untyped_trim(&pool);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1);
    /* A failed object retype gives the block back. */
    fail_retype_at = retype_calls + 15;     /* 20 -> 5 is 15 splits, then the object */
    CHECK_EQ(lake_untyped_alloc_object(&pool, LAKE_OBJ_ENDPOINT, 0, dest, &b),
             LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 1u << 20);
    lake_untyped_trim(&pool);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1);
    CHECK(lake_untyped_check(&pool));
}

TEST(small_blocks_stay_split_until_needed)
{
    setup();
    add_root(0, 16, false);
    lake_cptr_t dest;
    CHECK_EQ(fake_alloc_slots(NULL, 1, &dest), LAKE_OK);
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc_object(&pool, LAKE_OBJ_NOTIFICATION, 0, dest, &b), LAKE_OK);
    CHECK_EQ(retype_calls, 11 + 1);         /* 2^16 -> 2^5: eleven splits, the object */
    int deletes = delete_calls;
    CHECK_EQ(lake_untyped_free_object(&pool, b), LAKE_OK);
    CHECK_EQ(delete_calls, deletes + 1);    /* the object only: no merge below 4 KiB */
    CHECK(lake_untyped_check(&pool));
    /* The next small object takes a block as it is: no split. */
    CHECK_EQ(lake_untyped_alloc_object(&pool, LAKE_OBJ_NOTIFICATION, 0, dest, &b), LAKE_OK);
    CHECK_EQ(retype_calls, 12 + 1);
    CHECK_EQ(lake_untyped_free_object(&pool, b), LAKE_OK);
    /* Blocks of 4 KiB and more still merge at once. */
    uint32_t page;
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &page), LAKE_OK);
    deletes = delete_calls;
    CHECK_EQ(lake_untyped_free(&pool, page), LAKE_OK);
    CHECK_EQ(delete_calls, deletes);        /* its buddy is split: nothing to merge */
    /* The whole root: nothing fits until the kept blocks merge, which the
     * allocation does by itself. */
    CHECK_EQ(lake_untyped_alloc(&pool, 16, &b), LAKE_OK);
    CHECK_EQ(pool.nodes[b].bits, 16);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 0);
    CHECK_EQ(pool.splits, pool.merges);
    CHECK_EQ(slots_in_use, 2);              /* the root's and the object's */
    CHECK(lake_untyped_check(&pool));
}

TEST(failed_split_is_undone)
{
    setup();
    add_root(0, 20, false);
    fail_retype_at = 3;                     /* the fourth split fails */
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 1u << 20);
    CHECK_EQ(slots_in_use, 1);
    CHECK_EQ(delete_calls, 6);
    CHECK(lake_untyped_check(&pool));
    fail_retype_at = -1;
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b), LAKE_OK);
}

TEST(device_frame_at_address)
{
    setup();
    add_root(0x1000000, 20, false);
    lake_cptr_t dev = add_root(0x3f000000, 24, true);
    CHECK_EQ(pool.device_bytes, 1u << 24);
    lake_cptr_t dest;
    CHECK_EQ(fake_alloc_slots(NULL, 1, &dest), LAKE_OK);
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc_frame_at(&pool, 0x3f003000, 12, dest, &b), LAKE_OK);
    CHECK_EQ(caps[dest].type, LAKE_OBJ_FRAME_4K);
    CHECK_EQ(caps[dest].paddr, 0x3f003000);
    CHECK(caps[dest].device);
    CHECK_EQ(pool.nodes[b].paddr, 0x3f003000);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 1u << 20);         /* RAM untouched */
    CHECK_EQ(pool.device_free_bytes, (1u << 24) - (1u << 12));
    CHECK(lake_untyped_check(&pool));
    /* The same page again is in use; a neighbour comes from the split halves. */
    uint32_t b2;
    CHECK_EQ(lake_untyped_alloc_at(&pool, 0x3f003000, 12, &b2), LAKE_DELETE_FIRST);
    int r = retype_calls;
    CHECK_EQ(lake_untyped_alloc_at(&pool, 0x3f002000, 12, &b2), LAKE_OK);
    CHECK_EQ(retype_calls, r);              /* its buddy, already split off */
    CHECK_EQ(lake_untyped_alloc_at(&pool, 0x3f000800, 12, &b2), LAKE_ALIGNMENT_ERROR);
    CHECK_EQ(lake_untyped_alloc_at(&pool, 0x50000000, 12, &b2), LAKE_RANGE_ERROR);
    /* Device memory never serves RAM requests. */
    uint32_t big;
    CHECK_EQ(lake_untyped_alloc(&pool, 21, &big), LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(lake_untyped_free(&pool, b2), LAKE_OK);
    CHECK_EQ(lake_untyped_free_object(&pool, b), LAKE_OK);
    CHECK_EQ(pool.device_free_bytes, 1u << 24);
    CHECK_EQ(caps[dev].children, 0);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 2);
    CHECK(lake_untyped_check(&pool));
    /* A 2 MiB frame. */
    CHECK_EQ(lake_untyped_alloc_frame_at(&pool, 0x3f200000, 21, dest, &b), LAKE_OK);
    CHECK_EQ(caps[dest].type, LAKE_OBJ_FRAME_2M);
    CHECK_EQ(lake_untyped_alloc_frame_at(&pool, 0x3f400000, 13, dest, &b2),
             LAKE_INVALID_ARGUMENT);
}

static int hook_calls;
static unsigned hook_wanted;
static lake_cptr_t hook_adds;           /* a root to add on the next call (0: none) */

static void hook(void *arg, struct lake_untyped_pool *p, unsigned wanted_bits)
{
    CHECK(arg == &hook_calls);
    hook_calls++;
    hook_wanted = wanted_bits;
    if (hook_adds) {
        lake_untyped_add(p, hook_adds, 0x800000, 20, false);
        hook_adds = 0;
    }
}

TEST(low_water_hook)
{
    setup();
    add_root(0, 16, false);
    hook_calls = 0;
    hook_adds = 0;
    lake_untyped_set_low_water(&pool, 1u << 14, hook, &hook_calls);
    uint32_t b[16];
    CHECK_EQ(lake_untyped_alloc(&pool, 15, &b[0]), LAKE_OK);   /* 32 KiB left */
    CHECK_EQ(hook_calls, 0);
    CHECK_EQ(lake_untyped_alloc(&pool, 14, &b[1]), LAKE_OK);   /* 16 KiB left */
    CHECK_EQ(hook_calls, 0);
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b[2]), LAKE_OK);   /* below */
    CHECK_EQ(hook_calls, 1);
    CHECK_EQ(hook_wanted, 0);
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b[3]), LAKE_OK);   /* still below: once */
    CHECK_EQ(hook_calls, 1);
    /* Nothing fits: the hook is asked with the size, adds a root, retry works. */
    caps[100] = (struct fake_cap){ .type = LAKE_OBJ_UNTYPED, .bits = 20, .paddr = 0x800000 };
    slot_used[100] = true;
    hook_adds = 100;
    CHECK_EQ(lake_untyped_alloc(&pool, 16, &b[4]), LAKE_OK);
    CHECK_EQ(hook_calls, 2);
    CHECK_EQ(hook_wanted, 16);
    CHECK_EQ(pool.total_bytes, (1u << 16) + (1u << 20));
    /* Above the mark again: re-armed. */
    CHECK(!pool.below);
    CHECK(lake_untyped_check(&pool));
}

TEST(nested_alloc_while_getting_slots)
{
    /* Getting slots for a split may grow the CSpace, which allocates a
     * CNode from the same pool, possibly the very block about to be split. */
    setup();
    add_root(0, 16, false);
    nested_alloc_bits = 13;
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b), LAKE_OK);
    CHECK(lake_untyped_check(&pool));
    CHECK(pool.nodes[b].state == LAKE_UT_ALLOCATED && pool.nodes[b].bits == 12);
    CHECK(pool.nodes[nested_block].state == LAKE_UT_ALLOCATED);
    CHECK(pool.nodes[b].paddr != pool.nodes[nested_block].paddr);
    CHECK_EQ(lake_untyped_free_bytes(&pool), (1u << 16) - (1u << 12) - (1u << 13));
    CHECK_EQ(lake_untyped_free(&pool, b), LAKE_OK);
    CHECK_EQ(lake_untyped_free(&pool, nested_block), LAKE_OK);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1);
    CHECK_EQ(slots_in_use, 1);
}

TEST(random_against_reference)
{
    setup();
    lake_word_t total = 0;
    add_root(0x0, 22, false);
    total += 1u << 22;
    add_root(0x800000, 20, false);
    total += 1u << 20;
    add_root(0xa00000, 13, false);
    total += 1u << 13;
    static uint32_t held[600];
    static unsigned held_bits[600];
    unsigned count = 0;
    lake_word_t allocated = 0;              /* the reference model */
    unsigned seed = 4242;
    int failures = 0;
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 100;
        if ((r < 55 && count < 600) || count == 0) {
            unsigned bits = 4 + (seed >> 4) % 15;      /* 16 B .. 256 KiB */
            uint32_t b;
            int before_calls = retype_calls;
            int error = lake_untyped_alloc(&pool, bits, &b);
            if (error == LAKE_OK) {
                CHECK_EQ(pool.nodes[b].bits, bits);
                held[count] = b;
                held_bits[count++] = bits;
                allocated += 1ull << bits;
            } else {
                CHECK_EQ(error, LAKE_NOT_ENOUGH_MEMORY);
                CHECK_EQ(retype_calls, before_calls);
                failures++;
            }
        } else {
            unsigned k = (seed >> 8) % count;
            CHECK_EQ(lake_untyped_free(&pool, held[k]), LAKE_OK);
            allocated -= 1ull << held_bits[k];
            held[k] = held[count - 1];
            held_bits[k] = held_bits[--count];
        }
        if (lake_untyped_free_bytes(&pool) != total - allocated || !lake_untyped_check(&pool)) {
            CHECK_EQ(lake_untyped_free_bytes(&pool), total - allocated);
            CHECK(lake_untyped_check(&pool));
            break;
        }
    }
    CHECK(failures > 0);                    /* exhaustion happened along the way */
    while (count > 0)
        CHECK_EQ(lake_untyped_free(&pool, held[--count]), LAKE_OK);
    CHECK_EQ(lake_untyped_free_bytes(&pool), total);
    lake_untyped_trim(&pool);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 3);
    CHECK_EQ(slots_in_use, 3);
    CHECK_EQ(pool.splits, pool.merges);
}

/* Records are touched in order from the start and may move to a larger
 * array (the process environment starts on 128 in .bss). */
TEST(records_lazy_and_moved)
{
    setup();
    static struct lake_untyped_node small[8], big[64];
    memset(big, 0xa5, sizeof(big));          /* untouched records may hold anything */
    lake_untyped_init(&pool, &fake_ops, NULL, small, 8);
    CHECK_EQ(lake_untyped_records_touched(&pool), 0);
    add_root(0x100000, 16, false);
    uint32_t a;
    CHECK_EQ(lake_untyped_alloc(&pool, 14, &a), LAKE_OK);      /* two splits: 5 records */
    CHECK_EQ(lake_untyped_records_touched(&pool), 5);
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &a), LAKE_NOT_ENOUGH_MEMORY);  /* needs 9 */
    CHECK(lake_untyped_check(&pool));
    CHECK_EQ(lake_untyped_move_records(&pool, big, 4), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_untyped_move_records(&pool, big, 64), LAKE_OK);
    CHECK(lake_untyped_check(&pool));
    uint32_t b;
    CHECK_EQ(lake_untyped_alloc(&pool, 12, &b), LAKE_OK);
    CHECK(lake_untyped_check(&pool));
    CHECK_EQ(lake_untyped_free(&pool, b), LAKE_OK);
    CHECK_EQ(lake_untyped_free(&pool, a), LAKE_OK);
    CHECK_EQ(lake_untyped_free_bytes(&pool), 1ull << 16);
    CHECK_EQ(lake_untyped_nodes_used(&pool), 1);
    CHECK(lake_untyped_check(&pool));
    setup();
}
