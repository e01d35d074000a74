#ifndef LAKE_KERNEL_PANIC_H
#define LAKE_KERNEL_PANIC_H

#include <types.h>

/* Prints the message and stops the system. Only for kernel bugs and broken
 * hardware: nothing user space does may lead here. */
__noreturn void panic(const char *fmt, ...) __printf_like(1, 2);

/* Stops this core for good (test builds: QEMU exits with status). */
__noreturn void system_halt(int status);
/* Ends the system on request (DebugHalt): test builds exit QEMU with the
 * status, others power the board off. */
__noreturn void system_shutdown(int status);
/* Provided by the platform. */
__noreturn void plat_power_off(void);

#define ASSERT(cond) do {                                             \
    if (unlikely(!(cond)))                                            \
        panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
} while (0)

#endif
