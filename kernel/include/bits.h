/*
 * Bit and alignment helpers. Pure functions: unit-tested on the host.
 * All take and return 64-bit values; shifts by 64 are handled explicitly
 * because C leaves them undefined.
 */
#ifndef LAKE_KERNEL_BITS_H
#define LAKE_KERNEL_BITS_H

#include <types.h>

#define BIT(n) (1ull << (n))

/* The low n bits set; n may be 0..64. */
static inline u64 mask_bits(unsigned n)
{
    return n >= 64 ? ~0ull : BIT(n) - 1;
}

/* Bits [lo, lo+width) of value, shifted down. */
static inline u64 bits_extract(u64 value, unsigned lo, unsigned width)
{
    return lo >= 64 ? 0 : (value >> lo) & mask_bits(width);
}

/* value with bits [lo, lo+width) replaced by field (truncated to width). */
static inline u64 bits_insert(u64 value, unsigned lo, unsigned width, u64 field)
{
    u64 m = mask_bits(width) << lo;
    return (value & ~m) | ((field << lo) & m);
}

static inline bool is_pow2(u64 x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* align must be a power of two. */
static inline u64 align_down(u64 x, u64 align)
{
    return x & ~(align - 1);
}

/* align must be a power of two; wraps to 0 on overflow like the hardware would. */
static inline u64 align_up(u64 x, u64 align)
{
    return (x + align - 1) & ~(align - 1);
}

static inline bool is_aligned(u64 x, u64 align)
{
    return (x & (align - 1)) == 0;
}

/* Count leading / trailing zeros; defined as 64 for x == 0. */
static inline unsigned clz64(u64 x)
{
    return x == 0 ? 64 : (unsigned)__builtin_clzll(x);
}

static inline unsigned ctz64(u64 x)
{
    return x == 0 ? 64 : (unsigned)__builtin_ctzll(x);
}

/* floor(log2(x)); x must be non-zero. */
static inline unsigned log2_floor(u64 x)
{
    return 63 - clz64(x);
}

/* ceil(log2(x)); x must be non-zero. */
static inline unsigned log2_ceil(u64 x)
{
    return x <= 1 ? 0 : 64 - clz64(x - 1);
}

#endif
