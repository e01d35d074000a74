/*
 * The memory functions the compiler may call on its own (struct copies and
 * initialisers) in a freestanding kernel. Zeroing is the kernel's bulk work
 * (every retyped object), so it uses DC ZVA: one instruction per 64 bytes.
 */
#include <kstring.h>

#define ZVA_BYTES 64    /* DCZID_EL0.BS on the Cortex-A53 */

/* DC ZVA needs normal memory, i.e. the MMU on: set by kernel_main. */
bool memset_zva_enabled;

/* n is a multiple of ZVA_BYTES; eight blocks per iteration while they
 * last, so the loop costs little beside the DC ZVAs (a 4 KiB page: 88
 * instructions instead of 256). */
static void zero_blocks(u8 *d, size_t n)
{
    u8 *end = d + n;
    for (; end - d >= 8 * ZVA_BYTES; d += 8 * ZVA_BYTES)
        __asm__ volatile("dc zva, %0\n\t"
                         "dc zva, %1\n\t"
                         "dc zva, %2\n\t"
                         "dc zva, %3\n\t"
                         "dc zva, %4\n\t"
                         "dc zva, %5\n\t"
                         "dc zva, %6\n\t"
                         "dc zva, %7"
                         : : "r"(d), "r"(d + ZVA_BYTES), "r"(d + 2 * ZVA_BYTES),
                           "r"(d + 3 * ZVA_BYTES), "r"(d + 4 * ZVA_BYTES), "r"(d + 5 * ZVA_BYTES),
                           "r"(d + 6 * ZVA_BYTES), "r"(d + 7 * ZVA_BYTES)
                         : "memory");
    for (; d < end; d += ZVA_BYTES)
        __asm__ volatile("dc zva, %0" : : "r"(d) : "memory");
}

void *memset(void *dst, int c, size_t n)
{
    u8 *d = dst;
    u64 pattern = 0x0101010101010101ull * (u8)c;

    while (n > 0 && ((u64)d & 7) != 0) {
        *d++ = (u8)c;
        n--;
    }
    if (c == 0 && memset_zva_enabled && n >= 2 * ZVA_BYTES) {
        while (((u64)d & (ZVA_BYTES - 1)) != 0) {
            *(u64 *)(void *)d = 0;
            d += 8;
            n -= 8;
        }
        size_t blocks = n & ~(size_t)(ZVA_BYTES - 1);
        zero_blocks(d, blocks);
        d += blocks;
        n -= blocks;
    }
    for (; n >= 8; n -= 8, d += 8)
        *(u64 *)(void *)d = pattern;
    while (n-- > 0)
        *d++ = (u8)c;
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    u8 *d = dst;
    const u8 *s = src;
    if ((((u64)d | (u64)s) & 7) == 0) {
        for (; n >= 32; n -= 32, d += 32, s += 32) {
            const u64 *sw = (const u64 *)(const void *)s;
            u64 *dw = (u64 *)(void *)d;
            u64 a = sw[0], b = sw[1], c = sw[2], e = sw[3];
            dw[0] = a, dw[1] = b, dw[2] = c, dw[3] = e;
        }
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(u64 *)(void *)d = *(const u64 *)(const void *)s;
    }
    while (n-- > 0)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    u8 *d = dst;
    const u8 *s = src;
    if (d < s) {
        while (n-- > 0)
            *d++ = *s++;
    } else {
        while (n-- > 0)
            d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}
