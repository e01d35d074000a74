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

/* The IPC, notification and fault fast paths. Build with -DCONFIG_FASTPATH=0
 * to compile them out: the kernel-ostest-nofast image proves that the
 * general paths alone give the same results. */
#ifndef CONFIG_FASTPATH
#define CONFIG_FASTPATH     1
#endif

/* Exit status QEMU reports when a test kernel panics (semihosting builds). */
#define PANIC_EXIT_STATUS   101

#endif
