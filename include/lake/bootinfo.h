/*
 * Boot information: the kernel maps this page into the root task and passes
 * its address in x0. It describes every capability the root task starts
 * with. Slots below LAKE_ROOT_FIRST_FREE_SLOT are fixed.
 */
#ifndef LAKE_BOOTINFO_H
#define LAKE_BOOTINFO_H

#include <lake/abi_types.h>

enum lake_root_slot {
    LAKE_ROOT_NULL = 0,
    LAKE_ROOT_TCB = 1,
    LAKE_ROOT_CNODE = 2,
    LAKE_ROOT_VSPACE = 3,
    LAKE_ROOT_IRQ_CONTROL = 4,
    LAKE_ROOT_ASID_CONTROL = 5,
    LAKE_ROOT_ASID_POOL = 6,
    LAKE_ROOT_IPC_BUFFER = 7,
    LAKE_ROOT_BOOTINFO_FRAME = 8,
    LAKE_ROOT_FIRST_FREE_SLOT = 16
};

#define LAKE_BOOTINFO_MAGIC     0x4c414b45424f4f54ull   /* "LAKEBOOT" */
#define LAKE_BOOTINFO_VERSION   1
#define LAKE_BOOTINFO_MAX_UNTYPED 160
#define LAKE_ROOT_CNODE_RADIX   12      /* 4096 slots, guard makes it a 64-bit CSpace */

struct lake_slot_range {
    lake_cptr_t start;      /* first slot */
    lake_cptr_t end;        /* one past the last slot */
};

struct lake_untyped_desc {
    uint64_t paddr;
    uint8_t size_bits;
    uint8_t is_device;
    uint8_t padding[6];
};

struct lake_bootinfo {
    uint64_t magic;
    uint64_t version;
    uint64_t num_cpus;
    uint64_t ipc_buffer;                    /* root task's IPC buffer address */
    uint64_t cnode_radix;                   /* root CNode has 2^radix slots */
    struct lake_slot_range empty;           /* free slots in the root CNode */
    struct lake_slot_range user_image_frames;   /* frames of the root task's image */
    struct lake_slot_range user_image_tables;   /* its page tables */
    struct lake_slot_range untyped;         /* untyped caps, described below in order */
    uint64_t image_start;                   /* root task image address range */
    uint64_t image_end;
    uint64_t timer_frequency;               /* generic counter ticks per second */
    struct lake_untyped_desc untyped_list[LAKE_BOOTINFO_MAX_UNTYPED];
    char cmdline[256];
};

_Static_assert(sizeof(struct lake_bootinfo) <= 4096, "bootinfo fits in one page");

#endif
