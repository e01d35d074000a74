/*
 * The kernel tick from the ARM generic timer (CNTP, EL1 physical timer).
 */
#ifndef LAKE_KERNEL_TIMER_H
#define LAKE_KERNEL_TIMER_H

#include <types.h>

void timer_init(unsigned hz);
void timer_handle_irq(void);
u64 timer_now(void);          /* counter ticks since reset */
u64 timer_frequency(void);    /* counter ticks per second */

/* Called by the timer on every tick (core side). */
void kernel_tick(void);

#endif
