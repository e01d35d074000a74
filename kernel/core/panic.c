/*
 * Fatal kernel errors.
 */
#include <arch/sysreg.h>
#include <config.h>
#include <console.h>
#include <panic.h>
#include <semihost.h>

void system_halt(int status)
{
    all_exceptions_disable();
#ifdef CONFIG_SEMIHOSTING
    semihost_exit(status);
#else
    (void)status;
#endif
    for (;;)
        wfi();
}

void system_shutdown(int status)
{
    all_exceptions_disable();
#ifdef CONFIG_SEMIHOSTING
    semihost_exit(status);
#else
    kprintf("System powering off (status %d).\n", status);
    plat_power_off();
#endif
}

void panic(const char *fmt, ...)
{
    all_exceptions_disable();
    kprintf("\nKERNEL PANIC on core %u: ", cpu_id());
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\nSystem halted.\n");
    system_halt(PANIC_EXIT_STATUS);
}
