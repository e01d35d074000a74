/* Fixed low-address arena for kernel objects in host unit tests. */
#define _GNU_SOURCE
#include "kmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static u8 *base;
static u64 used;

static void kmem_map(void)
{
    if (base != NULL)
        return;
    void *p = mmap((void *)KMEM_BASE, KMEM_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)KMEM_BASE) {
        fprintf(stderr, "kmem: cannot map 0x%lx bytes at 0x%lx\n", KMEM_SIZE, KMEM_BASE);
        abort();
    }
    base = p;
}

void *kmem_alloc(u64 size, u64 align)
{
    kmem_map();
    u64 start = (used + align - 1) & ~(align - 1);
    if (start > KMEM_SIZE || size > KMEM_SIZE - start) {
        fprintf(stderr, "kmem: out of memory (0x%llx bytes)\n", (unsigned long long)size);
        abort();
    }
    used = start + size;
    memset(base + start, 0, size);
    return base + start;
}

void kmem_reset(void)
{
    kmem_map();
    memset(base, 0, used);
    used = 0;
}

bool kmem_contains(const void *p)
{
    return base != NULL && (const u8 *)p >= base && (const u8 *)p < base + KMEM_SIZE;
}

struct cte *kmem_cnode(unsigned radix)
{
    u64 size = (u64)sizeof(struct cte) << radix;
    return kmem_alloc(size, size);
}

struct cap kmem_cnode_cap(const struct cte *slots, unsigned radix, unsigned guard_size, u64 guard)
{
    return cap_make(LAKE_OBJ_CNODE, virt_to_phys(slots), LAKE_RIGHTS_ALL, radix, false,
                    guard_size, guard);
}

struct tcb *kmem_tcb(void)
{
    return kmem_alloc(BIT(LAKE_TCB_BITS), BIT(LAKE_TCB_BITS));
}

paddr_t kmem_object(unsigned bits)
{
    return virt_to_phys(kmem_alloc(BIT(bits), BIT(bits)));
}
