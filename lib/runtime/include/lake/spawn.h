/*
 * Spawning a process from an ELF image in memory (issue 5, item 11).
 *
 * lake_spawn builds the child from one "process untyped" P that it
 * retypes from the caller's untyped: every kernel object of the child (its
 * CNode, VSpace, page tables, frames, TCB, and its untyped quota) is
 * retyped from P, so lake_process_destroy revokes and deletes P and all of
 * it is gone, whatever the child did with its quota. The parent keeps three
 * slots per process (P, and its caps of the child's CNode and TCB); every
 * other cap lives in the child's CNode (layout in lake/procinfo.h).
 *
 * The child's address space: the image's pages (permissions from the
 * segments, bss zeroed), and in a separate area (default
 * LAKE_SPAWN_DEFAULT_AREA, page aligned, outside the image) its IPC buffer,
 * the process-info page (read-only), an unmapped guard page and the stack:
 *
 *   area + 0x0000  IPC buffer          area + 0x1000  procinfo (r--)
 *   area + 0x2000  guard (unmapped)    area + 0x3000  stack, stack_pages pages
 *
 * It starts at the ELF entry with sp = top of the stack and x0 = address of
 * the procinfo page.
 */
#ifndef LAKE_SPAWN_H
#define LAKE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#include <lake/elf_load.h>
#include <lake/procinfo.h>
#include <lake/runtime.h>

#define LAKE_SPAWN_DEFAULT_AREA         0x7fffffe00000ul   /* 2 MiB below 2^47 */
#define LAKE_SPAWN_DEFAULT_STACK_PAGES  16
/* Stack pages mapped at spawn, from the top (at most stack_pages); the
 * others are left to the child's pager (lake_env backs the stack lazily). */
#define LAKE_SPAWN_DEFAULT_RESIDENT_STACK_PAGES 4
/* The child's first CNode: 2^radix slots, radix in [MIN, MAX]. By default
 * the smallest that holds its fixed and range slots plus SPARE free ones
 * (a smaller CNode is cheaper to make and to destroy). */
#define LAKE_SPAWN_MIN_CNODE_RADIX      8
#define LAKE_SPAWN_MAX_CNODE_RADIX      12
#define LAKE_SPAWN_DEFAULT_SPARE_SLOTS  64
#define LAKE_SPAWN_MAX_CAPS             16      /* extra caps handed over */
#define LAKE_SPAWN_AREA_IPC_BUFFER      0x0000ul
#define LAKE_SPAWN_AREA_PROCINFO        0x1000ul
#define LAKE_SPAWN_AREA_GUARD           0x2000ul
#define LAKE_SPAWN_AREA_STACK           0x3000ul

/* Parent slots. Default (ops NULL): a struct lake_alloc of a root-task-like
 * CSpace (slot n is cptr n of root CNode LAKE_ROOT_CNODE); freed slots are
 * given back only when they are the most recent ones (LIFO), which is how
 * lake_spawn and lake_process_destroy use them. */
struct lake_spawn_slot_ops {
    int (*alloc)(void *ctx, lake_cptr_t *slot);
    void (*free)(void *ctx, lake_cptr_t slot);          /* the slot is empty */
    /* Where an Untyped Retype puts an object into `slot`. */
    void (*retype_dest)(void *ctx, lake_cptr_t slot, lake_cptr_t *root, lake_word_t *index,
                        unsigned *depth, lake_word_t *offset);
    /* Optional: `count` consecutive slots that retype_dest places at
     * consecutive offsets of one CNode (one Retype makes every frame of the
     * child then), and giving them back (empty) in LIFO order. */
    int (*alloc_range)(void *ctx, unsigned count, lake_cptr_t *first);
    void (*free_range)(void *ctx, lake_cptr_t first, unsigned count);
};

struct lake_image;

struct lake_spawn_args {
    const void *image;                  /* the ELF file */
    size_t image_size;
    const struct lake_image *prepared;  /* or an image prepared once (image ignored) */
    const char *const *argv;            /* NULL-terminated; NULL: none */
    const char *const *envp;            /* NULL-terminated; NULL: none */
    const char *name;                   /* thread name (NULL: argv[0], else "child") */

    /* Memory and slots of the parent. */
    lake_cptr_t untyped;                /* 0: alloc->untyped */
    struct lake_alloc *alloc;           /* default slot allocator */
    const struct lake_spawn_slot_ops *slot_ops; /* or these (then alloc may be NULL) */
    void *slot_ctx;
    lake_cptr_t parent_cnode;           /* parent's root CNode (0: LAKE_ROOT_CNODE) */
    lake_cptr_t parent_vspace;          /* 0: LAKE_ROOT_VSPACE */
    lake_word_t scratch_vaddr;          /* a free page of the parent whose page tables
                                           exist (map and unmap a frame there once) */
    lake_cptr_t asid_pool;              /* required: the child's ASID comes from it */
    bool give_asid_pool;                /* also copy the pool cap into the child */

    /* The parent endpoint: a badged copy is the child's fault handler and
     * its LAKE_PROC_PARENT_EP (rights: parent_ep_rights,
     * 0 = Write|Grant|GrantReply; parent_ep must not be badged already). */
    lake_cptr_t parent_ep;
    lake_word_t badge;
    unsigned parent_ep_rights;

    /* Scheduling: with authority 0 the TCB keeps priority 0 and MCP 0. */
    lake_cptr_t authority;
    unsigned priority, mcp;

    unsigned stack_pages;               /* 0: LAKE_SPAWN_DEFAULT_STACK_PAGES */
    unsigned resident_stack_pages;      /* 0: LAKE_SPAWN_DEFAULT_RESIDENT_STACK_PAGES;
                                           a child without a pager needs stack_pages */
    unsigned quota_bits;                /* child's untyped: 0 none, else 12..40 */
    lake_word_t area;                   /* 0: LAKE_SPAWN_DEFAULT_AREA */
    unsigned cnode_radix;               /* the child's first CNode (0: fit, see above) */
    const lake_cptr_t *caps;            /* extra caps copied (all rights) into the child */
    unsigned num_caps;
    bool dont_start;                    /* leave the thread stopped (lake_process_start) */
    uint64_t procinfo_flags;            /* LAKE_PROCINFO_* for the child */
};

struct lake_process {
    lake_cptr_t untyped;                /* P, in the parent's CSpace */
    unsigned untyped_bits;
    lake_cptr_t cnode, tcb;             /* the parent's caps of the child's CNode and TCB */
    unsigned cnode_radix;               /* of the child's first CNode (cnode) */
    lake_cptr_t parent_cnode;
    const struct lake_spawn_slot_ops *slot_ops;
    void *slot_ctx;
    lake_word_t entry, procinfo_vaddr, ipc_buffer, stack_top;
    lake_cptr_t procinfo_frame;         /* its slot in the child's CNode */
    size_t image_pages, stack_pages, page_tables;
    size_t resident_stack_pages;        /* mapped at spawn; the rest by the child's pager */
    bool started;
};

/* Errors are enum lake_error values: LAKE_INVALID_ARGUMENT for a malformed
 * ELF image (reason: lake_spawn_error_reason()) or bad arguments,
 * LAKE_RANGE_ERROR when argv/envp do not fit in the procinfo page or the
 * child's CNode, LAKE_NOT_ENOUGH_MEMORY, or the error of the kernel call
 * that failed. On any error nothing is left allocated (no slot, no memory). */
int lake_spawn(const struct lake_spawn_args *a, struct lake_process *p);

/* Resume a process spawned with dont_start. */
int lake_process_start(struct lake_process *p);

/* Destroy every object of the process and give back the parent's slots;
 * all the memory returns to the untyped it came from. */
int lake_process_destroy(struct lake_process *p);

/* Why the last lake_spawn of this thread failed (a static string). */
const char *lake_spawn_error_reason(void);

/* Bytes of the caller's untyped a spawn of this image would take (P's size),
 * 0 if the image or arguments are invalid. */
size_t lake_spawn_size(const struct lake_spawn_args *a);

/*
 * An ELF image prepared for many spawns: checked and laid out once, and
 * its read-only pages (text, rodata: no writable segment on them) filled
 * once into frames of the parent's that every process spawned from it maps
 * (read-only copies of their caps, which the child's CNode holds and its
 * destruction deletes), as a page cache would. Spawning from it only makes, fills and
 * maps the writable pages, the stack and the rest. The ELF bytes must stay
 * valid while the image is used (writable pages are filled from them).
 */
struct lake_image {
    const void *image;
    size_t image_size;
    struct lake_elf_info elf;
    struct lake_elf_page *pages;        /* in address order */
    size_t num_pages;
    lake_cptr_t *frames;                /* per page: its shared frame (parent slot; 0: none) */
    lake_cptr_t shared_first;           /* the shared frames, consecutive slots */
    size_t num_shared;
    const struct lake_spawn_slot_ops *slot_ops;
    void *slot_ctx;
    lake_cptr_t parent_cnode;
};

/* Prepare a->image (a->image_size bytes): the shared frames come from
 * a->untyped (0: a->alloc->untyped), which keeps them as children until
 * the image is released, and their slots from the slot allocator; they
 * are filled through a->scratch_vaddr of a->parent_vspace. The other
 * fields of a are not used. Errors as lake_spawn's; nothing is left
 * allocated on failure. */
int lake_image_prepare(struct lake_image *img, const struct lake_spawn_args *a);

/* The untyped (a power of two, at least a page) lake_image_prepare needs
 * for the shared frames of the ELF file `image`; 0 if it is not valid or
 * has nothing to share. */
size_t lake_image_shared_size(const void *image, size_t size);

/* Revoke and delete the shared frames and free the records: every copy
 * goes, so release an image only when no process spawned from it runs
 * any more (they map those copies); its memory is then free again. */
void lake_image_release(struct lake_image *img);

#endif
