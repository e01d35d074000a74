/*
 * UNTYPED: Retype of every type, counts, sizes, watermark, exhaustion,
 * alignment, occupied destinations, device untyped, reuse.
 */
#include "test.h"

#define ROOT TEST_CNODE

/* Retype `count` objects from `untyped` into slots starting at `first`. */
static int retype(lake_cptr_t untyped, unsigned type, unsigned bits, lake_cptr_t first,
                  unsigned count)
{
    return lake_untyped_retype(untyped, type, bits, ROOT, 0, 0, first, count);
}

/* `n` consecutive free slots. */
static lake_cptr_t slots(struct test_env *env, unsigned n)
{
    lake_cptr_t first = test_slot(env);
    for (unsigned i = 1; i < n; i++)
        test_slot(env);
    return first;
}

TEST(UNTYPED_001, "retype makes one object of every retypable type")
{
    static const struct { unsigned type, bits; } kinds[] = {
        {LAKE_OBJ_UNTYPED, 12}, {LAKE_OBJ_TCB, 0}, {LAKE_OBJ_ENDPOINT, 0},
        {LAKE_OBJ_NOTIFICATION, 0}, {LAKE_OBJ_CNODE, 4}, {LAKE_OBJ_FRAME_4K, 0},
        {LAKE_OBJ_PAGE_TABLE, 0}, {LAKE_OBJ_VSPACE, 0},
        /* Last: it takes the aligned upper half of the 4 MiB untyped. */
        {LAKE_OBJ_FRAME_2M, 0},
    };
    for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        lake_cptr_t slot = test_slot(env);
        test_ok(retype(env->untyped, kinds[i].type, kinds[i].bits, slot, 1));
        test_eq(lake_debug_cap_identify(slot), kinds[i].type);
    }
}

TEST(UNTYPED_002, "retype of many objects fills consecutive slots")
{
    lake_cptr_t first = slots(env, 20);
    test_ok(retype(env->untyped, LAKE_OBJ_ENDPOINT, 0, first, 20));
    for (unsigned i = 0; i < 20; i++)
        test_eq(lake_debug_cap_identify(first + i), LAKE_OBJ_ENDPOINT);
    test_eq(lake_debug_cap_identify(first + 20), LAKE_OBJ_NULL);
}

TEST(UNTYPED_003, "retype of 256 objects works, 0 and 257 are invalid arguments")
{
    lake_cptr_t ut = test_new_untyped(env, 14);
    lake_cptr_t first = slots(env, 257);
    test_error(retype(ut, LAKE_OBJ_ENDPOINT, 0, first, 0), LAKE_INVALID_ARGUMENT);
    test_error(retype(ut, LAKE_OBJ_ENDPOINT, 0, first, 257), LAKE_INVALID_ARGUMENT);
    test_eq(lake_debug_cap_identify(first), LAKE_OBJ_NULL);
    test_ok(retype(ut, LAKE_OBJ_ENDPOINT, 0, first, 256));
    test_eq(lake_debug_cap_identify(first + 255), LAKE_OBJ_ENDPOINT);
    test_eq(lake_debug_cap_identify(first + 256), LAKE_OBJ_NULL);
}

TEST(UNTYPED_004, "types that cannot be retyped are invalid arguments")
{
    lake_cptr_t slot = test_slot(env);
    static const unsigned bad[] = {LAKE_OBJ_NULL, LAKE_OBJ_ASID_POOL, LAKE_OBJ_ASID_CONTROL,
                                   LAKE_OBJ_IRQ_CONTROL, LAKE_OBJ_IRQ_HANDLER, LAKE_OBJ_REPLY, 99};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        test_error(retype(env->untyped, bad[i], 12, slot, 1), LAKE_INVALID_ARGUMENT);
        test_eq(lake_error_detail(0), 0);
        test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
    }
}

TEST(UNTYPED_005, "untyped sizes and CNode radixes out of range are invalid arguments")
{
    lake_cptr_t slot = test_slot(env);
    test_error(retype(env->untyped, LAKE_OBJ_UNTYPED, LAKE_UNTYPED_MIN_BITS - 1, slot, 1),
               LAKE_INVALID_ARGUMENT);
    test_eq(lake_error_detail(0), 1);
    test_error(retype(env->untyped, LAKE_OBJ_UNTYPED, LAKE_UNTYPED_MAX_BITS + 1, slot, 1),
               LAKE_INVALID_ARGUMENT);
    test_error(retype(env->untyped, LAKE_OBJ_CNODE, 0, slot, 1), LAKE_INVALID_ARGUMENT);
    test_error(retype(env->untyped, LAKE_OBJ_CNODE, LAKE_CNODE_MAX_RADIX + 1, slot, 1),
               LAKE_INVALID_ARGUMENT);
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
    /* The smallest untyped is fine. */
    test_ok(retype(env->untyped, LAKE_OBJ_UNTYPED, LAKE_UNTYPED_MIN_BITS, slot, 1));
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_UNTYPED);
}

TEST(UNTYPED_006, "an occupied destination slot is DELETE_FIRST and nothing is made")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t first = slots(env, 3);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    /* first+2 occupied: move the notification there. */
    test_ok(lake_cnode_move(ROOT, first + 2, TEST_DEPTH, ROOT, ntfn, TEST_DEPTH));
    test_error(retype(ut, LAKE_OBJ_ENDPOINT, 0, first, 3), LAKE_DELETE_FIRST);
    test_eq(lake_debug_cap_identify(first), LAKE_OBJ_NULL);
    test_eq(lake_debug_cap_identify(first + 1), LAKE_OBJ_NULL);
    test_eq(lake_debug_cap_identify(first + 2), LAKE_OBJ_NOTIFICATION);
    /* Nothing was consumed: the whole 4 KiB is still there. */
    test_ok(retype(ut, LAKE_OBJ_FRAME_4K, 0, first, 1));
}

TEST(UNTYPED_007, "exhausting an untyped is NOT_ENOUGH_MEMORY with 0 bytes left")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t first = slots(env, 129);
    test_ok(retype(ut, LAKE_OBJ_ENDPOINT, 0, first, 128));
    test_error(retype(ut, LAKE_OBJ_ENDPOINT, 0, first + 128, 1), LAKE_NOT_ENOUGH_MEMORY);
    test_eq(lake_error_detail(0), 0);
    test_eq(lake_debug_cap_identify(first + 128), LAKE_OBJ_NULL);
}

TEST(UNTYPED_008, "NOT_ENOUGH_MEMORY reports the bytes still free")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t first = slots(env, 2);
    test_ok(retype(ut, LAKE_OBJ_TCB, 0, first, 1));
    test_error(retype(ut, LAKE_OBJ_FRAME_4K, 0, first + 1, 1), LAKE_NOT_ENOUGH_MEMORY);
    test_eq(lake_error_detail(0), 2048);
    test_eq(lake_debug_cap_identify(first + 1), LAKE_OBJ_NULL);
    /* A second TCB still fits. */
    test_ok(retype(ut, LAKE_OBJ_TCB, 0, first + 1, 1));
}

TEST(UNTYPED_009, "objects are aligned to their size above the watermark")
{
    lake_cptr_t ut = test_new_untyped(env, 14);
    lake_cptr_t a = test_slot(env), ep = test_slot(env), b = test_slot(env);
    lake_word_t pa, pb;
    test_ok(retype(ut, LAKE_OBJ_FRAME_4K, 0, a, 1));
    test_ok(retype(ut, LAKE_OBJ_ENDPOINT, 0, ep, 1));
    test_ok(retype(ut, LAKE_OBJ_FRAME_4K, 0, b, 1));
    test_ok(lake_frame_get_address(a, &pa));
    test_ok(lake_frame_get_address(b, &pb));
    test_eq(pa % 4096, 0);
    test_eq(pb - pa, 8192);     /* the endpoint took 32 bytes of the second page */
}

TEST(UNTYPED_010, "an untyped is reusable from its start once all children are deleted")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t f = test_slot(env);
    lake_word_t first, again;
    test_ok(retype(ut, LAKE_OBJ_FRAME_4K, 0, f, 1));
    test_ok(lake_frame_get_address(f, &first));
    test_error(retype(ut, LAKE_OBJ_ENDPOINT, 0, test_slot(env), 1), LAKE_NOT_ENOUGH_MEMORY);
    test_ok(lake_cnode_delete(ROOT, f, TEST_DEPTH));
    test_ok(retype(ut, LAKE_OBJ_FRAME_4K, 0, f, 1));
    test_ok(lake_frame_get_address(f, &again));
    test_eq(again, first);
}

TEST(UNTYPED_011, "the watermark does not move back while one child remains")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t a = test_slot(env), b = test_slot(env);
    test_ok(retype(ut, LAKE_OBJ_TCB, 0, a, 1));
    test_ok(retype(ut, LAKE_OBJ_TCB, 0, b, 1));
    test_ok(lake_cnode_delete(ROOT, a, TEST_DEPTH));
    test_error(retype(ut, LAKE_OBJ_TCB, 0, a, 1), LAKE_NOT_ENOUGH_MEMORY);
    test_ok(lake_cnode_delete(ROOT, b, TEST_DEPTH));
    test_ok(retype(ut, LAKE_OBJ_FRAME_4K, 0, a, 1));
}

TEST(UNTYPED_012, "device untyped becomes frames only")
{
    if (!env->device_untyped)
        return;     /* nothing to test on a machine without device memory */
    lake_cptr_t slot = test_slot(env);
    test_error(retype(env->device_untyped, LAKE_OBJ_ENDPOINT, 0, slot, 1), LAKE_INVALID_ARGUMENT);
    test_error(retype(env->device_untyped, LAKE_OBJ_TCB, 0, slot, 1), LAKE_INVALID_ARGUMENT);
    test_error(retype(env->device_untyped, LAKE_OBJ_PAGE_TABLE, 0, slot, 1), LAKE_INVALID_ARGUMENT);
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
    test_ok(retype(env->device_untyped, LAKE_OBJ_FRAME_4K, 0, slot, 1));
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_FRAME_4K);
}

TEST(UNTYPED_013, "revoking an untyped deletes its children and frees its memory")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t first = slots(env, 4);
    test_ok(retype(ut, LAKE_OBJ_NOTIFICATION, 0, first, 4));
    test_ok(lake_cnode_revoke(ROOT, ut, TEST_DEPTH));
    for (unsigned i = 0; i < 4; i++)
        test_eq(lake_debug_cap_identify(first + i), LAKE_OBJ_NULL);
    test_eq(lake_debug_cap_identify(ut), LAKE_OBJ_UNTYPED);
    test_ok(retype(ut, LAKE_OBJ_FRAME_4K, 0, first, 1));
}

TEST(UNTYPED_014, "a destination that is not a CNode is a failed lookup")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t slot = test_slot(env);
    test_error(lake_untyped_retype(env->untyped, LAKE_OBJ_ENDPOINT, 0, ROOT, ep, TEST_DEPTH, 0, 1),
               LAKE_FAILED_LOOKUP);
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
}

TEST(UNTYPED_015, "a destination range past the end of the CNode is a range error")
{
    lake_cptr_t size = 1ul << TEST_CNODE_RADIX;
    test_error(retype(env->untyped, LAKE_OBJ_ENDPOINT, 0, size, 1), LAKE_RANGE_ERROR);
    test_error(retype(env->untyped, LAKE_OBJ_ENDPOINT, 0, size - 1, 2), LAKE_RANGE_ERROR);
    test_eq(lake_debug_cap_identify(size - 1), LAKE_OBJ_NULL);
}

TEST(UNTYPED_016, "retype into a second-level CNode named by index and depth")
{
    lake_cptr_t node = test_new(env, LAKE_OBJ_CNODE, 4);
    lake_cptr_t dest = test_slot(env);
    test_ok(lake_untyped_retype(env->untyped, LAKE_OBJ_ENDPOINT, 0, ROOT, node, TEST_DEPTH, 3, 1));
    /* Fetch it back: slot 3 of the 16-slot CNode is (node, 3, 4). */
    test_ok(lake_cnode_move(ROOT, dest, TEST_DEPTH, node, 3, 4));
    test_eq(lake_debug_cap_identify(dest), LAKE_OBJ_ENDPOINT);
}

TEST(UNTYPED_017, "a 2 MiB frame is aligned to 2 MiB")
{
    lake_cptr_t small = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    (void)small;
    lake_cptr_t big = test_new(env, LAKE_OBJ_FRAME_2M, 0);
    lake_word_t pa;
    test_ok(lake_frame_get_address(big, &pa));
    test_eq(pa % (1ul << LAKE_LARGE_PAGE_BITS), 0);
}

TEST(UNTYPED_018, "a child untyped larger than its parent is NOT_ENOUGH_MEMORY")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t slot = test_slot(env);
    test_error(retype(ut, LAKE_OBJ_UNTYPED, 13, slot, 1), LAKE_NOT_ENOUGH_MEMORY);
    test_eq(lake_error_detail(0), 4096);
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
}

TEST(UNTYPED_019, "an untyped cap cannot be copied or minted (one cap per region), only moved")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t dest = test_slot(env);
    test_error(lake_cnode_copy(ROOT, dest, TEST_DEPTH, ROOT, ut, TEST_DEPTH, LAKE_RIGHTS_ALL),
               LAKE_ILLEGAL_OPERATION);
    test_error(lake_cnode_mint(ROOT, dest, TEST_DEPTH, ROOT, ut, TEST_DEPTH, LAKE_RIGHTS_ALL, 1),
               LAKE_ILLEGAL_OPERATION);
    test_eq(lake_debug_cap_identify(dest), LAKE_OBJ_NULL);
    test_ok(lake_cnode_move(ROOT, dest, TEST_DEPTH, ROOT, ut, TEST_DEPTH));
    test_eq(lake_debug_cap_identify(dest), LAKE_OBJ_UNTYPED);
    test_eq(lake_debug_cap_identify(ut), LAKE_OBJ_NULL);
    /* The moved cap still retypes. */
    lake_cptr_t ep = test_slot(env);
    test_ok(lake_untyped_retype(dest, LAKE_OBJ_ENDPOINT, 0, ROOT, 0, 0, ep, 1));
}
