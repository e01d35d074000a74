/*
 * Kernel limits and tunables in one place.
 */
#ifndef LAKE_KERNEL_CONFIG_H
#define LAKE_KERNEL_CONFIG_H

#include <plat/platform.h>

#define NCPU                PLAT_NCPU
#define KERNEL_STACK_SHIFT  14              /* 16 KiB per core */
#define KERNEL_STACK_SIZE   (UL(1) << KERNEL_STACK_SHIFT)
#define TICK_HZ             100             /* kernel timer interrupt rate */

/* Exit status QEMU reports when a test kernel panics (semihosting builds). */
#define PANIC_EXIT_STATUS   101

#endif
