/*
 * The scheduler's priority bitmap: one bit per priority that has a
 * runnable thread, so the highest is found with count-leading-zeros.
 * Pure: host-tested.
 */
#ifndef LAKE_KERNEL_PRIO_BITMAP_H
#define LAKE_KERNEL_PRIO_BITMAP_H

#include <bits.h>
#include <lake/object.h>

#define PRIO_BITMAP_WORDS (LAKE_NUM_PRIORITIES / 64)

struct prio_bitmap {
    u64 word[PRIO_BITMAP_WORDS];
};

static inline void prio_bitmap_set(struct prio_bitmap *b, unsigned prio)
{
    b->word[prio / 64] |= BIT(prio % 64);
}

static inline void prio_bitmap_clear(struct prio_bitmap *b, unsigned prio)
{
    b->word[prio / 64] &= ~BIT(prio % 64);
}

/* The highest priority with its bit set, or -1 if none. */
static inline int prio_bitmap_highest(const struct prio_bitmap *b)
{
    for (int w = PRIO_BITMAP_WORDS - 1; w >= 0; w--) {
        if (b->word[w] != 0)
            return w * 64 + 63 - (int)clz64(b->word[w]);
    }
    return -1;
}

#endif
