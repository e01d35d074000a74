/*
 * User address spaces on AArch64: 4-level translation tables (48-bit VA,
 * 4 KiB granule) rooted in a VSpace object, tagged with a 16-bit ASID.
 */
#ifndef LAKE_ARCH_VSPACE_H
#define LAKE_ARCH_VSPACE_H

#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <lake/message.h>
#include <lake/object.h>
#include <object/objects.h>
#include <tcb_cache.h>

#define VSPACE_LEVELS   4
#define PT_ENTRIES      512
#define ASID_POOLS      (1u << (LAKE_ASID_BITS - 9))    /* 128 pools of 512 */

struct asid_pool {
    u64 *vspace[LAKE_ASID_POOL_ENTRIES];    /* root table per ASID, or NULL */
};

_Static_assert(sizeof(struct asid_pool) == (1u << LAKE_ASID_POOL_BITS), "ASID pool size");

/* The ASID table: which pool serves each block of 512 ASIDs. */
extern struct asid_pool *asid_table[ASID_POOLS];

/* Root table of the VSpace with this ASID, or NULL. */
static inline u64 *asid_lookup(unsigned asid)
{
    struct asid_pool *pool;
    if (asid == 0 || asid >= (1u << LAKE_ASID_BITS))
        return NULL;
    pool = asid_table[asid >> 9];
    return pool ? pool->vspace[asid & (LAKE_ASID_POOL_ENTRIES - 1)] : NULL;
}

/* The root table of a VSpace cap that has a live ASID, or NULL. */
static inline u64 *vspace_root_of(struct cap vs)
{
    if (cap_type(vs) != LAKE_OBJ_VSPACE)
        return NULL;
    u64 *root = cap_ptr(vs);
    unsigned asid = cap_vspace_asid(vs);
    return asid != 0 && asid_lookup(asid) == root ? root : NULL;
}

/* Index of va in a table of the given level (0 = root). */
static inline unsigned pt_index(vaddr_t va, unsigned level)
{
    return (unsigned)((va >> (39 - 9 * level)) & (PT_ENTRIES - 1));
}

/*
 * Walks from the root to the entry for va in a table of `level`. Returns a
 * pointer to that entry, or NULL with *missing set to the first level whose
 * table is absent (or *missing = level of a block mapping in the way,
 * with *blocked = true).
 */
u64 *vspace_lookup_entry(u64 *root, vaddr_t va, unsigned level, unsigned *missing, bool *blocked);

static inline bool pte_is_valid(u64 pte) { return (pte & PTE_VALID) != 0; }
static inline bool pte_is_table(u64 pte, unsigned level) { return level < 3 && (pte & 3) == 3; }
static inline paddr_t pte_address(u64 pte) { return pte & PTE_ADDR_MASK; }

static inline u64 pte_table(paddr_t table)
{
    return table | PTE_VALID | PTE_TABLE;
}

/* A leaf entry for a frame at level 2 (2 MiB block) or 3 (4 KiB page). */
static inline u64 pte_leaf(paddr_t pa, unsigned level, unsigned rights, unsigned attrs)
{
    u64 pte = pa | PTE_VALID | PTE_AF | PTE_NG | PTE_PXN;
    pte |= level == 3 ? PTE_PAGE : PTE_BLOCK;
    pte |= (rights & LAKE_RIGHT_WRITE) ? PTE_AP_RW : PTE_AP_RO;
    if (attrs & LAKE_ATTR_EXECUTE_NEVER)
        pte |= PTE_UXN;
    if (attrs & LAKE_ATTR_DEVICE)
        pte |= PTE_ATTR(MAIR_IDX_DEVICE_nGnRE) | PTE_UXN;
    else if (attrs & LAKE_ATTR_UNCACHED)
        pte |= PTE_ATTR(MAIR_IDX_NORMAL_NC) | PTE_SH_INNER;
    else
        pte |= PTE_ATTR(MAIR_IDX_NORMAL) | PTE_SH_INNER;
    return pte;
}

void tlb_invalidate_page(unsigned asid, vaddr_t va);
void tlb_invalidate_asid(unsigned asid);
/* Keeps the table walker's view coherent after a table write: walks snoop
 * the caches (inner shareable, write-back), so a barrier suffices. */
static inline void pte_written(u64 *entry)
{
    (void)entry;
    dsb_ish();
}

void cache_clean_range(const void *va, size_t size);
void cache_invalidate_range(const void *va, size_t size);
void cache_clean_invalidate_range(const void *va, size_t size);
void cache_unify_range(const void *va, size_t size);

/* Switches TTBR0 to the thread's address space (or an empty one). */
void vspace_activate(struct tcb *t);

extern u64 empty_pt_l0[PT_ENTRIES];

#endif
