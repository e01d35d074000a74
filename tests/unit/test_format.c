/*
 * kernel/core/format.c against the host C library's snprintf, which is the
 * reference for every conversion both support.
 */
#include "unit.h"
#include <format.h>
#include <limits.h>
#include <stdarg.h>

static int check_against_libc(const char *fmt, ...)
{
    char ours[256], theirs[256];
    va_list a, b;
    va_start(a, fmt);
    va_copy(b, a);
    int n_ours = kvsnprintf(ours, sizeof(ours), fmt, a);
    int n_theirs = vsnprintf(theirs, sizeof(theirs), fmt, b);
    va_end(a);
    va_end(b);
    if (n_ours != n_theirs || strcmp(ours, theirs) != 0) {
        printf("  format \"%s\": got \"%s\" (%d), want \"%s\" (%d)\n", fmt, ours, n_ours, theirs,
               n_theirs);
        return 0;
    }
    return 1;
}

#define SAME(...) CHECK(check_against_libc(__VA_ARGS__))

TEST(plain_text_and_percent)
{
    SAME("hello");
    SAME("");
    SAME("100%%");
    SAME("%%d");
}

TEST(signed_decimal)
{
    SAME("%d", 0);
    SAME("%d", 42);
    SAME("%d", -42);
    SAME("%i", INT_MAX);
    SAME("%d", INT_MIN);
    SAME("%ld", LONG_MIN);
    SAME("%lld", LLONG_MAX);
    SAME("%+d %+d", 5, -5);
    SAME("% d % d", 5, -5);
    SAME("%hhd", 300);
    SAME("%hd", 70000);
    SAME("%zd", (ssize_t)-3);
}

TEST(unsigned_and_radix)
{
    SAME("%u", 3000000000u);
    SAME("%lu", ULONG_MAX);
    SAME("%x %X", 0xdeadbeefu, 0xdeadbeefu);
    SAME("%#x %#X %#o", 255u, 255u, 8u);
    SAME("%#x %#o", 0u, 0u);
    SAME("%o", 511u);
    SAME("%lx", 0xffff000000080000ul);
    SAME("%zu %zx", (size_t)12345, (size_t)0xabc);
    SAME("%hhx", 0x1ffu);
}

TEST(width_precision_flags)
{
    SAME("[%5d]", 42);
    SAME("[%-5d]", 42);
    SAME("[%05d]", -42);
    SAME("[%016lx]", 0x1234ul);
    SAME("[%.3d]", 7);
    SAME("[%8.3d]", -7);
    SAME("[%-8.3x]", 0xau);
    SAME("[%08.3d]", 7);
    SAME("[%.0d]", 0);
    SAME("[%5.0d]", 0);
    SAME("[%*d]", 6, 1);
    SAME("[%*d]", -6, 1);
    SAME("[%.*d]", 4, 1);
    SAME("[%-+6d]", 3);
}

TEST(strings_and_chars)
{
    SAME("%s", "abc");
    SAME("[%10s]", "abc");
    SAME("[%-10s]", "abc");
    SAME("[%.2s]", "abcdef");
    SAME("[%.*s]", 1, "xyz");
    SAME("%c%c%c", 'L', 'a', 'k');
    SAME("[%3c][%-3c]", 'x', 'y');
}

TEST(pointer)
{
    char buf[64];
    ksnprintf(buf, sizeof(buf), "%p", (void *)0x1234);
    CHECK_STR(buf, "0x1234");
}

/* Formats not known at compile time, so the compiler cannot warn about them. */
static const char *volatile runtime_null;

TEST(null_string)
{
    char buf[64];
    ksnprintf(buf, sizeof(buf), "%s", runtime_null);
    CHECK_STR(buf, "(null)");
}

TEST(binary_conversion)
{
    char buf[80];
    ksnprintf(buf, sizeof(buf), "%b %08b", 5u, 3u);
    CHECK_STR(buf, "101 00000011");
}

TEST(truncation_returns_full_length)
{
    char buf[8];
    int n = ksnprintf(buf, sizeof(buf), "%s", "0123456789");
    CHECK_EQ(n, 10);
    CHECK_STR(buf, "0123456");
    n = ksnprintf(buf, 1, "abc");
    CHECK_EQ(n, 3);
    CHECK_STR(buf, "");
    n = ksnprintf(NULL, 0, "%d", 12345);
    CHECK_EQ(n, 5);
}

#pragma GCC diagnostic ignored "-Wformat"
TEST(malformed_formats_are_printed_verbatim)
{
    char buf[32];
    ksnprintf(buf, sizeof(buf), "50%");
    CHECK_STR(buf, "50%");
    ksnprintf(buf, sizeof(buf), "%q");
    CHECK_STR(buf, "%q");
    ksnprintf(buf, sizeof(buf), "a%-");
    CHECK_STR(buf, "a%");
}
