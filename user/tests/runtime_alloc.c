/*
 * RUNTIME: the runtime's allocators for real (lib/runtime cspace.c,
 * untyped.c): a two-level CSpace that grows by itself, and buddy
 * allocation from untyped with exact accounting.
 *
 * The child's own CNode (radix 12, 52-bit guard) is left alone. The test
 * builds a new top CNode T (radix 12, 40-bit guard) whose slot 0 holds a
 * copy of the child's CNode with no guard, so every cptr below 4096 means
 * the same slot as before, and whose slots 1.. hold second-level CNodes
 * (radix 8, 4-bit guard): cptr = index << 12 | slot. A helper thread with
 * T as its CSpace root runs the test body, so the allocators' cptrs work
 * for its system calls (lake_debug_cap_identify) as they would in a
 * process whose CSpace the runtime manages.
 */
#include <string.h>

#include <lake/cspace.h>
#include <lake/untyped.h>

#include "test.h"

#define TOP_RADIX       12
#define TOP_GUARD       40
#define L2_RADIX        8
#define L2_GUARD        4
#define FIRST_INDEX     1
#define END_INDEX       64
#define NUM_NODES       (END_INDEX - FIRST_INDEX)
#define UT_NODES        6144
#define CN_NODES        256
#define MAX_OBJECTS     4096
#define STATE_PAGES     96

struct rt_state {
    struct test_env *env;
    lake_cptr_t top;                    /* T, in both CSpaces */
    lake_cptr_t obj_untyped, cnode_untyped;
    struct lake_cspace cs;
    struct lake_cspace_kernel kern;
    struct lake_untyped_pool pool;      /* objects */
    struct lake_untyped_pool cnode_pool;/* second-level CNodes of the CSpace */
    struct lake_cspace_node nodes[NUM_NODES];
    uint64_t bitmap[LAKE_CSPACE_BITMAP_WORDS(NUM_NODES, L2_RADIX)];
    struct lake_untyped_node ut_nodes[UT_NODES];
    struct lake_untyped_node cn_nodes[CN_NODES];
    lake_cptr_t cptrs[MAX_OBJECTS];
    uint32_t blocks[MAX_OBJECTS];
    uint8_t kinds[MAX_OBJECTS];
};

_Static_assert(sizeof(struct rt_state) <= STATE_PAGES * 4096, "state does not fit");

/* Build T, its first second-level CNode and the state pages, then run
 * `body` in a thread whose CSpace root is T. */
static void run_in_two_level_cspace(struct test_env *env, void (*body)(struct test_thread *))
{
    struct rt_state *st = (struct rt_state *)TEST_FREE_VADDR;
    lake_cptr_t obj_untyped = test_new_untyped(env, 22);       /* 4 MiB */
    lake_cptr_t cnode_untyped = test_new_untyped(env, 20);     /* 1 MiB */
    for (unsigned i = 0; i < STATE_PAGES; i++)
        test_new_page(env, TEST_FREE_VADDR + i * LAKE_PAGE_SIZE);
    memset(st, 0, sizeof(*st));
    st->env = env;
    st->obj_untyped = obj_untyped;
    st->cnode_untyped = cnode_untyped;

    /* T with its guard, then the child's CNode in T's slot 0. */
    lake_cptr_t top = test_new(env, LAKE_OBJ_CNODE, TOP_RADIX);
    st->top = test_slot(env);
    test_ok(lake_cnode_mutate(env->cnode, st->top, TEST_DEPTH, env->cnode, top, TEST_DEPTH,
                              lake_cnode_guard_data(0, TOP_GUARD)));
    test_ok(lake_cnode_mint(st->top, 0, TOP_GUARD + TOP_RADIX, env->cnode, TEST_CNODE,
                            TEST_DEPTH, LAKE_RIGHTS_ALL, lake_cnode_guard_data(0, 0)));
    /* The first second-level CNode, as a parent would hand it over. */
    lake_cptr_t l2 = test_new(env, LAKE_OBJ_CNODE, L2_RADIX);
    test_ok(lake_cnode_mutate(st->top, FIRST_INDEX, TOP_GUARD + TOP_RADIX, env->cnode, l2,
                              TEST_DEPTH, lake_cnode_guard_data(0, L2_GUARD)));

    struct test_thread t;
    test_thread_init(env, &t, body, TEST_PRIORITY, 0);
    test_ok(lake_tcb_configure(t.tcb, env->fault_ep, st->top, 0, env->vspace, t.ipc_buffer,
                               t.ipc_frame));
    t.arg[0] = (lake_word_t)st;
    test_thread_start(&t);
    test_thread_join(&t);
    test_eq(t.result[0], 1);
}

/* In the helper thread: both allocators over the two-level CSpace. */
static struct rt_state *rt_init(struct test_thread *self)
{
    struct rt_state *st = (struct rt_state *)self->arg[0];
    /* Still the same slot through T's slot 0. */
    test_eq(lake_debug_cap_identify(st->top), LAKE_OBJ_CNODE);
    test_eq(lake_debug_cap_identify(TEST_TCB), LAKE_OBJ_TCB);

    const struct lake_cspace_layout layout = {
        .top_radix = TOP_RADIX, .top_guard_bits = TOP_GUARD, .l2_radix = L2_RADIX,
        .l2_guard_bits = L2_GUARD, .first_index = FIRST_INDEX, .end_index = END_INDEX,
    };
    st->kern.make_object = lake_untyped_make_object;
    st->kern.free_object = lake_untyped_free_object_at;
    st->kern.arg = &st->cnode_pool;
    test_ok(lake_cspace_init(&st->cs, &layout, st->top, &lake_cspace_kernel_ops, &st->kern,
                             st->nodes, st->bitmap, LAKE_CSPACE_DEFAULT_RESERVE));
    test_ok(lake_cspace_add_node(&st->cs, FIRST_INDEX));

    lake_untyped_init(&st->pool, &lake_untyped_kernel_ops, &st->cs, st->ut_nodes, UT_NODES);
    test_ok(lake_untyped_add(&st->pool, st->obj_untyped, 0, 22, false));
    lake_untyped_init(&st->cnode_pool, &lake_untyped_kernel_ops, &st->cs, st->cn_nodes, CN_NODES);
    test_ok(lake_untyped_add(&st->cnode_pool, st->cnode_untyped, 0, 20, false));
    return st;
}

/* ---- ALLOC_001: growth ------------------------------------------------ */

#define GROW_SLOTS 4000

static void grow_body(struct test_thread *self)
{
    struct rt_state *st = rt_init(self);
    /* One 128 KiB block holds 4096 endpoints; each goes into its own slot. */
    uint32_t block;
    test_ok(lake_untyped_alloc(&st->pool, 17, &block));
    lake_cptr_t ut = lake_untyped_cptr(&st->pool, block);
    for (unsigned i = 0; i < GROW_SLOTS; i++) {
        test_ok(lake_cspace_alloc(&st->cs, &st->cptrs[i]));
        test_ok(lake_untyped_retype(ut, LAKE_OBJ_ENDPOINT, 0, st->cs.root, st->cptrs[i] >> 12,
                                    TOP_GUARD + TOP_RADIX, st->cptrs[i] & 0xff, 1));
    }
    /* 4000 slots + the reserve need 16 second-level CNodes. */
    test_assert(st->cs.grows >= 15);
    test_assert(lake_cspace_free_slots(&st->cs) >= LAKE_CSPACE_DEFAULT_RESERVE);
    for (unsigned i = 0; i < GROW_SLOTS; i++) {
        test_assert((st->cptrs[i] >> 12) >= FIRST_INDEX && (st->cptrs[i] >> 12) < END_INDEX);
        test_eq(lake_debug_cap_identify(st->cptrs[i]), LAKE_OBJ_ENDPOINT);
    }
    /* The endpoints work: a badged copy signals... an endpoint Send with
     * nobody waiting would block, so check with a notification instead. */
    lake_cptr_t ntfn, badged;
    test_ok(lake_cspace_alloc(&st->cs, &ntfn));
    uint32_t nb;
    test_ok(lake_untyped_alloc_object(&st->pool, LAKE_OBJ_NOTIFICATION, 0, ntfn, &nb));
    test_ok(lake_cspace_alloc(&st->cs, &badged));
    test_ok(lake_cnode_mint(st->cs.root, badged, 64, st->cs.root, ntfn, 64, LAKE_RIGHTS_ALL, 0x55));
    lake_signal(badged);
    test_eq(lake_poll(ntfn, NULL), 0x55);

    /* Free every third slot (deleting its endpoint): they are reused. */
    size_t free_before = lake_cspace_free_slots(&st->cs);
    unsigned grows = st->cs.grows;
    unsigned freed = 0;
    for (unsigned i = 0; i < GROW_SLOTS; i += 3) {
        test_ok(lake_cspace_delete_cap(&st->cs, st->cptrs[i]));
        test_eq(lake_debug_cap_identify(st->cptrs[i]), LAKE_OBJ_NULL);
        test_ok(lake_cspace_free(&st->cs, st->cptrs[i]));
        freed++;
    }
    test_error(lake_cspace_free(&st->cs, st->cptrs[0]), LAKE_INVALID_ARGUMENT);
    test_eq(lake_cspace_free_slots(&st->cs), free_before + freed);
    for (unsigned i = 0; i < GROW_SLOTS; i += 3) {
        lake_cptr_t c;
        test_ok(lake_cspace_alloc(&st->cs, &c));
        test_assert(c <= st->cptrs[GROW_SLOTS - 1]);    /* an old slot */
        test_eq(lake_debug_cap_identify(c), LAKE_OBJ_NULL);
    }
    test_eq(st->cs.grows, grows);

    /* A contiguous range filled by one Retype of 200 notifications. */
    lake_cptr_t first;
    test_ok(lake_cspace_alloc_range(&st->cs, 200, &first));
    uint32_t b2;
    test_ok(lake_untyped_alloc(&st->pool, 13, &b2));            /* 200 * 32 B <= 8 KiB */
    lake_word_t index, offset;
    unsigned depth;
    test_assert(lake_cspace_retype_dest(&st->cs, first, &index, &depth, &offset));
    test_ok(lake_untyped_retype(lake_untyped_cptr(&st->pool, b2), LAKE_OBJ_NOTIFICATION, 0,
                                st->cs.root, index, depth, offset, 200));
    for (unsigned i = 0; i < 200; i++)
        test_eq(lake_debug_cap_identify(first + i), LAKE_OBJ_NOTIFICATION);
    test_eq(lake_debug_cap_identify(first + 200), LAKE_OBJ_NULL);
    self->result[0] = 1;
}

TEST(ALLOC_001, "two-level CSpace: thousands of slots, growth, reuse, contiguous ranges")
{
    run_in_two_level_cspace(env, grow_body);
}

/* ---- ALLOC_002: mixed objects, exact accounting ---------------------- */

static const struct {
    unsigned type, size_bits;
} kinds[] = {
    {LAKE_OBJ_ENDPOINT, 0}, {LAKE_OBJ_NOTIFICATION, 0}, {LAKE_OBJ_TCB, 0},
    {LAKE_OBJ_CNODE, 4}, {LAKE_OBJ_CNODE, 8}, {LAKE_OBJ_FRAME_4K, 0},
    {LAKE_OBJ_PAGE_TABLE, 0}, {LAKE_OBJ_UNTYPED, 16}, {LAKE_OBJ_UNTYPED, 9},
    {LAKE_OBJ_VSPACE, 0},
};
#define NUM_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static void mixed_body(struct test_thread *self)
{
    struct rt_state *st = rt_init(self);
    lake_word_t start = lake_untyped_free_bytes(&st->pool);
    test_eq(start, 4ul << 20);
    lake_word_t used = 0;                   /* reference model */
    unsigned count = 0, allocs = 0, frees = 0, exhausted = 0;
    unsigned seed = 20261125;
    for (unsigned step = 0; step < 2500; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 100;
        if ((r < 60 && count < MAX_OBJECTS) || count == 0) {
            unsigned k = (seed >> 4) % NUM_KINDS;
            lake_cptr_t slot;
            test_ok(lake_cspace_alloc(&st->cs, &slot));
            uint32_t block;
            int error = lake_untyped_alloc_object(&st->pool, kinds[k].type, kinds[k].size_bits,
                                                  slot, &block);
            if (error == LAKE_NOT_ENOUGH_MEMORY) {
                exhausted++;
                test_ok(lake_cspace_free(&st->cs, slot));
                continue;
            }
            test_ok(error);
            test_eq(lake_debug_cap_identify(slot), kinds[k].type);
            st->cptrs[count] = slot;
            st->blocks[count] = block;
            st->kinds[count++] = (uint8_t)k;
            used += 1ul << lake_object_size_bits(kinds[k].type, kinds[k].size_bits);
            allocs++;
        } else {
            unsigned i = (seed >> 8) % count;
            unsigned k = st->kinds[i];
            test_ok(lake_untyped_free_object(&st->pool, st->blocks[i]));
            test_eq(lake_debug_cap_identify(st->cptrs[i]), LAKE_OBJ_NULL);
            test_ok(lake_cspace_free(&st->cs, st->cptrs[i]));
            used -= 1ul << lake_object_size_bits(kinds[k].type, kinds[k].size_bits);
            count--;
            st->cptrs[i] = st->cptrs[count];
            st->blocks[i] = st->blocks[count];
            st->kinds[i] = st->kinds[count];
            frees++;
        }
        test_eq(lake_untyped_free_bytes(&st->pool), start - used);
    }
    test_assert(lake_untyped_check(&st->pool));
    test_assert(allocs > 1000 && frees > 500);
    test_assert(st->pool.splits > 100);
    while (count > 0) {
        count--;
        test_ok(lake_untyped_free_object(&st->pool, st->blocks[count]));
        test_ok(lake_cspace_free(&st->cs, st->cptrs[count]));
    }
    /* Every split merges back (blocks under 4 KiB once trimmed): one
     * whole 4 MiB block again. */
    test_eq(lake_untyped_free_bytes(&st->pool), start);
    lake_untyped_trim(&st->pool);
    test_eq(lake_untyped_nodes_used(&st->pool), 1);
    test_eq(st->pool.splits, st->pool.merges);
    test_assert(lake_untyped_check(&st->pool));
    uint32_t whole;
    test_ok(lake_untyped_alloc(&st->pool, 22, &whole));
    test_eq(lake_untyped_cptr(&st->pool, whole), st->obj_untyped);
    /* Too much is an error that changes nothing. */
    uint32_t none;
    test_error(lake_untyped_alloc(&st->pool, 12, &none), LAKE_NOT_ENOUGH_MEMORY);
    test_ok(lake_untyped_free(&st->pool, whole));
    test_eq(lake_untyped_free_bytes(&st->pool), start);
    (void)exhausted;
    self->result[0] = 1;
}

TEST(ALLOC_002, "untyped allocator: mixed objects, free bytes back to the start exactly")
{
    run_in_two_level_cspace(env, mixed_body);
}

/* ---- ALLOC_003: device frame at a physical address ------------------- */

static void device_body(struct test_thread *self)
{
    struct rt_state *st = rt_init(self);
    struct test_env *env = st->env;
    test_ok(lake_untyped_add(&st->pool, env->device_untyped, env->device_untyped_paddr,
                             env->device_untyped_size_bits, true));
    lake_word_t ram = lake_untyped_free_bytes(&st->pool);
    lake_word_t dev = st->pool.device_free_bytes;
    lake_cptr_t frame;
    test_ok(lake_cspace_alloc(&st->cs, &frame));
    uint32_t block;
    test_ok(lake_untyped_alloc_frame_at(&st->pool, TEST_SYSTEM_TIMER_PADDR, LAKE_PAGE_BITS, frame,
                                        &block));
    lake_word_t paddr;
    test_ok(lake_frame_get_address(frame, &paddr));
    test_eq(paddr, TEST_SYSTEM_TIMER_PADDR);
    test_eq(lake_untyped_free_bytes(&st->pool), ram);
    test_eq(st->pool.device_free_bytes, dev - LAKE_PAGE_SIZE);
    /* The timer counts: map it and read the low counter twice. */
    test_map(env, frame, TEST_FREE_VADDR + 0x200000, LAKE_RIGHTS_RW,
             LAKE_ATTR_DEVICE | LAKE_ATTR_EXECUTE_NEVER);
    volatile uint32_t *clo = (volatile uint32_t *)(TEST_FREE_VADDR + 0x200000 + 4);
    uint32_t t0 = *clo;
    test_yield_many(20);
    uint32_t t1 = *clo;
    test_assert(t1 != t0);
    uint32_t again;
    test_error(lake_untyped_alloc_at(&st->pool, TEST_SYSTEM_TIMER_PADDR, LAKE_PAGE_BITS, &again),
               LAKE_DELETE_FIRST);
    test_ok(lake_frame_unmap(frame));
    test_ok(lake_untyped_free_object(&st->pool, block));
    test_eq(st->pool.device_free_bytes, dev);
    test_eq(lake_untyped_nodes_used(&st->pool), 2);     /* both roots whole again */
    test_assert(lake_untyped_check(&st->pool));
    self->result[0] = 1;
}

TEST(ALLOC_003, "untyped allocator: the device frame at a physical address, and back")
{
    if (!env->device_untyped)
        return;
    run_in_two_level_cspace(env, device_body);
}
