/*
 * ELF64 images for user space: a pure parser and validator (no kernel
 * calls, no allocation), host-tested in tests/unit/test_rt_elf.c.
 *
 * lake_elf_parse checks everything against the image size before anything
 * is read through an offset: the header, the program header table, every
 * PT_LOAD segment (file bytes inside the image, addresses inside
 * [LAKE_ELF_MIN_VADDR, limit), sorted, not overlapping), the entry point
 * (4-byte aligned, inside an executable segment). Then lake_elf_pages
 * lists the pages to create, sorted, each with the union of the
 * permissions of the segments on it, and lake_elf_page_fill writes one
 * page's bytes (file data of every segment on the page, zeros elsewhere:
 * bss and the gaps between segments).
 */
#ifndef LAKE_ELF_LOAD_H
#define LAKE_ELF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the ELF64 format (the parts used here) ---- */

struct lake_elf64_ehdr {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};

struct lake_elf64_phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};

_Static_assert(sizeof(struct lake_elf64_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct lake_elf64_phdr) == 56, "ELF64 program header");

#define LAKE_ELF_ET_EXEC        2
#define LAKE_ELF_EM_AARCH64     183
#define LAKE_ELF_PT_LOAD        1
#define LAKE_ELF_PT_DYNAMIC     2
#define LAKE_ELF_PT_INTERP      3
#define LAKE_ELF_PF_X           1u
#define LAKE_ELF_PF_W           2u
#define LAKE_ELF_PF_R           4u

/* ---- limits ---- */

#define LAKE_ELF_PAGE_SIZE      4096ull
#define LAKE_ELF_MAX_PHDRS      64      /* program headers in one image */
#define LAKE_ELF_MAX_SEGMENTS   16      /* PT_LOAD segments */
#define LAKE_ELF_MIN_VADDR      LAKE_ELF_PAGE_SIZE  /* page 0 stays unmapped */

/* Page permissions (a page shared by two segments gets the union). */
#define LAKE_ELF_PROT_R         1u
#define LAKE_ELF_PROT_W         2u
#define LAKE_ELF_PROT_X         4u

struct lake_elf_segment {
    uint64_t vaddr, memsz;      /* memsz > 0 */
    uint64_t offset, filesz;    /* file bytes [offset, offset + filesz) */
    uint32_t prot;              /* LAKE_ELF_PROT_* */
};

struct lake_elf_info {
    uint64_t entry;
    uint64_t start, end;        /* page-aligned range covering every segment */
    unsigned num_segments;      /* sorted by vaddr, not overlapping */
    struct lake_elf_segment segments[LAKE_ELF_MAX_SEGMENTS];
};

struct lake_elf_page {
    uint64_t vaddr;             /* page aligned */
    uint32_t prot;              /* union of the segments on the page */
    bool has_data;              /* some file bytes land in it (else all zero) */
};

/* Validate `image` (`size` bytes, any alignment) for addresses below
 * `limit` (at most 2^48; 0 means 2^48). Returns 0 and fills *info, or -1
 * with *why set to a static reason (why may be NULL). Reads nothing outside
 * [image, image + size). */
int lake_elf_parse(const void *image, size_t size, uint64_t limit, struct lake_elf_info *info,
                   const char **why);

/* Number of distinct pages the segments touch. */
size_t lake_elf_page_count(const struct lake_elf_info *info);

/* Fill pages[0 .. n) (n = lake_elf_page_count) in ascending order; returns
 * n, or 0 if max < n (nothing written past max). */
size_t lake_elf_pages(const struct lake_elf_info *info, struct lake_elf_page *pages, size_t max);

/* Write the LAKE_ELF_PAGE_SIZE bytes of the page at `page_vaddr` to dst:
 * file bytes where a segment has them, zeros elsewhere. */
void lake_elf_page_fill(const struct lake_elf_info *info, const void *image, uint64_t page_vaddr,
                        void *dst);

/* The same into a page known to be zero already (a fresh frame): only the
 * file bytes are written. */
void lake_elf_page_copy(const struct lake_elf_info *info, const void *image, uint64_t page_vaddr,
                        void *dst);

#endif
