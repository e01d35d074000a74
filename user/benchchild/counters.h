/*
 * Instruction counts for the runtime benchmarks, shared by benchchild and
 * the bench root task's user/bench/runtime.c (same method as
 * user/bench/main.c): PMEVCNTR0 counts EL1 instructions, PMEVCNTR1 EL0 +
 * EL1 (set up by the kernel's pmu_init in benchmark images, readable at
 * EL0). A series keeps one sample per measured iteration, minus the cost
 * of reading the counters; its figure is the median.
 */
#ifndef BENCH_COUNTERS_H
#define BENCH_COUNTERS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "profile_mark.h"

#define BENCH_MAX_SAMPLES 1000

struct counts {
    uint64_t k;     /* EL1 */
    uint64_t t;     /* EL0 + EL1 */
};

struct bench_series {
    unsigned n;
    uint32_t k[BENCH_MAX_SAMPLES], t[BENCH_MAX_SAMPLES];
};

static inline __attribute__((always_inline)) struct counts counts_read(void)
{
    struct counts c;
    __asm__ volatile("mrs %0, pmevcntr0_el0\n\t"
                     "mrs %1, pmevcntr1_el0"
                     : "=&r"(c.k), "=&r"(c.t) : : "memory");
    return c;
}

/* The cost of one counts_read pair (measure_overhead sets it). */
static struct counts counts_overhead;

/* The counters are 32 bits wide: differences modulo 2^32. */
static inline void series_add(struct bench_series *s, struct counts start, struct counts end)
{
    if (s->n >= BENCH_MAX_SAMPLES)
        return;
    s->k[s->n] = (uint32_t)(end.k - start.k) - (uint32_t)counts_overhead.k;
    s->t[s->n] = (uint32_t)(end.t - start.t) - (uint32_t)counts_overhead.t;
    s->n++;
}

static inline int series_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the samples; the medians. */
static inline struct counts series_median(struct bench_series *s)
{
    qsort(s->k, s->n, sizeof(uint32_t), series_cmp);
    qsort(s->t, s->n, sizeof(uint32_t), series_cmp);
    return (struct counts){ s->k[s->n / 2], s->t[s->n / 2] };
}

/* A `bench:` line with the spread and, if name_is_figure, the two BENCH
 * lines. Returns the medians. */
static inline struct counts series_report(const char *name, struct bench_series *s,
                                          int name_is_figure)
{
    struct counts m = series_median(s);
    printf("bench: %-26s kernel min %6" PRIu32 " median %6" PRIu64 " max %7" PRIu32
           "   total min %6" PRIu32 " median %6" PRIu64 " max %7" PRIu32 "  (n=%u)\n",
           name, s->k[0], m.k, s->k[s->n - 1], s->t[0], m.t, s->t[s->n - 1], s->n);
    if (name_is_figure) {
        printf("BENCH %s_kernel %" PRIu64 " insns\n", name, m.k);
        printf("BENCH %s_total %" PRIu64 " insns\n", name, m.t);
    }
    fflush(stdout);
    return m;
}

/* Back-to-back readings: their median is what every sample subtracts. */
static inline void measure_overhead(struct bench_series *s)
{
    counts_overhead = (struct counts){ 0, 0 };
    s->n = 0;
    for (unsigned i = 0; i < BENCH_MAX_SAMPLES; i++) {
        struct counts a = counts_read();
        struct counts b = counts_read();
        series_add(s, a, b);
    }
    counts_overhead = series_median(s);
}

#endif
