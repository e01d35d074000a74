/*
 * Generic timer: a periodic tick programmed through CNTP_CVAL_EL0 so that
 * ticks do not drift. The interrupt is level-triggered; moving the compare
 * value into the future is what clears it.
 */
#include <arch/sysreg.h>
#include <percpu.h>
#include <timer.h>

#define CNTP_CTL_ENABLE  (1u << 0)
#define CNTKCTL_EL0PCTEN (1ul << 0)    /* EL0 may read CNTPCT_EL0 (and CNTFRQ_EL0) */
#define CNTKCTL_EL0VCTEN (1ul << 1)    /* EL0 may read CNTVCT_EL0 */

static u64 tick_interval;

u64 timer_now(void)
{
    isb();
    return sysreg_read(cntpct_el0);
}

u64 timer_frequency(void)
{
    return sysreg_read(cntfrq_el0);
}

void timer_init(unsigned hz)
{
    struct cpu *cpu = this_cpu();
    tick_interval = timer_frequency() / hz;
    /* Threads read the clock themselves (clock_gettime costs no system
     * call); the timer registers stay the kernel's. */
    sysreg_write(cntkctl_el1, CNTKCTL_EL0PCTEN | CNTKCTL_EL0VCTEN);
    cpu->timer_deadline = timer_now() + tick_interval;
    sysreg_write(cntp_cval_el0, cpu->timer_deadline);
    sysreg_write(cntp_ctl_el0, CNTP_CTL_ENABLE);
    isb();
}

void timer_handle_irq(void)
{
    struct cpu *cpu = this_cpu();
    u64 now = timer_now();

    cpu->timer_deadline += tick_interval;
    /* Fell behind (e.g. stopped in a debugger): skip, do not storm. */
    if (cpu->timer_deadline <= now)
        cpu->timer_deadline = now + tick_interval;
    sysreg_write(cntp_cval_el0, cpu->timer_deadline);
    isb();
    cpu->ticks++;
    kernel_tick();
}
