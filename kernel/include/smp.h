#ifndef LAKE_KERNEL_SMP_H
#define LAKE_KERNEL_SMP_H

/* Waits briefly for the secondary cores to reach their parking loop and
 * returns how many did. */
unsigned smp_count_parked(void);

#endif
