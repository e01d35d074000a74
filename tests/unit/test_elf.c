/*
 * kernel/core/elf.c: validation of the root task's ELF image and segment
 * access. Every image is validated from a heap copy of exactly its size, so
 * AddressSanitizer reports any read past the end.
 */
#include "unit.h"
#include <elf.h>

#define LIMIT    (1ull << 48)
#define HDR_SIZE sizeof(struct elf64_header)
#define PH_SIZE  sizeof(struct elf64_phdr)

/* A valid image: header, 3 program headers (load, note, load), data. */
#define NPH       3
#define TEXT_OFF  0x100
#define TEXT_SIZE 0x40
#define DATA_OFF  0x140
#define DATA_SIZE 0x20
#define IMG_SIZE  0x160

struct image {
    union {
        u8 bytes[IMG_SIZE];
        u64 align;
    };
    size_t size;
};

static struct elf64_header *hdr(struct image *im) { return (struct elf64_header *)im->bytes; }
static struct elf64_phdr *ph(struct image *im, unsigned i)
{
    return (struct elf64_phdr *)(im->bytes + HDR_SIZE + i * PH_SIZE);
}

static struct image valid_image(void)
{
    struct image im;
    memset(&im, 0, sizeof(im));
    im.size = IMG_SIZE;
    struct elf64_header *h = hdr(&im);
    memcpy(h->ident, "\x7f" "ELF", 4);
    h->ident[4] = 2;            /* ELFCLASS64 */
    h->ident[5] = 1;            /* little-endian */
    h->ident[6] = 1;
    h->type = 2;                /* ET_EXEC */
    h->machine = 183;           /* EM_AARCH64 */
    h->version = 1;
    h->entry = 0x400010;
    h->phoff = HDR_SIZE;
    h->ehsize = HDR_SIZE;
    h->phentsize = PH_SIZE;
    h->phnum = NPH;
    *ph(&im, 0) = (struct elf64_phdr){ .type = ELF_PT_LOAD, .flags = ELF_PF_R | ELF_PF_X,
                                       .offset = TEXT_OFF, .vaddr = 0x400000, .paddr = 0x400000,
                                       .filesz = TEXT_SIZE, .memsz = TEXT_SIZE, .align = 0x1000 };
    *ph(&im, 1) = (struct elf64_phdr){ .type = 4 /* PT_NOTE */, .offset = 0xdeadbeef,
                                       .vaddr = ~0ull, .filesz = ~0ull, .memsz = 1 };
    *ph(&im, 2) = (struct elf64_phdr){ .type = ELF_PT_LOAD, .flags = ELF_PF_R | ELF_PF_W,
                                       .offset = DATA_OFF, .vaddr = 0x401000, .paddr = 0x401000,
                                       .filesz = DATA_SIZE, .memsz = 0x2000, .align = 0x1000 };
    for (unsigned i = 0; i < TEXT_SIZE; i++)
        im.bytes[TEXT_OFF + i] = (u8)(0xa0 + i);
    for (unsigned i = 0; i < DATA_SIZE; i++)
        im.bytes[DATA_OFF + i] = (u8)(0x10 + i);
    return im;
}

/* Validates the first `size` bytes of im from an exact-size heap copy. */
static int validate_n(const struct image *im, size_t size, u64 limit, const char **why)
{
    u8 *copy = malloc(size ? size : 1);
    memcpy(copy, im->bytes, size);
    *why = NULL;
    int r = elf_validate(copy, size, limit, why);
    free(copy);
    return r;
}

static int validate(const struct image *im, const char **why)
{
    return validate_n(im, im->size, LIMIT, why);
}

/* The image is rejected with exactly this reason. */
static bool rejected(const struct image *im, const char *reason)
{
    const char *why;
    int r = validate(im, &why);
    if (r != -1 || why == NULL || strcmp(why, reason) != 0) {
        printf("  validate -> %d, \"%s\" (expected \"%s\")\n", r, why ? why : "(null)", reason);
        return false;
    }
    return true;
}

#define NOT_ELF     "not an ELF file"
#define NOT_64LE    "not 64-bit little-endian"
#define NOT_AARCH64 "not an AArch64 executable"
#define PH_OUTSIDE  "program headers outside the file"
#define SEG_OUTSIDE "segment data outside the file"
#define SEG_RANGE   "segment outside the user address range"
#define NO_LOAD     "no loadable segment"
#define ENTRY_RANGE "entry point outside the user address range"

TEST(valid_image_counts_loadable_segments)
{
    struct image im = valid_image();
    const char *why;
    CHECK_EQ(validate(&im, &why), 2);
    CHECK(why == NULL);     /* untouched on success */
}

TEST(segments_skip_non_load_headers)
{
    struct image im = valid_image();
    struct elf_segment s;
    elf_segment(im.bytes, 0, &s);
    CHECK_EQ(s.vaddr, 0x400000);
    CHECK_EQ(s.memsz, TEXT_SIZE);
    CHECK_EQ(s.filesz, TEXT_SIZE);
    CHECK(s.data == im.bytes + TEXT_OFF);
    CHECK_EQ(s.flags, ELF_PF_R | ELF_PF_X);
    CHECK_EQ(s.data[0], 0xa0);
    elf_segment(im.bytes, 1, &s);
    CHECK_EQ(s.vaddr, 0x401000);
    CHECK_EQ(s.memsz, 0x2000);
    CHECK_EQ(s.filesz, DATA_SIZE);
    CHECK(s.data == im.bytes + DATA_OFF);
    CHECK_EQ(s.flags, ELF_PF_R | ELF_PF_W);
    CHECK_EQ(s.data[DATA_SIZE - 1], 0x10 + DATA_SIZE - 1);
}

TEST(segment_index_past_last_leaves_output_alone)
{
    struct image im = valid_image();
    struct elf_segment s = { .vaddr = 0x1234 };
    elf_segment(im.bytes, 2, &s);
    CHECK_EQ(s.vaddr, 0x1234);
}

TEST(entry_is_read_from_header)
{
    struct image im = valid_image();
    CHECK_EQ(elf_entry(im.bytes), 0x400010);
}

TEST(image_shorter_than_header_is_not_elf)
{
    struct image im = valid_image();
    const char *why;
    for (size_t n = 0; n < HDR_SIZE; n++) {
        CHECK_EQ(validate_n(&im, n, LIMIT, &why), -1);
        CHECK_STR(why, NOT_ELF);
    }
}

TEST(every_truncation_is_rejected_in_bounds)
{
    /* The last segment's data ends the file: any shorter image is bad. */
    struct image im = valid_image();
    const char *why;
    for (size_t n = 0; n < IMG_SIZE; n++) {
        CHECK_EQ(validate_n(&im, n, LIMIT, &why), -1);
        CHECK(why != NULL);
    }
    CHECK_EQ(validate_n(&im, IMG_SIZE, LIMIT, &why), 2);
}

TEST(bad_magic_each_byte)
{
    for (unsigned i = 0; i < 4; i++) {
        struct image im = valid_image();
        im.bytes[i] ^= 0x20;
        CHECK(rejected(&im, NOT_ELF));
    }
}

TEST(class_32_bit_rejected)
{
    struct image im = valid_image();
    hdr(&im)->ident[4] = 1;
    CHECK(rejected(&im, NOT_64LE));
    hdr(&im)->ident[4] = 0;
    CHECK(rejected(&im, NOT_64LE));
}

TEST(big_endian_rejected)
{
    struct image im = valid_image();
    hdr(&im)->ident[5] = 2;
    CHECK(rejected(&im, NOT_64LE));
}

TEST(wrong_machine_rejected)
{
    struct image im = valid_image();
    hdr(&im)->machine = 62;     /* x86-64 */
    CHECK(rejected(&im, NOT_AARCH64));
    hdr(&im)->machine = 40;     /* 32-bit ARM */
    CHECK(rejected(&im, NOT_AARCH64));
}

TEST(wrong_type_rejected)
{
    static const u16 types[] = { 0, 1 /* REL */, 3 /* DYN */, 4 /* CORE */ };
    for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
        struct image im = valid_image();
        hdr(&im)->type = types[i];
        CHECK(rejected(&im, NOT_AARCH64));
    }
}

TEST(phentsize_wrong_rejected)
{
    struct image im = valid_image();
    hdr(&im)->phentsize = PH_SIZE - 1;
    CHECK(rejected(&im, PH_OUTSIDE));
    hdr(&im)->phentsize = 64;
    CHECK(rejected(&im, PH_OUTSIDE));
    hdr(&im)->phentsize = 0;
    CHECK(rejected(&im, PH_OUTSIDE));
}

TEST(phoff_past_end_rejected)
{
    struct image im = valid_image();
    hdr(&im)->phoff = IMG_SIZE + 8;
    CHECK(rejected(&im, PH_OUTSIDE));
    hdr(&im)->phoff = ~0ull & ~7ull;     /* would wrap when added */
    CHECK(rejected(&im, PH_OUTSIDE));
}

TEST(phdrs_running_past_end_rejected)
{
    struct image im = valid_image();
    hdr(&im)->phoff = IMG_SIZE - PH_SIZE - 8;   /* one header fits, three do not */
    CHECK(rejected(&im, PH_OUTSIDE));
    im = valid_image();
    hdr(&im)->phnum = 0xffff;
    CHECK(rejected(&im, PH_OUTSIDE));
}

TEST(phdrs_ending_exactly_at_end_accepted)
{
    /* Program headers as the last bytes of the file. */
    struct image im = valid_image();
    memcpy(im.bytes + IMG_SIZE - PH_SIZE, ph(&im, 0), PH_SIZE);
    hdr(&im)->phoff = IMG_SIZE - PH_SIZE;
    hdr(&im)->phnum = 1;
    /* Its text data overlaps the headers now; that is allowed. */
    const char *why;
    CHECK_EQ(validate(&im, &why), 1);
}

TEST(segment_offset_past_end_rejected)
{
    struct image im = valid_image();
    ph(&im, 2)->offset = IMG_SIZE + 1;
    ph(&im, 2)->filesz = 0;
    CHECK(rejected(&im, SEG_OUTSIDE));
}

TEST(segment_data_past_end_rejected)
{
    struct image im = valid_image();
    ph(&im, 2)->filesz = DATA_SIZE + 1;
    CHECK(rejected(&im, SEG_OUTSIDE));
    im = valid_image();
    ph(&im, 0)->offset = ~0ull - 4;     /* offset + filesz wraps */
    CHECK(rejected(&im, SEG_OUTSIDE));
    im = valid_image();
    ph(&im, 0)->filesz = ~0ull;
    ph(&im, 0)->memsz = ~0ull;
    CHECK(rejected(&im, SEG_OUTSIDE));
}

TEST(segment_ending_exactly_at_end_accepted)
{
    struct image im = valid_image();
    ph(&im, 2)->offset = IMG_SIZE;      /* empty file part at the very end */
    ph(&im, 2)->filesz = 0;
    const char *why;
    CHECK_EQ(validate(&im, &why), 2);
}

TEST(filesz_above_memsz_rejected)
{
    struct image im = valid_image();
    ph(&im, 0)->memsz = TEXT_SIZE - 1;
    CHECK(rejected(&im, SEG_OUTSIDE));
}

TEST(segment_above_limit_rejected)
{
    struct image im = valid_image();
    ph(&im, 2)->vaddr = LIMIT;
    CHECK(rejected(&im, SEG_RANGE));
    ph(&im, 2)->vaddr = ~0ull;
    CHECK(rejected(&im, SEG_RANGE));
}

TEST(segment_end_above_limit_rejected)
{
    struct image im = valid_image();
    ph(&im, 2)->vaddr = LIMIT - 0x1000;
    ph(&im, 2)->memsz = 0x1001;
    CHECK(rejected(&im, SEG_RANGE));
    ph(&im, 2)->memsz = 0x1000;         /* ends exactly at the limit */
    const char *why;
    CHECK_EQ(validate(&im, &why), 2);
}

TEST(segment_vaddr_plus_memsz_overflow_rejected)
{
    struct image im = valid_image();
    ph(&im, 2)->vaddr = 0x401000;
    ph(&im, 2)->memsz = ~0ull - 0x400000;   /* vaddr + memsz wraps to a small value */
    CHECK(rejected(&im, SEG_RANGE));
}

TEST(limit_is_a_parameter)
{
    struct image im = valid_image();
    const char *why;
    CHECK_EQ(validate_n(&im, IMG_SIZE, 0x403000, &why), 2);
    CHECK_EQ(validate_n(&im, IMG_SIZE, 0x402fff, &why), -1);
    CHECK_STR(why, SEG_RANGE);
    CHECK_EQ(validate_n(&im, IMG_SIZE, 0, &why), -1);
    CHECK_STR(why, SEG_RANGE);
}

TEST(no_load_segment_rejected)
{
    struct image im = valid_image();
    hdr(&im)->phnum = 0;
    CHECK(rejected(&im, NO_LOAD));
    im = valid_image();
    ph(&im, 0)->type = 6;   /* PT_PHDR */
    ph(&im, 2)->type = 0;   /* PT_NULL */
    CHECK(rejected(&im, NO_LOAD));
}

TEST(non_load_headers_are_not_checked)
{
    /* The PT_NOTE in the valid image has a wild offset and address. */
    struct image im = valid_image();
    CHECK_EQ(ph(&im, 1)->offset, 0xdeadbeef);
    const char *why;
    CHECK_EQ(validate(&im, &why), 2);
}

TEST(entry_above_limit_rejected)
{
    struct image im = valid_image();
    hdr(&im)->entry = LIMIT;
    CHECK(rejected(&im, ENTRY_RANGE));
    hdr(&im)->entry = LIMIT - 1;
    const char *why;
    CHECK_EQ(validate(&im, &why), 2);
}

TEST(first_failure_is_reported)
{
    /* Header problems come before segment problems. */
    struct image im = valid_image();
    hdr(&im)->machine = 0;
    ph(&im, 0)->filesz = ~0ull;
    hdr(&im)->entry = ~0ull;
    CHECK(rejected(&im, NOT_AARCH64));
    im = valid_image();
    ph(&im, 0)->vaddr = ~0ull;
    hdr(&im)->entry = ~0ull;
    CHECK(rejected(&im, SEG_RANGE));
}

/* Regression: a program header table that is not 8-byte aligned would be
 * read through misaligned pointers; it is rejected. */
TEST(misaligned_phoff_is_rejected)
{
    struct image im = valid_image();
    memmove(im.bytes + HDR_SIZE + 4, im.bytes + HDR_SIZE, NPH * PH_SIZE);
    hdr(&im)->phoff = HDR_SIZE + 4;
    const char *why;
    CHECK_EQ(validate(&im, &why), -1);
}

