/* untyped_place (kernel/include/object/cap.h): where Retype puts objects. */
#include "unit.h"
#include <object/cap.h>

static bool place(u64 watermark, unsigned ut_bits, unsigned obj_bits, u64 count, u64 *start)
{
    *start = 0xdead;
    return untyped_place(watermark, ut_bits, obj_bits, count, start);
}

TEST(fresh_untyped_places_at_zero)
{
    u64 start;
    CHECK(place(0, 12, 12, 1, &start));
    CHECK_EQ(start, 0);
    CHECK(place(0, 22, 5, 256, &start));
    CHECK_EQ(start, 0);
}

TEST(watermark_rounds_up_to_the_object_alignment)
{
    u64 start;
    CHECK(place(32, 22, 11, 1, &start));     /* a TCB after an endpoint */
    CHECK_EQ(start, 2048);
    CHECK(place(4096 + 32, 23, 21, 1, &start));
    CHECK_EQ(start, 2u << 20);
    CHECK(place(2048, 12, 11, 1, &start));
    CHECK_EQ(start, 2048);
}

TEST(exact_fit_and_one_too_many)
{
    u64 start;
    CHECK(place(0, 14, 12, 4, &start));
    CHECK(!place(0, 14, 12, 5, &start));
    CHECK_EQ(start, 0xdead);                 /* untouched on failure */
    CHECK(place(4096, 14, 12, 3, &start));
    CHECK_EQ(start, 4096);
    CHECK(!place(4096, 14, 12, 4, &start));
}

TEST(alignment_pushes_past_the_end)
{
    u64 start;
    /* 4 MiB untyped with 1 byte used: a 2 MiB frame still fits at 2 MiB... */
    CHECK(place(1, 22, 21, 1, &start));
    CHECK_EQ(start, 2u << 20);
    /* ...but not two of them. */
    CHECK(!place(1, 22, 21, 2, &start));
    /* A full untyped fits nothing. */
    CHECK(!place(1u << 22, 22, 4, 1, &start));
}

TEST(object_larger_than_untyped_or_bad_input)
{
    u64 start;
    CHECK(!place(0, 12, 13, 1, &start));
    CHECK(!place(0, 12, 12, 0, &start));
    CHECK(!place((1u << 12) + 1, 12, 4, 1, &start));   /* watermark beyond the end */
}

TEST(huge_counts_and_sizes_do_not_overflow)
{
    u64 start;
    CHECK(!place(0, 47, 12, ~0ull, &start));
    CHECK(place(0, 47, 47, 1, &start));
    CHECK_EQ(start, 0);
    CHECK(!place(1, 47, 47, 1, &start));
    CHECK(place((1ull << 45) + 5, 47, 46, 1, &start));
    CHECK_EQ(start, 1ull << 46);
    CHECK(!place((1ull << 46) + 5, 47, 46, 1, &start));
}
