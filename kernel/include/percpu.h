/*
 * Per-core kernel state. Each core finds its own struct cpu through
 * TPIDR_EL1. The first two fields are read by vectors.S at fixed offsets.
 */
#ifndef LAKE_KERNEL_PERCPU_H
#define LAKE_KERNEL_PERCPU_H

#define CPU_KERNEL_STACK_TOP 0      /* offsetof(struct cpu, kernel_stack_top) */
#define CPU_CURRENT          8      /* offsetof(struct cpu, current) */

#ifndef __ASSEMBLER__
#include <arch/sysreg.h>
#include <config.h>
#include <object/objects.h>
#include <prio_bitmap.h>
#include <types.h>

struct ready_queue {
    struct tcb *head, *tail;
};

#define IDLE_STACK_SIZE 512

struct cpu {
    u64 kernel_stack_top;   /* loaded into SP on entry from a thread */
    struct tcb *current;    /* the thread this core runs */
    unsigned id;
    bool online;            /* running the kernel (not parked) */
    u64 ticks;              /* timer interrupts taken on this core */
    u64 timer_deadline;     /* counter value of the next tick */
    struct tcb *fpu_owner;  /* whose state is in the FP registers */
    bool yield_requested;   /* current thread yielded or used up its time slice */
    struct tcb *direct_next; /* woken in this kernel entry, outranks current: not queued */

    /* Scheduler: one FIFO per priority and a bitmap of non-empty ones. */
    struct prio_bitmap ready_bitmap;
    struct ready_queue ready[LAKE_NUM_PRIORITIES];

    struct tcb idle;        /* runs `wfi` in EL1t when nothing else can */
    u8 idle_stack[IDLE_STACK_SIZE] __aligned(16);
} __aligned(64);

_Static_assert(__builtin_offsetof(struct cpu, kernel_stack_top) == CPU_KERNEL_STACK_TOP,
               "vectors.S reads the kernel stack top at offset 0");
_Static_assert(__builtin_offsetof(struct cpu, current) == CPU_CURRENT,
               "vectors.S reads the current thread at offset 8");

extern struct cpu cpus[NCPU];
extern u8 kernel_stacks[NCPU][KERNEL_STACK_SIZE];

static inline struct cpu *this_cpu(void)
{
    return (struct cpu *)sysreg_read(tpidr_el1);
}

static inline struct tcb *current_thread(void)
{
    return this_cpu()->current;
}

/* Points TPIDR_EL1 at cpus[id] and marks the core online. */
void percpu_init(unsigned id);
#endif

#endif
