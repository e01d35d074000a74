/*
 * Per-core kernel state. Each core finds its own struct cpu through
 * TPIDR_EL1, so nothing here needs a lock as long as only the owning core
 * touches it.
 */
#ifndef LAKE_KERNEL_PERCPU_H
#define LAKE_KERNEL_PERCPU_H

#include <arch/sysreg.h>
#include <config.h>
#include <types.h>

struct cpu {
    unsigned id;
    bool online;            /* running the kernel (not parked) */
    u64 ticks;              /* timer interrupts taken on this core */
    u64 timer_deadline;     /* counter value of the next tick */
} __aligned(64);

extern struct cpu cpus[NCPU];
extern u8 kernel_stacks[NCPU][KERNEL_STACK_SIZE];

static inline struct cpu *this_cpu(void)
{
    return (struct cpu *)sysreg_read(tpidr_el1);
}

/* Points TPIDR_EL1 at cpus[id] and marks the core online. */
void percpu_init(unsigned id);

#endif
