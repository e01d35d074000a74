/*
 * Threads in the calling process (see docs/RUNTIME.md, "Threads and
 * locks"): each has its own TCB, stack (with an unmapped guard page below
 * it when the library maps it), IPC buffer frame and TLS block, and shares
 * the creator's CSpace and VSpace.
 *
 * Kernel objects come through struct lake_thread_ops, so the library does
 * not depend on one allocator; lake_thread_alloc_ops binds it to a
 * struct lake_alloc (lake/runtime.h).
 *
 * Address layout of what the library maps, from attr->vaddr up (page
 * aligned, lake_thread_vaddr_pages(attr) pages, all of them free):
 *   allocated stack:  [guard page][stack_pages pages of stack][IPC buffer]
 *   caller's stack:   [IPC buffer]
 * The TLS area and the thread's start-up record sit at the top of the
 * stack; the stack pointer starts below them.
 */
#ifndef LAKE_THREAD_H
#define LAKE_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lake/abi_types.h>

struct lake_thread_ops {
    void *ctx;
    /* Retype one object of `type` into a fresh slot of the caller's CSpace. */
    int (*alloc_object)(void *ctx, unsigned type, unsigned size_bits, lake_cptr_t *slot);
    /* Delete the object's cap and give its slot (and memory) back. */
    void (*free_object)(void *ctx, lake_cptr_t slot);
    /* Map a frame read-write, execute-never at vaddr (adding page tables). */
    int (*map_frame)(void *ctx, lake_cptr_t frame, lake_word_t vaddr);
    /* Optional: unmap before free (NULL: Frame Unmap). */
    void (*unmap_frame)(void *ctx, lake_cptr_t frame);
    lake_cptr_t cspace;         /* CSpace root of new threads (the caller's) */
    lake_word_t cspace_data;    /* TCB Configure root data (0: keep the guard) */
    lake_cptr_t vspace;         /* the caller's VSpace */
    lake_cptr_t authority;      /* TCB whose MCP allows the priorities (0: the creator's) */
};

#define LAKE_THREAD_PRIORITY_INHERIT    (-1)

struct lake_thread_attr {
    const struct lake_thread_ops *ops;  /* NULL: lake_thread_set_default_ops */
    int priority;               /* LAKE_THREAD_PRIORITY_INHERIT: the creator's */
    lake_cptr_t fault_ep;       /* fault endpoint (0: none) */
    lake_word_t vaddr;          /* where the library maps (see above) */
    size_t stack_pages;         /* allocated stack (0: use stack/stack_size) */
    void *stack;                /* caller's stack memory, stack_size bytes */
    size_t stack_size;
    const char *name;           /* kernel debug name (NULL: none) */
};

/* A thread. Caller storage; valid from create until join (or destroy). */
struct lake_thread {
    lake_cptr_t tcb;
    lake_cptr_t exit_ntfn;      /* signalled by lake_thread_exit */
    lake_cptr_t wait_ntfn;      /* its own notification for condition variables */
    lake_cptr_t ipc_frame;
    lake_word_t ipc_buffer;
    lake_word_t stack_base, stack_top;  /* usable stack (guard page below base) */
    lake_word_t guard_page;             /* 0 without an allocated stack */
    lake_word_t tls_base;               /* TPIDR_EL0 */
    unsigned priority;
    size_t stack_pages;                 /* frames the library allocated */
    lake_cptr_t *stack_frames;          /* in the stack's top area */
    const struct lake_thread_ops *ops;
    void (*fn)(void *);
    void *arg;
    lake_word_t result;
    uint32_t exited;
};

/* Objects made per thread: TCB, exit and wait notifications, IPC frame. */
#define LAKE_THREAD_OBJECTS         4

/* Default attributes: inherit the priority, no fault endpoint, nothing else. */
void lake_thread_attr_init(struct lake_thread_attr *attr);
/* Pages of address space from attr->vaddr the thread will use. */
size_t lake_thread_vaddr_pages(const struct lake_thread_attr *attr);

/* Make and start a thread running fn(arg). Errors: enum lake_error (an
 * allocation's or invocation's; LAKE_INVALID_ARGUMENT for bad attributes),
 * with everything made so far undone. */
int lake_thread_create(struct lake_thread *t, const struct lake_thread_attr *attr,
                       void (*fn)(void *), void *arg);
/* End the calling thread with `result` (also what returning from fn does,
 * with 0). */
void lake_thread_exit(lake_word_t result) __attribute__((noreturn));
/* Wait until t has exited; *result (if not NULL) gets its result. Deletes
 * the TCB and frees everything the library allocated for t. */
int lake_thread_join(struct lake_thread *t, lake_word_t *result);
/* Stop t wherever it is (e.g. after a fatal fault) and free it as join does. */
int lake_thread_destroy(struct lake_thread *t);
/* The calling thread (the main thread: the record lake_thread_adopt_main
 * filled, or an empty one). */
struct lake_thread *lake_thread_self(void);

/* Describe the main thread (start-up code or main): its TCB, priority and
 * a notification for its condition variable waits (0: none). */
void lake_thread_adopt_main(lake_cptr_t tcb, unsigned priority, lake_cptr_t wait_ntfn);
/* Ops used when attr->ops is NULL. */
void lake_thread_set_default_ops(const struct lake_thread_ops *ops);

/* ---- binding to struct lake_alloc ---- */
struct lake_alloc;
struct lake_thread_alloc_ctx {
    struct lake_alloc *alloc;   /* objects, and page tables for map_frame */
    lake_cptr_t cnode;          /* root CNode (for deleting) */
    unsigned depth;             /* its depth (64) */
    lake_cptr_t vspace;         /* set by lake_thread_alloc_ops */
};
/* Fill ops: objects retyped from ctx->alloc; free deletes the cap and, if
 * it was the last slot handed out, gives the slot back (join frees in
 * reverse order, so a create/join pair leaves next_slot where it was).
 * The untyped's memory comes back only when all its children are gone. */
void lake_thread_alloc_ops(struct lake_thread_ops *ops, struct lake_thread_alloc_ctx *ctx,
                           lake_cptr_t cspace, lake_cptr_t vspace, lake_cptr_t authority);

#endif
