/*
 * The process runtime under picolibc: start-up, the console streams, TLS
 * blocks for threads, the image layout, and a small object allocator for
 * retyping kernel objects and mapping pages.
 */
#ifndef LAKE_RUNTIME_H
#define LAKE_RUNTIME_H

#include <lake/lake.h>

/* The root task's boot information (NULL in processes that are not the
 * root task). */
extern const struct lake_bootinfo *lake_bootinfo;

/* Image layout from user/user.ld; every boundary is page aligned. */
extern char __image_start[], __image_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];
/* A root task's start-up stack, defined once at file scope with
 * LAKE_ROOT_STACK(bytes) (bytes: a literal number); programs spawned by
 * others start on the stack their parent made and need none. */
extern char __lake_stack_bottom[], __lake_stack_top[];
#define LAKE_ROOT_STACK(bytes)                                                  \
    __asm__(".section .bss.lake_stack, \"aw\", %nobits\n.balign 16\n"          \
            ".global __lake_stack_bottom\n__lake_stack_bottom:\n.space " #bytes  \
            "\n.global __lake_stack_top\n__lake_stack_top:\n.previous\n")

#define LAKE_PAGE_SIZE  (1ul << LAKE_PAGE_BITS)

/* Write out what the console streams (stdout, stderr) have buffered. */
void lake_console_flush(void);

/* ---- thread-local storage ---------------------------------------------
 * AArch64 TLS variant 1: TPIDR_EL0 points to a 16-byte thread control
 * block, the TLS block follows it. The first thread uses the image's own
 * .tdata/.tbss as its block; other threads need an area of
 * lake_tls_area_size() bytes, prepared by lake_tls_init. */

/* Bytes a thread's TLS area needs (worst-case alignment included). */
size_t lake_tls_area_size(void);
/* Fill a TLS area with the initial TLS image; returns the TPIDR_EL0 value
 * for the thread that uses it. */
lake_word_t lake_tls_init(void *area, size_t size);
/* TPIDR_EL0 value of the first thread (its block is the image's). */
lake_word_t lake_tls_main_tp(void);

/* ---- object allocation ------------------------------------------------
 * Retypes objects one at a time from one untyped into consecutive slots of
 * the caller's root CNode (a root-task-like CSpace: slot n is cptr n). */
struct lake_alloc {
    lake_cptr_t untyped;    /* where objects come from */
    lake_cptr_t next_slot;  /* first free slot */
    lake_cptr_t end_slot;   /* one past the last slot it may use */
};

/* Take a free slot (no object); returns LAKE_OK or LAKE_RANGE_ERROR. */
int lake_alloc_slot(struct lake_alloc *alloc, lake_cptr_t *slot);
/* Retype one object of `type` into a fresh slot. */
int lake_alloc_object(struct lake_alloc *alloc, unsigned type, unsigned size_bits,
                      lake_cptr_t *slot);
/* Map `frame` at `vaddr` in `vspace`, retyping and mapping page tables from
 * `alloc` for every missing level on the way. */
int lake_map_page(struct lake_alloc *alloc, lake_cptr_t frame, lake_cptr_t vspace,
                  lake_word_t vaddr, unsigned rights, unsigned attrs);

#endif
