/* kernel/include/bits.h */
#include "unit.h"
#include <bits.h>

TEST(mask_bits_edges)
{
    CHECK_EQ(mask_bits(0), 0);
    CHECK_EQ(mask_bits(1), 1);
    CHECK_EQ(mask_bits(12), 0xfff);
    CHECK_EQ(mask_bits(63), 0x7fffffffffffffffull);
    CHECK_EQ(mask_bits(64), ~0ull);
}

TEST(extract_and_insert)
{
    u64 esr = 0x96000045ull;
    CHECK_EQ(bits_extract(esr, 26, 6), 0x25);
    CHECK_EQ(bits_extract(esr, 0, 6), 0x05);
    CHECK_EQ(bits_extract(~0ull, 60, 8), 0xf);
    CHECK_EQ(bits_extract(~0ull, 64, 4), 0);
    CHECK_EQ(bits_insert(0, 4, 4, 0xab), 0xb0);
    CHECK_EQ(bits_insert(~0ull, 8, 8, 0), ~0xff00ull);
    CHECK_EQ(bits_insert(0, 0, 64, 0x1234), 0x1234);
}

TEST(power_of_two)
{
    CHECK(!is_pow2(0));
    CHECK(is_pow2(1));
    CHECK(is_pow2(4096));
    CHECK(!is_pow2(4097));
    CHECK(is_pow2(1ull << 63));
}

TEST(alignment)
{
    CHECK_EQ(align_down(0x1fff, 0x1000), 0x1000);
    CHECK_EQ(align_up(0x1001, 0x1000), 0x2000);
    CHECK_EQ(align_up(0x1000, 0x1000), 0x1000);
    CHECK_EQ(align_up(0, 0x200000), 0);
    CHECK(is_aligned(0x200000, 0x200000));
    CHECK(!is_aligned(0x200008, 16));
    CHECK_EQ(align_up(~0ull - 5, 16), 0); /* wraps */
}

TEST(count_zeros_and_logs)
{
    CHECK_EQ(clz64(0), 64);
    CHECK_EQ(ctz64(0), 64);
    CHECK_EQ(clz64(1), 63);
    CHECK_EQ(ctz64(0x80), 7);
    CHECK_EQ(clz64(1ull << 63), 0);
    CHECK_EQ(log2_floor(1), 0);
    CHECK_EQ(log2_floor(4095), 11);
    CHECK_EQ(log2_floor(4096), 12);
    CHECK_EQ(log2_ceil(1), 0);
    CHECK_EQ(log2_ceil(4097), 13);
    CHECK_EQ(log2_ceil(4096), 12);
    CHECK_EQ(log2_ceil(~0ull), 64);
}
