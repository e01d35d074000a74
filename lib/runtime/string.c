/*
 * memcpy, memmove and memset for every user program. Debian's picolibc
 * for AArch64 carries the byte-at-a-time C versions; these move 16 bytes
 * per step once the destination is aligned, which is what spawning (page
 * fills), the heap (malloc clears its blocks) and IPC marshalling spend
 * their time in. Linked before libc, so they replace its versions.
 *
 * The loops must not be turned back into calls of these very functions
 * by the compiler (loop distribution), hence the attribute.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;
typedef uint64_t __attribute__((may_alias)) aligned_u64;
typedef uint64_t v16 __attribute__((vector_size(16), may_alias, aligned(8)));
typedef uint64_t unaligned_v16 __attribute__((vector_size(16), may_alias, aligned(1)));

/* Large zero fills (fresh heap blocks, page-sized records) with DC ZVA,
 * one instruction per 64-byte block: the kernel lets EL0 use it
 * (SCTLR_EL1.DZE) and the Cortex-A53's block is 64 bytes (DCZID_EL0). Out
 * of line, so small memsets do not pay for it. */
#define ZVA_BYTES 64
#define ZVA_MIN   (8 * ZVA_BYTES)

static NO_LIBCALLS __attribute__((noinline)) void *zero_large(void *dst, size_t n)
{
    unsigned char *d = dst;
    while ((uintptr_t)d & 7) {
        *d++ = 0;
        n--;
    }
    for (; (uintptr_t)d & (ZVA_BYTES - 1); n -= 8, d += 8)
        *(aligned_u64 *)d = 0;
    for (unsigned char *end = d + (n & ~(size_t)(4 * ZVA_BYTES - 1)); d < end;
         d += 4 * ZVA_BYTES, n -= 4 * ZVA_BYTES)
        __asm__ volatile("dc zva, %0\n\t"
                         "dc zva, %1\n\t"
                         "dc zva, %2\n\t"
                         "dc zva, %3"
                         : : "r"(d), "r"(d + ZVA_BYTES), "r"(d + 2 * ZVA_BYTES),
                           "r"(d + 3 * ZVA_BYTES) : "memory");
    for (; n >= 8; n -= 8, d += 8)
        *(aligned_u64 *)d = 0;
    while (n-- > 0)
        *d++ = 0;
    return dst;
}

NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
    if (c == 0 && n >= ZVA_MIN)
        return zero_large(dst, n);
    unsigned char *d = dst;
    uint64_t pattern = (uint8_t)c * 0x0101010101010101ull;
    while (n > 0 && ((uintptr_t)d & 15)) {
        *d++ = (unsigned char)c;
        n--;
    }
    for (; n >= 64; n -= 64, d += 64) {
        aligned_u64 *w = (aligned_u64 *)d;
        w[0] = w[1] = w[2] = w[3] = w[4] = w[5] = w[6] = w[7] = pattern;
    }
    for (; n >= 8; n -= 8, d += 8)
        *(aligned_u64 *)d = pattern;
    while (n-- > 0)
        *d++ = (unsigned char)c;
    return dst;
}

/* Forward copy; safe for overlapping buffers when dst < src. */
NO_LIBCALLS static void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    while (n > 0 && ((uintptr_t)d & 7)) {
        *d++ = *s++;
        n--;
    }
    /* 64 bytes a step: four 16-byte loads and stores, in pairs. */
    for (; n >= 64; n -= 64, d += 64, s += 64) {
        const unaligned_v16 *sv = (const unaligned_v16 *)s;
        v16 a = sv[0], b = sv[1], c = sv[2], e = sv[3];
        v16 *dv = (v16 *)d;
        dv[0] = a, dv[1] = b, dv[2] = c, dv[3] = e;
    }
    for (; n >= 32; n -= 32, d += 32, s += 32) {
        uint64_t a = ((const unaligned_u64 *)s)[0], b = ((const unaligned_u64 *)s)[1];
        uint64_t c = ((const unaligned_u64 *)s)[2], e = ((const unaligned_u64 *)s)[3];
        aligned_u64 *w = (aligned_u64 *)d;
        w[0] = a, w[1] = b, w[2] = c, w[3] = e;
    }
    for (; n >= 8; n -= 8, d += 8, s += 8)
        *(aligned_u64 *)d = *(const unaligned_u64 *)s;
    while (n-- > 0)
        *d++ = *s++;
}

NO_LIBCALLS static void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    d += n;
    s += n;
    while (n > 0 && ((uintptr_t)d & 7)) {
        *--d = *--s;
        n--;
    }
    for (; n >= 8; n -= 8) {
        d -= 8, s -= 8;
        *(aligned_u64 *)d = *(const unaligned_u64 *)s;
    }
    while (n-- > 0)
        *--d = *--s;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    copy_forward(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        copy_forward(d, s, n);
    else
        copy_backward(d, s, n);
    return dst;
}
