/*
 * LIBC_4xx: the C library (picolibc) over the LakeOS runtime: formatted
 * output including floating point, the heap, sorting, number parsing,
 * non-local jumps, file descriptors 0-2 and the clocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

TEST(LIBC_401, "printf formats integers, strings and floating point")
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%d %5s %x %.3f %e %g", -42, "lake", 0xbeefu, 3.14159, 12345.678,
             0.0001);
    test_assert(strcmp(buf, "-42  lake beef 3.142 1.234568e+04 0.0001") == 0);
    snprintf(buf, sizeof(buf), "%.2f", -0.005);
    test_assert(strcmp(buf, "-0.01") == 0 || strcmp(buf, "-0.00") == 0);
    snprintf(buf, sizeof(buf), "%08.2f|%-6.1f|", 2.5, 1.25);
    test_assert(strcmp(buf, "00002.50|1.2   |") == 0 || strcmp(buf, "00002.50|1.3   |") == 0);
}

TEST(LIBC_402, "malloc, realloc and free work and reuse memory")
{
    char *blocks[64];
    for (int i = 0; i < 64; i++) {
        blocks[i] = malloc(100 + i * 37);
        test_assert(blocks[i] != NULL);
        memset(blocks[i], i, 100 + i * 37);
    }
    for (int i = 0; i < 64; i++) {
        for (int j = 0; j < 100 + i * 37; j++)
            test_eq((unsigned char)blocks[i][j], i);
    }
    blocks[0] = realloc(blocks[0], 5000);
    test_assert(blocks[0] != NULL);
    test_eq((unsigned char)blocks[0][99], 0);
    for (int i = 0; i < 64; i++)
        free(blocks[i]);
    /* The whole heap can be handed out again after freeing. */
    for (int round = 0; round < 20; round++) {
        void *big = malloc(256 * 1024);
        test_assert(big != NULL);
        free(big);
    }
    /* Asking for more than the heap fails cleanly. */
    errno = 0;
    test_assert(malloc(64ul << 20) == NULL);
    test_eq(errno, ENOMEM);
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

TEST(LIBC_403, "qsort and strtod")
{
    int values[500];
    unsigned seed = 12345;
    for (int i = 0; i < 500; i++) {
        seed = seed * 1103515245u + 12345u;
        values[i] = (int)(seed >> 8) % 10000 - 5000;
    }
    qsort(values, 500, sizeof(values[0]), compare_ints);
    for (int i = 1; i < 500; i++)
        test_assert(values[i - 1] <= values[i]);

    char *end;
    double d = strtod("  -12.5e3xyz", &end);
    test_assert(d == -12500.0);
    test_assert(strcmp(end, "xyz") == 0);
    test_assert(strtod("0x1p4", NULL) == 16.0);
    test_eq(strtol("-0x7f", NULL, 16), -127);
}

static jmp_buf jump;

static void jump_back(int depth);
/* Called through a pointer so the compiler sees no endless recursion. */
static void (*volatile deeper)(int) = jump_back;

static void jump_back(int depth)
{
    if (depth > 0)
        deeper(depth - 1);
    longjmp(jump, 7);
}

TEST(LIBC_404, "setjmp and longjmp across calls")
{
    volatile int passes = 0;
    int r = setjmp(jump);
    passes++;
    if (r == 0)
        jump_back(10);
    test_eq(r, 7);
    test_eq(passes, 2);
}

TEST(LIBC_405, "the console descriptors work; files fail with ENOSYS until there is a file server")
{
    test_eq(write(1, "runtime: write(1) works\n", 24), 24);
    test_eq(isatty(1), 1);
    char c;
    test_eq(read(0, &c, 1), 0);
    errno = 0;
    test_eq(open("/etc/motd", O_RDONLY), -1);
    test_eq(errno, ENOSYS);
    errno = 0;
    test_eq(write(7, "x", 1), -1);
    test_eq(errno, EBADF);
    test_assert(fopen("/etc/motd", "r") == NULL);
}

TEST(LIBC_406, "clock_gettime is monotonic and nanosleep waits at least as asked")
{
    struct timespec a, b, res;
    test_ok(clock_getres(CLOCK_MONOTONIC, &res));
    test_assert(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000);
    test_ok(clock_gettime(CLOCK_MONOTONIC, &a));
    struct timespec nap = { .tv_sec = 0, .tv_nsec = 3 * 1000 * 1000 };
    test_ok(nanosleep(&nap, NULL));
    test_ok(clock_gettime(CLOCK_MONOTONIC, &b));
    int64_t elapsed = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
    test_assert(elapsed >= 3 * 1000 * 1000);
    test_assert(time(NULL) >= 0);
    errno = 0;
    struct timespec bad = { .tv_sec = 0, .tv_nsec = 2000000000 };
    test_eq(nanosleep(&bad, NULL), -1);
    test_eq(errno, EINVAL);
    test_eq(clock_gettime((clockid_t)99, &a), -1);
}

/* Fill [lo, hi) of buf by memset(buf + off, c, n) and check every byte:
 * inside the range c, outside the guard value. */
static int check_memset(unsigned char *buf, size_t size, size_t off, size_t n, int c)
{
    for (size_t i = 0; i < size; i++)
        buf[i] = 0x5a;
    memset(buf + off, c, n);
    for (size_t i = 0; i < size; i++) {
        unsigned char want = (i >= off && i < off + n) ? (unsigned char)c : 0x5a;
        if (buf[i] != want)
            return 0;
    }
    return 1;
}

TEST(LIBC_407, "memset and memcpy: every alignment and length, zero (DC ZVA) and other bytes")
{
    static unsigned char buf[3 * 4096 + 256] __attribute__((aligned(64)));
    static const size_t lengths[] = { 0, 1, 7, 15, 16, 63, 64, 65, 255, 511, 512, 513, 1023,
                                      1024, 1025, 4095, 4096, 4097, 8192 + 77 };
    for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
        for (size_t off = 0; off < 80; off += 13) {
            test_assert(check_memset(buf, sizeof(buf), off, lengths[l], 0));
            test_assert(check_memset(buf, sizeof(buf), off, lengths[l], 0xc3));
        }
    }
    static unsigned char src[4096 + 64];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (unsigned char)(i * 7 + 1);
    for (size_t off = 0; off < 24; off += 5) {
        memset(buf, 0, sizeof(buf));
        memcpy(buf + off, src + (off & 7), 4096 + 3);
        test_assert(memcmp(buf + off, src + (off & 7), 4096 + 3) == 0);
        test_eq(buf[off + 4096 + 3], 0);
    }
}
