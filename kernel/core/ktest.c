/*
 * Kernel self-test hooks (test images only); see ktest.h.
 */
#include <arch/mmu.h>
#include <console.h>
#include <ktest.h>
#include <machine.h>
#include <panic.h>

#define KTEST_BAD_USAGE_STATUS 2

static u64 exit_after_ticks;

static bool parse_number(const char *s, u64 *out)
{
    u64 v = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > 1000000000)
            return false;
        v = v * 10 + (u64)(*s - '0');
    }
    *out = v;
    return true;
}

static bool starts_with(const char *s, const char *prefix, const char **rest)
{
    while (*prefix != '\0') {
        if (*s++ != *prefix++)
            return false;
    }
    *rest = s;
    return true;
}

void ktest_boot(const char *cmdline)
{
    char name[32];
    const char *arg;
    u64 n;

    if (!cmdline_get(cmdline, "ktest", name, sizeof(name)))
        return;
    kprintf("ktest: %s\n", name);
    if (starts_with(name, "undef", &arg) && *arg == '\0') {
        __asm__ volatile("udf #0");
    } else if (starts_with(name, "dabort", &arg) && *arg == '\0') {
        /* Beyond the kernel window: no translation exists. */
        volatile u64 *unmapped = (volatile u64 *)(KERNEL_VBASE + 3 * KERNEL_WINDOW_SIZE);
        (void)*unmapped;
    } else if (starts_with(name, "wtext", &arg) && *arg == '\0') {
        /* Kernel text is mapped read-only (W^X): this must fault. */
        *(volatile u32 *)(void *)ktest_boot = 0;
    } else if (starts_with(name, "brk", &arg) && *arg == '\0') {
        __asm__ volatile("brk #0x42");
    } else if (starts_with(name, "exit:", &arg) && parse_number(arg, &n)) {
        system_halt((int)n);
    } else if (starts_with(name, "ticks:", &arg) && parse_number(arg, &n)) {
        exit_after_ticks = n;
        return;
    }
    kprintf("ktest: unknown or failed test '%s'\n", name);
    system_halt(KTEST_BAD_USAGE_STATUS);
}

void ktest_tick(u64 seconds)
{
    if (exit_after_ticks != 0 && seconds >= exit_after_ticks)
        system_halt(0);
}
