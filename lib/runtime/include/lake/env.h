/*
 * The process environment (docs/RUNTIME.md, "The process environment"):
 * the allocators a spawned process runs on, put together at start-up, and
 * its pager.
 *
 * start.c calls lake_env_init_spawned before anything else runs. From the
 * process-info page it builds: the CSpace slot allocator over the
 * two-level CSpace spawn made (it grows by itself), the untyped pool over
 * the process's quota, the VSpace region manager (the image and the
 * spawn area are reserved), a lazily backed heap for malloc, and a pager
 * thread that is the fault handler of every thread of the process: a
 * fault in a lazily backed region (heap, thread stacks, anonymous
 * mappings) gets a fresh zeroed frame and the thread goes on; any other
 * fault ends the process with one line on the console naming the
 * program, the fault, the address and the pc.
 *
 * Every function here is thread-safe (one lock around the allocators).
 * Without an environment (the root task, the test suite's children) the
 * functions return LAKE_ILLEGAL_OPERATION and malloc uses the heap given
 * by lake_heap_use or LAKE_STATIC_HEAP.
 */
#ifndef LAKE_ENV_H
#define LAKE_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include <lake/procinfo.h>
#include <lake/thread.h>

/* The environment's regions, from the first page after the image (two
 * pages later, so a stray access just past .bss faults): the pager's IPC
 * buffer, then the heap, then the allocators' records (mapped only once
 * the boot buffers in .bss run low). The first pages of the heap share the
 * image's page tables. */
#define LAKE_ENV_HEAP_SIZE      (1ul << 30)
#define LAKE_ENV_META_SIZE      (64ul << 20)        /* the arena of allocator records */
#define LAKE_ENV_MAX_NODES      (1u << 18)          /* untyped records */

/* Exit status of a process the pager ends for a fault (as a shell would
 * report a signal: 128 + SIGSEGV or 128 + SIGILL). */
#define LAKE_EXIT_FAULT_VM      139
#define LAKE_EXIT_FAULT_OTHER   132

struct lake_env_stats {
    size_t frames_mapped;       /* frames the VSpace manager maps now */
    size_t faults_resolved;     /* by the pager */
    size_t heap_bytes;          /* sbrk's current size */
    size_t heap_pages_mapped;   /* frames in the heap region */
    lake_word_t free_bytes;     /* free RAM in the untyped pool */
    size_t free_slots;
};

/* Build the environment from a spawned process's page; returns LAKE_OK or
 * the error (start.c reports it and exits). */
int lake_env_init_spawned(const struct lake_procinfo *pi, const char *program);
bool lake_env_ready(void);
void lake_env_get_stats(struct lake_env_stats *stats);

/* Kernel objects: a fresh slot, or an object in a fresh slot; freeing
 * deletes the cap, returns the memory and the slot. */
int lake_env_alloc_slot(lake_cptr_t *slot);
void lake_env_free_slot(lake_cptr_t slot);          /* the slot must be empty */
int lake_env_alloc_object(unsigned type, unsigned size_bits, lake_cptr_t *slot);
void lake_env_free_object(lake_cptr_t slot);

/* Anonymous memory: a lazily backed read-write region of `bytes` (rounded
 * up to pages); lake_env_unmap releases a whole region (frames freed). */
int lake_env_map_anon(size_t bytes, void **addr);
int lake_env_unmap(void *addr);

/* Map a frame the process holds (e.g. a device frame from its parent) at
 * a fresh address; attrs: LAKE_ATTR_DEVICE for device registers (execute-
 * never is always added). lake_env_unmap(*addr) unmaps it (the cap stays). */
int lake_env_map_frame(lake_cptr_t frame, unsigned attrs, void **addr);

/* Consecutive slots (count <= 256) and freeing them (each slot's cap, if
 * any, is deleted first). */
int lake_env_alloc_slots(unsigned count, lake_cptr_t *first);
void lake_env_free_slots(lake_cptr_t first, unsigned count);
/* Where a cptr of this process's CSpace is, for invocations that take a
 * (root, index, depth) slot: the root is the top CNode, depth 64. */
lake_cptr_t lake_env_cspace_root(void);
/* The kernel's receive path for a slot of this process (where a received
 * cap lands): the CNode holding it, named from the CSpace root at
 * *node_depth bits, and the index in that CNode. */
int lake_env_receive_path(lake_cptr_t slot, lake_cptr_t *node, lake_word_t *index,
                          unsigned *node_depth);
/* Slots for an event loop (lake/event.h) of this process: from the
 * environment's allocator, with the receive path of the two-level CSpace. */
struct lake_event_slots;
void lake_env_event_slots(struct lake_event_slots *slots);

/* Threads whose stacks are lazily backed regions (guard page below) and
 * whose faults go to the pager. stack_bytes 0: 64 KiB. */
int lake_env_thread_create(struct lake_thread *t, size_t stack_bytes, int priority,
                           void (*fn)(void *), void *arg);
int lake_env_thread_join(struct lake_thread *t, lake_word_t *result);

/* A program that runs without an environment (the test suite, the
 * benchmarks) gives malloc a static heap with LAKE_STATIC_HEAP(bytes) at
 * file scope (it is part of the image, mapped with it). */
#define LAKE_STATIC_HEAP(bytes)                                                  \
    char lake_static_heap[(bytes)] __attribute__((aligned(4096)));              \
    const size_t lake_static_heap_size = (bytes)

/* Without an environment (the root task): let malloc use [base, base +
 * size) instead of a static heap. grow (may be NULL: all mapped already)
 * is called before the break moves up to `top` and maps memory up to
 * there (0) or fails (malloc then fails). Call before the first malloc. */
void lake_heap_use(void *base, size_t size, int (*grow)(uintptr_t top));

/* The program name the pager uses in its messages. */
const char *lake_env_program(void);

#endif
