/*
 * ELF64 parser and validator for user space (see lake/elf_load.h). Pure
 * C: headers are copied out with memcpy (the image may have any alignment)
 * and every offset is checked against the size before it is used.
 */
#include <stdint.h>
#include <string.h>

#include <lake/elf_load.h>

#define PAGE        LAKE_ELF_PAGE_SIZE
#define PAGE_MASK   (~(PAGE - 1))
#define USER_TOP    (1ull << 48)

static int fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -1;
}

static uint32_t prot_of(uint32_t flags)
{
    uint32_t prot = 0;
    if (flags & LAKE_ELF_PF_R)
        prot |= LAKE_ELF_PROT_R;
    if (flags & LAKE_ELF_PF_W)
        prot |= LAKE_ELF_PROT_W;
    if (flags & LAKE_ELF_PF_X)
        prot |= LAKE_ELF_PROT_X;
    return prot;
}

int lake_elf_parse(const void *image, size_t size, uint64_t limit, struct lake_elf_info *info,
                   const char **why)
{
    const uint8_t *bytes = image;
    struct lake_elf64_ehdr h;

    memset(info, 0, sizeof(*info));
    if (limit == 0 || limit > USER_TOP)
        limit = USER_TOP;
    if (image == NULL || size < sizeof(h))
        return fail(why, "shorter than an ELF header");
    memcpy(&h, bytes, sizeof(h));
    if (h.ident[0] != 0x7f || h.ident[1] != 'E' || h.ident[2] != 'L' || h.ident[3] != 'F')
        return fail(why, "not an ELF file");
    if (h.ident[4] != 2 /* ELFCLASS64 */ || h.ident[5] != 1 /* little-endian */)
        return fail(why, "not 64-bit little-endian");
    if (h.ident[6] != 1 || h.version != 1)
        return fail(why, "unknown ELF version");
    if (h.type != LAKE_ELF_ET_EXEC)
        return fail(why, "not an executable (ET_EXEC)");
    if (h.machine != LAKE_ELF_EM_AARCH64)
        return fail(why, "not AArch64");
    if (h.ehsize != sizeof(h))
        return fail(why, "bad header size");
    if (h.phentsize != sizeof(struct lake_elf64_phdr))
        return fail(why, "bad program header size");
    if (h.phnum == 0 || h.phnum > LAKE_ELF_MAX_PHDRS)
        return fail(why, "bad number of program headers");
    if ((h.phoff & 7) != 0 || h.phoff < sizeof(h) || h.phoff > size ||
        (uint64_t)h.phnum * sizeof(struct lake_elf64_phdr) > size - h.phoff)
        return fail(why, "program headers outside the file");

    uint64_t prev_end = 0;
    for (unsigned i = 0; i < h.phnum; i++) {
        struct lake_elf64_phdr p;
        memcpy(&p, bytes + h.phoff + (uint64_t)i * sizeof(p), sizeof(p));
        if (p.type == LAKE_ELF_PT_INTERP || p.type == LAKE_ELF_PT_DYNAMIC)
            return fail(why, "dynamically linked");
        if (p.type != LAKE_ELF_PT_LOAD)
            continue;
        if (p.memsz == 0) {
            if (p.filesz != 0)
                return fail(why, "segment file size above its memory size");
            continue;               /* takes no memory: nothing to load */
        }
        if (p.filesz > p.memsz)
            return fail(why, "segment file size above its memory size");
        if (p.offset > size || p.filesz > size - p.offset)
            return fail(why, "segment data outside the file");
        if (p.vaddr < LAKE_ELF_MIN_VADDR || p.vaddr >= limit || p.memsz > limit - p.vaddr)
            return fail(why, "segment outside the user address range");
        if (p.align > 1 && ((p.align & (p.align - 1)) != 0 ||
                            (p.vaddr & (p.align - 1)) != (p.offset & (p.align - 1))))
            return fail(why, "segment misaligned");
        if (prot_of(p.flags) == 0)
            return fail(why, "segment without permissions");
        if (info->num_segments > 0 && p.vaddr < prev_end)
            return fail(why, "segments overlap or are not sorted");
        if (info->num_segments == LAKE_ELF_MAX_SEGMENTS)
            return fail(why, "too many segments");
        info->segments[info->num_segments++] = (struct lake_elf_segment){
            .vaddr = p.vaddr, .memsz = p.memsz, .offset = p.offset, .filesz = p.filesz,
            .prot = prot_of(p.flags),
        };
        prev_end = p.vaddr + p.memsz;
    }
    if (info->num_segments == 0)
        return fail(why, "no loadable segment");

    const struct lake_elf_segment *first = &info->segments[0];
    const struct lake_elf_segment *last = &info->segments[info->num_segments - 1];
    info->start = first->vaddr & PAGE_MASK;
    /* limit <= 2^48, so rounding up cannot overflow. */
    info->end = (last->vaddr + last->memsz + PAGE - 1) & PAGE_MASK;

    if (h.entry & 3)
        return fail(why, "entry point misaligned");
    for (unsigned i = 0; i < info->num_segments; i++) {
        const struct lake_elf_segment *s = &info->segments[i];
        if (h.entry >= s->vaddr && h.entry - s->vaddr < s->memsz) {
            if (!(s->prot & LAKE_ELF_PROT_X))
                return fail(why, "entry point in a segment that is not executable");
            info->entry = h.entry;
            return 0;
        }
    }
    return fail(why, "entry point outside every segment");
}

size_t lake_elf_page_count(const struct lake_elf_info *info)
{
    /* Arithmetic, not a walk: a valid segment may span 2^36 pages. */
    uint64_t n = 0, last = ~0ull;
    for (unsigned i = 0; i < info->num_segments; i++) {
        const struct lake_elf_segment *s = &info->segments[i];
        uint64_t first = s->vaddr & PAGE_MASK;
        uint64_t end = (s->vaddr + s->memsz + PAGE - 1) & PAGE_MASK;
        n += (end - first) / PAGE;
        if (first == last)
            n--;        /* shared with the previous segment's last page */
        last = end - PAGE;
    }
    return n > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)n;
}

size_t lake_elf_pages(const struct lake_elf_info *info, struct lake_elf_page *pages, size_t max)
{
    size_t total = lake_elf_page_count(info);
    if (total > max)
        return 0;
    size_t n = 0;
    for (unsigned i = 0; i < info->num_segments; i++) {
        const struct lake_elf_segment *s = &info->segments[i];
        uint64_t first = s->vaddr & PAGE_MASK;
        uint64_t end = (s->vaddr + s->memsz + PAGE - 1) & PAGE_MASK;
        uint64_t data_end = s->vaddr + s->filesz;
        for (uint64_t va = first; va < end; va += PAGE) {
            bool data = s->filesz > 0 && va < data_end && va + PAGE > s->vaddr;
            /* Segments are sorted and disjoint: a shared page can only be
             * the previous segment's last one. */
            if (n > 0 && pages[n - 1].vaddr == va) {
                pages[n - 1].prot |= s->prot;
                pages[n - 1].has_data |= data;
                continue;
            }
            pages[n++] = (struct lake_elf_page){ .vaddr = va, .prot = s->prot, .has_data = data };
        }
    }
    return n;
}

void lake_elf_page_fill(const struct lake_elf_info *info, const void *image, uint64_t page_vaddr,
                        void *dst)
{
    memset(dst, 0, PAGE);
    lake_elf_page_copy(info, image, page_vaddr, dst);
}

void lake_elf_page_copy(const struct lake_elf_info *info, const void *image, uint64_t page_vaddr,
                        void *dst)
{
    const uint8_t *bytes = image;
    uint8_t *out = dst;
    page_vaddr &= PAGE_MASK;
    for (unsigned i = 0; i < info->num_segments; i++) {
        const struct lake_elf_segment *s = &info->segments[i];
        uint64_t lo = s->vaddr, hi = s->vaddr + s->filesz;     /* file-backed bytes */
        if (lo < page_vaddr)
            lo = page_vaddr;
        if (hi > page_vaddr + PAGE)
            hi = page_vaddr + PAGE;
        if (lo >= hi)
            continue;
        memcpy(out + (lo - page_vaddr), bytes + s->offset + (lo - s->vaddr), hi - lo);
    }
}
