/*
 * The process-info page: what a parent (lake_spawn) tells its child. One
 * page, mapped read-only in the child; its address is in x0 when the child
 * starts (the root task gets its struct lake_bootinfo there instead: the
 * magic tells them apart).
 *
 * The first four words have the same meaning and offsets as in struct
 * lake_bootinfo (magic, version, -, ipc_buffer), so start-up code that only
 * reads the IPC buffer address works with either.
 *
 * Capabilities are cptrs in the child's CSpace: its first CNode has
 * 2^cnode_radix slots, and cptr n (n < 2^cnode_radix) is its slot n; a slot
 * is (cnode, n, 64), as in the root task. The CSpace itself has two levels
 * so that the process can grow it (lake/cspace.h): the TCB's CSpace root
 * is a top CNode T of 2^top_radix slots with a top_guard_bits zero guard;
 * T[0] holds the first CNode (with a zero guard of the bits below T that
 * its radix leaves: 64 - top_guard_bits - top_radix - cnode_radix). With
 * l2_first_index 1, T[1] holds an empty second-level CNode of 2^l2_radix
 * slots with an l2_guard_bits guard; with l2_first_index 0 there is none
 * yet: the first CNode (then of radix l2_radix) is the slot allocator's
 * node 0, its slots from first_free_slot + LAKE_PROC_GRANT_SLOTS on free
 * for it. The other slots of T are empty. A cap of T (with its guard, so it works
 * as a root at depth 64) is in slot `cspace_top`.
 *
 * Strings (argv, envp) are stored in the page after the structure:
 * argv_offset is the offset (from the start of the page) of an array of
 * argc + 1 uint64_t offsets of NUL-terminated strings, the last one 0;
 * envp_offset the same for envc + 1 entries. lake_procinfo_parse turns
 * them into ordinary (writable, heap) argv and envp arrays.
 */
#ifndef LAKE_PROCINFO_H
#define LAKE_PROCINFO_H

#include <stddef.h>
#include <stdint.h>

#include <lake/abi_types.h>
#include <lake/bootinfo.h>

#define LAKE_PROCINFO_MAGIC         0x4c414b4550524f43ull   /* "LAKEPROC" */
#define LAKE_PROCINFO_VERSION       4
#define LAKE_PROCINFO_SIZE          4096
#define LAKE_PROCINFO_MAX_UNTYPED   4

/* Fixed slots of a spawned child's CNode (0 stays empty). */
enum lake_proc_slot {
    LAKE_PROC_TCB = 1,
    LAKE_PROC_CNODE = 2,            /* guarded: names the CNode itself */
    LAKE_PROC_ASID_POOL = 5,        /* 0 in procinfo if not given */
    LAKE_PROC_CSPACE_TOP = 9,       /* T, the top CNode of the two-level CSpace */
    /* From here, in this order (procinfo says where each is): image
     * frames, resident stack frames, the IPC buffer frame, the procinfo
     * frame, the kit, page tables, the VSpace, the badged parent endpoint
     * (also the fault handler; if any), the untyped quota (if any), extra
     * caps. */
    LAKE_PROC_FIRST_RANGE_SLOT = 16
};

/* The two-level CSpace spawn builds (see above): 44 + 8 + (12 - r) + r = 64
 * bits through T[0] (first CNode of radix r <= 12), 44 + 8 + 4 + 8 = 64
 * through the second-level CNodes. */
#define LAKE_PROC_TOP_RADIX         8
#define LAKE_PROC_TOP_GUARD         44
#define LAKE_PROC_L2_RADIX          8
#define LAKE_PROC_L2_GUARD          4
#define LAKE_PROC_L2_FIRST_INDEX    1
/* Slots of the first CNode from first_free_slot on that stay the
 * process's own (memory init grants, lake/env.h), outside its allocator. */
#define LAKE_PROC_GRANT_SLOTS       16

/* The starter kit (procinfo kit range, given with an untyped quota): kernel
 * objects spawn makes for the child's process environment (lake/env.h),
 * so that its start-up takes none from the quota, where the first small
 * object alone would split the quota a dozen times. In this order: */
#define LAKE_KIT_FRAMES             4   /* zeroed 4 KiB frames (first pages of heap, IPC buffers) */
#define LAKE_KIT_TCBS               1   /* the pager thread */
#define LAKE_KIT_NOTIFICATIONS      5   /* locks, the threads' wake-ups and exits */
#define LAKE_KIT_ENDPOINTS          1   /* the pager's fault endpoint */
#define LAKE_KIT_SLOTS (LAKE_KIT_FRAMES + LAKE_KIT_TCBS + LAKE_KIT_NOTIFICATIONS + LAKE_KIT_ENDPOINTS)

/* What a child sends on its parent endpoint when it exits (lake_procinfo_exit):
 * label LAKE_PROC_EXIT_LABEL, one word: the exit status. */
#define LAKE_PROC_EXIT_LABEL        5ul     /* method 5 of lake/proto/init.h */

struct lake_procinfo_untyped {
    lake_cptr_t cptr;
    uint64_t size_bits;
};

struct lake_procinfo {
    uint64_t magic;                 /* LAKE_PROCINFO_MAGIC (bootinfo: LAKE_BOOTINFO_MAGIC) */
    uint64_t version;
    uint64_t self;                  /* address of this page in the child */
    uint64_t ipc_buffer;            /* main thread's IPC buffer (same offset as bootinfo's) */

    /* The child's capabilities (cptrs = slot numbers). */
    uint64_t cnode_radix;
    lake_cptr_t cnode, vspace, tcb;
    lake_cptr_t parent_ep;          /* badged; the main thread's fault handler too */
    uint64_t parent_badge;          /* its badge (what the parent sees) */
    lake_cptr_t asid_pool;          /* 0: none */
    lake_cptr_t ipc_buffer_frame, procinfo_frame;
    uint64_t num_untyped;           /* quota untyped caps and their sizes */
    struct lake_procinfo_untyped untyped[LAKE_PROCINFO_MAX_UNTYPED];
    struct lake_slot_range image_frames;    /* one per image page, in address order */
    struct lake_slot_range stack_frames;    /* the resident top of the stack, lowest page first */
    struct lake_slot_range page_tables;
    struct lake_slot_range caps;            /* extra caps the parent handed over */
    struct lake_slot_range kit;             /* the starter kit (empty without a quota) */
    lake_cptr_t first_free_slot;    /* slots [first_free_slot, 2^cnode_radix) are empty */
    lake_cptr_t cspace_top;         /* T (see above) */
    uint64_t top_radix, top_guard_bits, l2_radix, l2_guard_bits, l2_first_index;

    /* Memory layout. */
    uint64_t image_start, image_end;        /* page aligned */
    uint64_t entry;
    uint64_t stack_start, stack_end;        /* mapped stack; sp starts at stack_end */
    uint64_t stack_guard;                   /* the unmapped page below stack_start */
    uint64_t priority, mcp;

    /* Arguments and environment (offsets into this page, see above). */
    uint64_t argc, envc;
    uint64_t argv_offset, envp_offset;
    uint64_t strings_end;                   /* bytes of the page in use */
    uint64_t flags;                         /* LAKE_PROCINFO_* */
};

/* The parent is init: the parent endpoint speaks lake/proto/init.h
 * (files, processes, names) and the process gets its descriptors there. */
#define LAKE_PROCINFO_INIT_SERVICES 1u

_Static_assert(sizeof(struct lake_procinfo) <= LAKE_PROCINFO_SIZE, "procinfo fits in one page");
_Static_assert(offsetof(struct lake_procinfo, magic) == offsetof(struct lake_bootinfo, magic),
               "magic where the bootinfo has it");
_Static_assert(offsetof(struct lake_procinfo, version) == offsetof(struct lake_bootinfo, version),
               "version where the bootinfo has it");
_Static_assert(offsetof(struct lake_procinfo, ipc_buffer) ==
               offsetof(struct lake_bootinfo, ipc_buffer), "IPC buffer where the bootinfo has it");

/* The page this process started with (set by lake_procinfo_parse; NULL in
 * the root task or before). */
extern const struct lake_procinfo *lake_procinfo;

/* True if `x0_arg` (the start-up x0) points to a process-info page of a
 * known version (and not to the root task's bootinfo). */
int lake_procinfo_is(const void *x0_arg);

/* Check the page at x0_arg (every offset and string inside the page) and
 * build argv and envp from it: NULL-terminated arrays of writable copies,
 * on the heap (malloc). Sets lake_procinfo. Returns 0; -1 if x0_arg is not
 * a process-info page (nothing set: e.g. the root task's bootinfo); -2 if
 * the page is malformed or the heap is exhausted (argc 0, argv and envp
 * point to an empty array; lake_procinfo is still set if the header is
 * good). Any output pointer may be NULL. */
int lake_procinfo_parse(const void *x0_arg, int *argc, char ***argv, char ***envp);

/* For a spawned process: Send LAKE_PROC_EXIT_LABEL with the status on the
 * parent endpoint, then suspend the main thread (the parent destroys the
 * process). Returns only if there is no process-info page. */
void lake_procinfo_exit(int status);

#endif
