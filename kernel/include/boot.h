#ifndef LAKE_KERNEL_BOOT_H
#define LAKE_KERNEL_BOOT_H

#include <machine.h>

/* Builds the root task from the ELF image linked into the kernel and hands
 * every remaining byte of memory to it as untyped capabilities. */
void boot_create_root_task(const struct machine_info *machine);

#endif
