/*
 * Interrupt handling. The platform sets up the controllers and dispatches
 * pending lines; peripheral lines 0..LAKE_NUM_IRQS-1 belong to user-level
 * drivers through IRQHandler capabilities.
 */
#ifndef LAKE_KERNEL_IRQ_H
#define LAKE_KERNEL_IRQ_H

#include <object/objects.h>
#include <types.h>

/* Per peripheral line: handed out as an IRQHandler, and the notification
 * it signals (a copy of the bound cap, or null). */
struct irq_line {
    bool claimed;
    struct cte notification;
};

extern struct irq_line irq_lines[LAKE_NUM_IRQS];

void irq_init(void);
void irq_init_percpu(void);
/* Called on an IRQ exception with interrupts masked. */
void irq_dispatch(void);

void plat_irq_mask(unsigned irq);
void plat_irq_unmask(unsigned irq);

/* A peripheral line fired: signal its notification (false if none is bound). */
bool irq_deliver(unsigned irq);
void irq_handler_finalise(unsigned irq);

#endif
