/*
 * benchchild: the runtime benchmarks that need a process environment
 * (lib/runtime/env.c), which the bench root task does not have. The root
 * task spawns it (user/bench/runtime.c); it measures, prints its own
 * `BENCH` lines on the console and exits with 0 (or 1 if something
 * failed), which its parent reads from the exit message.
 *
 *   pager_fault          a write to a fresh page of a lazily backed region
 *                        (lake_env_map_anon): fault, the process's pager
 *                        takes a frame from the pool, maps it, replies;
 *                        the write is retried and the thread goes on
 *   malloc_free          malloc(64) + free, heap warm
 *   thread_create_join   lake_env_thread_create of a thread that returns
 *                        at once + lake_env_thread_join
 *
 * Method as in user/bench: WARMUP iterations, then ITERATIONS measured
 * ones, median, minus the cost of reading the counters (counters.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <lake/env.h>
#include <lake/lake.h>

#include "counters.h"

#define ITERATIONS      BENCH_MAX_SAMPLES
#define WARMUP          100
#define PAGE            4096ul

static struct bench_series series;
static int failed;

static void check(const char *what, int error)
{
    if (error == LAKE_OK)
        return;
    printf("benchchild: %s failed: %s\n", what, lake_error_name(error));
    failed = 1;
}

/* One write per page of a region no page of which is mapped yet: every
 * write faults once. */
static void bench_pager_fault(void)
{
    volatile char *region;
    int error = lake_env_map_anon((WARMUP + ITERATIONS) * PAGE, (void **)&region);
    check("lake_env_map_anon", error);
    if (error)
        return;
    struct lake_env_stats before, after;
    lake_env_get_stats(&before);
    series.n = 0;
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        volatile char *p = region + i * PAGE;
        bool profiled = i == WARMUP + ITERATIONS / 2 + 1;    /* not a batch's first */
        if (profiled)
            bench_profile_mark(3);
        struct counts s = counts_read();
        *p = 1;
        struct counts e = counts_read();
        if (profiled)
            bench_profile_mark(4);
        if (i >= WARMUP)
            series_add(&series, s, e);
    }
    lake_env_get_stats(&after);
    if (after.faults_resolved - before.faults_resolved != WARMUP + ITERATIONS) {
        printf("benchchild: pager_fault: %zu faults for %lu pages\n",
               after.faults_resolved - before.faults_resolved, WARMUP + ITERATIONS + 0ul);
        failed = 1;
    }
    series_report("pager_fault", &series, 1);
    check("lake_env_unmap", lake_env_unmap((void *)region));
}

/* Keeps the compiler from dropping a malloc/free pair. */
static void *volatile sink;

static void bench_malloc_free(void)
{
    series.n = 0;
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct counts s = counts_read();
        void *p = malloc(64);
        sink = p;
        free(p);
        struct counts e = counts_read();
        if (p == NULL) {
            check("malloc(64)", LAKE_NOT_ENOUGH_MEMORY);
            return;
        }
        if (i >= WARMUP)
            series_add(&series, s, e);
    }
    series_report("malloc_free", &series, 1);
}

static void return_at_once(void *arg)
{
    (void)arg;
}

static void bench_thread_create_join(int priority)
{
    struct lake_env_stats before, after;
    lake_env_get_stats(&before);
    series.n = 0;
    for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
        struct lake_thread t;
        bool profiled = i == WARMUP + ITERATIONS / 2;
        if (profiled)
            bench_profile_mark(5);
        struct counts s = counts_read();
        int error = lake_env_thread_create(&t, 0, priority, return_at_once, NULL);
        if (error == LAKE_OK)
            error = lake_env_thread_join(&t, NULL);
        struct counts e = counts_read();
        if (profiled)
            bench_profile_mark(6);
        check("thread create/join", error);
        if (error)
            return;
        if (i >= WARMUP)
            series_add(&series, s, e);
    }
    lake_env_get_stats(&after);
    /* Not a figure: what create/join pairs leave behind (region records
     * and page tables are never freed, docs/RUNTIME.md). */
    printf("bench: thread_create_join: %u pairs took %lu bytes of the pool\n",
           WARMUP + ITERATIONS, (unsigned long)(before.free_bytes - after.free_bytes));
    series_report("thread_create_join", &series, 1);
}

int main(void)
{
    if (!lake_env_ready() || lake_procinfo == NULL) {
        printf("benchchild: no process environment\n");
        return 1;
    }
    measure_overhead(&series);
    bench_pager_fault();
    bench_malloc_free();
    /* The new thread gets the main thread's priority: it runs once main
     * blocks in join. */
    bench_thread_create_join((int)lake_procinfo->priority);
    return failed;
}
