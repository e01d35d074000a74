/*
 * AArch64 translation tables for user address spaces, TLB and cache
 * maintenance. User mappings are non-global (nG) and tagged with the
 * VSpace's ASID, so switching address spaces needs no TLB flush.
 */
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <arch/vspace.h>
#include <lake/message.h>

#define CACHE_LINE 64

struct asid_pool *asid_table[ASID_POOLS];

u64 *vspace_lookup_entry(u64 *root, vaddr_t va, unsigned level, unsigned *missing, bool *blocked)
{
    u64 *table = root;
    *blocked = false;
    for (unsigned l = 0; l < level; l++) {
        u64 pte = table[pt_index(va, l)];
        if (!pte_is_valid(pte)) {
            *missing = l + 1;
            return NULL;
        }
        if (!pte_is_table(pte, l)) {
            *missing = l;
            *blocked = true;
            return NULL;
        }
        table = phys_to_virt(pte_address(pte));
    }
    return &table[pt_index(va, level)];
}

void tlb_invalidate_page(unsigned asid, vaddr_t va)
{
    u64 arg = ((u64)asid << 48) | ((va >> PAGE_SHIFT) & mask_bits(44));
    dsb_ish();
    __asm__ volatile("tlbi vae1is, %0" : : "r"(arg) : "memory");
    dsb_ish();
    isb();
}

void tlb_invalidate_asid(unsigned asid)
{
    u64 arg = (u64)asid << 48;
    dsb_ish();
    __asm__ volatile("tlbi aside1is, %0" : : "r"(arg) : "memory");
    dsb_ish();
    isb();
}

#define CACHE_OP(name, insn)                                                    \
    void name(const void *va, size_t size)                                      \
    {                                                                           \
        u64 start = align_down((u64)va, CACHE_LINE);                            \
        for (u64 p = start; p < (u64)va + size; p += CACHE_LINE)                \
            __asm__ volatile(insn ", %0" : : "r"(p) : "memory");                \
        dsb_sy();                                                               \
    }

CACHE_OP(cache_clean_range, "dc cvac")
CACHE_OP(cache_invalidate_range, "dc civac")   /* never discard others' dirty data */
CACHE_OP(cache_clean_invalidate_range, "dc civac")

void cache_unify_range(const void *va, size_t size)
{
    u64 start = align_down((u64)va, CACHE_LINE);
    for (u64 p = start; p < (u64)va + size; p += CACHE_LINE)
        __asm__ volatile("dc cvau, %0" : : "r"(p) : "memory");
    dsb_ish();
    for (u64 p = start; p < (u64)va + size; p += CACHE_LINE)
        __asm__ volatile("ic ivau, %0" : : "r"(p) : "memory");
    dsb_ish();
    isb();
}

void vspace_activate(struct tcb *t)
{
    sysreg_write(ttbr0_el1, tcb_ttbr0(t));
    isb();
}
