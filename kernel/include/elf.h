/*
 * Just enough ELF64 to load a static AArch64 executable, with every field
 * checked against the image size. Pure: host-tested.
 */
#ifndef LAKE_KERNEL_ELF_H
#define LAKE_KERNEL_ELF_H

#include <types.h>

#define ELF_PT_LOAD 1
#define ELF_PF_X    1
#define ELF_PF_W    2
#define ELF_PF_R    4

struct elf64_header {
    u8 ident[16];
    u16 type, machine;
    u32 version;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};

struct elf_segment {
    u64 vaddr, memsz;
    const u8 *data;     /* filesz bytes in the image */
    u64 filesz;
    u32 flags;          /* ELF_PF_* */
};

/* Checks the header; returns the number of loadable segments, or -1 with a
 * reason if the image is not a valid static AArch64 executable whose
 * segments all lie below `limit`. */
int elf_validate(const u8 *image, size_t size, u64 limit, const char **why);
/* The i-th PT_LOAD segment of a validated image. */
void elf_segment(const u8 *image, unsigned i, struct elf_segment *out);
u64 elf_entry(const u8 *image);

#endif
