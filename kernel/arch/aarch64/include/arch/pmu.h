/*
 * Performance monitors for benchmark images (CONFIG_BENCH).
 *
 * pmu_init() gives EL0 read/write access to the PMU and starts two event
 * counters that count INST_RETIRED (event 0x08):
 *   PMEVCNTR0_EL0  EL1 only (the U bit excludes EL0): kernel instructions
 *   PMEVCNTR1_EL0  EL0 and EL1: everything a benchmark's threads and the
 *                  kernel execute
 * Under QEMU the counts are exact only with -icount. In other images
 * pmu_init() does nothing and EL0 access to the PMU stays trapped.
 */
#ifndef LAKE_ARCH_PMU_H
#define LAKE_ARCH_PMU_H

#define PMU_EVENT_INST_RETIRED  0x08ul

/* PMEVTYPER<n>_EL0 filter bits. */
#define PMEVTYPER_P             (1ul << 31)     /* exclude EL1 */
#define PMEVTYPER_U             (1ul << 30)     /* exclude EL0 */
#define PMEVTYPER_NSK           (1ul << 29)
#define PMEVTYPER_NSU           (1ul << 28)
#define PMEVTYPER_NSH           (1ul << 27)     /* include EL2 */

/* PMCR_EL0 */
#define PMCR_E                  (1ul << 0)      /* enable */
#define PMCR_P                  (1ul << 1)      /* reset event counters */
#define PMCR_C                  (1ul << 2)      /* reset the cycle counter */
#define PMCR_LC                 (1ul << 6)      /* 64-bit cycle counter overflow */

/* PMUSERENR_EL0 */
#define PMUSERENR_EN            (1ul << 0)      /* EL0 may use the PMU */
#define PMUSERENR_SW            (1ul << 1)      /* EL0 may write PMSWINC */
#define PMUSERENR_CR            (1ul << 2)      /* EL0 may read the cycle counter */
#define PMUSERENR_ER            (1ul << 3)      /* EL0 may read/select event counters */

#ifndef __ASSEMBLER__
void pmu_init(void);
#endif

#endif
