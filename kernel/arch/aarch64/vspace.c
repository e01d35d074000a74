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

/* Four lines a step while they last (a whole page is the usual case). */
#define CACHE_OP_LINES(op, start, end)                                              \
    do {                                                                            \
        u64 p_ = (start);                                                           \
        for (; (end) - p_ >= 4 * CACHE_LINE; p_ += 4 * CACHE_LINE)                  \
            __asm__ volatile(op " %0\n\t" op " %1\n\t" op " %2\n\t" op " %3"     \
                             : : "r"(p_), "r"(p_ + CACHE_LINE), "r"(p_ + 2 * CACHE_LINE), \
                               "r"(p_ + 3 * CACHE_LINE) : "memory");                  \
        for (; p_ < (end); p_ += CACHE_LINE)                                        \
            __asm__ volatile(op " %0" : : "r"(p_) : "memory");                      \
    } while (0)

#define CACHE_OP(name, insn)                                                    \
    void name(const void *va, size_t size)                                      \
    {                                                                           \
        CACHE_OP_LINES(insn ",", align_down((u64)va, CACHE_LINE), (u64)va + size); \
        dsb_sy();                                                               \
    }

CACHE_OP(cache_clean_range, "dc cvac")
CACHE_OP(cache_invalidate_range, "dc civac")   /* never discard others' dirty data */
CACHE_OP(cache_clean_invalidate_range, "dc civac")

void cache_unify_range(const void *va, size_t size)
{
    u64 start = align_down((u64)va, CACHE_LINE), end = (u64)va + size;
    CACHE_OP_LINES("dc cvau,", start, end);
    dsb_ish();
    CACHE_OP_LINES("ic ivau,", start, end);
    dsb_ish();
    isb();
}

void vspace_activate(struct tcb *t)
{
    sysreg_write(ttbr0_el1, tcb_ttbr0(t));
    isb();
}
