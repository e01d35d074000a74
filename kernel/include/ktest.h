/*
 * Kernel self-test hooks for test images (CONFIG_KTEST), selected on the
 * kernel command line with `ktest=<name>`:
 *   undef      execute an undefined instruction in EL1 (register dump, panic)
 *   dabort     read an unmapped kernel address (data abort, panic)
 *   wtext      write to kernel text (permission fault: text is read-only)
 *   brk        execute BRK in EL1
 *   exit:N     end QEMU at once with exit status N
 *   ticks:N    end QEMU with status 0 after N heartbeat lines
 * Release images compile these to nothing.
 */
#ifndef LAKE_KERNEL_KTEST_H
#define LAKE_KERNEL_KTEST_H

#include <types.h>

#ifdef CONFIG_KTEST
void ktest_boot(const char *cmdline);
void ktest_tick(u64 seconds);
#else
static inline void ktest_boot(const char *cmdline) { (void)cmdline; }
static inline void ktest_tick(u64 seconds) { (void)seconds; }
#endif

#endif
