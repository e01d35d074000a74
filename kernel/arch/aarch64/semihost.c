/*
 * Semihosting exit: SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit,
 * reported by QEMU as its exit status (low 8 bits).
 */
#include <semihost.h>

#define SYS_EXIT_EXTENDED            0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

void semihost_exit(int status)
{
    u64 block[2] = { ADP_STOPPED_APPLICATION_EXIT, (u64)(s64)status };
    register u64 x0 __asm__("x0") = SYS_EXIT_EXTENDED;
    register u64 x1 __asm__("x1") = (u64)block;
    __asm__ volatile("hlt #0xf000" : : "r"(x0), "r"(x1) : "memory");
    for (;;)
        __asm__ volatile("wfi");
}
