/*
 * Capability layout (kernel/include/object/cap.h), cap_object_size
 * (kernel/core/cdt.c), the message info word (include/lake/message.h) and
 * object sizes (include/lake/object.h).
 */
#include "unit.h"
#include "kmem.h"
#include <cdt.h>
#include <lake/message.h>
#include <lake/object.h>
#include <object/cap.h>

/* cdt.c's deletion path calls this; nothing here deletes. */
void cap_finalise(struct cte *slot, bool final)
{
    (void)slot;
    (void)final;
    CHECK(!"cap_finalise called");
}

bool preemption_pending(void)
{
    return false;
}

#define ADDR_MAX ((1ull << 40) - 1)

TEST(cap_make_round_trips_every_field)
{
    struct cap c = cap_make(LAKE_OBJ_CNODE, 0x12345678a0ull, 0xa, 0x2d, true, 0xc3,
                            0xfedcba9876543210ull);
    CHECK_EQ(cap_type(c), LAKE_OBJ_CNODE);
    CHECK_EQ(cap_paddr(c), 0x12345678a0ull);
    CHECK_EQ(cap_rights(c), 0xa);
    CHECK_EQ(cap_size_bits(c), 0x2d);
    CHECK(cap_flag(c));
    CHECK_EQ(cap_small(c), 0xc3);
    CHECK_EQ(c.data, 0xfedcba9876543210ull);
    CHECK(!cap_is_null(c));
}

TEST(cap_make_field_extremes)
{
    /* All-ones in every field must not spill into a neighbour. */
    struct cap c = cap_make(CAP_ZOMBIE, ADDR_MAX, 0xf, 0x3f, true, 0xff, ~0ull);
    CHECK_EQ(cap_type(c), CAP_ZOMBIE);
    CHECK_EQ(cap_paddr(c), ADDR_MAX);
    CHECK_EQ(cap_rights(c), 0xf);
    CHECK_EQ(cap_size_bits(c), 0x3f);
    CHECK(cap_flag(c));
    CHECK_EQ(cap_small(c), 0xff);

    struct cap z = cap_make(LAKE_OBJ_UNTYPED, 0, 0, 0, false, 0, 0);
    CHECK_EQ(cap_type(z), LAKE_OBJ_UNTYPED);
    CHECK_EQ(cap_paddr(z), 0);
    CHECK_EQ(cap_rights(z), 0);
    CHECK_EQ(cap_size_bits(z), 0);
    CHECK(!cap_flag(z));
    CHECK_EQ(cap_small(z), 0);
    CHECK_EQ(z.w0, (u64)LAKE_OBJ_UNTYPED << CAP_TYPE_SHIFT);
}

TEST(cap_make_truncates_oversized_fields)
{
    /* Only the documented width of each field is kept. */
    struct cap c = cap_make(LAKE_OBJ_ENDPOINT, (1ull << 40) | 0x40, 0x1f, 0x41, false, 0x1ff, 0);
    CHECK_EQ(cap_type(c), LAKE_OBJ_ENDPOINT);
    CHECK_EQ(cap_paddr(c), 0x40);
    CHECK_EQ(cap_rights(c), 0xf);
    CHECK_EQ(cap_size_bits(c), 1);
    CHECK(!cap_flag(c));
    CHECK_EQ(cap_small(c), 0xff);
}

TEST(cap_null_is_all_zero)
{
    struct cap n = cap_null();
    CHECK_EQ(n.w0, 0);
    CHECK_EQ(n.data, 0);
    CHECK(cap_is_null(n));
    CHECK_EQ(cap_type(n), LAKE_OBJ_NULL);
}

TEST(cap_every_type_round_trips)
{
    for (unsigned t = 0; t <= CAP_ZOMBIE; t++) {
        struct cap c = cap_make(t, 0x1000, 3, 12, false, 0, 7);
        CHECK_EQ(cap_type(c), t);
        CHECK_EQ(cap_is_null(c), t == LAKE_OBJ_NULL);
        CHECK_EQ(cap_paddr(c), 0x1000);
    }
}

TEST(cap_with_rights_changes_only_rights)
{
    struct cap c = cap_make(LAKE_OBJ_NOTIFICATION, 0xabcdef0120ull, LAKE_RIGHTS_ALL, 5, true, 0x5a, 42);
    struct cap r = cap_with_rights(c, LAKE_RIGHT_READ);
    CHECK_EQ(cap_rights(r), LAKE_RIGHT_READ);
    CHECK_EQ(r.w0 & ~(0xfull << CAP_RIGHTS_SHIFT), c.w0 & ~(0xfull << CAP_RIGHTS_SHIFT));
    CHECK_EQ(r.data, 42);
    /* Oversized rights are truncated to 4 bits, not spilled into the type. */
    struct cap o = cap_with_rights(c, 0xf0 | LAKE_RIGHT_WRITE);
    CHECK_EQ(cap_rights(o), LAKE_RIGHT_WRITE);
    CHECK_EQ(cap_type(o), LAKE_OBJ_NOTIFICATION);
    CHECK_EQ(cap_size_bits(o), 5);
}

TEST(cap_with_flag_changes_only_flag)
{
    struct cap c = cap_make(LAKE_OBJ_FRAME_4K, 0x3000, 3, 0x3f, false, 0xff, 9);
    struct cap f = cap_with_flag(c, true);
    CHECK(cap_flag(f));
    CHECK_EQ(f.w0, c.w0 | (1ull << CAP_FLAG_SHIFT));
    struct cap g = cap_with_flag(f, false);
    CHECK(!cap_flag(g));
    CHECK_EQ(g.w0, c.w0);
    CHECK_EQ(g.data, 9);
}

TEST(cap_with_small_changes_only_small)
{
    struct cap c = cap_make(LAKE_OBJ_IRQ_HANDLER, ADDR_MAX, 0xf, 0x3f, true, 0, ~0ull);
    struct cap s = cap_with_small(c, 57);
    CHECK_EQ(cap_irq(s), 57);
    CHECK_EQ(s.w0 & ~(0xffull << CAP_SMALL_SHIFT), c.w0);
    struct cap t = cap_with_small(s, 0x1ff);   /* truncated to 8 bits */
    CHECK_EQ(cap_small(t), 0xff);
    CHECK(cap_flag(t));
    CHECK_EQ(cap_paddr(t), ADDR_MAX);
}

TEST(cnode_accessors)
{
    struct cap c = cap_make(LAKE_OBJ_CNODE, 0x40000, LAKE_RIGHTS_ALL, 12, false, 52, 0x5);
    CHECK_EQ(cap_cnode_radix(c), 12);
    CHECK_EQ(cap_cnode_guard_size(c), 52);
    CHECK_EQ(cap_cnode_guard(c), 5);
}

TEST(typed_accessors_name_the_shared_fields)
{
    struct cap ut = cap_make(LAKE_OBJ_UNTYPED, 0x100000, 0, 20, true, 0, 0x800);
    CHECK(cap_untyped_is_device(ut));
    CHECK_EQ(ut.data, 0x800);
    struct cap pt = cap_make(LAKE_OBJ_PAGE_TABLE, 0x5000, 0, 0, false, 2, cap_mapping(7, 0x40000000));
    CHECK_EQ(cap_page_table_level(pt), 2);
    CHECK_EQ(cap_mapped_asid(pt), 7);
    CHECK_EQ(cap_mapped_vaddr(pt), 0x40000000);
    struct cap vs = cap_make(LAKE_OBJ_VSPACE, 0x6000, 0, 0, false, 0, 513);
    CHECK_EQ(cap_vspace_asid(vs), 513);
    struct cap pool = cap_make(LAKE_OBJ_ASID_POOL, 0x7000, 0, 0, false, 0, 1024);
    CHECK_EQ(cap_asid_pool_base(pool), 1024);
    struct cap reply = cap_make(LAKE_OBJ_REPLY, 0x800, 0, 0, true, 0, 0);
    CHECK(cap_reply_can_grant(reply));
    CHECK(!cap_reply_can_grant(cap_with_flag(reply, false)));
}

TEST(cap_ptr_is_the_kernel_window_address)
{
    kmem_reset();
    struct tcb *t = kmem_tcb();
    struct cap c = cap_make(LAKE_OBJ_TCB, virt_to_phys(t), LAKE_RIGHTS_ALL, 0, false, 0, 0);
    CHECK(cap_ptr(c) == (void *)t);
    CHECK(cap_tcb(c) == t);
    CHECK_EQ(virt_to_phys(phys_to_virt(0x123456)), 0x123456);
}

TEST(frame_kind_and_bits)
{
    struct cap small = cap_make(LAKE_OBJ_FRAME_4K, 0x1000, 3, 0, false, 0, 0);
    struct cap large = cap_make(LAKE_OBJ_FRAME_2M, 0x200000, 3, 0, true, 0, 0);
    CHECK(cap_is_frame(small));
    CHECK(cap_is_frame(large));
    CHECK(!cap_is_frame(cap_make(LAKE_OBJ_PAGE_TABLE, 0x1000, 0, 0, false, 0, 0)));
    CHECK(!cap_is_frame(cap_null()));
    CHECK_EQ(cap_frame_bits(small), 12);
    CHECK_EQ(cap_frame_bits(large), 21);
}

TEST(frame_mapping_encode_decode)
{
    u64 m = cap_mapping(0xffff, 0xffffffffe000ull);
    CHECK_EQ(m, 0xffffffffffffe000ull);
    struct cap f = cap_make(LAKE_OBJ_FRAME_4K, 0x1000, 3, 0, false, 0, m);
    CHECK_EQ(cap_mapped_asid(f), 0xffff);
    CHECK_EQ(cap_mapped_vaddr(f), 0xffffffffe000ull);

    f.data = cap_mapping(1, 0x400000);
    CHECK_EQ(cap_mapped_asid(f), 1);
    CHECK_EQ(cap_mapped_vaddr(f), 0x400000);

    /* Unmapped: ASID 0. */
    f.data = cap_mapping(0, 0);
    CHECK_EQ(cap_mapped_asid(f), 0);
    CHECK_EQ(f.data, 0);
}

TEST(frame_mapping_truncates_vaddr_to_48_bits)
{
    /* An address with bits above 47 must not change the ASID. */
    u64 m = cap_mapping(3, 0xffff000000401000ull);
    CHECK_EQ(m >> 48, 3);
    CHECK_EQ(m & mask_bits(48), 0x401000);
}

TEST(object_size_per_type)
{
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_UNTYPED, 0, 0, 4, false, 0, 0)), 16);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_UNTYPED, 0, 0, 47, false, 0, 0)), 1ull << 47);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_TCB, 0, 0, 0, false, 0, 0)), 2048);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_ENDPOINT, 0, 0, 0, false, 0, 0)), 32);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_NOTIFICATION, 0, 0, 0, false, 0, 0)), 32);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_CNODE, 0, 0, 1, false, 0, 0)), 64);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_CNODE, 0, 0, 12, false, 52, 0)), 4096 * 32);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_FRAME_4K, 0, 0, 0, false, 0, 0)), 4096);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_FRAME_2M, 0, 0, 0, false, 0, 0)), 2ull << 20);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_PAGE_TABLE, 0, 0, 0, false, 0, 0)), 4096);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_VSPACE, 0, 0, 0, false, 0, 0)), 4096);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_ASID_POOL, 0, 0, 0, false, 0, 0)), 4096);
}

TEST(object_size_zero_for_objects_without_memory)
{
    CHECK_EQ(cap_object_size(cap_null()), 0);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_ASID_CONTROL, 0, 0, 0, false, 0, 0)), 0);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_IRQ_CONTROL, 0, 0, 0, false, 0, 0)), 0);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_IRQ_HANDLER, 0, 0, 0, false, 57, 0)), 0);
    CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_REPLY, 0x800, 0, 0, false, 0, 0)), 0);
    CHECK_EQ(cap_object_size(cap_make(CAP_ZOMBIE + 1, 0, 0, 0, false, 0, 0)), 0);
}

TEST(object_size_matches_abi_sizes)
{
    /* A cap made for a retyped object covers exactly what Retype carved. */
    static const unsigned types[] = {
        LAKE_OBJ_TCB, LAKE_OBJ_ENDPOINT, LAKE_OBJ_NOTIFICATION, LAKE_OBJ_FRAME_4K,
        LAKE_OBJ_FRAME_2M, LAKE_OBJ_PAGE_TABLE, LAKE_OBJ_VSPACE,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(types); i++)
        CHECK_EQ(cap_object_size(cap_make(types[i], 0, 0, 0, false, 0, 0)),
                 BIT(lake_object_size_bits(types[i], 0)));
    for (unsigned r = LAKE_CNODE_MIN_RADIX; r <= LAKE_CNODE_MAX_RADIX; r++)
        CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_CNODE, 0, 0, r, false, 0, 0)),
                 BIT(lake_object_size_bits(LAKE_OBJ_CNODE, r)));
    for (unsigned b = LAKE_UNTYPED_MIN_BITS; b <= LAKE_UNTYPED_MAX_BITS; b++)
        CHECK_EQ(cap_object_size(cap_make(LAKE_OBJ_UNTYPED, 0, 0, b, false, 0, 0)),
                 BIT(lake_object_size_bits(LAKE_OBJ_UNTYPED, b)));
}

TEST(zombie_object_size_is_its_container)
{
    /* Zombies stay in the derivation tree under their untyped. */
    CHECK_EQ(cap_object_size(cap_make(CAP_ZOMBIE, 0x800, 0, 0, true, 0, 0)), 2048);
    CHECK_EQ(cap_object_size(cap_make(CAP_ZOMBIE, 0x1000, 0, 7, false, 0, 0)), 128 * 32);
}

/* include/lake/message.h */

TEST(msginfo_round_trip)
{
    lake_msginfo_t m = lake_msginfo(0x123456789abull, 5, 3, 120);
    CHECK_EQ(lake_msginfo_label(m), 0x123456789abull);
    CHECK_EQ(lake_msginfo_unwrapped(m), 5);
    CHECK_EQ(lake_msginfo_extra_caps(m), 3);
    CHECK_EQ(lake_msginfo_length(m), 120);
    CHECK_EQ(lake_msginfo(0, 0, 0, 0), 0);
}

TEST(msginfo_bit_positions)
{
    CHECK_EQ(lake_msginfo(1, 0, 0, 0), 1ull << 12);
    CHECK_EQ(lake_msginfo(0, 1, 0, 0), 1ull << 9);
    CHECK_EQ(lake_msginfo(0, 0, 1, 0), 1ull << 7);
    CHECK_EQ(lake_msginfo(0, 0, 0, 1), 1);
    CHECK_EQ(lake_msginfo(0, 7, 3, 0x7f), 0xfff);
}

TEST(msginfo_truncates_oversized_fields)
{
    /* Each field is masked to its width and never disturbs the others. */
    lake_msginfo_t m = lake_msginfo(2, 8 | 2, 4 | 1, 0x80 | 5);
    CHECK_EQ(lake_msginfo_label(m), 2);
    CHECK_EQ(lake_msginfo_unwrapped(m), 2);
    CHECK_EQ(lake_msginfo_extra_caps(m), 1);
    CHECK_EQ(lake_msginfo_length(m), 5);
    /* The label keeps its low 52 bits. */
    m = lake_msginfo(~0ull, 0, 0, 0);
    CHECK_EQ(lake_msginfo_label(m), mask_bits(52));
    CHECK_EQ(lake_msginfo_length(m), 0);
    CHECK_EQ(lake_msginfo_extra_caps(m), 0);
    CHECK_EQ(lake_msginfo_unwrapped(m), 0);
}

TEST(msginfo_length_above_max_is_not_clamped_by_encoding)
{
    /* Clamping to LAKE_MSG_MAX_LENGTH is the kernel's job; the encoding
     * just keeps 7 bits, so 121..127 survive and 128 wraps to 0. */
    CHECK_EQ(lake_msginfo_length(lake_msginfo(0, 0, 0, 127)), 127);
    CHECK_EQ(lake_msginfo_length(lake_msginfo(0, 0, 0, 128)), 0);
    CHECK(LAKE_MSG_MAX_LENGTH <= 0x7f);
    CHECK(LAKE_MSG_MAX_EXTRA_CAPS <= 3);
}

/* include/lake/object.h */

TEST(object_size_bits_fixed_types)
{
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_TCB, 0), 11);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_TCB, 99), 11);   /* size ignored */
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_ENDPOINT, 0), 5);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_NOTIFICATION, 0), 5);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_FRAME_4K, 0), 12);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_FRAME_2M, 0), 21);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_PAGE_TABLE, 0), 12);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_VSPACE, 0), 12);
}

TEST(object_size_bits_untyped_range)
{
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_UNTYPED, 0), 0);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_UNTYPED, 3), 0);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_UNTYPED, 4), 4);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_UNTYPED, 20), 20);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_UNTYPED, 47), 47);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_UNTYPED, 48), 0);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_UNTYPED, ~0u), 0);
}

TEST(object_size_bits_cnode_range)
{
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_CNODE, 0), 0);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_CNODE, 1), 6);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_CNODE, 12), 17);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_CNODE, 20), 25);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_CNODE, 21), 0);
    CHECK_EQ(lake_object_size_bits(LAKE_OBJ_CNODE, ~0u), 0);
}

TEST(object_size_bits_not_retypable)
{
    static const unsigned types[] = {
        LAKE_OBJ_NULL, LAKE_OBJ_ASID_POOL, LAKE_OBJ_ASID_CONTROL, LAKE_OBJ_IRQ_CONTROL,
        LAKE_OBJ_IRQ_HANDLER, LAKE_OBJ_REPLY, LAKE_OBJ_NUM_TYPES, 255, ~0u,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(types); i++)
        CHECK_EQ(lake_object_size_bits(types[i], 12), 0);
}

TEST(abi_sizes_fit_the_kernel_objects)
{
    CHECK_EQ(sizeof(struct cte), 1u << LAKE_SLOT_BITS);
    CHECK(sizeof(struct tcb) <= 1u << LAKE_TCB_BITS);
    CHECK(sizeof(struct endpoint) <= 1u << LAKE_ENDPOINT_BITS);
    CHECK(sizeof(struct notification) <= 1u << LAKE_NOTIFICATION_BITS);
    CHECK_EQ(sizeof(struct cap), 16);
}

TEST(cte_flags_live_in_prev_low_bits)
{
    kmem_reset();
    struct cte *s = kmem_cnode(2);
    cte_set_prev(&s[1], &s[0]);
    cte_set_flags(&s[1], CTE_REVOCABLE | CTE_FIRST_BADGED);
    CHECK(cte_prev(&s[1]) == &s[0]);
    CHECK_EQ(cte_flags(&s[1]), CTE_REVOCABLE | CTE_FIRST_BADGED);
    cte_set_prev(&s[1], &s[2]);     /* keeps the flags */
    CHECK(cte_prev(&s[1]) == &s[2]);
    CHECK_EQ(cte_flags(&s[1]), CTE_REVOCABLE | CTE_FIRST_BADGED);
    cte_set_flags(&s[1], 0);        /* keeps the pointer */
    CHECK(cte_prev(&s[1]) == &s[2]);
    CHECK_EQ(cte_flags(&s[1]), 0);
    cte_set_prev(&s[1], NULL);
    CHECK(cte_prev(&s[1]) == NULL);
}
