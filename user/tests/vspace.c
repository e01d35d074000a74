/*
 * VSPACE: Frame Map/Unmap/GetAddress and cache maintenance, PageTable
 * Map, rights and attributes of mappings.
 */
#include <string.h>

#include "test.h"

#define ROOT TEST_CNODE
#define D TEST_DEPTH

#define VA(n) (TEST_FREE_VADDR + (n) * 0x1000ul)

static void read_word(struct test_thread *t)
{
    t->result[0] = *(volatile lake_word_t *)t->arg[0];
}

static void write_word(struct test_thread *t)
{
    *(volatile lake_word_t *)t->arg[0] = 0x77;
    t->result[0] = 1;
}

TEST(VSPACE_001, "a mapped frame is readable and writable, and keeps data across remapping")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    volatile lake_word_t *p = (volatile lake_word_t *)VA(0);
    test_eq(p[0], 0);           /* fresh frames are zeroed */
    p[0] = 0x1234;
    p[511] = 0x5678;
    test_ok(lake_frame_unmap(frame));
    test_map(env, frame, VA(1), LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
    volatile lake_word_t *q = (volatile lake_word_t *)VA(1);
    test_eq(q[0], 0x1234);
    test_eq(q[511], 0x5678);
}

TEST(VSPACE_002, "a missing page table is a failed lookup naming the missing level")
{
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    /* Level 1 present (the child's first GiB is in use), level 2 missing. */
    test_error(lake_frame_map(frame, env->vspace, VA(0), LAKE_RIGHTS_RW, 0), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(2), 2);
    /* Beyond 512 GiB: level 1 missing. */
    test_error(lake_frame_map(frame, env->vspace, 1ul << 39, LAKE_RIGHTS_RW, 0), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(2), 1);
    /* Next to the IPC buffer's 2 MiB: only level 3 missing. */
    test_error(lake_frame_map(frame, env->vspace, TEST_IPC_BUFFER + 0x200000, LAKE_RIGHTS_RW, 0),
               LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(2), 3);
}

TEST(VSPACE_003, "PageTable Map installs the first missing level each time")
{
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    lake_cptr_t l2 = test_new(env, LAKE_OBJ_PAGE_TABLE, 0);
    lake_cptr_t l3 = test_new(env, LAKE_OBJ_PAGE_TABLE, 0);
    lake_cptr_t extra = test_new(env, LAKE_OBJ_PAGE_TABLE, 0);
    test_ok(lake_page_table_map(l2, env->vspace, VA(0)));
    test_error(lake_frame_map(frame, env->vspace, VA(0), LAKE_RIGHTS_RW, 0), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(2), 3);
    test_ok(lake_page_table_map(l3, env->vspace, VA(0)));
    test_error(lake_page_table_map(extra, env->vspace, VA(0)), LAKE_DELETE_FIRST);
    test_ok(lake_frame_map(frame, env->vspace, VA(0), LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER));
    *(volatile lake_word_t *)VA(0) = 1;
}

TEST(VSPACE_004, "mapping over an existing mapping is DELETE_FIRST")
{
    test_new_page(env, VA(0));
    *(volatile lake_word_t *)VA(0) = 0xaa;
    lake_cptr_t other = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    test_error(lake_frame_map(other, env->vspace, VA(0), LAKE_RIGHTS_RW, 0), LAKE_DELETE_FIRST);
    test_eq(*(volatile lake_word_t *)VA(0), 0xaa);
}

TEST(VSPACE_005, "misaligned addresses are alignment errors, out-of-range invalid arguments")
{
    test_new_page(env, VA(0));      /* tables exist there */
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    test_error(lake_frame_map(frame, env->vspace, VA(1) + 8, LAKE_RIGHTS_RW, 0),
               LAKE_ALIGNMENT_ERROR);
    test_error(lake_frame_map(frame, env->vspace, LAKE_USER_TOP, LAKE_RIGHTS_RW, 0),
               LAKE_INVALID_ARGUMENT);
    test_ok(lake_frame_map(frame, env->vspace, VA(1), LAKE_RIGHTS_RW, 0));
}

TEST(VSPACE_006, "a mapped frame cap cannot map again; a copy can")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    test_assert(lake_frame_map(frame, env->vspace, VA(1), LAKE_RIGHTS_RW, 0) != LAKE_OK);
    lake_cptr_t copy = test_copy(env, frame, LAKE_RIGHTS_ALL);
    test_ok(lake_frame_map(copy, env->vspace, VA(1), LAKE_RIGHTS_RW, 0));
    *(volatile lake_word_t *)VA(0) = 0x3141;
    test_eq(*(volatile lake_word_t *)VA(1), 0x3141);
}

TEST(VSPACE_007, "writing through a read-only mapping is a VM fault")
{
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    test_map(env, frame, VA(0), LAKE_RIGHT_READ, LAKE_ATTR_EXECUTE_NEVER);
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, write_word, env->priority, handler);
    t.arg[0] = VA(0) + 16;
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    test_eq(lake_get_mr(LAKE_VM_FAULT_ADDR), VA(0) + 16);
    test_eq(lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH), 0);
    test_assert(lake_get_mr(LAKE_VM_FAULT_FSR) & (1u << 6));    /* ESR.WnR: a write */
    test_eq(*(volatile lake_word_t *)(VA(0) + 16), 0);
}

TEST(VSPACE_008, "a frame cap with Read only maps readable but not writable")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    *(volatile lake_word_t *)VA(0) = 0x99;
    lake_cptr_t ro = test_copy(env, frame, LAKE_RIGHT_READ);
    /* Asking for write with a read-only cap does not give write access. */
    int error = lake_map_page(&env->alloc, ro, env->vspace, VA(1), LAKE_RIGHTS_RW,
                              LAKE_ATTR_EXECUTE_NEVER);
    if (error == LAKE_OK) {
        lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
        struct test_thread t;
        test_thread_init(env, &t, write_word, env->priority, handler);
        t.arg[0] = VA(1);
        test_thread_start(&t);
        lake_msginfo_t info = lake_recv(handler, NULL);
        test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    }
    test_eq(*(volatile lake_word_t *)VA(0), 0x99);
    test_ok(lake_map_page(&env->alloc, test_copy(env, frame, LAKE_RIGHT_READ), env->vspace,
                          VA(2), LAKE_RIGHT_READ, LAKE_ATTR_EXECUTE_NEVER));
    test_eq(*(volatile lake_word_t *)VA(2), 0x99);
}

TEST(VSPACE_009, "an unmapped page faults again")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    test_ok(lake_frame_unmap(frame));
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, read_word, env->priority, handler);
    t.arg[0] = VA(0);
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    test_eq(lake_get_mr(LAKE_VM_FAULT_ADDR), VA(0));
}

TEST(VSPACE_010, "deleting a mapped frame cap unmaps it")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    *(volatile lake_word_t *)VA(0) = 5;
    test_ok(lake_cnode_delete(ROOT, frame, D));
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, read_word, env->priority, handler);
    t.arg[0] = VA(0);
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
}

TEST(VSPACE_011, "GetAddress gives distinct page-aligned physical addresses")
{
    lake_cptr_t a = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    lake_cptr_t b = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    lake_word_t pa = 1, pb = 1;
    test_ok(lake_frame_get_address(a, &pa));
    test_ok(lake_frame_get_address(b, &pb));
    test_eq(pa % 4096, 0);
    test_eq(pb % 4096, 0);
    test_assert(pa != pb);
    lake_cptr_t copy = test_copy(env, a, LAKE_RIGHTS_ALL);
    lake_word_t pc = 0;
    test_ok(lake_frame_get_address(copy, &pc));
    test_eq(pc, pa);
}

TEST(VSPACE_012, "a 2 MiB frame maps at a 2 MiB boundary")
{
    lake_cptr_t big = test_new(env, LAKE_OBJ_FRAME_2M, 0);
    lake_word_t va = TEST_FREE_VADDR + 0x200000;
    lake_cptr_t misaligned_try = test_copy(env, big, LAKE_RIGHTS_ALL);
    test_error(lake_frame_map(misaligned_try, env->vspace, va + 0x1000, LAKE_RIGHTS_RW, 0),
               LAKE_ALIGNMENT_ERROR);
    test_map(env, big, va, LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
    volatile lake_word_t *p = (volatile lake_word_t *)va;
    p[0] = 1;
    p[(0x200000 - 8) / 8] = 2;
    test_eq(p[0] + p[(0x200000 - 8) / 8], 3);
}

TEST(VSPACE_013, "cache maintenance on a frame succeeds over its range")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    memset((void *)VA(0), 0x5a, 4096);
    test_ok(lake_frame_clean(frame, 0, 4096));
    test_ok(lake_frame_clean_invalidate(frame, 0, 4096));
    test_ok(lake_frame_unify_instruction(frame, 0, 64));
    test_ok(lake_frame_invalidate(frame, 0, 4096));
}

TEST(VSPACE_014, "code written to a frame runs from an executable mapping")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    /* mov x0, #42 ; ret */
    static const uint32_t code[] = {0xd2800540, 0xd65f03c0};
    memcpy((void *)VA(0), code, sizeof(code));
    test_ok(lake_frame_unify_instruction(frame, 0, sizeof(code)));
    lake_cptr_t exec = test_copy(env, frame, LAKE_RIGHT_READ);
    test_map(env, exec, VA(1), LAKE_RIGHT_READ, 0);
    int (*fn)(void) = (int (*)(void))VA(1);
    test_eq(fn(), 42);
}

TEST(VSPACE_015, "executing from an execute-never mapping is a prefetch VM fault")
{
    lake_cptr_t frame = test_new_page(env, VA(0));
    static const uint32_t code[] = {0xd2800540, 0xd65f03c0};
    memcpy((void *)VA(0), code, sizeof(code));
    test_ok(lake_frame_unify_instruction(frame, 0, sizeof(code)));
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct test_thread t;
    test_thread_init(env, &t, (void (*)(struct test_thread *))VA(0), env->priority, handler);
    test_thread_start(&t);
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    test_eq(lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH), 1);
    test_eq(lake_get_mr(LAKE_VM_FAULT_ADDR), VA(0));
}

TEST(VSPACE_016, "a second VSpace with its own ASID maps the same frame independently")
{
    lake_cptr_t vs = test_new(env, LAKE_OBJ_VSPACE, 0);
    test_ok(lake_asid_pool_assign(env->asid_pool, vs));
    lake_cptr_t frame = test_new(env, LAKE_OBJ_FRAME_4K, 0);
    /* The new VSpace has no tables at all: level 1 is missing. */
    test_error(lake_frame_map(frame, vs, VA(0), LAKE_RIGHTS_RW, 0), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(2), 1);
    test_ok(lake_map_page(&env->alloc, frame, vs, VA(0), LAKE_RIGHTS_RW, 0));
    lake_cptr_t copy = test_copy(env, frame, LAKE_RIGHTS_ALL);
    test_map(env, copy, VA(3), LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
    *(volatile lake_word_t *)VA(3) = 8;
}

/* n fresh frames in consecutive slots, and their range for MapFrames. */
static lake_cptr_t new_frames(struct test_env *env, unsigned n, struct lake_cnode_range *r)
{
    lake_cptr_t first = test_slot(env);
    for (unsigned i = 1; i < n; i++)
        test_eq(test_slot(env), first + i);
    lake_cptr_t ut = test_new_untyped(env, 16);
    test_ok(lake_untyped_retype(ut, LAKE_OBJ_FRAME_4K, 0, ROOT, 0, 0, first, n));
    *r = (struct lake_cnode_range){ .index = 0, .depth = 0, .offset = first };
    return first;
}

TEST(VSPACE_017, "MapFrames maps a run of frames at consecutive pages, across 2 MiB")
{
    /* The tables for VA(0) and for the next 2 MiB exist once a page there
     * is mapped. */
    lake_word_t va = TEST_FREE_VADDR + 0x200000 - 2 * 0x1000;
    test_new_page(env, va - 0x1000);
    test_new_page(env, va + 0x3000);
    struct lake_cnode_range r;
    lake_cptr_t frames = new_frames(env, 3, &r);
    test_ok(lake_vspace_map_frames(env->vspace, ROOT, &r, 3, va, LAKE_RIGHTS_RW,
                                   LAKE_ATTR_EXECUTE_NEVER));
    for (unsigned i = 0; i < 3; i++)
        *(volatile lake_word_t *)(va + i * 0x1000) = 100 + i;
    /* Each frame's own cap records its mapping: GetAddress, Unmap, map again. */
    for (unsigned i = 0; i < 3; i++) {
        test_error(lake_frame_map(frames + i, env->vspace, VA(20), LAKE_RIGHTS_RW, 0),
                   LAKE_ILLEGAL_OPERATION);
        test_ok(lake_frame_unmap(frames + i));
        test_map(env, frames + i, VA(20 + i), LAKE_RIGHT_READ, LAKE_ATTR_EXECUTE_NEVER);
        test_eq(*(volatile lake_word_t *)VA(20 + i), 100 + i);
    }
}

TEST(VSPACE_018, "MapFrames refuses a bad run whole: nothing is mapped")
{
    test_new_page(env, VA(0));                      /* the tables for VA(0..511) */
    struct lake_cnode_range r;
    lake_cptr_t frames = new_frames(env, 4, &r);
    lake_cptr_t vs = env->vspace;
    /* Counts, range, address, rights, attributes. */
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 0, VA(8), LAKE_RIGHTS_RW, 0),
               LAKE_INVALID_ARGUMENT);
    test_eq(lake_error_detail(0), 3);
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 513, VA(8), LAKE_RIGHTS_RW, 0),
               LAKE_INVALID_ARGUMENT);
    struct lake_cnode_range end = { .offset = (1ul << TEST_CNODE_RADIX) - 2 };
    test_error(lake_vspace_map_frames(vs, ROOT, &end, 4, VA(8), LAKE_RIGHTS_RW, 0),
               LAKE_RANGE_ERROR);
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, VA(8) + 8, LAKE_RIGHTS_RW, 0),
               LAKE_ALIGNMENT_ERROR);
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, LAKE_USER_TOP - 0x2000, LAKE_RIGHTS_RW, 0),
               LAKE_INVALID_ARGUMENT);
    test_eq(lake_error_detail(0), 4);
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, VA(8), LAKE_RIGHT_WRITE, 0),
               LAKE_INVALID_ARGUMENT);
    test_eq(lake_error_detail(0), 5);
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, VA(8), LAKE_RIGHTS_RW, 0x80),
               LAKE_INVALID_ARGUMENT);
    test_eq(lake_error_detail(0), 6);
    /* A slot without a frame, the third. */
    lake_cptr_t third = frames + 2;
    lake_cptr_t moved = test_slot(env);
    test_ok(lake_cnode_move(ROOT, moved, D, ROOT, third, D));
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, VA(8), LAKE_RIGHTS_RW, 0),
               LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 1);
    test_eq(lake_error_detail(1), 2);
    test_ok(lake_cnode_move(ROOT, third, D, ROOT, moved, D));
    /* The last one is mapped already; the last page is taken. */
    test_map(env, frames + 3, VA(30), LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, VA(8), LAKE_RIGHTS_RW, 0),
               LAKE_ILLEGAL_OPERATION);
    test_ok(lake_frame_unmap(frames + 3));
    lake_cptr_t other = test_new_page(env, VA(11));
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, VA(8), LAKE_RIGHTS_RW, 0),
               LAKE_DELETE_FIRST);
    test_ok(lake_frame_unmap(other));
    /* No tables there: level 2 is missing. */
    test_error(lake_vspace_map_frames(vs, ROOT, &r, 4, TEST_FREE_VADDR + (1ul << 30),
                                      LAKE_RIGHTS_RW, 0), LAKE_FAILED_LOOKUP);
    test_eq(lake_error_detail(2), 2);
    /* A VSpace without an ASID. */
    lake_cptr_t bare = test_new(env, LAKE_OBJ_VSPACE, 0);
    test_error(lake_vspace_map_frames(bare, ROOT, &r, 4, VA(8), LAKE_RIGHTS_RW, 0),
               LAKE_INVALID_CAPABILITY);
    test_eq(lake_error_detail(0), 0);
    /* Nothing of all that mapped a frame: each maps now. */
    for (unsigned i = 0; i < 4; i++)
        test_map(env, frames + i, VA(40 + i), LAKE_RIGHTS_RW, LAKE_ATTR_EXECUTE_NEVER);
}
