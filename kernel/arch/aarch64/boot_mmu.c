/*
 * Boot-time kernel page tables.
 *
 * Runs on core 0 with the MMU off, at physical addresses: everything here is
 * reached PC-relatively (adrp), so taking the address of a table yields its
 * physical address. No tables of pointers, no calls outside this file.
 *
 * Layout (4 KiB granule, 48-bit VA; the same L0 serves TTBR0 for the
 * identity view during the switch and TTBR1 for the upper half):
 *   L0[0] -> L1;  L1[0] -> L2 for 0-1 GiB;  L1[1] -> L2 for 1-2 GiB
 *   0 .. end of kernel image (rounded to 2 MiB): 4 KiB pages so that text is
 *        read-only + executable, rodata read-only, everything else never
 *        executable (W^X)
 *   rest of RAM up to the peripherals: 2 MiB normal write-back blocks
 *   0x3f000000-0x3fffffff peripherals, 0x40000000 local controller:
 *        Device-nGnRE blocks
 */
#include <arch/mmu.h>
#include <bits.h>
#include <config.h>

#define BLOCK_SHIFT     21
#define BLOCK_SIZE      (UL(1) << BLOCK_SHIFT)
#define IMAGE_L3_TABLES 4               /* pages for the first 8 MiB */

u64 kernel_pt_l0[512] __aligned(PAGE_SIZE);
u64 empty_pt_l0[512] __aligned(PAGE_SIZE);   /* TTBR0 when no user space is active */
static u64 kernel_pt_l1[512] __aligned(PAGE_SIZE);
static u64 kernel_pt_l2[2][512] __aligned(PAGE_SIZE);
static u64 kernel_pt_l3[IMAGE_L3_TABLES][512] __aligned(PAGE_SIZE);

/* Image section boundaries from the linker script (virtual addresses; read
 * here through adrp, so they come out physical). */
extern char __text_start[], __text_end[], __rodata_end[], __kernel_end[];

#define NORMAL_RW   (PTE_VALID | PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_AF | \
                     PTE_AP_EL1_RW | PTE_PXN | PTE_UXN)
#define NORMAL_RX   (PTE_VALID | PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_AF | \
                     PTE_AP_EL1_RO | PTE_UXN)
#define NORMAL_RO   (PTE_VALID | PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER | PTE_AF | \
                     PTE_AP_EL1_RO | PTE_PXN | PTE_UXN)
#define DEVICE_RW   (PTE_VALID | PTE_ATTR(MAIR_IDX_DEVICE_nGnRE) | PTE_AF | \
                     PTE_AP_EL1_RW | PTE_PXN | PTE_UXN)

static u64 table_entry(const u64 *table)
{
    return (u64)table | PTE_VALID | PTE_TABLE;
}

static u64 image_page_attributes(u64 pa)
{
    if (pa >= (u64)__text_start && pa < (u64)__text_end)
        return NORMAL_RX;
    if (pa >= (u64)__text_end && pa < (u64)__rodata_end)
        return NORMAL_RO;
    return NORMAL_RW;
}

void boot_build_kernel_tables(void)
{
    u64 image_blocks = align_up((u64)__kernel_end, BLOCK_SIZE) >> BLOCK_SHIFT;

    kernel_pt_l0[0] = table_entry(kernel_pt_l1);
    kernel_pt_l1[0] = table_entry(kernel_pt_l2[0]);
    kernel_pt_l1[1] = table_entry(kernel_pt_l2[1]);

    for (u64 block = 0; block < 512; block++) {
        u64 pa = block << BLOCK_SHIFT;
        if (block < image_blocks) {
            u64 *l3 = kernel_pt_l3[block];
            for (u64 page = 0; page < 512; page++) {
                u64 page_pa = pa + (page << PAGE_SHIFT);
                l3[page] = page_pa | image_page_attributes(page_pa) | PTE_PAGE;
            }
            kernel_pt_l2[0][block] = table_entry(l3);
        } else if (pa < PERIPH_BASE) {
            kernel_pt_l2[0][block] = pa | NORMAL_RW | PTE_BLOCK;
        } else {
            kernel_pt_l2[0][block] = pa | DEVICE_RW | PTE_BLOCK;
        }
    }
    /* The BCM2836 local controller: one device block at 1 GiB. */
    kernel_pt_l2[1][0] = LOCAL_BASE | DEVICE_RW | PTE_BLOCK;
}
