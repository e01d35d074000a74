/*
 * spawnee: the test suite's program for process creation and the process
 * environment (SPAWN_305, PAGER_*, HEAP_*, THREAD_*). The first argument
 * picks what it does; without a known one it prints its argv and
 * environment and exits with status argc + the total length of its
 * argument strings (mod 256), which exit() reports to its parent.
 *
 *   heap MIB       malloc MIB MiB, touch every page; exit 0 if the heap
 *                  region has exactly one frame mapped per page touched
 *   null           write through a null pointer (the pager ends it)
 *   undef          execute an undefined instruction
 *   overflow       unbounded recursion in a thread (guard page)
 *   stack KIB      use KIB KiB of the main thread's stack (spawn maps only
 *                  its top; the pager the rest); exit 0 if that took faults,
 *                  2 if none; with KIB past the stack the guard page ends it
 *   ring N ROUNDS  N threads pass a token around a ring ROUNDS times
 *   quota          exit 0 if start-up (environment, pager, argv on the
 *                  heap) took nothing from the untyped quota: spawn's
 *                  starter kit served it
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lake/env.h>
#include <lake/lake.h>
#include <lake/sync.h>
#include <lake/thread.h>

extern char **environ;

static int print_arguments(int argc, char **argv)
{
    char **envp = environ;
    unsigned status = (unsigned)argc;
    for (int i = 0; i < argc; i++) {
        printf("spawnee: argv[%d] = \"%s\"\n", i, argv[i]);
        status += (unsigned)strlen(argv[i]);
    }
    for (int i = 0; envp && envp[i]; i++)
        printf("spawnee: envp[%d] = \"%s\"\n", i, envp[i]);
    status &= 0xff;
    printf("spawnee: exit status %u\n", status);
    return (int)status;
}

/* picolibc's malloc clears the block it returns, so the block's pages are
 * touched by malloc itself; the check counts frames over malloc and the
 * writes together. */
static int heap(size_t mib)
{
    struct lake_env_stats before, after;
    size_t bytes = mib << 20;
    uintptr_t old_top = (uintptr_t)sbrk(0);
    lake_env_get_stats(&before);
    volatile char *p = malloc(bytes);
    if (p == NULL) {
        printf("spawnee: malloc(%zu MiB) failed\n", mib);
        return 2;
    }
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = (char)(i >> 12);
    p[bytes - 1] = 1;
    lake_env_get_stats(&after);
    /* Pages of the block and its header; those below the old break may
     * have been mapped before (at most the first). */
    uintptr_t first = ((uintptr_t)p - 16) / 4096, last = ((uintptr_t)p + bytes - 1) / 4096;
    uintptr_t first_new = (old_top + 4095) / 4096;
    size_t touched = last - first + 1;
    size_t touched_new = last + 1 - (first_new > first ? first_new : first);
    size_t mapped = after.heap_pages_mapped - before.heap_pages_mapped;
    printf("spawnee: heap: %zu pages touched (%zu above the old break), %zu frames mapped, "
           "%zu faults resolved\n", touched, touched_new, mapped,
           after.faults_resolved - before.faults_resolved);
    for (size_t i = 0; i + 1 < bytes; i += 4096)
        if (p[i] != (char)(i >> 12))
            return 1;
    free((void *)p);
    return mapped >= touched_new && mapped <= touched && touched - touched_new <= 1 ? 0 : 1;
}

/* Recurse until the stack runs out (depth is a volatile global so the
 * compiler cannot prove the recursion endless). */
static volatile unsigned long recursion_limit = ~0ul;

static unsigned long deep(unsigned long depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth >= recursion_limit)
        return frame[0];
    return deep(depth + 1) + frame[0];
}

static void recurse(void *arg)
{
    (void)arg;
    deep(0);
}

/* The main thread's stack below its resident top comes by faults. */
static int main_stack(unsigned long kib)
{
    struct lake_env_stats before, after;
    lake_env_get_stats(&before);
    recursion_limit = kib;              /* deep() takes a little over 1 KiB a level */
    unsigned long sum = deep(0);
    lake_env_get_stats(&after);
    size_t faults = after.faults_resolved - before.faults_resolved;
    printf("spawnee: %lu KiB of stack, %zu faults resolved (sum %lu)\n", kib, faults, sum);
    return faults > 0 ? 0 : 2;
}

static int overflow(void)
{
    struct lake_thread t;
    int error = lake_env_thread_create(&t, 16 << 10, LAKE_THREAD_PRIORITY_INHERIT, recurse, NULL);
    if (error) {
        printf("spawnee: thread: error %d\n", error);
        return 2;
    }
    lake_env_thread_join(&t, NULL);
    return 3;       /* not reached: the pager ends the process */
}

#define RING_MAX 128

static struct {
    unsigned n, rounds;
    struct lake_sem sem[RING_MAX];
    volatile unsigned long token;
} ring;

static void ring_member(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    for (unsigned r = 0; r < ring.rounds; r++) {
        lake_sem_down(&ring.sem[i]);
        ring.token++;
        lake_sem_up(&ring.sem[(i + 1) % ring.n]);
    }
}

static int ring_run(unsigned n, unsigned rounds)
{
    static struct lake_thread threads[RING_MAX];
    if (n < 2 || n > RING_MAX)
        return 2;
    ring.n = n;
    ring.rounds = rounds;
    for (unsigned i = 0; i < n; i++) {
        lake_cptr_t ntfn;
        if (lake_env_alloc_object(LAKE_OBJ_NOTIFICATION, 0, &ntfn) != LAKE_OK)
            return 2;
        lake_sem_init(&ring.sem[i], ntfn, 0);
    }
    for (unsigned i = 0; i < n; i++) {
        int error = lake_env_thread_create(&threads[i], 16 << 10, LAKE_THREAD_PRIORITY_INHERIT,
                                           ring_member, (void *)(uintptr_t)i);
        if (error) {
            printf("spawnee: thread %u: error %d\n", i, error);
            return 2;
        }
    }
    lake_sem_up(&ring.sem[0]);
    for (unsigned i = 0; i < n; i++)
        lake_env_thread_join(&threads[i], NULL);
    printf("spawnee: ring of %u threads: token %lu\n", n, ring.token);
    return ring.token == (unsigned long)n * rounds ? 0 : 1;
}

static int quota_untouched(void)
{
    struct lake_env_stats stats;
    lake_env_get_stats(&stats);
    size_t quota = (size_t)1 << lake_procinfo->untyped[0].size_bits;
    if (stats.free_bytes == quota)
        return 0;
    printf("spawnee: start-up took %zu of the quota's %zu bytes\n", quota - stats.free_bytes,
           quota);
    return 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "heap") == 0 && argc > 2)
        return heap(strtoul(argv[2], NULL, 0));
    if (strcmp(mode, "null") == 0) {
        *(volatile int *)0 = 1;
        return 3;
    }
    if (strcmp(mode, "undef") == 0) {
        __asm__ volatile("udf #0");
        return 3;
    }
    if (strcmp(mode, "overflow") == 0)
        return overflow();
    if (strcmp(mode, "stack") == 0 && argc > 2)
        return main_stack(strtoul(argv[2], NULL, 0));
    if (strcmp(mode, "quota") == 0)
        return quota_untouched();
    if (strcmp(mode, "ring") == 0 && argc > 3)
        return ring_run((unsigned)strtoul(argv[2], NULL, 0), (unsigned)strtoul(argv[3], NULL, 0));
    return print_arguments(argc, argv);
}
