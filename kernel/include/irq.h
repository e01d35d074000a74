/*
 * Interrupt handling, platform side: controller set-up and dispatch of the
 * interrupt lines that are pending on this core.
 */
#ifndef LAKE_KERNEL_IRQ_H
#define LAKE_KERNEL_IRQ_H

void irq_init(void);
void irq_init_percpu(void);
/* Called from the IRQ vector with interrupts masked. */
void irq_dispatch(void);

#endif
