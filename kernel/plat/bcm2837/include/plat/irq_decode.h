/*
 * Interrupt decoding for the interrupt fast path (core/fastpath.c): the
 * case it handles is one peripheral line pending and no per-core source
 * (timer, mailbox). Inline, so that it follows the fast path's register
 * rules; irq.c's general dispatch handles everything else.
 */
#ifndef LAKE_PLAT_IRQ_DECODE_H
#define LAKE_PLAT_IRQ_DECODE_H

#include <arch/mmio.h>
#include <plat/platform.h>

/* The one peripheral line pending for this core and nothing else, or -1.
 * The BCM2835 pending registers show enabled lines only. */
static inline __attribute__((always_inline)) int plat_irq_sole_pending(unsigned core)
{
    if (mmio_read32(LOCAL_BASE, LOCAL_IRQ_SOURCE(core)) != LOCAL_SRC_GPU)
        return -1;
    u32 low = mmio_read32(IC_BASE, IC_PENDING1), high = mmio_read32(IC_BASE, IC_PENDING2);
    u64 lines = (u64)high << 32 | low;
    if (lines == 0 || (lines & (lines - 1)) != 0)
        return -1;
    return __builtin_ctzll(lines);
}

/* Masks a peripheral line until its handler acknowledges it. */
static inline __attribute__((always_inline)) void plat_irq_mask_line(unsigned irq)
{
    mmio_write32(IC_BASE, irq < 32 ? IC_DISABLE1 : IC_DISABLE2, 1u << (irq % 32));
}

#endif
