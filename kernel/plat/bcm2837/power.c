/*
 * Power-off through the PM watchdog block: select the "halt" partition and
 * request a full reset; the firmware (and QEMU) then stops the machine.
 */
#include <arch/mmio.h>
#include <arch/sysreg.h>
#include <panic.h>
#include <plat/platform.h>

void plat_power_off(void)
{
    mmio_write32(PM_BASE, PM_RSTS, PM_PASSWORD | PM_RSTS_HALT);
    mmio_write32(PM_BASE, PM_RSTC, PM_PASSWORD | PM_RSTC_FULL_RESET);
    for (;;)
        wfi();
}
