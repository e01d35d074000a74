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

_Static_assert(PRIO_BITMAP_WORDS <= 8, "one summary byte per word");

struct prio_bitmap {
    /* Summary: nonempty[w] is 1 when word[w] is not zero. Bytes rather than
     * bits, so marking a word is one byte store; read as one 64-bit value,
     * the highest non-zero byte is still a count-leading-zeros away. */
    union {
        u64 any;
        u8 nonempty[8];
    } top;
    u64 word[PRIO_BITMAP_WORDS];
};

static inline __attribute__((always_inline)) void prio_bitmap_set(struct prio_bitmap *b,
                                                                  unsigned prio)
{
    b->word[prio / 64] |= BIT(prio % 64);
    b->top.nonempty[prio / 64] = 1;
}

static inline __attribute__((always_inline)) void prio_bitmap_clear(struct prio_bitmap *b,
                                                                    unsigned prio)
{
    b->word[prio / 64] &= ~BIT(prio % 64);
    if (b->word[prio / 64] == 0)
        b->top.nonempty[prio / 64] = 0;
}

/* The highest priority with its bit set, or -1 if none. Two count-leading-
 * zeros and no loop: the scheduler and the fast paths ask on every switch.
 * (Little-endian: byte w of the summary is bits 8w..8w+7.) */
static inline __attribute__((always_inline)) int prio_bitmap_highest(const struct prio_bitmap *b)
{
    if (b->top.any == 0)
        return -1;
    int w = (63 - (int)clz64(b->top.any)) / 8;
    return w * 64 + 63 - (int)clz64(b->word[w]);
}

#endif
