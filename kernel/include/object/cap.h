/*
 * Capabilities: two 64-bit words with one layout for every type.
 *
 *   word 0  63..59 type       58..55 rights      54..49 size bits / radix
 *           48     flag       47..40 small field  39..0 object address (physical)
 *   word 1  data: badge (endpoint, notification), guard (CNode), watermark
 *           (untyped), mapping (frame, page table: ASID << 48 | address),
 *           ASID (VSpace), first ASID (ASID pool)
 *
 * What flag and the small field mean depends on the type; the accessors
 * below name them. Objects live in the kernel window, so a physical
 * address converts to a kernel pointer by adding KERNEL_VBASE.
 */
#ifndef LAKE_OBJECT_CAP_H
#define LAKE_OBJECT_CAP_H

#include <arch/mmu.h>
#include <bits.h>
#include <lake/message.h>
#include <lake/object.h>

/* Kernel-internal type: a container object (CNode/TCB) being destroyed. */
#define CAP_ZOMBIE LAKE_OBJ_NUM_TYPES

struct cap {
    u64 w0;
    u64 data;
};

#define CAP_TYPE_SHIFT   59
#define CAP_RIGHTS_SHIFT 55
#define CAP_SIZE_SHIFT   49
#define CAP_FLAG_SHIFT   48
#define CAP_SMALL_SHIFT  40
#define CAP_ADDR_BITS    40

static inline struct cap cap_make(unsigned type, paddr_t addr, unsigned rights, unsigned size_bits,
                                  bool flag, unsigned small, u64 data)
{
    struct cap c;
    c.w0 = ((u64)type << CAP_TYPE_SHIFT) | ((u64)(rights & 0xf) << CAP_RIGHTS_SHIFT) |
           ((u64)(size_bits & 0x3f) << CAP_SIZE_SHIFT) | ((u64)flag << CAP_FLAG_SHIFT) |
           ((u64)(small & 0xff) << CAP_SMALL_SHIFT) | (addr & mask_bits(CAP_ADDR_BITS));
    c.data = data;
    return c;
}

static inline struct cap cap_null(void) { return (struct cap){ 0, 0 }; }

static inline unsigned cap_type(struct cap c) { return (unsigned)(c.w0 >> CAP_TYPE_SHIFT); }
static inline unsigned cap_rights(struct cap c) { return (unsigned)bits_extract(c.w0, CAP_RIGHTS_SHIFT, 4); }
static inline unsigned cap_size_bits(struct cap c) { return (unsigned)bits_extract(c.w0, CAP_SIZE_SHIFT, 6); }
static inline bool cap_flag(struct cap c) { return bits_extract(c.w0, CAP_FLAG_SHIFT, 1) != 0; }
static inline unsigned cap_small(struct cap c) { return (unsigned)bits_extract(c.w0, CAP_SMALL_SHIFT, 8); }
static inline paddr_t cap_paddr(struct cap c) { return bits_extract(c.w0, 0, CAP_ADDR_BITS); }
static inline void *cap_ptr(struct cap c) { return phys_to_virt(cap_paddr(c)); }
static inline bool cap_is_null(struct cap c) { return cap_type(c) == LAKE_OBJ_NULL; }

static inline struct cap cap_with_rights(struct cap c, unsigned rights)
{
    c.w0 = bits_insert(c.w0, CAP_RIGHTS_SHIFT, 4, rights);
    return c;
}

static inline struct cap cap_with_flag(struct cap c, bool flag)
{
    c.w0 = bits_insert(c.w0, CAP_FLAG_SHIFT, 1, flag);
    return c;
}

static inline struct cap cap_with_small(struct cap c, unsigned small)
{
    c.w0 = bits_insert(c.w0, CAP_SMALL_SHIFT, 8, small);
    return c;
}

/*
 * Untyped: size bits, flag = device; data = watermark (bytes used, bits
 * 0-47) and the end of a run of memory already zeroed above the watermark
 * (bits 48-63, in 64 KiB units; see untyped.c).
 */
#define UNTYPED_ZERO_CHUNK_BITS 16
static inline bool cap_untyped_is_device(struct cap c) { return cap_flag(c); }
static inline u64 cap_untyped_watermark(struct cap c) { return c.data & mask_bits(48); }
static inline u64 cap_untyped_zeroed_end(struct cap c)
{
    return (c.data >> 48) << UNTYPED_ZERO_CHUNK_BITS;
}
static inline u64 untyped_data(u64 watermark, u64 zeroed_end)
{
    return watermark | ((zeroed_end >> UNTYPED_ZERO_CHUNK_BITS) << 48);
}

/*
 * Where `count` objects of 2^obj_bits bytes go in an untyped of 2^ut_bits
 * bytes whose first `watermark` bytes are used: at the watermark rounded up
 * to the object size. False if they do not fit. Pure: host-tested.
 */
static inline bool untyped_place(u64 watermark, unsigned ut_bits, unsigned obj_bits, u64 count,
                                 u64 *start)
{
    if (obj_bits > ut_bits || count == 0 || watermark > BIT(ut_bits))
        return false;
    u64 first = align_up(watermark, BIT(obj_bits));
    if (first < watermark || first > BIT(ut_bits))
        return false;   /* rounding wrapped or ran past the end */
    if (count > (BIT(ut_bits) - first) >> obj_bits)
        return false;
    *start = first;
    return true;
}

/* CNode: size bits = radix, small = guard size, data = guard. */
static inline unsigned cap_cnode_radix(struct cap c) { return cap_size_bits(c); }
static inline unsigned cap_cnode_guard_size(struct cap c) { return cap_small(c); }
static inline u64 cap_cnode_guard(struct cap c) { return c.data; }

/* Frames: flag = device memory; data = ASID << 48 | mapped address (ASID 0: unmapped). */
static inline bool cap_is_frame(struct cap c)
{
    return cap_type(c) == LAKE_OBJ_FRAME_4K || cap_type(c) == LAKE_OBJ_FRAME_2M;
}
static inline unsigned cap_frame_bits(struct cap c)
{
    return cap_type(c) == LAKE_OBJ_FRAME_2M ? LAKE_LARGE_PAGE_BITS : LAKE_PAGE_BITS;
}
static inline unsigned cap_mapped_asid(struct cap c) { return (unsigned)(c.data >> 48); }
static inline vaddr_t cap_mapped_vaddr(struct cap c) { return c.data & mask_bits(48); }
static inline u64 cap_mapping(unsigned asid, vaddr_t vaddr)
{
    return ((u64)asid << 48) | (vaddr & mask_bits(48));
}

/* Page table: small = level it is mapped at (1-3), data = mapping as frames. */
static inline unsigned cap_page_table_level(struct cap c) { return cap_small(c); }

/* VSpace: data = ASID (0: none yet). */
static inline unsigned cap_vspace_asid(struct cap c) { return (unsigned)c.data; }

/* ASID pool: data = first ASID of the pool. */
static inline unsigned cap_asid_pool_base(struct cap c) { return (unsigned)c.data; }

/* IRQ handler: small = IRQ number. */
static inline unsigned cap_irq(struct cap c) { return cap_small(c); }

/* Reply: address = the caller's TCB, flag = may carry capabilities (grant). */
static inline bool cap_reply_can_grant(struct cap c) { return cap_flag(c); }

/* Zombie: address = container object, size = radix (CNode) or 0 (TCB),
 * flag = container is a TCB. */

/* Physical extent of the object a capability names (0 size: no memory). */
u64 cap_object_size(struct cap c);

/* Name of a capability type for debug output. */
const char *cap_type_name(unsigned type);

#endif
