/*
 * Kernel object types and their sizes. An object of type T made by Untyped
 * Retype takes 2^lake_object_size_bits(T, user_size_bits) bytes of the
 * untyped, aligned to that size.
 */
#ifndef LAKE_OBJECT_H
#define LAKE_OBJECT_H

#include <lake/abi_types.h>

enum lake_object_type {
    LAKE_OBJ_NULL = 0,          /* an empty slot */
    LAKE_OBJ_UNTYPED = 1,       /* size: user_size_bits (LAKE_UNTYPED_MIN_BITS..MAX) */
    LAKE_OBJ_TCB = 2,
    LAKE_OBJ_ENDPOINT = 3,
    LAKE_OBJ_NOTIFICATION = 4,
    LAKE_OBJ_CNODE = 5,         /* user_size_bits = radix: 2^radix slots */
    LAKE_OBJ_FRAME_4K = 6,
    LAKE_OBJ_FRAME_2M = 7,
    LAKE_OBJ_PAGE_TABLE = 8,    /* a translation table for any level below the root */
    LAKE_OBJ_VSPACE = 9,        /* a translation table root (level 0) */
    LAKE_OBJ_ASID_POOL = 10,    /* made by ASIDControl MakePool, not by Retype */
    LAKE_OBJ_ASID_CONTROL = 11, /* boot-time capabilities, never made */
    LAKE_OBJ_IRQ_CONTROL = 12,
    LAKE_OBJ_IRQ_HANDLER = 13,  /* made by IRQControl Get */
    LAKE_OBJ_REPLY = 14,        /* one-shot reply capability (see docs/ABI.md) */
    LAKE_OBJ_NUM_TYPES
};

#define LAKE_TCB_BITS           11
#define LAKE_ENDPOINT_BITS      5
#define LAKE_NOTIFICATION_BITS  5
#define LAKE_SLOT_BITS          5       /* one CNode slot */
#define LAKE_PAGE_BITS          12
#define LAKE_LARGE_PAGE_BITS    21
#define LAKE_PAGE_TABLE_BITS    12
#define LAKE_VSPACE_BITS        12
#define LAKE_ASID_POOL_BITS     12
#define LAKE_UNTYPED_MIN_BITS   4
#define LAKE_UNTYPED_MAX_BITS   47
#define LAKE_CNODE_MIN_RADIX    1
#define LAKE_CNODE_MAX_RADIX    20
#define LAKE_ASID_POOL_ENTRIES  512     /* ASIDs per pool */
#define LAKE_ASID_BITS          16
#define LAKE_NUM_PRIORITIES     256
#define LAKE_NUM_IRQS           64      /* BCM2835 peripheral lines 0-63 */
#define LAKE_USER_TOP           (1ull << 48)    /* user addresses are below this */

/* Size in bits of one object; 0 if the type cannot be made by Retype or
 * user_size_bits is out of range for it. */
static inline unsigned lake_object_size_bits(unsigned type, unsigned user_size_bits)
{
    switch (type) {
    case LAKE_OBJ_UNTYPED:
        return (user_size_bits >= LAKE_UNTYPED_MIN_BITS && user_size_bits <= LAKE_UNTYPED_MAX_BITS)
                   ? user_size_bits : 0;
    case LAKE_OBJ_TCB:          return LAKE_TCB_BITS;
    case LAKE_OBJ_ENDPOINT:     return LAKE_ENDPOINT_BITS;
    case LAKE_OBJ_NOTIFICATION: return LAKE_NOTIFICATION_BITS;
    case LAKE_OBJ_CNODE:
        return (user_size_bits >= LAKE_CNODE_MIN_RADIX && user_size_bits <= LAKE_CNODE_MAX_RADIX)
                   ? user_size_bits + LAKE_SLOT_BITS : 0;
    case LAKE_OBJ_FRAME_4K:     return LAKE_PAGE_BITS;
    case LAKE_OBJ_FRAME_2M:     return LAKE_LARGE_PAGE_BITS;
    case LAKE_OBJ_PAGE_TABLE:   return LAKE_PAGE_TABLE_BITS;
    case LAKE_OBJ_VSPACE:       return LAKE_VSPACE_BITS;
    default:                    return 0;
    }
}

#endif
