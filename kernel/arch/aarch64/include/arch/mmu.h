/*
 * Kernel virtual memory layout.
 *
 * The kernel lives in the upper half (TTBR1). All physical memory from 0 up
 * to 2 GiB (RAM, peripherals and the per-core controller) is mapped once at
 * KERNEL_VBASE + physical address: the "kernel window". The lower half
 * (TTBR0) belongs to user address spaces.
 */
#ifndef LAKE_ARCH_MMU_H
#define LAKE_ARCH_MMU_H

#include <const.h>

#ifdef LAKE_HOST_TEST
/* Host unit tests place kernel objects at low addresses: identity window. */
#define KERNEL_VBASE        UL(0)
#else
#define KERNEL_VBASE        UL(0xffff000000000000)
#endif
#define KERNEL_LOAD_PADDR   UL(0x80000)
#define KERNEL_WINDOW_SIZE  UL(0x80000000)   /* 2 GiB */
#define PAGE_SHIFT          12
#define PAGE_SIZE           (UL(1) << PAGE_SHIFT)

/* MAIR_EL1 attribute indexes. */
#define MAIR_IDX_DEVICE_nGnRnE  0
#define MAIR_IDX_DEVICE_nGnRE   1
#define MAIR_IDX_NORMAL         2
#define MAIR_IDX_NORMAL_NC      3
#define MAIR_VALUE              UL(0x44ff0400)

/*
 * TCR_EL1: 48-bit VA in both halves (T0SZ = T1SZ = 16), 4 KiB granules,
 * inner-shareable write-back table walks, 32-bit physical addresses.
 */
#define TCR_T0SZ(n)         ((n) << 0)
#define TCR_IRGN0_WBWA      (UL(1) << 8)
#define TCR_ORGN0_WBWA      (UL(1) << 10)
#define TCR_SH0_INNER       (UL(3) << 12)
#define TCR_TG0_4K          (UL(0) << 14)
#define TCR_T1SZ(n)         ((n) << 16)
#define TCR_IRGN1_WBWA      (UL(1) << 24)
#define TCR_ORGN1_WBWA      (UL(1) << 26)
#define TCR_SH1_INNER       (UL(3) << 28)
#define TCR_TG1_4K          (UL(2) << 30)
#define TCR_IPS_32BIT       (UL(0) << 32)
#define TCR_AS_16BIT        (UL(1) << 36)
#define TCR_VALUE           (TCR_T0SZ(16) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | \
                             TCR_TG0_4K | TCR_T1SZ(16) | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA |    \
                             TCR_SH1_INNER | TCR_TG1_4K | TCR_IPS_32BIT)

/* SCTLR_EL1 bits. */
#define SCTLR_M             (UL(1) << 0)
#define SCTLR_C             (UL(1) << 2)
#define SCTLR_SA            (UL(1) << 3)
#define SCTLR_SA0           (UL(1) << 4)
#define SCTLR_I             (UL(1) << 12)
#define SCTLR_DZE           (UL(1) << 14)   /* EL0 may DC ZVA (zero what it can write) */
#define SCTLR_EL1_RES1      UL(0x30d00800)
#define SCTLR_EL1_MMU_ON    (SCTLR_EL1_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_SA0 | SCTLR_I | \
                             SCTLR_DZE)

/* Translation table descriptor bits (stage 1, 4 KiB granule). */
#define PTE_VALID           (UL(1) << 0)
#define PTE_TABLE           (UL(1) << 1)     /* at levels 0-2: next-level table */
#define PTE_PAGE            (UL(1) << 1)     /* at level 3: page */
#define PTE_BLOCK           (UL(0) << 1)     /* at levels 1-2: block */
#define PTE_ATTR(idx)       ((unsigned long)(idx) << 2)
#define PTE_AP_EL1_RW       (UL(0) << 6)
#define PTE_AP_RW           (UL(1) << 6)     /* EL0 and EL1 read/write */
#define PTE_AP_EL1_RO       (UL(2) << 6)
#define PTE_AP_RO           (UL(3) << 6)     /* EL0 and EL1 read-only */
#define PTE_SH_INNER        (UL(3) << 8)
#define PTE_AF              (UL(1) << 10)
#define PTE_NG              (UL(1) << 11)
#define PTE_PXN             (UL(1) << 53)
#define PTE_UXN             (UL(1) << 54)
#define PTE_ADDR_MASK       UL(0x0000fffffffff000)

#ifndef __ASSEMBLER__
#include <types.h>

static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(pa + KERNEL_VBASE);
}

static inline paddr_t virt_to_phys(const void *va)
{
    return (paddr_t)va - KERNEL_VBASE;
}

/* Boot: builds the kernel page tables; runs with the MMU off, at physical addresses. */
void boot_build_kernel_tables(void);
/* Physical address of the kernel's translation table root. */
extern u64 kernel_pt_l0[512];
#endif

#endif
