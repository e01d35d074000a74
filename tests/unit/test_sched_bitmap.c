/* kernel/include/prio_bitmap.h: the scheduler's O(1) priority choice. */
#include "unit.h"
#include <prio_bitmap.h>

TEST(empty_bitmap_has_no_highest)
{
    struct prio_bitmap b = {0};
    CHECK_EQ(prio_bitmap_highest(&b), -1);
}

TEST(single_priorities_at_word_edges)
{
    static const unsigned prios[] = { 0, 1, 63, 64, 127, 128, 191, 192, 254, 255 };
    for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
        struct prio_bitmap b = {0};
        prio_bitmap_set(&b, prios[i]);
        CHECK_EQ(prio_bitmap_highest(&b), prios[i]);
        prio_bitmap_clear(&b, prios[i]);
        CHECK_EQ(prio_bitmap_highest(&b), -1);
    }
}

TEST(highest_of_many_wins_and_clearing_reveals_the_next)
{
    struct prio_bitmap b = {0};
    prio_bitmap_set(&b, 3);
    prio_bitmap_set(&b, 70);
    prio_bitmap_set(&b, 200);
    prio_bitmap_set(&b, 199);
    CHECK_EQ(prio_bitmap_highest(&b), 200);
    prio_bitmap_clear(&b, 200);
    CHECK_EQ(prio_bitmap_highest(&b), 199);
    prio_bitmap_clear(&b, 199);
    CHECK_EQ(prio_bitmap_highest(&b), 70);
    prio_bitmap_clear(&b, 70);
    CHECK_EQ(prio_bitmap_highest(&b), 3);
}

TEST(set_and_clear_are_idempotent_and_independent)
{
    struct prio_bitmap b = {0};
    prio_bitmap_set(&b, 100);
    prio_bitmap_set(&b, 100);
    prio_bitmap_clear(&b, 101);     /* clearing an unset bit changes nothing */
    CHECK_EQ(prio_bitmap_highest(&b), 100);
    prio_bitmap_clear(&b, 100);
    prio_bitmap_clear(&b, 100);
    CHECK_EQ(prio_bitmap_highest(&b), -1);
}

TEST(every_priority_against_a_reference)
{
    /* Set priorities in a scrambled order, check against a plain maximum. */
    struct prio_bitmap b = {0};
    int reference = -1;
    for (unsigned i = 0; i < 256; i++) {
        unsigned prio = (i * 37u + 11u) % 256u;
        prio_bitmap_set(&b, prio);
        if ((int)prio > reference)
            reference = (int)prio;
        CHECK_EQ(prio_bitmap_highest(&b), reference);
    }
}
