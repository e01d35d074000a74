/*
 * Host tests of the CSpace slot allocator's bookkeeping (lib/runtime/cspace.c)
 * with fake kernel operations that record the calls.
 */
#include "unit.h"

#include <lake/cspace.h>
#include <lake/object.h>

/* Layout of the in-OS test: top radix 12 with a 40-bit guard, second
 * level radix 8 with a 4-bit guard; index 0 is not ours. */
#define TOP_RADIX 12
#define L2_RADIX 8
#define MAX_NODES 16

struct fake {
    int new_cnode_calls, install_calls, delete_calls;
    lake_cptr_t last_scratch;
    lake_word_t installed[64];
    int fail_new_after;         /* fail new_cnode once this many calls succeeded (-1: never) */
    int fail_install;
    bool scratch_in_use;        /* the scratch slot must be allocated while new_cnode runs */
    struct lake_cspace *cs;
    int nested_allocs;          /* slots to allocate from inside new_cnode (like splits) */
    lake_cptr_t nested[8];
};

static int fake_new_cnode(void *ctx, struct lake_cspace *cs, lake_cptr_t slot, unsigned radix)
{
    struct fake *f = ctx;
    if (f->fail_new_after >= 0 && f->new_cnode_calls >= f->fail_new_after)
        return LAKE_NOT_ENOUGH_MEMORY;
    f->new_cnode_calls++;
    f->last_scratch = slot;
    CHECK_EQ(radix, cs->layout.l2_radix);
    CHECK(cs->growing);
    f->scratch_in_use = slot < 4096 || lake_cspace_is_allocated(cs, slot);
    for (int i = 0; i < f->nested_allocs; i++)
        CHECK_EQ(lake_cspace_alloc(cs, &f->nested[i]), LAKE_OK);
    return LAKE_OK;
}

static int fake_install(void *ctx, struct lake_cspace *cs, lake_word_t index, lake_cptr_t slot)
{
    struct fake *f = ctx;
    (void)cs;
    CHECK_EQ(slot, f->last_scratch);
    if (f->fail_install)
        return LAKE_DELETE_FIRST;
    if (f->install_calls < 64)
        f->installed[f->install_calls] = index;
    f->install_calls++;
    return LAKE_OK;
}

static int fake_delete(void *ctx, struct lake_cspace *cs, lake_cptr_t slot)
{
    struct fake *f = ctx;
    (void)cs;
    CHECK_EQ(slot, f->last_scratch);
    f->delete_calls++;
    return LAKE_OK;
}

static const struct lake_cspace_ops fake_ops = {
    .new_cnode = fake_new_cnode, .install = fake_install, .delete_cnode = fake_delete,
};

static struct lake_cspace cs;
static struct lake_cspace_node nodes[MAX_NODES];
static uint64_t bitmap[LAKE_CSPACE_BITMAP_WORDS(MAX_NODES, L2_RADIX)];
static struct fake fake;

static const struct lake_cspace_layout layout = {
    .top_radix = TOP_RADIX, .top_guard_bits = 40, .l2_radix = L2_RADIX, .l2_guard_bits = 4,
    .first_index = 1, .end_index = 1 + MAX_NODES,
};

/* A fresh allocator with its first CNode grown from scratch slot 100. */
static void setup(unsigned reserve, unsigned end_index)
{
    memset(&fake, 0, sizeof(fake));
    fake.fail_new_after = -1;
    fake.cs = &cs;
    struct lake_cspace_layout l = layout;
    l.end_index = end_index;
    CHECK_EQ(lake_cspace_init(&cs, &l, 0x123, &fake_ops, &fake, nodes, bitmap, reserve), LAKE_OK);
    CHECK_EQ(lake_cspace_grow(&cs, 100), LAKE_OK);
    CHECK_EQ(fake.last_scratch, 100);
    CHECK_EQ(lake_cspace_free_slots(&cs), 256);
}

TEST(layout_validation)
{
    struct lake_cspace_layout l = layout;
    CHECK(lake_cspace_layout_valid(&l));
    l.l2_guard_bits = 5;                    /* 65 bits */
    CHECK(!lake_cspace_layout_valid(&l));
    l = layout;
    l.end_index = 4097;
    CHECK(!lake_cspace_layout_valid(&l));
    l = layout;
    l.first_index = l.end_index;
    CHECK(!lake_cspace_layout_valid(&l));
    l = layout;
    l.l2_radix = 13;
    l.l2_guard_bits = 64 - 40 - 12 - 13;
    CHECK(!lake_cspace_layout_valid(&l));   /* above LAKE_CSPACE_MAX_L2_RADIX */
    CHECK_EQ(lake_cspace_init(&cs, &l, 1, &fake_ops, &fake, nodes, bitmap, 0),
             LAKE_INVALID_ARGUMENT);
}

TEST(cptr_round_trip)
{
    setup(8, 1 + MAX_NODES);
    for (lake_word_t index = 0; index < 4096; index += 7) {
        for (lake_word_t slot = 0; slot < 256; slot += 5) {
            lake_cptr_t c = lake_cspace_cptr(&cs, index, slot);
            CHECK_EQ(c, index << 12 | slot);
            lake_word_t i2, s2;
            CHECK(lake_cspace_decode(&cs, c, &i2, &s2));
            CHECK_EQ(i2, index);
            CHECK_EQ(s2, slot);
        }
    }
    lake_word_t i, s;
    CHECK(!lake_cspace_decode(&cs, 1ull << 12 | 0x100, &i, &s));   /* l2 guard bit set */
    CHECK(!lake_cspace_decode(&cs, 1ull << 24, &i, &s));           /* top guard bit set */
    CHECK(!lake_cspace_decode(&cs, ~0ull, &i, &s));
    CHECK_EQ(lake_cspace_node_depth(&cs), 52);
    lake_word_t ni, off;
    unsigned depth;
    CHECK(lake_cspace_retype_dest(&cs, 5ull << 12 | 17, &ni, &depth, &off));
    CHECK_EQ(ni, 5);
    CHECK_EQ(depth, 52);
    CHECK_EQ(off, 17);
}

TEST(alloc_until_growth)
{
    setup(8, 1 + MAX_NODES);
    CHECK_EQ(fake.install_calls, 1);
    CHECK_EQ(fake.installed[0], 1);
    lake_cptr_t c;
    /* 256 - 8 slots come out without growing. */
    for (unsigned k = 0; k < 248; k++) {
        CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
        CHECK_EQ(c, 1ull << 12 | k);
    }
    CHECK_EQ(fake.new_cnode_calls, 1);
    CHECK_EQ(lake_cspace_free_slots(&cs), 8);
    /* The next one would dip into the reserve: grow first. The scratch
     * slot comes from the reserve and is free again afterwards. */
    CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
    CHECK_EQ(fake.new_cnode_calls, 2);
    CHECK_EQ(fake.install_calls, 2);
    CHECK_EQ(fake.installed[1], 2);
    CHECK(fake.scratch_in_use);
    CHECK_EQ(fake.last_scratch, 1ull << 12 | 248);
    CHECK_EQ(c, 1ull << 12 | 248);       /* the scratch slot, freed and reused */
    CHECK_EQ(lake_cspace_free_slots(&cs), 8 + 256 - 1);
    CHECK_EQ(cs.grows, 2);
}

TEST(free_and_reuse)
{
    setup(4, 1 + MAX_NODES);
    lake_cptr_t c[100];
    for (int k = 0; k < 100; k++)
        CHECK_EQ(lake_cspace_alloc(&cs, &c[k]), LAKE_OK);
    size_t before = lake_cspace_free_slots(&cs);
    CHECK_EQ(lake_cspace_free(&cs, c[70]), LAKE_OK);
    CHECK_EQ(lake_cspace_free(&cs, c[3]), LAKE_OK);
    CHECK_EQ(lake_cspace_free_slots(&cs), before + 2);
    CHECK(!lake_cspace_is_allocated(&cs, c[3]));
    /* Double free and foreign cptrs change nothing. */
    CHECK_EQ(lake_cspace_free(&cs, c[3]), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_cspace_free(&cs, 100), LAKE_INVALID_ARGUMENT);           /* index 0 */
    CHECK_EQ(lake_cspace_free(&cs, 5ull << 12), LAKE_INVALID_ARGUMENT);    /* not present */
    CHECK_EQ(lake_cspace_free_slots(&cs), before + 2);
    /* Lowest free slot first. */
    lake_cptr_t x;
    CHECK_EQ(lake_cspace_alloc(&cs, &x), LAKE_OK);
    CHECK_EQ(x, c[3]);
    CHECK_EQ(lake_cspace_alloc(&cs, &x), LAKE_OK);
    CHECK_EQ(x, c[70]);
    CHECK_EQ(lake_cspace_alloc(&cs, &x), LAKE_OK);
    CHECK_EQ(x, c[99] + 1);
    CHECK_EQ(fake.new_cnode_calls, 1);
}

TEST(contiguous_ranges)
{
    setup(4, 1 + MAX_NODES);
    lake_cptr_t c[10];
    for (int k = 0; k < 10; k++)
        CHECK_EQ(lake_cspace_alloc(&cs, &c[k]), LAKE_OK);
    /* Holes of 1 and 3 slots: a run of 3 goes into the second one. */
    lake_cspace_free(&cs, c[2]);
    lake_cspace_free_range(&cs, c[5], 3);
    lake_cptr_t first;
    CHECK_EQ(lake_cspace_alloc_range(&cs, 3, &first), LAKE_OK);
    CHECK_EQ(first, c[5]);
    for (int k = 5; k < 8; k++)
        CHECK(lake_cspace_is_allocated(&cs, c[k]));
    /* A run of 4 does not fit a hole: after slot 9. */
    CHECK_EQ(lake_cspace_alloc_range(&cs, 4, &first), LAKE_OK);
    CHECK_EQ(first, c[9] + 1);
    /* A whole CNode's worth: needs a new CNode. */
    CHECK_EQ(lake_cspace_alloc_range(&cs, 256, &first), LAKE_OK);
    lake_word_t index, slot;
    CHECK(lake_cspace_decode(&cs, first, &index, &slot));
    CHECK_EQ(slot, 0);
    CHECK(index >= 2);
    CHECK_EQ(lake_cspace_alloc_range(&cs, 257, &first), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_cspace_alloc_range(&cs, 0, &first), LAKE_INVALID_ARGUMENT);
    /* A range never crosses a CNode boundary. */
    for (int k = 0; k < 40; k++) {
        CHECK_EQ(lake_cspace_alloc_range(&cs, 7, &first), LAKE_OK);
        lake_word_t i1, s1, i2, s2;
        CHECK(lake_cspace_decode(&cs, first, &i1, &s1));
        CHECK(lake_cspace_decode(&cs, first + 6, &i2, &s2));
        CHECK_EQ(i1, i2);
        CHECK_EQ(s2, s1 + 6);
    }
    /* Freeing a range partly free changes nothing. */
    lake_cspace_free(&cs, first + 3);
    size_t before = lake_cspace_free_slots(&cs);
    CHECK_EQ(lake_cspace_free_range(&cs, first, 7), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_cspace_free_slots(&cs), before);
    CHECK(lake_cspace_is_allocated(&cs, first));
}

TEST(top_level_exhaustion)
{
    setup(8, 4);                            /* indices 1, 2, 3 */
    lake_cptr_t c;
    unsigned got = 0;
    int error;
    while ((error = lake_cspace_alloc(&cs, &c)) == LAKE_OK)
        got++;
    CHECK_EQ(error, LAKE_RANGE_ERROR);
    /* With the top level full the reserve is used up too. */
    CHECK_EQ(got, 3 * 256);
    CHECK_EQ(fake.new_cnode_calls, 3);
    CHECK_EQ(lake_cspace_free_slots(&cs), 0);
    CHECK_EQ(lake_cspace_grow(&cs, 0), LAKE_RANGE_ERROR);
    /* A freed slot is handed out again. */
    CHECK_EQ(lake_cspace_free(&cs, 2ull << 12 | 77), LAKE_OK);
    CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
    CHECK_EQ(c, 2ull << 12 | 77);
    CHECK_EQ(lake_cspace_alloc_range(&cs, 1, &c), LAKE_RANGE_ERROR);
}

TEST(reserve_kept_when_growth_fails)
{
    setup(8, 1 + MAX_NODES);
    fake.fail_new_after = 1;                /* no memory for more CNodes */
    lake_cptr_t c;
    unsigned got = 0;
    int error;
    while ((error = lake_cspace_alloc(&cs, &c)) == LAKE_OK)
        got++;
    CHECK_EQ(error, LAKE_NOT_ENOUGH_MEMORY);
    CHECK_EQ(got, 248);
    CHECK_EQ(lake_cspace_free_slots(&cs), 8);
    /* No slot leaked by the failed attempts. */
    CHECK_EQ(fake.install_calls, 1);
    /* Memory is back: the reserve lets the CSpace grow again. */
    fake.fail_new_after = -1;
    CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
    CHECK_EQ(fake.install_calls, 2);
    CHECK_EQ(lake_cspace_free_slots(&cs), 8 + 256 - 1);
}

TEST(failed_install_deletes_the_cnode)
{
    setup(8, 1 + MAX_NODES);
    fake.fail_install = 1;
    size_t before = lake_cspace_free_slots(&cs);
    CHECK_EQ(lake_cspace_grow(&cs, 0), LAKE_DELETE_FIRST);
    CHECK_EQ(fake.delete_calls, 1);
    CHECK_EQ(lake_cspace_free_slots(&cs), before);
    CHECK_EQ(cs.next_index, 2);
    fake.fail_install = 0;
    CHECK_EQ(lake_cspace_grow(&cs, 0), LAKE_OK);
    CHECK_EQ(fake.installed[1], 2);
}

TEST(growth_callbacks_use_the_reserve)
{
    /* new_cnode allocates slots itself (the untyped allocator splitting
     * memory for the CNode): they come from the reserve, with no nested
     * growth. */
    setup(8, 1 + MAX_NODES);
    lake_cptr_t c;
    for (unsigned k = 0; k < 248; k++)
        CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
    fake.nested_allocs = 6;
    CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
    CHECK_EQ(fake.new_cnode_calls, 2);
    for (int i = 0; i < 6; i++) {
        CHECK(lake_cspace_is_allocated(&cs, fake.nested[i]));
        CHECK_EQ(fake.nested[i] >> 12, 1);  /* from the old CNode's reserve */
    }
    CHECK_EQ(lake_cspace_free_slots(&cs), 8 - 6 + 256 - 1);
}

TEST(add_node_and_random)
{
    setup(16, 1 + MAX_NODES);
    CHECK_EQ(lake_cspace_add_node(&cs, 3), LAKE_OK);
    CHECK_EQ(lake_cspace_add_node(&cs, 3), LAKE_DELETE_FIRST);
    CHECK_EQ(lake_cspace_add_node(&cs, 0), LAKE_RANGE_ERROR);
    CHECK_EQ(lake_cspace_free_slots(&cs), 512);
    /* Random alloc/free against a reference set. */
    static lake_cptr_t held[3000];
    unsigned count = 0;
    unsigned seed = 12345;
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 100;
        if ((r < 60 && count < 3000) || count == 0) {
            lake_cptr_t c;
            int error = lake_cspace_alloc(&cs, &c);
            if (error != LAKE_OK) {
                CHECK_EQ(error, LAKE_RANGE_ERROR);
                continue;
            }
            for (unsigned k = 0; k < count && k < 50; k++)
                CHECK(held[count - 1 - k] != c);
            CHECK(lake_cspace_is_allocated(&cs, c));
            held[count++] = c;
        } else {
            unsigned k = (seed >> 8) % count;
            CHECK_EQ(lake_cspace_free(&cs, held[k]), LAKE_OK);
            held[k] = held[--count];
        }
        size_t capacity = 0;
        for (unsigned n = 0; n < MAX_NODES; n++)
            capacity += nodes[n].present ? 256 : 0;
        if (capacity - count != lake_cspace_free_slots(&cs)) {
            CHECK_EQ(capacity - count, lake_cspace_free_slots(&cs));
            break;
        }
    }
    /* Index 3 was taken by add_node, so growth skipped it. */
    for (int i = 0; i < fake.install_calls && i < 64; i++)
        CHECK(fake.installed[i] != 3);
}

TEST(add_node_with_used_slots)
{
    memset(&fake, 0, sizeof(fake));
    fake.fail_new_after = -1;
    fake.cs = &cs;
    struct lake_cspace_layout l = layout;
    l.first_index = 0;                      /* the first CNode is node 0 */
    l.end_index = MAX_NODES;
    CHECK_EQ(lake_cspace_init(&cs, &l, 0x123, &fake_ops, &fake, nodes, bitmap, 16), LAKE_OK);
    CHECK_EQ(lake_cspace_add_node_used(&cs, 0, 257), LAKE_INVALID_ARGUMENT);
    CHECK_EQ(lake_cspace_add_node_used(&cs, 0, 70), LAKE_OK);
    CHECK_EQ(lake_cspace_free_slots(&cs), 256 - 70);
    for (lake_cptr_t c = 0; c < 70; c++)
        CHECK(lake_cspace_is_allocated(&cs, c));
    CHECK(!lake_cspace_is_allocated(&cs, 70));
    lake_cptr_t c;
    CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
    CHECK_EQ(c, 70);                        /* node 0's cptrs are its slots */
    CHECK_EQ(fake.install_calls, 0);        /* plenty left: no growth */
    /* A range from the free part; the used part is never handed out. */
    lake_cptr_t first;
    CHECK_EQ(lake_cspace_alloc_range(&cs, 10, &first), LAKE_OK);
    CHECK(first >= 71);
    /* Allocations until growth: node 1 comes after node 0. */
    while (fake.install_calls == 0)
        CHECK_EQ(lake_cspace_alloc(&cs, &c), LAKE_OK);
    CHECK_EQ(fake.installed[0], 1);
    /* Word boundaries: 64 and 128 used. */
    CHECK_EQ(lake_cspace_init(&cs, &l, 0x123, &fake_ops, &fake, nodes, bitmap, 16), LAKE_OK);
    CHECK_EQ(lake_cspace_add_node_used(&cs, 0, 64), LAKE_OK);
    CHECK(lake_cspace_is_allocated(&cs, 63) && !lake_cspace_is_allocated(&cs, 64));
    CHECK_EQ(lake_cspace_add_node_used(&cs, 1, 128), LAKE_OK);
    CHECK_EQ(lake_cspace_free_slots(&cs), 192 + 128);
    CHECK_EQ(lake_cspace_add_node_used(&cs, 2, 256), LAKE_OK);
    CHECK_EQ(lake_cspace_free_slots(&cs), 192 + 128);
}

/* Ranges in a fragmented node: each one is the lowest run of free slots
 * long enough (a reference bitmap says which are free). */
TEST(ranges_in_fragmented_node)
{
    setup(16, 2);                       /* one second-level CNode, no growth */
    lake_cptr_t base;
    CHECK_EQ(lake_cspace_alloc(&cs, &base), LAKE_OK);
    lake_word_t index, slot0;
    CHECK(lake_cspace_decode(&cs, base, &index, &slot0));
    CHECK_EQ(slot0, 0);
    CHECK_EQ(lake_cspace_free(&cs, base), LAKE_OK);
    bool used[256] = { false };
    unsigned seed = 777;
    for (int step = 0; step < 4000; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned count = 1 + (seed >> 16) % 70;
        if ((seed >> 8) % 3 != 0) {
            long want = -1;
            for (unsigned s = 0; s + count <= 256 && want < 0; s++) {
                unsigned k = 0;
                while (k < count && !used[s + k])
                    k++;
                if (k == count)
                    want = s;
            }
            lake_cptr_t first;
            int error = lake_cspace_alloc_range(&cs, count, &first);
            if (want < 0) {
                CHECK_EQ(error, LAKE_RANGE_ERROR);
                continue;
            }
            CHECK_EQ(error, LAKE_OK);
            CHECK_EQ(first, base + (lake_cptr_t)want);
            for (unsigned k = 0; k < count; k++)
                used[want + k] = true;
        } else {
            unsigned s = (seed >> 4) % 256;
            if (used[s]) {
                CHECK_EQ(lake_cspace_free(&cs, base + s), LAKE_OK);
                used[s] = false;
            }
        }
    }
}
