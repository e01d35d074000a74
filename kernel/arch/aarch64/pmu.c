/*
 * Performance monitors for benchmark images: see arch/pmu.h. Only
 * CONFIG_BENCH images turn them on; elsewhere pmu_init() is empty, so the
 * PMU stays as reset left it (EL0 access trapped).
 *
 * The kernel boots in EL2 and drops to EL1 without touching MDCR_EL2; its
 * reset value on QEMU's Cortex-A53 (HPMN = 6, TPM = TPMCR = 0) lets EL1 and
 * EL0 use all six event counters without trapping to EL2.
 */
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <console.h>

#ifdef CONFIG_BENCH


void pmu_init(void)
{
    u64 pmcr = sysreg_read(pmcr_el0);
    kprintf("pmu: %lu event counters; INST_RETIRED on PMEVCNTR0 (EL1) and PMEVCNTR1 "
            "(EL0+EL1), EL0 access on\n", (unsigned long)((pmcr >> 11) & 0x1f));

    /* Counter 0: kernel (EL1) only. Counter 1: EL0 + EL1. EL2 is never
     * counted (NSH clear): the kernel left EL2 for good at boot. */
    sysreg_write(pmevtyper0_el0, PMU_EVENT_INST_RETIRED | PMEVTYPER_U);
    sysreg_write(pmevtyper1_el0, PMU_EVENT_INST_RETIRED);
    sysreg_write(pmccfiltr_el0, 0);
    sysreg_write(pmintenclr_el1, ~0ul);         /* no overflow interrupts */
    sysreg_write(pmovsclr_el0, ~0ul);
    sysreg_write(pmuserenr_el0, PMUSERENR_EN | PMUSERENR_CR | PMUSERENR_ER);
    sysreg_write(pmcntenset_el0, (1ul << 0) | (1ul << 1) | (1ul << 31));
    /* Last: reset and start. Both counters count from here. */
    sysreg_write(pmcr_el0, PMCR_E | PMCR_P | PMCR_C | PMCR_LC);
    isb();
}

#else

void pmu_init(void)
{
}

#endif
