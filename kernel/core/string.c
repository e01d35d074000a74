/*
 * The memory functions the compiler may call on its own (struct copies and
 * initialisers) in a freestanding kernel.
 */
#include <kstring.h>

void *memset(void *dst, int c, size_t n)
{
    u8 *d = dst;
    /* Objects are zeroed in bulk: go a word at a time when aligned. */
    if (((u64)d & 7) == 0) {
        u64 pattern = 0x0101010101010101ull * (u8)c;
        for (; n >= 8; n -= 8, d += 8)
            *(u64 *)(void *)d = pattern;
    }
    while (n-- > 0)
        *d++ = (u8)c;
    return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    u8 *d = dst;
    const u8 *s = src;
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
