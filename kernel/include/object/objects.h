/*
 * Kernel object layouts: capability slots, TCBs, endpoints, notifications.
 * Every object here is made by Untyped Retype inside user-held memory;
 * static asserts keep each within its ABI size.
 */
#ifndef LAKE_OBJECT_OBJECTS_H
#define LAKE_OBJECT_OBJECTS_H

#include <arch/trap.h>
#include <lake/ipc_buffer.h>
#include <object/cap.h>

/*
 * A capability slot. Slots holding capabilities with a derivation parent or
 * children are linked into the capability derivation tree (the "MDB", as in
 * seL4): one doubly linked list in depth-first order, where a slot's
 * descendants follow it; parenthood is decided by cdt_is_parent_of. Null
 * and reply caps are not in the list.
 */
struct cte {
    struct cap cap;
    struct cte *prev;
    struct cte *next;
} __aligned(32);    /* every slot, wherever it lives: the low bits of prev hold flags */

#define CTE_REVOCABLE    (1u << 0)   /* may have children (original or badged) */
#define CTE_FIRST_BADGED (1u << 1)   /* first cap with this badge: parent of its copies */
#define CTE_TCB_SPACE    (1u << 2)   /* a TCB's CSpace or VSpace slot: its cap feeds the
                                        TCB's fast-path caches (tcb_cache.c) */

_Static_assert(sizeof(struct cte) == (1u << LAKE_SLOT_BITS), "slot size");

/* The MDB flags would grow the slot past 32 bytes as a field, so they live
 * in the low bits of `prev` (slots are 32-byte aligned). */
static inline struct cte *cte_prev(const struct cte *s)
{
    return (struct cte *)((u64)s->prev & ~(u64)0x1f);
}
static inline unsigned cte_flags(const struct cte *s) { return (unsigned)((u64)s->prev & 0x1f); }
static inline void cte_set_prev(struct cte *s, struct cte *p)
{
    s->prev = (struct cte *)((u64)p | cte_flags(s));
}
static inline void cte_set_flags(struct cte *s, unsigned flags)
{
    s->prev = (struct cte *)((u64)cte_prev(s) | (flags & 0x1f));
}

/* Runnable is 0: every switch stores it, and a zero store takes one
 * instruction; restart follows it, so thread_is_runnable is one compare.
 * tcb_init makes a new thread inactive. */
enum thread_state {
    THREAD_RUNNABLE = 0,
    THREAD_RESTART,             /* runnable; re-executes its system call */
    THREAD_INACTIVE,            /* not started or suspended */
    THREAD_BLOCKED_SEND,
    THREAD_BLOCKED_RECV,
    THREAD_BLOCKED_REPLY,
    THREAD_BLOCKED_NOTIFICATION,
    THREAD_IDLE,
};

/* Slots inside a TCB. The reply and fault handler slots come first: the
 * fast paths reach them with paired stores (see struct tcb). */
enum tcb_slot {
    TCB_SLOT_REPLY = 0,     /* reply cap to the thread that called this one */
    TCB_SLOT_FAULT_HANDLER,
    TCB_SLOT_CSPACE,
    TCB_SLOT_VSPACE,
    TCB_SLOT_IPC_BUFFER,
    TCB_NUM_SLOTS
};

/* In the order arch/fpu.h saves it: what system calls preserve first. */
struct fpu_state {
    u32 fpsr;
    u32 fpcr;
    u64 reserved;           /* keeps q 16-byte aligned */
    u64 q[64];              /* 128 bits each: v8-v15, v0-v7, v16-v31 */
};

struct tcb {
    /* User register frame; the exception vectors save into it directly. */
    struct trap_frame ctx;
    u64 tpidr_el0;          /* TLS base */

    u8 cpu;                 /* cpu and priority: one halfword (tcb_sched_key) */
    u8 priority;
    u8 state;               /* enum thread_state */
    u8 mcp;                 /* maximum controlled priority */
    u8 timeslice;           /* ticks left */
    u8 fault_kind;          /* pending fault being delivered (enum lake_fault_kind) */
    u8 blocked_is_call;     /* sender: blocked in Call */
    u8 blocked_can_grant;   /* sender: cap transfer allowed */
    u8 blocked_can_grant_reply;
    u8 fpu_used;            /* has live FP state */
    u8 fpu_eager;           /* switches-in left on which to load its FP state eagerly */
    u8 in_ready_queue;      /* in its priority's ready queue (never while current) */

    /* What the fast paths touch, within reach of paired loads and stores
     * (offsets below 512), up to the reply slot. */
    /* Scheduler queue links. */
    struct tcb *sched_next, *sched_prev;
    /* Endpoint or notification wait queue links. */
    struct tcb *ipc_next, *ipc_prev;
    void *blocked_on;       /* endpoint or notification */
    struct notification *bound_notification;
    struct cte *reply_slot; /* where the reply cap to this thread lives */
    u64 reply_cap_w0;       /* word 0 of a reply cap to this thread, without grant */
    /* What the fast paths cache (core/tcb_cache.c): the TTBR0 value of the
     * thread's VSpace (0: not cached) and the decoding of its CSpace root.
     * The cache changes only when a cap goes into or out of the TCB's
     * CSpace or VSpace slot, or an ASID pool goes away. */
    u64 ttbr0;
    struct cte *cs_slots;   /* the root CNode's slots (a null slot when not cacheable) */
    u64 cs_high_mask;       /* ~(2^radix - 1) of the root: the bits above the index */
    u64 cs_high;            /* one level: cptr & cs_high_mask equals this (the guard) */
    u64 cs_high2;           /* two levels: (cptr >> cs_shift) & cs_high_mask equals this */
    u8 cs_shift;            /* bits left to the second level (0: no second level) */

    struct cte slots[TCB_NUM_SLOTS];

    u64 blocked_badge;      /* sender's badge */
    struct lake_ipc_buffer *ipc_buffer;     /* kernel view, or NULL */
    vaddr_t ipc_buffer_vaddr;

    u64 fault_words[10];    /* message of the fault being delivered */
    char name[16];
    struct tcb *all_next, *all_prev;    /* every live TCB, for the debug dump */
    struct fpu_state fpu __aligned(16);
};

_Static_assert(sizeof(struct tcb) <= (1u << LAKE_TCB_BITS), "TCB size");
_Static_assert(__builtin_offsetof(struct tcb, slots[TCB_SLOT_REPLY]) <= 504,
               "the fast paths write the reply slot with one paired store");
_Static_assert(__builtin_offsetof(struct tcb, priority) == __builtin_offsetof(struct tcb, cpu) + 1 &&
               __builtin_offsetof(struct tcb, cpu) % 2 == 0, "tcb_sched_key layout");

/* cpu | priority << 8 in one load: for two threads a and b, a may run in
 * place of b exactly when key(a) - key(b) is a non-negative multiple of
 * 256 (same core, priority not lower). */
static inline unsigned tcb_sched_key(const struct tcb *t)
{
    return *(const u16 *)&t->cpu;
}

enum endpoint_state { EP_IDLE = 0, EP_SENDING, EP_RECEIVING };

struct endpoint {
    struct tcb *head;           /* queue of blocked senders or receivers */
    u64 state;                  /* enum endpoint_state (next to head: one load for both) */
    struct tcb *tail;
    u64 unused;
};

_Static_assert(sizeof(struct endpoint) <= (1u << LAKE_ENDPOINT_BITS), "endpoint size");

struct notification {
    u64 word;                   /* signal bits (badges ORed together) */
    struct tcb *head, *tail;    /* waiting threads */
    u64 bound_and_pending;      /* bound TCB (2 KiB aligned) | 1 if signalled */
};

/* A signal with badge 0 still counts, so "signalled" is a bit of its own;
 * it shares a word with the bound TCB pointer to keep the object at 32 B. */
#define NTFN_PENDING 1ul
static inline struct tcb *ntfn_bound(const struct notification *n)
{
    return (struct tcb *)(n->bound_and_pending & ~NTFN_PENDING);
}
static inline bool ntfn_pending(const struct notification *n)
{
    return (n->bound_and_pending & NTFN_PENDING) != 0;
}
static inline void ntfn_set_bound(struct notification *n, struct tcb *t)
{
    n->bound_and_pending = (u64)t | (n->bound_and_pending & NTFN_PENDING);
}
static inline void ntfn_set_pending(struct notification *n, bool pending)
{
    n->bound_and_pending = (n->bound_and_pending & ~NTFN_PENDING) | (pending ? NTFN_PENDING : 0);
}

_Static_assert(sizeof(struct notification) <= (1u << LAKE_NOTIFICATION_BITS), "notification size");

static inline struct tcb *cap_tcb(struct cap c) { return cap_ptr(c); }
static inline struct endpoint *cap_endpoint(struct cap c) { return cap_ptr(c); }
static inline struct notification *cap_notification(struct cap c) { return cap_ptr(c); }
static inline struct cte *cap_cnode_slots(struct cap c) { return cap_ptr(c); }

#endif
