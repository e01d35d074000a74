/*
 * ARM semihosting, used only by test builds (CONFIG_SEMIHOSTING) so that a
 * test kernel can end QEMU with an exit status. On real hardware the HLT
 * instruction would be undefined, so release builds never call this.
 */
#ifndef LAKE_KERNEL_SEMIHOST_H
#define LAKE_KERNEL_SEMIHOST_H

#include <types.h>

__noreturn void semihost_exit(int status);

#endif
