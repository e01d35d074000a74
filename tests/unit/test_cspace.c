/*
 * kernel/core/cspace.c: guarded CSpace lookup (cspace_resolve) and the
 * error reporting of lookups for CNode operations.
 */
#include "unit.h"
#include "kmem.h"
#include <cspace.h>

/*
 * Test double for kernel/core/syscall.c (which cannot build on the host):
 * records its arguments like the real one does in the invocation.
 */
static struct {
    unsigned calls;
    u64 min, max;
} range_error;

unsigned inv_range_error(struct invocation *inv, u64 min, u64 max)
{
    range_error.calls++;
    range_error.min = min;
    range_error.max = max;
    inv->detail[0] = min;
    inv->detail[1] = max;
    inv->num_detail = 2;
    inv->error = LAKE_RANGE_ERROR;
    return inv->error;
}

static void reset(void)
{
    kmem_reset();
    memset(&range_error, 0, sizeof(range_error));
}

static struct cap endpoint_cap(void)
{
    return cap_make(LAKE_OBJ_ENDPOINT, kmem_object(LAKE_ENDPOINT_BITS), LAKE_RIGHTS_ALL, 0,
                    false, 0, 0);
}

/* Root task layout: 2^12 slots, guard of 52 zero bits: cptr n is slot n. */
TEST(root_task_layout_slot_is_cptr)
{
    reset();
    struct cte *slots = kmem_cnode(12);
    struct cap root = kmem_cnode_cap(slots, 12, 52, 0);
    static const u64 cptrs[] = { 0, 1, 2, 100, 0xfff };
    for (unsigned i = 0; i < ARRAY_SIZE(cptrs); i++) {
        struct lookup l;
        CHECK(cspace_resolve(root, cptrs[i], 64, &l));
        CHECK(l.slot == &slots[cptrs[i]]);
        CHECK_EQ(l.bits_left, 0);
        CHECK_EQ(l.failure, LAKE_LOOKUP_NONE);
    }
}

TEST(root_task_layout_rejects_nonzero_guard_bits)
{
    reset();
    struct cte *slots = kmem_cnode(12);
    struct cap root = kmem_cnode_cap(slots, 12, 52, 0);
    struct lookup l;
    CHECK(!cspace_resolve(root, 0x1000, 64, &l));   /* first bit above the index */
    CHECK(l.slot == NULL);
    CHECK_EQ(l.failure, LAKE_LOOKUP_GUARD_MISMATCH);
    CHECK_EQ(l.bits_left, 64);
    CHECK_EQ(l.detail[0], 1);           /* guard found */
    CHECK_EQ(l.detail[1], 52);          /* guard size */

    CHECK(!cspace_resolve(root, 1ull << 63, 64, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_GUARD_MISMATCH);
    CHECK_EQ(l.detail[0], 1ull << 51);
    CHECK_EQ(l.detail[1], 52);
}

TEST(nonzero_guard_must_match)
{
    reset();
    struct cte *slots = kmem_cnode(8);
    struct cap root = kmem_cnode_cap(slots, 8, 56, 0xabcdef);
    struct lookup l;
    CHECK(cspace_resolve(root, (0xabcdefull << 8) | 0x42, 64, &l));
    CHECK(l.slot == &slots[0x42]);
    CHECK(!cspace_resolve(root, (0xabcdeeull << 8) | 0x42, 64, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_GUARD_MISMATCH);
    CHECK_EQ(l.detail[0], 0xabcdee);
    CHECK_EQ(l.detail[1], 56);
}

TEST(guard_compares_only_guard_size_bits)
{
    /* Guard bits above the guard size in the cap are ignored. */
    reset();
    struct cte *slots = kmem_cnode(4);
    struct cap root = kmem_cnode_cap(slots, 4, 4, 0xf5);
    struct lookup l;
    CHECK(cspace_resolve(root, 0x53, 8, &l));
    CHECK(l.slot == &slots[3]);
}

TEST(zero_guard_size_uses_only_radix)
{
    reset();
    struct cte *slots = kmem_cnode(8);
    struct cap root = kmem_cnode_cap(slots, 8, 0, 0);
    struct lookup l;
    CHECK(cspace_resolve(root, 0x7f, 8, &l));
    CHECK(l.slot == &slots[0x7f]);
    CHECK_EQ(l.bits_left, 0);
}

TEST(single_level_radix_uses_top_bits_of_depth)
{
    /* Depth 20 through a radix-8, guard-12 CNode: bits 19..8 are the
     * guard, bits 7..0 the index; bits above the depth are ignored. */
    reset();
    struct cte *slots = kmem_cnode(8);
    struct cap root = kmem_cnode_cap(slots, 8, 12, 0x5a5);
    struct lookup l;
    CHECK(cspace_resolve(root, (0xfffull << 20) | (0x5a5ull << 8) | 0x11, 20, &l));
    CHECK(l.slot == &slots[0x11]);
}

/* Two levels: root radix 4 guard 4, slot 3 -> CNode radix 8 guard 48 (= 64 bits). */
struct two_level {
    struct cte *root_slots, *leaf_slots;
    struct cap root, leaf;
};

static struct two_level make_two_level(u64 root_guard, u64 leaf_guard)
{
    struct two_level t;
    t.root_slots = kmem_cnode(4);
    t.leaf_slots = kmem_cnode(8);
    t.root = kmem_cnode_cap(t.root_slots, 4, 4, root_guard);
    t.leaf = kmem_cnode_cap(t.leaf_slots, 8, 48, leaf_guard);
    t.root_slots[3].cap = t.leaf;
    return t;
}

static u64 two_level_cptr(u64 root_guard, u64 root_index, u64 leaf_guard, u64 leaf_index)
{
    return (root_guard << 60) | (root_index << 56) | (leaf_guard << 8) | leaf_index;
}

TEST(two_level_lookup_reaches_leaf_slot)
{
    reset();
    struct two_level t = make_two_level(0x9, 0x123456789abcull);
    struct lookup l;
    CHECK(cspace_resolve(t.root, two_level_cptr(0x9, 3, 0x123456789abcull, 0xee), 64, &l));
    CHECK(l.slot == &t.leaf_slots[0xee]);
    CHECK_EQ(l.bits_left, 0);
    CHECK_EQ(l.failure, LAKE_LOOKUP_NONE);
}

TEST(two_level_guard_mismatch_at_first_level)
{
    reset();
    struct two_level t = make_two_level(0x9, 0x77);
    struct lookup l;
    CHECK(!cspace_resolve(t.root, two_level_cptr(0x8, 3, 0x77, 1), 64, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_GUARD_MISMATCH);
    CHECK_EQ(l.bits_left, 64);
    CHECK_EQ(l.detail[0], 0x8);
    CHECK_EQ(l.detail[1], 4);
}

TEST(two_level_guard_mismatch_at_second_level)
{
    reset();
    struct two_level t = make_two_level(0x9, 0x77);
    struct lookup l;
    CHECK(!cspace_resolve(t.root, two_level_cptr(0x9, 3, 0x78, 1), 64, &l));
    CHECK(l.slot == NULL);
    CHECK_EQ(l.failure, LAKE_LOOKUP_GUARD_MISMATCH);
    CHECK_EQ(l.bits_left, 56);      /* the first level consumed 8 bits */
    CHECK_EQ(l.detail[0], 0x78);
    CHECK_EQ(l.detail[1], 48);
}

TEST(exact_depth_stops_at_slot_holding_cnode)
{
    /* Depth 8 names the root slot that holds the leaf CNode itself. */
    reset();
    struct two_level t = make_two_level(0x9, 0);
    struct lookup l;
    CHECK(cspace_resolve(t.root, 0x93, 8, &l));
    CHECK(l.slot == &t.root_slots[3]);
    CHECK_EQ(l.bits_left, 0);
    CHECK_EQ(cap_type(l.slot->cap), LAKE_OBJ_CNODE);
}

TEST(depth_between_levels_is_depth_mismatch)
{
    /* 8 bits for the root, then 12 bits left but the leaf needs 56. */
    reset();
    struct two_level t = make_two_level(0x9, 0);
    struct lookup l;
    CHECK(!cspace_resolve(t.root, 0x93123, 20, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(l.bits_left, 12);
    CHECK_EQ(l.detail[0], 56);      /* bits of the level that did not fit */
    CHECK(l.slot == NULL);
}

TEST(depth_smaller_than_first_level_is_depth_mismatch)
{
    reset();
    struct cte *slots = kmem_cnode(12);
    struct cap root = kmem_cnode_cap(slots, 12, 52, 0);
    struct lookup l;
    CHECK(!cspace_resolve(root, 5, 32, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(l.bits_left, 32);
    CHECK_EQ(l.detail[0], 64);
}

TEST(stops_early_at_non_cnode_slot_with_bits_left)
{
    reset();
    struct two_level t = make_two_level(0x9, 0);
    t.root_slots[5].cap = endpoint_cap();
    struct lookup l;
    CHECK(cspace_resolve(t.root, two_level_cptr(0x9, 5, 0, 0), 64, &l));
    CHECK(l.slot == &t.root_slots[5]);
    CHECK_EQ(l.bits_left, 56);
    CHECK_EQ(l.failure, LAKE_LOOKUP_NONE);
}

TEST(stops_early_at_empty_slot_with_bits_left)
{
    reset();
    struct two_level t = make_two_level(0x9, 0);
    struct lookup l;
    CHECK(cspace_resolve(t.root, two_level_cptr(0x9, 7, 0, 0), 64, &l));
    CHECK(l.slot == &t.root_slots[7]);
    CHECK(cap_is_null(l.slot->cap));
    CHECK_EQ(l.bits_left, 56);
}

TEST(invalid_root_is_reported_before_depth)
{
    reset();
    struct lookup l = { .slot = (struct cte *)1 };
    CHECK(!cspace_resolve(endpoint_cap(), 0, 64, &l));
    CHECK(l.slot == NULL);
    CHECK_EQ(l.failure, LAKE_LOOKUP_INVALID_ROOT);
    CHECK_EQ(l.bits_left, 64);
    CHECK(!cspace_resolve(cap_null(), 0, 0, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_INVALID_ROOT);
    CHECK(!cspace_resolve(cap_make(CAP_ZOMBIE, 0x1000, 0, 4, false, 0, 0), 0, 64, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_INVALID_ROOT);
}

TEST(depth_zero_and_above_64_are_depth_mismatch)
{
    reset();
    struct cte *slots = kmem_cnode(12);
    struct cap root = kmem_cnode_cap(slots, 12, 52, 0);
    struct lookup l;
    CHECK(!cspace_resolve(root, 0, 0, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(l.bits_left, 0);
    CHECK(l.slot == NULL);
    CHECK(!cspace_resolve(root, 0, 65, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(l.bits_left, 65);
    CHECK(!cspace_resolve(root, 0, ~0u, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_DEPTH_MISMATCH);
}

TEST(guard_larger_than_64_bits_is_depth_mismatch)
{
    /* A hand-made cap whose guard and radix exceed 64 bits never reads
     * beyond the address. */
    reset();
    struct cte *slots = kmem_cnode(4);
    struct cap root = kmem_cnode_cap(slots, 4, 200, 0);
    struct lookup l;
    CHECK(!cspace_resolve(root, 0, 64, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(l.detail[0], 204);
}

TEST(three_levels_through_cnodes_with_guards)
{
    /* A: radix 2 guard 2 (g=1); B: radix 3 guard 5 (g=0x11); C: radix 6 guard 46 (g=0). */
    reset();
    struct cte *a = kmem_cnode(2), *b = kmem_cnode(3), *c = kmem_cnode(6);
    struct cap ca = kmem_cnode_cap(a, 2, 2, 1);
    a[2].cap = kmem_cnode_cap(b, 3, 5, 0x11);
    b[6].cap = kmem_cnode_cap(c, 6, 46, 0);
    u64 cptr = (1ull << 62) | (2ull << 60) | (0x11ull << 55) | (6ull << 52) | 0x2a;
    struct lookup l;
    CHECK(cspace_resolve(ca, cptr, 64, &l));
    CHECK(l.slot == &c[0x2a]);
    CHECK_EQ(l.bits_left, 0);
    /* Naming B's slot 6 (which holds C) exactly: 4 + 8 bits. */
    CHECK(cspace_resolve(ca, cptr >> 52, 12, &l));
    CHECK(l.slot == &b[6]);
    CHECK_EQ(l.bits_left, 0);
}

TEST(cnode_cycle_terminates)
{
    /* A CNode whose slot holds a cap to itself: each step consumes bits,
     * so the walk ends when they run out. */
    reset();
    struct cte *slots = kmem_cnode(4);
    struct cap self = kmem_cnode_cap(slots, 4, 0, 0);
    slots[0].cap = self;
    struct lookup l;
    CHECK(cspace_resolve(self, 0, 64, &l));
    CHECK(l.slot == &slots[0]);
    CHECK_EQ(l.bits_left, 0);
    /* 62 bits: after 15 levels 2 bits are left, fewer than a level. */
    CHECK(!cspace_resolve(self, 0, 62, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(l.bits_left, 2);
    CHECK_EQ(l.detail[0], 4);
}

TEST(lookup_cap_uses_thread_cspace_root_with_64_bits)
{
    reset();
    struct tcb *t = kmem_tcb();
    struct cte *slots = kmem_cnode(12);
    t->slots[TCB_SLOT_CSPACE].cap = kmem_cnode_cap(slots, 12, 52, 0);
    struct lookup l;
    CHECK(cspace_lookup_cap(t, 9, &l));
    CHECK(l.slot == &slots[9]);
    t->slots[TCB_SLOT_CSPACE].cap = cap_null();
    CHECK(!cspace_lookup_cap(t, 9, &l));
    CHECK_EQ(l.failure, LAKE_LOOKUP_INVALID_ROOT);
}

/* cspace_lookup_slot_for_op and inv_lookup_failed */

TEST(slot_for_op_finds_slot)
{
    reset();
    struct two_level t = make_two_level(0x9, 0x5);
    struct invocation inv = { 0 };
    struct cte *s = cspace_lookup_slot_for_op(&inv, t.root, two_level_cptr(0x9, 3, 5, 0x10), 64,
                                              false);
    CHECK(s == &t.leaf_slots[0x10]);
    CHECK_EQ(inv.error, LAKE_OK);
    CHECK_EQ(inv.num_detail, 0);
    /* The slot holding the CNode, by depth 8. */
    CHECK(cspace_lookup_slot_for_op(&inv, t.root, 0x93, 8, true) == &t.root_slots[3]);
    CHECK_EQ(inv.error, LAKE_OK);
}

TEST(slot_for_op_depth_out_of_range_is_range_error)
{
    reset();
    struct cte *slots = kmem_cnode(12);
    struct cap root = kmem_cnode_cap(slots, 12, 52, 0);
    static const u64 depths[] = { 0, 65, 1ull << 32, ~0ull };
    for (unsigned i = 0; i < ARRAY_SIZE(depths); i++) {
        struct invocation inv = { 0 };
        range_error.calls = 0;
        CHECK(cspace_lookup_slot_for_op(&inv, root, 0, depths[i], false) == NULL);
        CHECK_EQ(range_error.calls, 1);
        CHECK_EQ(range_error.min, 1);
        CHECK_EQ(range_error.max, 64);
        CHECK_EQ(inv.error, LAKE_RANGE_ERROR);
    }
}

TEST(slot_for_op_depth_checked_before_root)
{
    reset();
    struct invocation inv = { 0 };
    CHECK(cspace_lookup_slot_for_op(&inv, cap_null(), 0, 0, true) == NULL);
    CHECK_EQ(inv.error, LAKE_RANGE_ERROR);
}

TEST(slot_for_op_invalid_root_reports_failed_lookup)
{
    reset();
    struct invocation inv = { 0 };
    CHECK(cspace_lookup_slot_for_op(&inv, endpoint_cap(), 7, 64, true) == NULL);
    CHECK_EQ(inv.error, LAKE_FAILED_LOOKUP);
    CHECK_EQ(inv.num_detail, 5);
    CHECK_EQ(inv.detail[0], 1);     /* a source lookup */
    CHECK_EQ(inv.detail[1], LAKE_LOOKUP_INVALID_ROOT);
    CHECK_EQ(inv.detail[2], 64);
    CHECK_EQ(range_error.calls, 0);
}

TEST(slot_for_op_guard_mismatch_details)
{
    reset();
    struct two_level t = make_two_level(0x9, 0x5);
    struct invocation inv = { 0 };
    CHECK(cspace_lookup_slot_for_op(&inv, t.root, two_level_cptr(0x9, 3, 6, 0), 64, false) ==
          NULL);
    CHECK_EQ(inv.error, LAKE_FAILED_LOOKUP);
    CHECK_EQ(inv.num_detail, 5);
    CHECK_EQ(inv.detail[0], 0);     /* a destination lookup */
    CHECK_EQ(inv.detail[1], LAKE_LOOKUP_GUARD_MISMATCH);
    CHECK_EQ(inv.detail[2], 56);    /* bits left */
    CHECK_EQ(inv.detail[3], 6);     /* guard found */
    CHECK_EQ(inv.detail[4], 48);    /* guard size */
}

TEST(slot_for_op_depth_mismatch_details)
{
    reset();
    struct two_level t = make_two_level(0x9, 0);
    struct invocation inv = { 0 };
    CHECK(cspace_lookup_slot_for_op(&inv, t.root, 0x93123, 20, true) == NULL);
    CHECK_EQ(inv.error, LAKE_FAILED_LOOKUP);
    CHECK_EQ(inv.detail[1], LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(inv.detail[2], 12);
    CHECK_EQ(inv.detail[3], 56);
    CHECK_EQ(inv.detail[4], 0);
}

TEST(slot_for_op_bits_left_at_non_cnode_is_depth_mismatch)
{
    /* Resolution stopped at an endpoint with 56 bits unresolved: the
     * operation needs the depth consumed exactly. */
    reset();
    struct two_level t = make_two_level(0x9, 0);
    t.root_slots[5].cap = endpoint_cap();
    struct invocation inv = { 0 };
    inv.detail[3] = inv.detail[4] = 0xdead;
    CHECK(cspace_lookup_slot_for_op(&inv, t.root, two_level_cptr(0x9, 5, 0, 0), 64, false) ==
          NULL);
    CHECK_EQ(inv.error, LAKE_FAILED_LOOKUP);
    CHECK_EQ(inv.num_detail, 5);
    CHECK_EQ(inv.detail[0], 0);
    CHECK_EQ(inv.detail[1], LAKE_LOOKUP_DEPTH_MISMATCH);
    CHECK_EQ(inv.detail[2], 56);
    CHECK_EQ(inv.detail[3], 0);
    CHECK_EQ(inv.detail[4], 0);
}

TEST(inv_lookup_failed_copies_every_field)
{
    struct invocation inv = { 0 };
    struct lookup l = { .slot = NULL, .bits_left = 17, .failure = LAKE_LOOKUP_MISSING_CAPABILITY,
                        .detail = { 3, 4 } };
    CHECK_EQ(inv_lookup_failed(&inv, &l, true), LAKE_FAILED_LOOKUP);
    CHECK_EQ(inv.error, LAKE_FAILED_LOOKUP);
    CHECK_EQ(inv.num_detail, 5);
    CHECK_EQ(inv.detail[0], 1);
    CHECK_EQ(inv.detail[1], LAKE_LOOKUP_MISSING_CAPABILITY);
    CHECK_EQ(inv.detail[2], 17);
    CHECK_EQ(inv.detail[3], 3);
    CHECK_EQ(inv.detail[4], 4);
}
