/*
 * ELF64 validation and segment access for the root task image.
 */
#include <elf.h>

#define EM_AARCH64 183
#define ET_EXEC    2

static const struct elf64_phdr *phdr(const u8 *image, unsigned i)
{
    const struct elf64_header *h = (const struct elf64_header *)image;
    return (const struct elf64_phdr *)(image + h->phoff + (u64)i * sizeof(struct elf64_phdr));
}

int elf_validate(const u8 *image, size_t size, u64 limit, const char **why)
{
    const struct elf64_header *h = (const struct elf64_header *)image;
    int loads = 0;

    if (size < sizeof(*h) || h->ident[0] != 0x7f || h->ident[1] != 'E' || h->ident[2] != 'L' ||
        h->ident[3] != 'F') {
        *why = "not an ELF file";
        return -1;
    }
    if (h->ident[4] != 2 || h->ident[5] != 1) {
        *why = "not 64-bit little-endian";
        return -1;
    }
    if (h->machine != EM_AARCH64 || h->type != ET_EXEC) {
        *why = "not an AArch64 executable";
        return -1;
    }
    if (h->phentsize != sizeof(struct elf64_phdr) || (h->phoff & 7) != 0 || h->phoff > size ||
        (u64)h->phnum * sizeof(struct elf64_phdr) > size - h->phoff) {
        *why = "program headers outside the file";
        return -1;
    }
    for (unsigned i = 0; i < h->phnum; i++) {
        const struct elf64_phdr *p = phdr(image, i);
        if (p->type != ELF_PT_LOAD)
            continue;
        if (p->filesz > p->memsz || p->offset > size || p->filesz > size - p->offset) {
            *why = "segment data outside the file";
            return -1;
        }
        if (p->vaddr >= limit || p->memsz > limit - p->vaddr) {
            *why = "segment outside the user address range";
            return -1;
        }
        loads++;
    }
    if (loads == 0) {
        *why = "no loadable segment";
        return -1;
    }
    if (h->entry >= limit) {
        *why = "entry point outside the user address range";
        return -1;
    }
    return loads;
}

void elf_segment(const u8 *image, unsigned i, struct elf_segment *out)
{
    const struct elf64_header *h = (const struct elf64_header *)image;
    unsigned seen = 0;
    for (unsigned n = 0; n < h->phnum; n++) {
        const struct elf64_phdr *p = phdr(image, n);
        if (p->type != ELF_PT_LOAD)
            continue;
        if (seen++ == i) {
            out->vaddr = p->vaddr;
            out->memsz = p->memsz;
            out->data = image + p->offset;
            out->filesz = p->filesz;
            out->flags = p->flags;
            return;
        }
    }
}

u64 elf_entry(const u8 *image)
{
    return ((const struct elf64_header *)image)->entry;
}
