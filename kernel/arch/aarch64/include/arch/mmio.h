/*
 * 32-bit device register access through the kernel window. BCM2837
 * peripherals accept only 32-bit accesses.
 */
#ifndef LAKE_ARCH_MMIO_H
#define LAKE_ARCH_MMIO_H

#include <arch/mmu.h>
#include <types.h>

static inline u32 mmio_read32(paddr_t base, u32 offset)
{
    return *(volatile u32 *)((u64)phys_to_virt(base) + offset);
}

static inline void mmio_write32(paddr_t base, u32 offset, u32 value)
{
    *(volatile u32 *)((u64)phys_to_virt(base) + offset) = value;
}

#endif
