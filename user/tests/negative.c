/*
 * NEGATIVE: malformed invocations: wrong labels, short messages, missing
 * or wrong extra capabilities. Each must fail with its exact error and
 * change nothing.
 */
#include "test.h"

#define ROOT TEST_CNODE
#define D TEST_DEPTH

TEST(NEGATIVE_001, "an unknown label on a TCB is an illegal operation")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    test_error(lake_invoke(tcb, 99, 0, 0), LAKE_ILLEGAL_OPERATION);
}

TEST(NEGATIVE_002, "a CNode label on an untyped is an illegal operation")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_set_mr(0, 0);
    lake_set_mr(1, 0);
    test_error(lake_invoke(ut, LAKE_CNODE_DELETE, 2, 0), LAKE_ILLEGAL_OPERATION);
    test_eq(lake_debug_cap_identify(ut), LAKE_OBJ_UNTYPED);
}

TEST(NEGATIVE_003, "Retype with too few message words is a truncated message")
{
    lake_cptr_t slot = test_slot(env);
    lake_set_cap(0, ROOT);
    lake_set_mr(0, LAKE_OBJ_ENDPOINT);
    lake_set_mr(1, 0);
    lake_set_mr(2, 0);
    lake_set_mr(3, 0);
    lake_set_mr(4, slot);
    test_error(lake_invoke(env->untyped, LAKE_UNTYPED_RETYPE, 5, 1), LAKE_TRUNCATED_MESSAGE);
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
}

TEST(NEGATIVE_004, "Retype without its extra capability is a truncated message")
{
    lake_cptr_t slot = test_slot(env);
    lake_set_mr(0, LAKE_OBJ_ENDPOINT);
    lake_set_mr(1, 0);
    lake_set_mr(2, 0);
    lake_set_mr(3, 0);
    lake_set_mr(4, slot);
    lake_set_mr(5, 1);
    test_error(lake_invoke(env->untyped, LAKE_UNTYPED_RETYPE, 6, 0), LAKE_TRUNCATED_MESSAGE);
    test_eq(lake_debug_cap_identify(slot), LAKE_OBJ_NULL);
}

TEST(NEGATIVE_005, "CNode Copy with too few words is a truncated message")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t dest = test_slot(env);
    lake_set_cap(0, ROOT);
    lake_set_mr(0, dest);
    lake_set_mr(1, D);
    lake_set_mr(2, ep);
    lake_set_mr(3, D);
    test_error(lake_invoke(ROOT, LAKE_CNODE_COPY, 4, 1), LAKE_TRUNCATED_MESSAGE);
    test_eq(lake_debug_cap_identify(dest), LAKE_OBJ_NULL);
}

TEST(NEGATIVE_006, "Frame Map with a non-VSpace is an invalid capability")
{
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_frame_map(frame, ep, TEST_FREE_VADDR, LAKE_RIGHTS_RW, 0),
               LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
    /* The frame is still unmapped and usable. */
    test_map(env, frame, TEST_FREE_VADDR, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
}

TEST(NEGATIVE_007, "PageTable Map with a frame as VSpace is an invalid capability")
{
    lake_cptr_t pt = test_new(env, LAKE_OBJ_PAGE_TABLE, 0);
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    test_error(lake_page_table_map(pt, frame, TEST_FREE_VADDR), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
    test_ok(lake_page_table_map(pt, env->vspace, TEST_FREE_VADDR));
}

TEST(NEGATIVE_008, "BindNotification with an endpoint is an invalid capability")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_tcb_bind_notification(tcb, ep), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
    test_error(lake_tcb_unbind_notification(tcb), LAKE_ILLEGAL_OPERATION);
}

TEST(NEGATIVE_009, "SetPriority with an authority that is not a TCB is an invalid capability")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    test_error(lake_tcb_set_priority(tcb, ntfn, 1), LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
}

TEST(NEGATIVE_010, "WriteRegisters with fewer values than its count is a truncated message")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    lake_set_mr(0, 0);
    lake_set_mr(1, 5);
    lake_set_mr(2, 0x1111);
    lake_set_mr(3, 0x2222);
    test_error(lake_invoke(tcb, LAKE_TCB_WRITE_REGISTERS, 4, 0), LAKE_TRUNCATED_MESSAGE);
    lake_word_t regs[2] = {1, 1};
    test_ok(lake_tcb_read_registers(tcb, false, 2, regs));
    test_eq(regs[0], 0);
    test_eq(regs[1], 0);
}

TEST(NEGATIVE_011, "a failed Retype consumes no memory")
{
    lake_cptr_t ut = test_new_untyped(env, 12);
    lake_cptr_t taken = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_untyped_retype(ut, LAKE_OBJ_TCB, 0, ROOT, 0, 0, taken, 1), LAKE_DELETE_FIRST);
    test_error(lake_untyped_retype(ut, LAKE_OBJ_TCB, 0, ROOT, 0, 0, test_slot(env), 0),
               LAKE_INVALID_ARGUMENT);
    lake_cptr_t frame = test_slot(env);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_FRAME_4K, 0, ROOT, 0, 0, frame, 1));
}

TEST(NEGATIVE_012, "a PageTable label on a frame is an illegal operation")
{
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    lake_set_cap(0, env->vspace);
    lake_set_mr(0, TEST_FREE_VADDR);
    test_error(lake_invoke(frame, LAKE_PAGE_TABLE_MAP, 1, 1), LAKE_ILLEGAL_OPERATION);
}

TEST(NEGATIVE_013, "Configure with an IPC buffer cap that is not a frame is an invalid capability")
{
    lake_cptr_t tcb = test_new(env, LAKE_OBJ_TCB, 0);
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_tcb_configure(tcb, 0, env->cnode, 0, env->vspace, TEST_FREE_VADDR, ep),
               LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 3);
}

TEST(NEGATIVE_014, "Mint of a CNode cap with a guard larger than 64 bits is rejected")
{
    lake_cptr_t node = test_new(env, LAKE_OBJ_CNODE, 4);
    lake_cptr_t dest = test_slot(env);
    /* guard size 61 + radix 4 = 65 bits > 64 */
    int error = lake_cnode_mint(ROOT, dest, D, ROOT, node, D, LAKE_RIGHTS_ALL,
                                lake_cnode_guard_data(0, 61));
    test_assert(error != LAKE_OK);
    test_eq(lake_debug_cap_identify(dest), LAKE_OBJ_NULL);
}

TEST(NEGATIVE_015, "Delete with a depth above 64 bits fails and deletes nothing")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_assert(lake_cnode_delete(ROOT, ep, 65) != LAKE_OK);
    test_eq(lake_debug_cap_identify(ep), LAKE_OBJ_ENDPOINT);
}

TEST(NEGATIVE_016, "Revoke through a guard mismatch fails and revokes nothing")
{
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    lake_cptr_t copy = test_copy(env, ep, LAKE_RIGHTS_ALL);
    test_error(lake_cnode_revoke(ROOT, ep | (1ul << 63), D), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(1), LAKE_LOOKUP_GUARD_MISMATCH);
    test_eq(lake_debug_cap_identify(copy), LAKE_OBJ_ENDPOINT);
}

TEST(NEGATIVE_017, "Mutate into an occupied slot is DELETE_FIRST and keeps both caps")
{
    lake_cptr_t ntfn = test_new(env, LAKE_OBJ_NOTIFICATION, 0);
    lake_cptr_t copy = test_copy(env, ntfn, LAKE_RIGHTS_ALL);
    lake_cptr_t taken = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_error(lake_cnode_mutate(ROOT, taken, D, ROOT, copy, D, 5), LAKE_DELETE_FIRST);
    test_eq(lake_debug_cap_identify(copy), LAKE_OBJ_NOTIFICATION);
    test_eq(lake_debug_cap_identify(taken), LAKE_OBJ_ENDPOINT);
}

TEST(NEGATIVE_018, "SetNotification on an IRQ handler needs an extra capability")
{
    lake_cptr_t handler = test_slot(env);
    test_ok(lake_irq_control_get(env->irq_control, 11, ROOT, handler, D));
    test_error(lake_invoke(handler, LAKE_IRQ_HANDLER_SET_NOTIFICATION, 0, 0),
               LAKE_TRUNCATED_MESSAGE);
}

/* ---- random invocations ------------------------------------------------ */

static uint64_t fuzz_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: a fixed, reproducible sequence. */
static uint64_t fuzz_random(void)
{
    fuzz_state ^= fuzz_state >> 12;
    fuzz_state ^= fuzz_state << 25;
    fuzz_state ^= fuzz_state >> 27;
    return fuzz_state * 0x2545f4914f6cdd1dull;
}

/* Arguments that hit edges more often than uniform numbers would. */
static lake_word_t fuzz_word(lake_cptr_t first, unsigned count)
{
    static const lake_word_t edges[] = {
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 16, 20, 21, 47, 48, 63, 64, 65, 255, 256, 257,
        4096, 0x200000, 0x40000000, 1ull << 47, 1ull << 48, 1ull << 63, ~0ull, ~0ull - 1,
    };
    switch (fuzz_random() % 4) {
    case 0:  return edges[fuzz_random() % (sizeof(edges) / sizeof(edges[0]))];
    case 1:  return first + fuzz_random() % count;          /* a slot of the set */
    case 2:  return fuzz_random() % 128;
    default: return fuzz_random();
    }
}

static const lake_word_t fuzz_labels[] = {
#define FUZZ_LABEL(name, object, value) value,
    LAKE_INVOCATIONS(FUZZ_LABEL)
#undef FUZZ_LABEL
    0, 2, 99, 1000,
};

/* Mostly a label the object understands, so the decoders get exercised. */
static lake_word_t fuzz_label_for(unsigned type)
{
    static const struct { unsigned type; lake_word_t first, last; } ranges[] = {
        {LAKE_OBJ_UNTYPED, LAKE_UNTYPED_RETYPE, LAKE_UNTYPED_RETYPE},
        {LAKE_OBJ_CNODE, LAKE_CNODE_COPY, LAKE_CNODE_SAVE_CALLER},
        {LAKE_OBJ_TCB, LAKE_TCB_CONFIGURE, LAKE_TCB_SET_FAULT_HANDLER},
        {LAKE_OBJ_FRAME_4K, LAKE_FRAME_MAP, LAKE_FRAME_UNIFY_INSTRUCTION},
        {LAKE_OBJ_PAGE_TABLE, LAKE_PAGE_TABLE_MAP, LAKE_PAGE_TABLE_UNMAP},
        {LAKE_OBJ_ASID_POOL, LAKE_ASID_POOL_ASSIGN, LAKE_ASID_POOL_ASSIGN},
        {LAKE_OBJ_IRQ_CONTROL, LAKE_IRQ_CONTROL_GET, LAKE_IRQ_CONTROL_GET},
        {LAKE_OBJ_IRQ_HANDLER, LAKE_IRQ_HANDLER_ACK, LAKE_IRQ_HANDLER_CLEAR},
    };
    if (fuzz_random() % 4 != 0) {
        for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
            if (ranges[i].type == type)
                return ranges[i].first + fuzz_random() % (ranges[i].last - ranges[i].first + 1);
        }
    }
    return fuzz_labels[fuzz_random() % (sizeof(fuzz_labels) / sizeof(fuzz_labels[0]))];
}

TEST(NEGATIVE_019, "20000 random invocations on random capabilities leave the kernel running")
{
    /* A set of capabilities to play with, in consecutive slots: every
     * object type, and a small CNode that all CNode operations address
     * (the test's own CNode is not in the set, so its slots are safe). */
    enum { SET = 24 };
    lake_cptr_t first = test_slot(env);
    for (int i = 1; i < SET; i++)
        test_slot(env);
    lake_cptr_t ut = test_new_untyped(env, 18);
    static const struct { unsigned type, bits; } kinds[] = {
        {LAKE_OBJ_CNODE, 4}, {LAKE_OBJ_ENDPOINT, 0}, {LAKE_OBJ_NOTIFICATION, 0},
        {LAKE_OBJ_TCB, 0}, {LAKE_OBJ_TCB, 0}, {LAKE_OBJ_FRAME_4K, 0}, {LAKE_OBJ_FRAME_4K, 0},
        {LAKE_OBJ_PAGE_TABLE, 0}, {LAKE_OBJ_PAGE_TABLE, 0}, {LAKE_OBJ_VSPACE, 0},
        {LAKE_OBJ_UNTYPED, 14}, {LAKE_OBJ_UNTYPED, 12}, {LAKE_OBJ_CNODE, 2},
    };
    unsigned n = 0;
    for (; n < sizeof(kinds) / sizeof(kinds[0]); n++)
        test_ok(lake_untyped_retype(ut, kinds[n].type, kinds[n].bits, ROOT, 0, 0, first + n, 1));
    test_ok(lake_asid_pool_assign(env->asid_pool, first + 9));
    test_ok(lake_cnode_copy(ROOT, first + n++, D, ROOT, env->irq_control, D, LAKE_RIGHTS_ALL));
    test_ok(lake_cnode_copy(ROOT, first + n++, D, ROOT, env->asid_pool, D, LAKE_RIGHTS_ALL));
    lake_cptr_t badged = first + n++;
    test_ok(lake_cnode_mint(ROOT, badged, D, ROOT, first + 1, D, LAKE_RIGHTS_ALL, 7));
    lake_cptr_t read_only = first + n++;
    test_ok(lake_cnode_copy(ROOT, read_only, D, ROOT, first + 2, D, LAKE_RIGHT_READ));

    unsigned calls = 0, errors = 0;
    for (int round = 0; round < 20000; round++) {
        lake_cptr_t target = first + fuzz_random() % SET;
        unsigned type = lake_debug_cap_identify(target);
        if (type == LAKE_OBJ_NULL)
            continue;       /* a system call on an empty slot is a fault, by design */
        unsigned length = (unsigned)(fuzz_random() % 12);
        for (unsigned i = 0; i < length; i++)
            lake_set_mr(i, fuzz_word(first, SET));
        unsigned extra = (unsigned)(fuzz_random() % 4);
        for (unsigned i = 0; i < extra; i++)
            lake_set_cap(i, fuzz_random() % 8 == 0 ? fuzz_random() : first + fuzz_random() % SET);
        lake_word_t label = fuzz_label_for(type);
        if (type == LAKE_OBJ_ENDPOINT) {
            /* Never block: NBSend, or NBRecv when nothing is queued. */
            if (fuzz_random() % 2)
                lake_nb_send(target, lake_msginfo(label, 0, extra, length));
            else
                lake_nb_recv(target, NULL);
            continue;
        }
        if (type == LAKE_OBJ_NOTIFICATION && fuzz_random() % 2) {
            /* Signal, not Poll: the fuzzing may bind it to another thread,
             * and waiting on someone else's notification is a fault. */
            lake_signal(target);
            continue;
        }
        calls++;
        if (lake_invoke(target, label, length, extra) != LAKE_OK)
            errors++;
    }
    /* Most random invocations fail, some succeed; the kernel is still here
     * and the test's own capabilities are untouched. */
    test_assert(calls > 5000);
    test_assert(errors > calls / 2);
    test_assert(errors < calls);
    test_eq(lake_debug_cap_identify(TEST_CNODE), LAKE_OBJ_CNODE);
    test_eq(lake_debug_cap_identify(TEST_TCB), LAKE_OBJ_TCB);
    test_eq(lake_debug_cap_identify(TEST_VSPACE), LAKE_OBJ_VSPACE);
    lake_cptr_t ep = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    test_eq(lake_debug_cap_identify(ep), LAKE_OBJ_ENDPOINT);
}
