#ifndef LAKE_KERNEL_TCB_H
#define LAKE_KERNEL_TCB_H

#include <object/objects.h>

/* Stops a thread whose last capability is going: out of every queue. */
void tcb_finalise(struct tcb *t);
/* The list of all live TCBs (debug dump). */
struct tcb *tcb_first(void);
/* Fresh TCB after Retype: inactive, priority 0, on this core. */
void tcb_init(struct tcb *t);
/* User-visible register n (enum lake_tcb_register). */
u64 tcb_get_register(struct tcb *t, unsigned n);
void tcb_set_register(struct tcb *t, unsigned n, u64 value);

#define SPSR_USER_WRITABLE 0xf0000000ul   /* NZCV only: always EL0t, IRQs on */

#endif
