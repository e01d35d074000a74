/*
 * CNODE: Copy, Mint, Move, Mutate, Rotate, Delete, Revoke, SaveCaller,
 * rights and badges, and lookup failures (depth and guard mismatch).
 */
#include "test.h"

#define ROOT TEST_CNODE
#define D TEST_DEPTH

static unsigned type_of(lake_cptr_t slot)
{
    return lake_debug_cap_identify(slot);
}

TEST(CNODE_001, "Copy duplicates a capability and keeps the source")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t dest = test_slot(env);
    test_ok(lake_cnode_copy(ROOT, dest, D, ROOT, ep, D, LAKE_RIGHTS_ALL));
    test_eq(type_of(dest), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CNODE_002, "Copy into an occupied slot is DELETE_FIRST and changes nothing")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_error(lake_cnode_copy(ROOT, ntfn, D, ROOT, ep, D, LAKE_RIGHTS_ALL), LAKE_DELETE_FIRST);
    test_eq(type_of(ntfn), LAKE_OBJ_NOTIFICATION);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CNODE_003, "Copy from an empty slot is a failed source lookup")
{
    lake_cptr_t empty = test_slot(env), dest = test_slot(env);
    test_error(lake_cnode_copy(ROOT, dest, D, ROOT, empty, D, LAKE_RIGHTS_ALL), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 1);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_MISSING_CAPABILITY);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
}

TEST(CNODE_004, "Mint sets a notification badge that Signal delivers")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x50);
    lake_signal(badged);
    test_eq(lake_poll(ntfn, NULL), 0x50);
    test_eq(lake_poll(ntfn, NULL), 0);
}

TEST(CNODE_005, "Mint of an already badged capability is an illegal operation")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x1);
    lake_cptr_t dest = test_slot(env);
    test_error(lake_cnode_mint(ROOT, dest, D, ROOT, badged, D, LAKE_RIGHTS_ALL, 0x2),
               LAKE_ILLEGAL_OPERATION);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
    /* A plain copy of a badged cap keeps the badge. */
    lake_cptr_t copy = test_copy(env, badged, LAKE_RIGHTS_ALL);
    lake_signal(copy);
    test_eq(lake_poll(ntfn, NULL), 0x1);
}

TEST(CNODE_006, "Move empties the source and keeps the object")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x7);
    lake_cptr_t dest = test_slot(env);
    test_ok(lake_cnode_move(ROOT, dest, D, ROOT, badged, D));
    test_eq(type_of(badged), LAKE_OBJ_NULL);
    test_eq(type_of(dest), LAKE_OBJ_NOTIFICATION);
    lake_signal(dest);
    test_eq(lake_poll(ntfn, NULL), 0x7);
}

TEST(CNODE_007, "Move into an occupied slot is DELETE_FIRST; from empty is a failed lookup")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t empty = test_slot(env);
    test_error(lake_cnode_move(ROOT, ntfn, D, ROOT, ep, D), LAKE_DELETE_FIRST);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(ntfn), LAKE_OBJ_NOTIFICATION);
    lake_cptr_t dest = test_slot(env);
    test_error(lake_cnode_move(ROOT, dest, D, ROOT, empty, D), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 1);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
}

TEST(CNODE_008, "Mutate moves a capability and sets its badge")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t copy = test_copy(env, ntfn, LAKE_RIGHTS_ALL);
    lake_cptr_t dest = test_slot(env);
    test_ok(lake_cnode_mutate(ROOT, dest, D, ROOT, copy, D, 0x21));
    test_eq(type_of(copy), LAKE_OBJ_NULL);
    lake_signal(dest);
    test_eq(lake_poll(ntfn, NULL), 0x21);
}

TEST(CNODE_009, "Rotate moves pivot to destination and source to pivot")
{
    lake_cptr_t src = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t pivot = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t dest = test_slot(env);
    test_ok(lake_cnode_rotate(ROOT, dest, D, 0, ROOT, pivot, D, 0, ROOT, src, D));
    test_eq(type_of(dest), LAKE_OBJ_NOTIFICATION);
    test_eq(type_of(pivot), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(src), LAKE_OBJ_NULL);
}

TEST(CNODE_010, "Rotate with destination equal to source swaps two capabilities")
{
    lake_cptr_t a = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t b = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_ok(lake_cnode_rotate(ROOT, a, D, 0, ROOT, b, D, 0, ROOT, a, D));
    test_eq(type_of(a), LAKE_OBJ_NOTIFICATION);
    test_eq(type_of(b), LAKE_OBJ_ENDPOINT);
}

TEST(CNODE_011, "Rotate into an occupied destination is DELETE_FIRST and changes nothing")
{
    lake_cptr_t src = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t pivot = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t dest = test_new(env, LAKE_OBJ_TCB, 0);
    test_error(lake_cnode_rotate(ROOT, dest, D, 0, ROOT, pivot, D, 0, ROOT, src, D),
               LAKE_DELETE_FIRST);
    test_eq(type_of(src), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(pivot), LAKE_OBJ_NOTIFICATION);
    test_eq(type_of(dest), LAKE_OBJ_TCB);
}

TEST(CNODE_012, "Delete empties a slot; deleting an empty slot succeeds")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_ok(lake_cnode_delete(ROOT, ep, D));
    test_eq(type_of(ep), LAKE_OBJ_NULL);
    test_ok(lake_cnode_delete(ROOT, ep, D));
}

TEST(CNODE_013, "Revoke deletes copies but keeps the original")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t c1 = test_copy(env, ep, LAKE_RIGHTS_ALL);
    lake_cptr_t c2 = test_copy(env, ep, LAKE_RIGHTS_ALL);
    lake_cptr_t m = test_mint(env, ep, LAKE_RIGHTS_ALL, 5);
    test_ok(lake_cnode_revoke(ROOT, ep, D));
    test_eq(type_of(c1), LAKE_OBJ_NULL);
    test_eq(type_of(c2), LAKE_OBJ_NULL);
    test_eq(type_of(m), LAKE_OBJ_NULL);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CNODE_014, "a lookup with too few bits for the CNode is a depth mismatch")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t dest = test_slot(env);
    /* 60 bits cover the 52-bit guard but not the 12-bit radix. */
    test_error(lake_cnode_copy(ROOT, dest, D, ROOT, ep, 60, LAKE_RIGHTS_ALL), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 1);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_DEPTH_MISMATCH);
    test_eq(lake_error_detail(2), 60);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
    test_error(lake_cnode_copy(ROOT, dest, 60, ROOT, ep, D, LAKE_RIGHTS_ALL), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 0);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_DEPTH_MISMATCH);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
}

TEST(CNODE_015, "an address whose guard bits are not zero is a guard mismatch")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t dest = test_slot(env);
    lake_word_t bad = (1ul << 40) | ep;
    test_error(lake_cnode_copy(ROOT, dest, D, ROOT, bad, D, LAKE_RIGHTS_ALL), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 1);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_GUARD_MISMATCH);
    test_eq(lake_error_detail(4), 64 - TEST_CNODE_RADIX);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
    test_error(lake_cnode_delete(ROOT, bad, D), LAKE_FAILED_LOOKUP);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CNODE_016, "a guarded CNode cap resolves the guard, then the radix")
{
    lake_cptr_t node = test_new(env, LAKE_OBJ_CNODE, 4);
    lake_cptr_t guarded = test_slot(env);
    /* 60-bit zero guard + 4-bit radix: (guarded, n, 64) is slot n. */
    test_ok(lake_cnode_mint(ROOT, guarded, D, ROOT, node, D, LAKE_RIGHTS_ALL,
                            lake_cnode_guard_data(0, 60)));
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_ok(lake_cnode_copy(guarded, 9, 64, ROOT, ep, D, LAKE_RIGHTS_ALL));
    lake_cptr_t back = test_slot(env);
    test_ok(lake_cnode_copy(ROOT, back, D, guarded, 9, 64, LAKE_RIGHTS_ALL));
    test_eq(type_of(back), LAKE_OBJ_ENDPOINT);
    /* The same slot through the unguarded cap: 4 bits. */
    lake_cptr_t back2 = test_slot(env);
    test_ok(lake_cnode_move(ROOT, back2, D, node, 9, 4));
    test_eq(type_of(back2), LAKE_OBJ_ENDPOINT);
    /* A non-zero guard does not match. */
    test_error(lake_cnode_copy(ROOT, test_slot(env), D, guarded, (1ul << 20) | 9, 64,
                               LAKE_RIGHTS_ALL), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_GUARD_MISMATCH);
}

TEST(CNODE_017, "a source root that is not a CNode is an invalid root")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t dest = test_slot(env);
    test_error(lake_cnode_copy(ROOT, dest, D, ep, 1, D, LAKE_RIGHTS_ALL), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_INVALID_ROOT);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
}

TEST(CNODE_018, "Move keeps the derivation: revoking at the new place deletes the copies")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t copy = test_copy(env, ep, LAKE_RIGHTS_ALL);
    lake_cptr_t moved = test_slot(env);
    test_ok(lake_cnode_move(ROOT, moved, D, ROOT, ep, D));
    test_ok(lake_cnode_revoke(ROOT, moved, D));
    test_eq(type_of(copy), LAKE_OBJ_NULL);
    test_eq(type_of(moved), LAKE_OBJ_ENDPOINT);
}

TEST(CNODE_019, "SaveCaller into an occupied slot is DELETE_FIRST")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_cnode_save_caller(ROOT, ep, D), LAKE_DELETE_FIRST);
    test_eq(type_of(ep), LAKE_OBJ_ENDPOINT);
}

TEST(CNODE_020, "Copy with reduced rights: a copy without Write cannot signal")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t badged = test_mint(env, ntfn, LAKE_RIGHTS_ALL, 0x3);
    lake_cptr_t readonly = test_copy(env, badged, LAKE_RIGHT_READ);
    /* Rights only shrink: copying the read-only copy with all rights
     * still has no Write. Signals through it do nothing. */
    lake_cptr_t again = test_copy(env, readonly, LAKE_RIGHTS_ALL);
    lake_signal(readonly);
    lake_signal(again);
    test_eq(lake_poll(ntfn, NULL), 0);
    lake_signal(badged);
    test_eq(lake_poll(ntfn, NULL), 0x3);
}

/* n consecutive slots (the test allocator hands them out in order). */
static lake_cptr_t slots(struct test_env *env, unsigned n)
{
    lake_cptr_t first = test_slot(env);
    for (unsigned i = 1; i < n; i++)
        test_eq(test_slot(env), first + i);
    return first;
}

/* Slots of the test CNode as a range (the root itself: depth 0). */
static struct lake_cnode_range at(lake_cptr_t slot)
{
    return (struct lake_cnode_range){ .index = 0, .depth = 0, .offset = slot };
}

TEST(CNODE_021, "MoveRange moves consecutive caps, keeping objects, badges and derivation")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t src = slots(env, 3);
    test_ok(lake_cnode_mint(ROOT, src, D, ROOT, ntfn, D, LAKE_RIGHTS_ALL, 0x11));
    test_ok(lake_cnode_mint(ROOT, src + 1, D, ROOT, ntfn, D, LAKE_RIGHTS_ALL, 0x22));
    test_ok(lake_cnode_copy(ROOT, src + 2, D, ROOT, ntfn, D, LAKE_RIGHTS_ALL));
    lake_cptr_t dest = slots(env, 3);
    struct lake_cnode_range d = at(dest), s = at(src);
    test_ok(lake_cnode_move_range(ROOT, &d, ROOT, &s, 3));
    for (unsigned i = 0; i < 3; i++) {
        test_eq(type_of(src + i), LAKE_OBJ_NULL);
        test_eq(type_of(dest + i), LAKE_OBJ_NOTIFICATION);
    }
    lake_signal(dest + 1);
    test_eq(lake_poll(ntfn, NULL), 0x22);
    /* Still children of the original: revoking it deletes them. */
    test_ok(lake_cnode_revoke(ROOT, ntfn, D));
    for (unsigned i = 0; i < 3; i++)
        test_eq(type_of(dest + i), LAKE_OBJ_NULL);
}

TEST(CNODE_022, "CopyRange copies consecutive caps with rights masked; the originals stay")
{
    lake_cptr_t src = slots(env, 2);
    test_ok(lake_untyped_retype(test_new_untyped(env, 12), LAKE_OBJ_NOTIFICATION, 0, ROOT, 0, 0,
                                src, 2));
    lake_cptr_t dest = slots(env, 2);
    struct lake_cnode_range d = at(dest), s = at(src);
    test_ok(lake_cnode_copy_range(ROOT, &d, ROOT, &s, 2, LAKE_RIGHT_READ));
    for (unsigned i = 0; i < 2; i++) {
        test_eq(type_of(src + i), LAKE_OBJ_NOTIFICATION);
        test_eq(type_of(dest + i), LAKE_OBJ_NOTIFICATION);
    }
    lake_signal(dest);                  /* no Write: nothing happens */
    test_eq(lake_poll(src, NULL), 0);
    test_ok(lake_cnode_revoke(ROOT, src + 1, D));
    test_eq(type_of(dest + 1), LAKE_OBJ_NULL);
    test_eq(type_of(dest), LAKE_OBJ_NOTIFICATION);
}

/* Two endpoints at the start of n source slots, then n empty ones. */
static void two_endpoints(struct test_env *env, unsigned n, lake_cptr_t *src, lake_cptr_t *dest)
{
    *src = slots(env, n);
    test_ok(lake_untyped_retype(test_new_untyped(env, 12), LAKE_OBJ_ENDPOINT, 0, ROOT, 0, 0,
                                *src, 2));
    *dest = slots(env, n);
}

TEST(CNODE_023, "ranges: an empty source, an occupied destination or an uncopyable cap change nothing")
{
    lake_cptr_t src, dest;
    two_endpoints(env, 3, &src, &dest);
    struct lake_cnode_range d = at(dest), s = at(src);
    /* src + 2 is empty. */
    test_error(lake_cnode_move_range(ROOT, &d, ROOT, &s, 3), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 1);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_MISSING_CAPABILITY);
    test_error(lake_cnode_copy_range(ROOT, &d, ROOT, &s, 3, LAKE_RIGHTS_ALL), LAKE_FAILED_LOOKUP);
    /* dest + 1 is occupied. */
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_ok(lake_cnode_move(ROOT, dest + 1, D, ROOT, ntfn, D));
    test_error(lake_cnode_move_range(ROOT, &d, ROOT, &s, 2), LAKE_DELETE_FIRST);
    test_error(lake_cnode_copy_range(ROOT, &d, ROOT, &s, 2, LAKE_RIGHTS_ALL), LAKE_DELETE_FIRST);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
    test_eq(type_of(src), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(src + 1), LAKE_OBJ_ENDPOINT);
    /* Untyped caps cannot be copied (a range with one is refused whole),
     * but can be moved. */
    lake_cptr_t pair = slots(env, 2);
    test_ok(lake_cnode_copy(ROOT, pair, D, ROOT, src, D, LAKE_RIGHTS_ALL));
    lake_cptr_t ut = test_new_untyped(env, 12);
    test_ok(lake_cnode_move(ROOT, pair + 1, D, ROOT, ut, D));
    lake_cptr_t two = slots(env, 2);
    struct lake_cnode_range to = at(two), from = at(pair);
    test_error(lake_cnode_copy_range(ROOT, &to, ROOT, &from, 2, LAKE_RIGHTS_ALL),
               LAKE_ILLEGAL_OPERATION);
    test_eq(type_of(two), LAKE_OBJ_NULL);
    test_ok(lake_cnode_move_range(ROOT, &to, ROOT, &from, 2));
    test_eq(type_of(two + 1), LAKE_OBJ_UNTYPED);
}

TEST(CNODE_024, "ranges: bad counts, ranges past the CNode's end, overlaps and bad nodes")
{
    lake_cptr_t src, dest;
    two_endpoints(env, 2, &src, &dest);
    struct lake_cnode_range d = at(dest), s = at(src);
    test_error(lake_cnode_move_range(ROOT, &d, ROOT, &s, 0), LAKE_INVALID_ARGUMENT);
    test_eq(lake_error_detail(0), 6);
    test_error(lake_cnode_move_range(ROOT, &d, ROOT, &s, 257), LAKE_INVALID_ARGUMENT);
    struct lake_cnode_range end = at((1ul << TEST_CNODE_RADIX) - 1);
    test_error(lake_cnode_move_range(ROOT, &end, ROOT, &s, 2), LAKE_RANGE_ERROR);
    test_eq(lake_error_detail(1), (1ul << TEST_CNODE_RADIX) - 1);
    test_error(lake_cnode_copy_range(ROOT, &d, ROOT, &end, 2, LAKE_RIGHTS_ALL), LAKE_RANGE_ERROR);
    /* Overlapping ranges in one CNode: a slot would have to be full and
     * empty at once. */
    struct lake_cnode_range shifted = at(src + 1);
    test_error(lake_cnode_move_range(ROOT, &shifted, ROOT, &s, 2), LAKE_DELETE_FIRST);
    /* The node: a slot without a CNode, and a source root that is none. */
    lake_cptr_t ep = src;
    struct lake_cnode_range via_ep = { .index = ep, .depth = D, .offset = 0 };
    test_error(lake_cnode_move_range(ROOT, &via_ep, ROOT, &s, 1), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 0);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_MISSING_CAPABILITY);
    test_error(lake_cnode_move_range(ROOT, &d, ep, &s, 1), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(0), 1);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_INVALID_ROOT);
    test_eq(type_of(src), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(src + 1), LAKE_OBJ_ENDPOINT);
    test_eq(type_of(dest), LAKE_OBJ_NULL);
    /* A node named through a slot: the test CNode's own cap (slot
     * TEST_SLOT_CNODE holds it, as in a child's CSpace). */
    struct lake_cnode_range named = { .index = TEST_CNODE, .depth = D, .offset = dest };
    test_ok(lake_cnode_move_range(ROOT, &named, ROOT, &s, 2));
    test_eq(type_of(dest + 1), LAKE_OBJ_ENDPOINT);
}
