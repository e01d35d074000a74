/*
 * Runtime benchmarks (issue 5), the root task's side, called from main.c:
 *
 *   benchchild        spawned once with an untyped quota, so it has a
 *                     process environment (pager, heap, threads); it
 *                     measures pager_fault, malloc_free and
 *                     thread_create_join itself and prints their BENCH
 *                     lines (user/benchchild/main.c); we check its exit
 *                     status.
 *   spawn_exit_wait   lake_spawn of build/user/minimal.elf (a C program
 *                     whose main returns 0: crt0, start-up, environment,
 *                     exit), receiving its exit message on the parent
 *                     endpoint, lake_process_destroy. The bench: lines
 *                     split it into the spawn, the child's run up to its
 *                     exit message, and the destroy. spawn_exit_wait
 *                     spawns from an image prepared once (text and rodata
 *                     shared); spawn_exit_wait_cold from the ELF bytes.
 *
 * Every spawn takes its process untyped from an untyped of its own, so a
 * destroy resets that untyped and every spawn uses the same memory.
 */
#include <stdio.h>

#include <lake/procinfo.h>
#include <lake/runtime.h>
#include <lake/spawn.h>

#include "../benchchild/counters.h"

void bench_runtime(struct lake_alloc *alloc);

#define PRIO            100             /* as main.c's scenarios */
#define SCRATCH_VADDR   0x40000000ul    /* clear of main.c's and rpc.c's addresses */
#define CHILD_UT_BITS   27
#define CHILD_QUOTA     25              /* benchchild: 32 MiB */
#define MINIMAL_QUOTA   18              /* minimal: its environment only */
#define SPAWN_WARMUP    100
#define SPAWN_RUNS      BENCH_MAX_SAMPLES
#define BADGE           0x5b

/* The two programs, embedded by user/user.mk. */
__asm__(".section .rodata.bench_elfs, \"a\"\n"
        ".balign 16\n"
        "benchchild_elf_start:\n"
        ".incbin \"" LAKE_BENCHCHILD_ELF "\"\n"
        "benchchild_elf_end:\n"
        ".balign 16\n"
        "minimal_elf_start:\n"
        ".incbin \"" LAKE_MINIMAL_ELF "\"\n"
        "minimal_elf_end:\n"
        ".previous\n");
extern const char benchchild_elf_start[], benchchild_elf_end[];
extern const char minimal_elf_start[], minimal_elf_end[];

static void __attribute__((noreturn)) fail(const char *what, int error)
{
    printf("bench: runtime: %s failed: %s (%s)\n", what, lake_error_name(error),
           lake_spawn_error_reason());
    fflush(stdout);
    lake_debug_halt(1);
}

#define CHECK(call)                                                     \
    do {                                                                \
        int check_error_ = (call);                                      \
        if (check_error_ != LAKE_OK)                                    \
            fail(#call, check_error_);                                  \
    } while (0)

struct spawner {
    struct lake_alloc *alloc;
    lake_cptr_t untyped;                /* only for the children */
    lake_cptr_t ep;                     /* parent endpoint, unbadged */
};

static lake_cptr_t new_object(struct lake_alloc *alloc, unsigned type, unsigned bits)
{
    lake_cptr_t slot;
    CHECK(lake_alloc_object(alloc, type, bits, &slot));
    return slot;
}

/* An untyped of at least 2^CHILD_UT_BITS bytes that nothing else uses: the
 * smallest such RAM untyped of the boot information other than the one
 * main.c allocates from, or else a new one from that. */
static lake_cptr_t spare_untyped(struct lake_alloc *alloc)
{
    const struct lake_bootinfo *bi = lake_bootinfo;
    lake_word_t count = bi->untyped.end - bi->untyped.start;
    lake_cptr_t best = 0;
    unsigned best_bits = 64;
    for (lake_word_t i = 0; i < count && i < LAKE_BOOTINFO_MAX_UNTYPED; i++) {
        const struct lake_untyped_desc *u = &bi->untyped_list[i];
        lake_cptr_t cap = bi->untyped.start + i;
        if (!u->is_device && cap != alloc->untyped && u->size_bits >= CHILD_UT_BITS &&
            u->size_bits < best_bits) {
            best = cap;
            best_bits = u->size_bits;
        }
    }
    return best ? best : new_object(alloc, LAKE_OBJ_UNTYPED, CHILD_UT_BITS);
}

static void spawner_init(struct spawner *sp, struct lake_alloc *alloc)
{
    sp->alloc = alloc;
    sp->untyped = spare_untyped(alloc);
    sp->ep = new_object(alloc, LAKE_OBJ_ENDPOINT, 0);
    /* lake_spawn fills the child's pages through a scratch page whose
     * page tables exist: map a frame there once. */
    lake_cptr_t frame = new_object(alloc, LAKE_OBJ_FRAME_4K, 0);
    CHECK(lake_map_page(alloc, frame, LAKE_ROOT_VSPACE, SCRATCH_VADDR, LAKE_RIGHTS_RW,
                        LAKE_ATTR_EXECUTE_NEVER));
    CHECK(lake_frame_unmap(frame));
}

static struct lake_spawn_args spawn_args(struct spawner *sp, const char *start,
                                         const char *end, const char *const *argv,
                                         unsigned quota_bits)
{
    return (struct lake_spawn_args){
        .image = start, .image_size = (size_t)(end - start), .argv = argv,
        .untyped = sp->untyped, .alloc = sp->alloc, .scratch_vaddr = SCRATCH_VADDR,
        .asid_pool = LAKE_ROOT_ASID_POOL, .parent_ep = sp->ep, .badge = BADGE,
        .authority = LAKE_ROOT_TCB, .priority = PRIO, .mcp = PRIO, .quota_bits = quota_bits,
    };
}

/* The child's exit status from its exit message. */
static lake_word_t wait_exit(struct spawner *sp, const char *name)
{
    lake_word_t badge;
    lake_msginfo_t info = lake_recv(sp->ep, &badge);
    if (lake_msginfo_label(info) != LAKE_PROC_EXIT_LABEL || badge != BADGE) {
        printf("bench: runtime: %s sent label %lu, not its exit\n", name,
               (unsigned long)lake_msginfo_label(info));
        fail(name, LAKE_INVALID_ARGUMENT);
    }
    return lake_get_mr(0);
}

static void run_benchchild(struct spawner *sp)
{
    static const char *const argv[] = { "benchchild", NULL };
    struct lake_spawn_args a = spawn_args(sp, benchchild_elf_start, benchchild_elf_end, argv,
                                          CHILD_QUOTA);
    struct lake_process p;
    CHECK(lake_spawn(&a, &p));
    lake_word_t status = wait_exit(sp, "benchchild");
    CHECK(lake_process_destroy(&p));
    if (status != 0)
        fail("benchchild's benchmarks", LAKE_INVALID_ARGUMENT);
}

static struct bench_series spawn_total, spawn_part, run_part, destroy_part;

static void spawn_minimal_once(struct spawner *sp, const struct lake_spawn_args *a, bool keep)
{
    struct lake_process p;
    struct counts s = counts_read();
    int error = lake_spawn(a, &p);
    struct counts spawned = counts_read();
    if (error)
        fail("lake_spawn(minimal)", error);
    lake_word_t status = wait_exit(sp, "minimal");
    struct counts exited = counts_read();
    error = lake_process_destroy(&p);
    struct counts e = counts_read();
    if (error || status != 0)
        fail("minimal's exit and destroy", error ? error : LAKE_INVALID_ARGUMENT);
    if (!keep)
        return;
    series_add(&spawn_total, s, e);
    series_add(&spawn_part, s, spawned);
    series_add(&run_part, spawned, exited);
    series_add(&destroy_part, exited, e);
}

/* One series of spawns with these arguments; `mark`: the profile marks of
 * the middle one (0: none). */
static void spawn_series(struct spawner *sp, const struct lake_spawn_args *a, const char *name,
                         int mark)
{
    spawn_total.n = spawn_part.n = run_part.n = destroy_part.n = 0;
    for (unsigned i = 0; i < SPAWN_WARMUP + SPAWN_RUNS; i++) {
        bool profiled = mark && i == SPAWN_WARMUP + SPAWN_RUNS / 2;
        if (profiled)
            bench_profile_mark(mark);
        spawn_minimal_once(sp, a, i >= SPAWN_WARMUP);
        if (profiled)
            bench_profile_mark(mark + 1);
    }
    series_report("  spawn (lake_spawn)", &spawn_part, 0);
    series_report("  run to exit message", &run_part, 0);
    series_report("  destroy", &destroy_part, 0);
    series_report(name, &spawn_total, 1);
}

/* spawn_exit_wait spawns from a prepared image (lake_image_prepare: its
 * text and rodata filled once and shared, as a page cache would);
 * spawn_exit_wait_cold from the ELF bytes each time. */
static void bench_spawn_exit_wait(struct spawner *sp)
{
    static const char *const argv[] = { "minimal", NULL };
    struct lake_spawn_args a = spawn_args(sp, minimal_elf_start, minimal_elf_end, argv,
                                          MINIMAL_QUOTA);
    printf("bench: minimal.elf: %zu bytes, process untyped %zu bytes\n",
           (size_t)(minimal_elf_end - minimal_elf_start), lake_spawn_size(&a));
    spawn_series(sp, &a, "spawn_exit_wait_cold", 7);

    /* The shared frames come from the root's own untyped, not from the
     * spawns' (which every destroy leaves empty). */
    static struct lake_image image;
    struct lake_spawn_args prep = a;
    prep.untyped = 0;
    CHECK(lake_image_prepare(&image, &prep));
    a.prepared = &image;
    printf("bench: minimal.elf prepared: %zu of %zu pages shared, process untyped %zu bytes\n",
           image.num_shared, image.num_pages, lake_spawn_size(&a));
    spawn_series(sp, &a, "spawn_exit_wait", 1);
    lake_image_release(&image);
}

void bench_runtime(struct lake_alloc *alloc)
{
    static struct spawner sp;
    static struct bench_series overhead;
    spawner_init(&sp, alloc);
    measure_overhead(&overhead);
    run_benchchild(&sp);
    bench_spawn_exit_wait(&sp);
}
