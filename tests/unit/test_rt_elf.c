/*
 * lib/runtime/elf_load.c: the user-space ELF64 parser. Images are built in
 * memory; every parse runs on an exact-size heap copy, so AddressSanitizer
 * reports any read past the end.
 */
#include "unit.h"

#include <stdint.h>

#include <lake/elf_load.h>

#define EH sizeof(struct lake_elf64_ehdr)
#define PH sizeof(struct lake_elf64_phdr)
#define LIMIT (1ull << 48)

/* A valid image: header, 4 program headers (text, note, data+bss, rodata
 * sharing a page with text? no: text, rodata on the same page, data+bss),
 * then the file data. */
#define NPH        4
#define TEXT_OFF   0x200
#define TEXT_SIZE  0x80
#define RO_OFF     0x280        /* rodata right after text, same page */
#define RO_SIZE    0x30
#define DATA_OFF   0x2b0
#define DATA_SIZE  0x40
#define IMG_SIZE   0x300

#define TEXT_VA    0x400200ull  /* congruent to its offset modulo the page */
#define RO_VA      0x400280ull
#define DATA_VA    0x4022b0ull  /* data, then bss up to 0x404100 */
#define DATA_MEM   0x1e50ull

struct image {
    uint8_t bytes[IMG_SIZE];
    size_t size;
};

static struct lake_elf64_ehdr *hdr(struct image *im) { return (struct lake_elf64_ehdr *)im->bytes; }
static struct lake_elf64_phdr *ph(struct image *im, unsigned i)
{
    return (struct lake_elf64_phdr *)(im->bytes + EH + i * PH);
}

static struct image valid_image(void)
{
    static struct image im;
    memset(&im, 0, sizeof(im));
    im.size = IMG_SIZE;
    struct lake_elf64_ehdr *h = hdr(&im);
    memcpy(h->ident, "\x7f" "ELF", 4);
    h->ident[4] = 2;
    h->ident[5] = 1;
    h->ident[6] = 1;
    h->type = LAKE_ELF_ET_EXEC;
    h->machine = LAKE_ELF_EM_AARCH64;
    h->version = 1;
    h->entry = TEXT_VA + 0x10;
    h->phoff = EH;
    h->ehsize = EH;
    h->phentsize = PH;
    h->phnum = NPH;
    *ph(&im, 0) = (struct lake_elf64_phdr){ .type = LAKE_ELF_PT_LOAD,
        .flags = LAKE_ELF_PF_R | LAKE_ELF_PF_X, .offset = TEXT_OFF, .vaddr = TEXT_VA,
        .filesz = TEXT_SIZE, .memsz = TEXT_SIZE, .align = 0x1000 };
    *ph(&im, 1) = (struct lake_elf64_phdr){ .type = 4 /* PT_NOTE */, .offset = 0xdeadbeef,
        .vaddr = ~0ull, .filesz = ~0ull, .memsz = 1 };
    *ph(&im, 2) = (struct lake_elf64_phdr){ .type = LAKE_ELF_PT_LOAD, .flags = LAKE_ELF_PF_R,
        .offset = RO_OFF, .vaddr = RO_VA, .filesz = RO_SIZE, .memsz = RO_SIZE, .align = 0x10 };
    *ph(&im, 3) = (struct lake_elf64_phdr){ .type = LAKE_ELF_PT_LOAD,
        .flags = LAKE_ELF_PF_R | LAKE_ELF_PF_W, .offset = DATA_OFF, .vaddr = DATA_VA,
        .filesz = DATA_SIZE, .memsz = DATA_MEM, .align = 0x1000 };
    for (unsigned i = 0; i < TEXT_SIZE; i++)
        im.bytes[TEXT_OFF + i] = (uint8_t)(0xa0 + i);
    for (unsigned i = 0; i < RO_SIZE; i++)
        im.bytes[RO_OFF + i] = (uint8_t)(0x50 + i);
    for (unsigned i = 0; i < DATA_SIZE; i++)
        im.bytes[DATA_OFF + i] = (uint8_t)(0x10 + i);
    return im;
}

/* Parse the first `size` bytes of im from an exact-size heap copy. */
static int parse_n(const struct image *im, size_t size, uint64_t limit, struct lake_elf_info *info,
                   const char **why)
{
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, im->bytes, size);
    *why = NULL;
    int r = lake_elf_parse(copy, size, limit, info, why);
    free(copy);
    return r;
}

static int parse(const struct image *im, const char **why)
{
    struct lake_elf_info info;
    return parse_n(im, im->size, LIMIT, &info, why);
}

#define REJECT(im, reason) do {                                                 \
    const char *why_;                                                           \
    CHECK_EQ(parse(&(im), &why_), -1);                                          \
    CHECK_STR(why_, reason);                                                    \
} while (0)

TEST(valid_image_parses)
{
    struct image im = valid_image();
    struct lake_elf_info info;
    const char *why;
    CHECK_EQ(parse_n(&im, im.size, LIMIT, &info, &why), 0);
    CHECK(why == NULL);
    CHECK_EQ(info.entry, TEXT_VA + 0x10);
    CHECK_EQ(info.num_segments, 3);
    CHECK_EQ(info.start, 0x400000);
    CHECK_EQ(info.end, 0x405000);
    CHECK_EQ(info.segments[0].prot, LAKE_ELF_PROT_R | LAKE_ELF_PROT_X);
    CHECK_EQ(info.segments[1].prot, LAKE_ELF_PROT_R);
    CHECK_EQ(info.segments[2].prot, LAKE_ELF_PROT_R | LAKE_ELF_PROT_W);
    CHECK_EQ(info.segments[2].memsz, DATA_MEM);
}

TEST(pages_and_permissions)
{
    struct image im = valid_image();
    struct lake_elf_info info;
    const char *why;
    CHECK_EQ(parse_n(&im, im.size, LIMIT, &info, &why), 0);
    /* text+rodata share 0x400000; data+bss cover 0x402000-0x404fff. */
    CHECK_EQ(lake_elf_page_count(&info), 4);
    struct lake_elf_page pages[8];
    memset(pages, 0xcc, sizeof(pages));
    CHECK_EQ(lake_elf_pages(&info, pages, 3), 0);           /* too small: nothing */
    CHECK_EQ(pages[0].vaddr, 0xccccccccccccccccull);
    CHECK_EQ(lake_elf_pages(&info, pages, 8), 4);
    CHECK_EQ(pages[0].vaddr, 0x400000);
    CHECK_EQ(pages[0].prot, LAKE_ELF_PROT_R | LAKE_ELF_PROT_X);     /* union of r-x and r-- */
    CHECK(pages[0].has_data);
    CHECK_EQ(pages[1].vaddr, 0x402000);
    CHECK_EQ(pages[1].prot, LAKE_ELF_PROT_R | LAKE_ELF_PROT_W);
    CHECK(pages[1].has_data);
    CHECK_EQ(pages[2].vaddr, 0x403000);
    CHECK(!pages[2].has_data);                                      /* bss only */
    CHECK_EQ(pages[3].vaddr, 0x404000);
    CHECK(!pages[3].has_data);
    CHECK_EQ(pages[4].vaddr, 0xccccccccccccccccull);                /* untouched */
}

TEST(shared_page_gets_union_of_rw_and_rx)
{
    /* Text r-x ending mid-page, data rw- starting on the same page. */
    struct image im = valid_image();
    ph(&im, 3)->vaddr = 0x4002b0;          /* same page as text and rodata */
    ph(&im, 3)->memsz = 0x100;
    struct lake_elf_info info;
    const char *why;
    CHECK_EQ(parse_n(&im, im.size, LIMIT, &info, &why), 0);
    struct lake_elf_page pages[4];
    CHECK_EQ(lake_elf_pages(&info, pages, 4), 1);
    CHECK_EQ(pages[0].prot, LAKE_ELF_PROT_R | LAKE_ELF_PROT_W | LAKE_ELF_PROT_X);
}

/* Byte i of the image's first page (0x400000): the two segments' file
 * bytes, `outside` elsewhere. */
static uint8_t first_page_byte(unsigned i, uint8_t outside)
{
    if (i >= 0x200 && i < 0x280)
        return (uint8_t)(0xa0 + i - 0x200);
    if (i >= 0x280 && i < 0x2b0)
        return (uint8_t)(0x50 + i - 0x280);
    return outside;
}

TEST(page_fill_copies_file_data_and_zeroes_the_rest)
{
    struct image im = valid_image();
    struct lake_elf_info info;
    const char *why;
    uint8_t *copy = malloc(im.size);
    memcpy(copy, im.bytes, im.size);
    CHECK_EQ(lake_elf_parse(copy, im.size, LIMIT, &info, &why), 0);
    uint8_t *page = malloc(LAKE_ELF_PAGE_SIZE);

    memset(page, 0xee, LAKE_ELF_PAGE_SIZE);
    lake_elf_page_fill(&info, copy, 0x400000, page);
    for (unsigned i = 0; i < LAKE_ELF_PAGE_SIZE; i++) {
        if (page[i] != first_page_byte(i, 0)) {
            CHECK_EQ(page[i], first_page_byte(i, 0));
            break;
        }
    }
    /* page_copy writes the file bytes only (into a page known to be zero). */
    memset(page, 0xee, LAKE_ELF_PAGE_SIZE);
    lake_elf_page_copy(&info, copy, 0x400000, page);
    for (unsigned i = 0; i < LAKE_ELF_PAGE_SIZE; i++) {
        if (page[i] != first_page_byte(i, 0xee)) {
            CHECK_EQ(page[i], first_page_byte(i, 0xee));
            break;
        }
    }
    memset(page, 0xee, LAKE_ELF_PAGE_SIZE);
    lake_elf_page_fill(&info, copy, 0x402000, page);
    for (unsigned i = 0; i < LAKE_ELF_PAGE_SIZE; i++) {
        uint8_t want = (i >= 0x2b0 && i < 0x2f0) ? (uint8_t)(0x10 + i - 0x2b0) : 0;
        if (page[i] != want) {
            CHECK_EQ(page[i], want);
            break;
        }
    }
    memset(page, 0xee, LAKE_ELF_PAGE_SIZE);
    lake_elf_page_fill(&info, copy, 0x404123, page);      /* unaligned: its page */
    for (unsigned i = 0; i < LAKE_ELF_PAGE_SIZE; i++)
        if (page[i] != 0) {
            CHECK_EQ(page[i], 0);
            break;
        }
    free(page);
    free(copy);
}

TEST(segment_spanning_pages_fills_each)
{
    /* A 0x2100-byte text segment: three pages, data on each. */
    static uint8_t buf[0x3000];
    memset(buf, 0, sizeof(buf));
    struct image im = valid_image();
    memcpy(buf, im.bytes, IMG_SIZE);
    struct lake_elf64_ehdr *h = (struct lake_elf64_ehdr *)buf;
    h->phnum = 1;
    struct lake_elf64_phdr *p = (struct lake_elf64_phdr *)(buf + EH);
    *p = (struct lake_elf64_phdr){ .type = LAKE_ELF_PT_LOAD, .flags = LAKE_ELF_PF_R | LAKE_ELF_PF_X,
        .offset = 0x800, .vaddr = 0x10800, .filesz = 0x2100, .memsz = 0x2100, .align = 0x1000 };
    h->entry = 0x10800;
    for (unsigned i = 0x800; i < 0x2900; i++)
        buf[i] = (uint8_t)(i * 7);
    uint8_t *copy = malloc(0x2900);
    memcpy(copy, buf, 0x2900);
    struct lake_elf_info info;
    const char *why;
    CHECK_EQ(lake_elf_parse(copy, 0x2900, LIMIT, &info, &why), 0);
    struct lake_elf_page pages[4];
    CHECK_EQ(lake_elf_pages(&info, pages, 4), 3);
    uint8_t page[4096];
    for (unsigned n = 0; n < 3; n++) {
        CHECK(pages[n].has_data);
        lake_elf_page_fill(&info, copy, pages[n].vaddr, page);
        for (unsigned i = 0; i < 4096; i++) {
            uint64_t va = pages[n].vaddr + i;
            uint8_t want = (va >= 0x10800 && va < 0x12900) ? (uint8_t)((va - 0x10000) * 7) : 0;
            if (page[i] != want) {
                CHECK_EQ(page[i], want);
                break;
            }
        }
    }
    free(copy);
}

TEST(zero_memsz_segment_is_skipped)
{
    struct image im = valid_image();
    ph(&im, 1)->type = LAKE_ELF_PT_LOAD;
    ph(&im, 1)->flags = LAKE_ELF_PF_R;
    ph(&im, 1)->offset = 0;
    ph(&im, 1)->vaddr = 0x900000;
    ph(&im, 1)->filesz = 0;
    ph(&im, 1)->memsz = 0;
    const char *why;
    CHECK_EQ(parse(&im, &why), 0);
}

TEST(rejects_bad_header)
{
    struct image im;
    for (size_t n = 0; n < EH; n++) {           /* every truncation of the header */
        im = valid_image();
        struct lake_elf_info info;
        const char *why;
        CHECK_EQ(parse_n(&im, n, LIMIT, &info, &why), -1);
    }
    im = valid_image(); im.bytes[0] = 0x7e;           REJECT(im, "not an ELF file");
    im = valid_image(); im.bytes[3] = 'G';            REJECT(im, "not an ELF file");
    im = valid_image(); hdr(&im)->ident[4] = 1;       REJECT(im, "not 64-bit little-endian");
    im = valid_image(); hdr(&im)->ident[5] = 2;       REJECT(im, "not 64-bit little-endian");
    im = valid_image(); hdr(&im)->ident[6] = 0;       REJECT(im, "unknown ELF version");
    im = valid_image(); hdr(&im)->version = 2;        REJECT(im, "unknown ELF version");
    im = valid_image(); hdr(&im)->type = 3;           REJECT(im, "not an executable (ET_EXEC)");
    im = valid_image(); hdr(&im)->machine = 62;       REJECT(im, "not AArch64");
    im = valid_image(); hdr(&im)->ehsize = 52;        REJECT(im, "bad header size");
    im = valid_image(); hdr(&im)->phentsize = 32;     REJECT(im, "bad program header size");
    im = valid_image(); hdr(&im)->phnum = 0;          REJECT(im, "bad number of program headers");
    im = valid_image(); hdr(&im)->phnum = 65;         REJECT(im, "bad number of program headers");
}

TEST(rejects_program_headers_outside_the_file)
{
    struct image im;
    im = valid_image(); hdr(&im)->phoff = IMG_SIZE - 8;   REJECT(im, "program headers outside the file");
    im = valid_image(); hdr(&im)->phoff = 0x41;           REJECT(im, "program headers outside the file");
    im = valid_image(); hdr(&im)->phoff = 0;              REJECT(im, "program headers outside the file");
    im = valid_image(); hdr(&im)->phoff = ~0ull & ~7ull;  REJECT(im, "program headers outside the file");
    im = valid_image(); hdr(&im)->phoff = IMG_SIZE - 3 * PH; REJECT(im, "program headers outside the file");
    im = valid_image(); hdr(&im)->phnum = 13;             REJECT(im, "program headers outside the file");
    /* The table ends exactly at the end of the file: fine. */
    im = valid_image();
    memcpy(im.bytes + IMG_SIZE - NPH * PH, im.bytes + EH, NPH * PH);
    hdr(&im)->phoff = IMG_SIZE - NPH * PH;
    /* (the data moved under it is only read as segment data) */
    const char *why;
    CHECK_EQ(parse(&im, &why), 0);
    /* One byte short: rejected. */
    im.size = IMG_SIZE - 1;
    REJECT(im, "program headers outside the file");
}

TEST(rejects_bad_segments)
{
    struct image im;
    im = valid_image(); ph(&im, 3)->filesz = DATA_MEM + 1;
    REJECT(im, "segment file size above its memory size");
    im = valid_image(); ph(&im, 1)->type = LAKE_ELF_PT_LOAD; ph(&im, 1)->memsz = 0;
    ph(&im, 1)->filesz = 1; ph(&im, 1)->vaddr = 0x900000; ph(&im, 1)->flags = LAKE_ELF_PF_R;
    REJECT(im, "segment file size above its memory size");
    im = valid_image(); ph(&im, 3)->offset = IMG_SIZE + 1;
    REJECT(im, "segment data outside the file");
    im = valid_image(); ph(&im, 3)->filesz = IMG_SIZE - DATA_OFF + 1;
    REJECT(im, "segment data outside the file");
    im = valid_image(); ph(&im, 3)->offset = ~0ull - 0x10; ph(&im, 3)->filesz = 0x20;
    REJECT(im, "segment data outside the file");
    im = valid_image(); ph(&im, 0)->vaddr = 0x200; ph(&im, 0)->offset = TEXT_OFF;
    REJECT(im, "segment outside the user address range");       /* page 0 */
    im = valid_image(); ph(&im, 3)->vaddr = LIMIT - 0x1000 + 0x2b0;
    REJECT(im, "segment outside the user address range");
    im = valid_image(); ph(&im, 3)->vaddr = LIMIT + 0x2b0;
    REJECT(im, "segment outside the user address range");
    im = valid_image(); ph(&im, 3)->vaddr = ~0ull - 0xfff + 0x2b0;
    REJECT(im, "segment outside the user address range");
    im = valid_image(); ph(&im, 3)->memsz = ~0ull;
    REJECT(im, "segment outside the user address range");
    im = valid_image(); ph(&im, 3)->align = 0x1800;
    REJECT(im, "segment misaligned");
    im = valid_image(); ph(&im, 3)->vaddr += 8;
    REJECT(im, "segment misaligned");
    im = valid_image(); ph(&im, 2)->flags = 0;
    REJECT(im, "segment without permissions");
    /* Overlap by one byte, and out of order. */
    im = valid_image(); ph(&im, 2)->vaddr = TEXT_VA + TEXT_SIZE - 0x10; ph(&im, 2)->align = 0x10;
    ph(&im, 2)->offset = RO_OFF - 0x10;
    REJECT(im, "segments overlap or are not sorted");
    im = valid_image();
    {
        struct lake_elf64_phdr t = *ph(&im, 0);
        *ph(&im, 0) = *ph(&im, 3);
        *ph(&im, 3) = t;
    }
    REJECT(im, "segments overlap or are not sorted");
    /* Dynamic linking is not supported. */
    im = valid_image(); ph(&im, 1)->type = LAKE_ELF_PT_INTERP; REJECT(im, "dynamically linked");
    im = valid_image(); ph(&im, 1)->type = LAKE_ELF_PT_DYNAMIC; REJECT(im, "dynamically linked");
    /* No PT_LOAD at all. */
    im = valid_image();
    ph(&im, 0)->type = 4; ph(&im, 2)->type = 4; ph(&im, 3)->type = 6;
    REJECT(im, "no loadable segment");
}

TEST(rejects_a_lower_limit)
{
    struct image im = valid_image();
    struct lake_elf_info info;
    const char *why;
    CHECK_EQ(parse_n(&im, im.size, 0x404100, &info, &why), 0);     /* ends exactly there */
    CHECK_EQ(parse_n(&im, im.size, 0x4040ff, &info, &why), -1);
    CHECK_STR(why, "segment outside the user address range");
}

TEST(rejects_too_many_segments)
{
    /* 17 one-page PT_LOAD segments. */
    static struct {
        uint8_t bytes[EH + 17 * PH + 16];
    } big;
    memset(&big, 0, sizeof(big));
    struct image im = valid_image();
    memcpy(big.bytes, im.bytes, EH);
    struct lake_elf64_ehdr *h = (struct lake_elf64_ehdr *)big.bytes;
    h->phnum = 17;
    h->entry = 0x100000;
    for (unsigned i = 0; i < 17; i++) {
        struct lake_elf64_phdr p = { .type = LAKE_ELF_PT_LOAD, .flags = LAKE_ELF_PF_R | LAKE_ELF_PF_X,
            .offset = 0, .vaddr = 0x100000 + i * 0x1000ull, .filesz = 16, .memsz = 16, .align = 0x1000 };
        memcpy(big.bytes + EH + i * PH, &p, PH);
    }
    uint8_t *copy = malloc(sizeof(big));
    memcpy(copy, &big, sizeof(big));
    struct lake_elf_info info;
    const char *why = NULL;
    CHECK_EQ(lake_elf_parse(copy, sizeof(big), LIMIT, &info, &why), -1);
    CHECK_STR(why, "too many segments");
    h = (struct lake_elf64_ehdr *)copy;
    h->phnum = 16;
    CHECK_EQ(lake_elf_parse(copy, sizeof(big), LIMIT, &info, &why), 0);
    CHECK_EQ(lake_elf_page_count(&info), 16);
    free(copy);
}

TEST(rejects_bad_entry)
{
    struct image im;
    im = valid_image(); hdr(&im)->entry = TEXT_VA + 2;      REJECT(im, "entry point misaligned");
    im = valid_image(); hdr(&im)->entry = RO_VA;
    REJECT(im, "entry point in a segment that is not executable");
    im = valid_image(); hdr(&im)->entry = DATA_VA + 0x100;
    REJECT(im, "entry point in a segment that is not executable");
    im = valid_image(); hdr(&im)->entry = TEXT_VA + TEXT_SIZE;
    REJECT(im, "entry point in a segment that is not executable");   /* rodata follows */
    im = valid_image(); hdr(&im)->entry = 0x300000;         REJECT(im, "entry point outside every segment");
    im = valid_image(); hdr(&im)->entry = TEXT_VA - 4;      REJECT(im, "entry point outside every segment");
    im = valid_image(); hdr(&im)->entry = 0;                REJECT(im, "entry point outside every segment");
}

TEST(null_image_and_why_may_be_null)
{
    struct lake_elf_info info;
    CHECK_EQ(lake_elf_parse(NULL, 100, LIMIT, &info, NULL), -1);
    struct image im = valid_image();
    im.bytes[0] = 0;
    uint8_t *copy = malloc(im.size);
    memcpy(copy, im.bytes, im.size);
    CHECK_EQ(lake_elf_parse(copy, im.size, LIMIT, &info, NULL), -1);
    free(copy);
}

/* Random corruption of a valid image: never a crash or an out-of-bounds
 * read (ASan), and whatever parses satisfies the invariants. */
TEST(fuzz_corruptions)
{
    uint64_t seed = 0x1234567;
    unsigned accepted = 0;
    for (unsigned round = 0; round < 20000; round++) {
        struct image im = valid_image();
        unsigned flips = 1 + round % 4;
        for (unsigned f = 0; f < flips; f++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned pos = (unsigned)(seed >> 33) % (EH + NPH * PH);
            im.bytes[pos] = (uint8_t)(seed >> 17);
        }
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = (seed >> 40) % 8 == 0 ? (size_t)((seed >> 20) % IMG_SIZE) : IMG_SIZE;
        struct lake_elf_info info;
        const char *why;
        if (parse_n(&im, size, LIMIT, &info, &why) != 0) {
            CHECK(why != NULL);
            continue;
        }
        accepted++;
        CHECK(info.num_segments >= 1 && info.num_segments <= LAKE_ELF_MAX_SEGMENTS);
        for (unsigned i = 0; i < info.num_segments; i++) {
            const struct lake_elf_segment *s = &info.segments[i];
            CHECK(s->offset + s->filesz <= size);
            CHECK(s->filesz <= s->memsz);
            CHECK(s->vaddr + s->memsz <= LIMIT);
            if (i > 0)
                CHECK(s->vaddr >= info.segments[i - 1].vaddr + info.segments[i - 1].memsz);
        }
        size_t n = lake_elf_page_count(&info);
        if (n > 64)
            continue;
        struct lake_elf_page pages[64];
        CHECK_EQ(lake_elf_pages(&info, pages, 64), n);
        uint8_t *copy = malloc(size);
        memcpy(copy, im.bytes, size);
        uint8_t page[4096];
        for (size_t k = 0; k < n; k++) {
            if (k > 0)
                CHECK(pages[k].vaddr > pages[k - 1].vaddr);
            lake_elf_page_fill(&info, copy, pages[k].vaddr, page);
        }
        free(copy);
    }
    CHECK(accepted > 0);
}
