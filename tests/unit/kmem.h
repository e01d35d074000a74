/*
 * Kernel object memory for host unit tests.
 *
 * Capabilities hold 40-bit physical addresses and host tests build with
 * KERNEL_VBASE = 0 (LAKE_HOST_TEST), so every object a capability names
 * (CNode slot arrays, TCBs, endpoints, untyped regions) must live below
 * 2^40. kmem maps a fixed region at KMEM_BASE and hands out zeroed,
 * aligned pieces of it.
 */
#ifndef LAKE_UNIT_KMEM_H
#define LAKE_UNIT_KMEM_H

#include <object/objects.h>

#define KMEM_BASE 0x10000000ul
#define KMEM_SIZE (16ul << 20)

/* Zeroed memory of size bytes aligned to align (a power of two); aborts
 * the test binary when the region is exhausted. */
void *kmem_alloc(u64 size, u64 align);
/* Frees everything (zeroing it); call at the start of a test. */
void kmem_reset(void);
/* Whether p lies inside the region. */
bool kmem_contains(const void *p);

/* A CNode of 2^radix slots: the slot array and a cap to it. */
struct cte *kmem_cnode(unsigned radix);
struct cap kmem_cnode_cap(const struct cte *slots, unsigned radix, unsigned guard_size, u64 guard);
/* A TCB (2 KiB aligned). */
struct tcb *kmem_tcb(void);
/* An object of 2^bits bytes aligned to its size; returns its address. */
paddr_t kmem_object(unsigned bits);

#endif
