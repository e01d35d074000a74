/*
 * BOOTINFO: the root task's boot information and fixed capabilities.
 * These run inside the driver (the root task): they only read.
 */
#include "test.h"

TEST_ROOT(BOOTINFO_001, "bootinfo magic, version, radix and IPC buffer are sane")
{
    const struct lake_bootinfo *bi = env->bootinfo;
    test_eq(bi->magic, LAKE_BOOTINFO_MAGIC);
    test_eq(bi->version, LAKE_BOOTINFO_VERSION);
    test_eq(bi->cnode_radix, LAKE_ROOT_CNODE_RADIX);
    test_assert(bi->num_cpus >= 1);
    test_eq(bi->ipc_buffer % LAKE_IPC_BUFFER_SIZE, 0);
    test_eq(bi->ipc_buffer, (lake_word_t)lake_ipc_buffer);
}

static bool range_ok(const struct lake_slot_range *r)
{
    return r->start <= r->end && r->end <= (1ul << LAKE_ROOT_CNODE_RADIX);
}

TEST_ROOT(BOOTINFO_002, "slot ranges are ordered, disjoint and inside the root CNode")
{
    const struct lake_bootinfo *bi = env->bootinfo;
    test_assert(range_ok(&bi->user_image_frames));
    test_assert(range_ok(&bi->user_image_tables));
    test_assert(range_ok(&bi->untyped));
    test_assert(range_ok(&bi->empty));
    /* Fixed slots, then image frames, image tables, untyped, empty. */
    test_assert(bi->user_image_frames.start >= LAKE_ROOT_FIRST_FREE_SLOT);
    test_assert(bi->user_image_frames.end <= bi->user_image_tables.start);
    test_assert(bi->user_image_tables.end <= bi->untyped.start);
    test_assert(bi->untyped.end <= bi->empty.start);
    test_eq(bi->empty.end, 1ul << LAKE_ROOT_CNODE_RADIX);
    test_assert(bi->untyped.end - bi->untyped.start <= LAKE_BOOTINFO_MAX_UNTYPED);
    test_assert(bi->untyped.end > bi->untyped.start);
}

TEST_ROOT(BOOTINFO_003, "one image frame per page of the root task's image")
{
    const struct lake_bootinfo *bi = env->bootinfo;
    test_eq(bi->image_start % LAKE_PAGE_SIZE, 0);
    test_eq(bi->image_start, (lake_word_t)__image_start);
    test_assert(bi->image_end >= (lake_word_t)__image_end);
    lake_word_t pages = (bi->image_end - bi->image_start + LAKE_PAGE_SIZE - 1) / LAKE_PAGE_SIZE;
    test_eq(bi->user_image_frames.end - bi->user_image_frames.start, pages);
    test_assert(bi->user_image_tables.end > bi->user_image_tables.start);
}

TEST_ROOT(BOOTINFO_004, "the fixed slots hold the documented capabilities")
{
    test_eq(lake_debug_cap_identify(LAKE_ROOT_NULL), LAKE_OBJ_NULL);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_TCB), LAKE_OBJ_TCB);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_CNODE), LAKE_OBJ_CNODE);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_VSPACE), LAKE_OBJ_VSPACE);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_IRQ_CONTROL), LAKE_OBJ_IRQ_CONTROL);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_ASID_CONTROL), LAKE_OBJ_ASID_CONTROL);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_ASID_POOL), LAKE_OBJ_ASID_POOL);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_IPC_BUFFER), LAKE_OBJ_FRAME_4K);
    test_eq(lake_debug_cap_identify(LAKE_ROOT_BOOTINFO_FRAME), LAKE_OBJ_FRAME_4K);
}

TEST_ROOT(BOOTINFO_005, "image frames, image tables and untyped slots have their types")
{
    const struct lake_bootinfo *bi = env->bootinfo;
    for (lake_cptr_t s = bi->user_image_frames.start; s < bi->user_image_frames.end; s++)
        test_eq(lake_debug_cap_identify(s), LAKE_OBJ_FRAME_4K);
    for (lake_cptr_t s = bi->user_image_tables.start; s < bi->user_image_tables.end; s++)
        test_eq(lake_debug_cap_identify(s), LAKE_OBJ_PAGE_TABLE);
    for (lake_cptr_t s = bi->untyped.start; s < bi->untyped.end; s++)
        test_eq(lake_debug_cap_identify(s), LAKE_OBJ_UNTYPED);
    /* The driver uses the first slots of the empty range; the last is free. */
    test_eq(lake_debug_cap_identify(bi->empty.end - 1), LAKE_OBJ_NULL);
}

TEST_ROOT(BOOTINFO_006, "untyped regions are aligned, in range and do not overlap")
{
    const struct lake_bootinfo *bi = env->bootinfo;
    lake_word_t count = bi->untyped.end - bi->untyped.start;
    bool have_ram = false;
    for (lake_word_t i = 0; i < count; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        test_assert(u->size_bits >= LAKE_UNTYPED_MIN_BITS && u->size_bits <= LAKE_UNTYPED_MAX_BITS);
        test_eq(u->paddr & ((1ull << u->size_bits) - 1), 0);
        test_assert(u->is_device <= 1);
        have_ram |= !u->is_device;
        for (lake_word_t j = i + 1; j < count; j++) {
            const struct lake_untyped_desc *v = &bi->untyped_list[j];
            lake_word_t u_end = u->paddr + (1ull << u->size_bits);
            lake_word_t v_end = v->paddr + (1ull << v->size_bits);
            if (!(u_end <= v->paddr || v_end <= u->paddr))
                test_fail(__FILE__, __LINE__, "untyped %lu [%#lx,%#lx) overlaps %lu [%#lx,%#lx)",
                          (unsigned long)i, (unsigned long)u->paddr, (unsigned long)u_end,
                          (unsigned long)j, (unsigned long)v->paddr, (unsigned long)v_end);
        }
    }
    test_assert(have_ram);
}

TEST_ROOT(BOOTINFO_007, "the IPC buffer and image frames report distinct physical addresses")
{
    const struct lake_bootinfo *bi = env->bootinfo;
    lake_word_t ipc, first, second;
    test_ok(lake_frame_get_address(LAKE_ROOT_IPC_BUFFER, &ipc));
    test_ok(lake_frame_get_address(bi->user_image_frames.start, &first));
    test_ok(lake_frame_get_address(bi->user_image_frames.start + 1, &second));
    test_eq(ipc % LAKE_PAGE_SIZE, 0);
    test_eq(first % LAKE_PAGE_SIZE, 0);
    test_assert(first != second);
    test_assert(ipc != first && ipc != second);
}

TEST_ROOT(BOOTINFO_008, "the kernel command line is NUL-terminated and the timer runs")
{
    const struct lake_bootinfo *bi = env->bootinfo;
    bool terminated = false;
    for (size_t i = 0; i < sizeof(bi->cmdline); i++)
        if (bi->cmdline[i] == '\0')
            terminated = true;
    test_assert(terminated);
    test_assert(bi->timer_frequency > 0);
}
