/*
 * Host tests of the pure helpers of the /bin programs
 * (user/bin/common/binopt.h and binfmt.h): option parsing, sleep
 * intervals, process ids, the ls -l line, dates, free, uptime, ps, wc and
 * paths, with fixed-seed fuzz tests of the parsers.
 */
#include <stdint.h>
#include <time.h>

#include "binfmt.h"
#include "binopt.h"
#include "unit.h"

/* A size the compiler cannot see through, for deliberately small buffers. */
static size_t opaque(size_t n)
{
    volatile size_t v = n;
    return v;
}

/* A process name as init sends it: a 32-byte field. */
static const char *name32(const char *s)
{
    static char field[32];
    memset(field, 0, sizeof(field));
    strncpy(field, s, sizeof(field));
    return field;
}

/* ---- options -------------------------------------------------------------- */

/* Parses a space-separated command line (at most 15 words). */
static int parse_line(const char *line, const char *allowed, struct bin_opts *o, char **argv,
                      char *storage)
{
    int argc = 0;
    strcpy(storage, line);
    for (char *w = strtok(storage, " "); w != NULL && argc < 15; w = strtok(NULL, " "))
        argv[argc++] = w;
    argv[argc] = NULL;
    return bin_parse_opts(argc, argv, allowed, o);
}

TEST(opts_grouped_and_separate)
{
    struct bin_opts o;
    char *argv[16], buf[256];
    CHECK_EQ(parse_line("ls -la -1", "al1", &o, argv, buf), 0);
    CHECK(o.set['l'] && o.set['a'] && o.set['1']);
    CHECK(!o.set['r']);
    CHECK_EQ(o.nargs, 0);
    CHECK(argv[1] == NULL);
}

TEST(opts_permuted_operands_keep_order)
{
    struct bin_opts o;
    char *argv[16], buf[256];
    CHECK_EQ(parse_line("ls b -l a -a c", "al", &o, argv, buf), 0);
    CHECK(o.set['l'] && o.set['a']);
    CHECK_EQ(o.nargs, 3);
    CHECK_STR(argv[1], "b");
    CHECK_STR(argv[2], "a");
    CHECK_STR(argv[3], "c");
    CHECK(argv[4] == NULL);
}

TEST(opts_double_dash_and_single_dash)
{
    struct bin_opts o;
    char *argv[16], buf[256];
    CHECK_EQ(parse_line("rm -f -- -r - x", "fr", &o, argv, buf), 0);
    CHECK(o.set['f']);
    CHECK(!o.set['r']);
    CHECK_EQ(o.nargs, 3);
    CHECK_STR(argv[1], "-r");
    CHECK_STR(argv[2], "-");
    CHECK_STR(argv[3], "x");
}

TEST(opts_errors)
{
    struct bin_opts o;
    char *argv[16], buf[256];
    CHECK_EQ(parse_line("ls -lx", "al", &o, argv, buf), -1);
    CHECK_EQ(o.bad, 'x');
    CHECK_STR(o.bad_arg, "-lx");
    CHECK_EQ(parse_line("ls --help", "al", &o, argv, buf), -1);
    CHECK_EQ(o.bad, '-');
    CHECK_STR(o.bad_arg, "--help");
    CHECK_EQ(parse_line("cat -n", "", &o, argv, buf), -1);
    CHECK_EQ(o.bad, 'n');
    char high[] = "-\xff";
    char *hv[] = { "x", high, NULL };
    CHECK_EQ(bin_parse_opts(2, hv, "al", &o), -1);
    CHECK_EQ((unsigned char)o.bad, 0xff);
}

TEST(opts_no_arguments)
{
    struct bin_opts o;
    char *argv[] = { NULL };
    CHECK_EQ(bin_parse_opts(0, argv, "a", &o), 0);
    CHECK_EQ(o.nargs, 0);
    char *one[] = { "ls", NULL };
    CHECK_EQ(bin_parse_opts(1, one, "a", &o), 0);
    CHECK_EQ(o.nargs, 0);
    CHECK(one[1] == NULL);
}

/* ---- numbers ---------------------------------------------------------------- */

TEST(pid_parsing)
{
    long pid = -1;
    CHECK_EQ(bin_parse_pid("123", &pid), 0);
    CHECK_EQ(pid, 123);
    CHECK_EQ(bin_parse_pid("2147483647", &pid), 0);
    CHECK_EQ(pid, 2147483647L);
    CHECK_EQ(bin_parse_pid("2147483648", &pid), -1);
    CHECK_EQ(bin_parse_pid("99999999999999999999999", &pid), -1);
    CHECK_EQ(bin_parse_pid("0", &pid), -1);
    CHECK_EQ(bin_parse_pid("", &pid), -1);
    CHECK_EQ(bin_parse_pid(NULL, &pid), -1);
    CHECK_EQ(bin_parse_pid("-5", &pid), -1);
    CHECK_EQ(bin_parse_pid("12a", &pid), -1);
    CHECK_EQ(bin_parse_pid(" 12", &pid), -1);
}

static uint64_t duration(const char *s)
{
    uint64_t ns = 12345;
    if (bin_parse_duration(s, &ns) < 0)
        return UINT64_MAX - 1;      /* "rejected" */
    return ns;
}

#define REJECTED (UINT64_MAX - 1)

TEST(duration_numbers_and_fractions)
{
    CHECK_EQ(duration("1"), 1000000000u);
    CHECK_EQ(duration("0"), 0);
    CHECK_EQ(duration("0.5"), 500000000u);
    CHECK_EQ(duration(".25"), 250000000u);
    CHECK_EQ(duration("2."), 2000000000u);
    CHECK_EQ(duration("0.000000001"), 1);
    CHECK_EQ(duration("0.0000000019"), 1);     /* beyond nanoseconds: cut */
    CHECK_EQ(duration("007"), 7000000000u);
}

TEST(duration_units)
{
    CHECK_EQ(duration("3s"), 3000000000u);
    CHECK_EQ(duration("2m"), 120000000000u);
    CHECK_EQ(duration("1.5h"), 5400000000000u);
    CHECK_EQ(duration("1d"), 86400000000000u);
    CHECK_EQ(duration(".5m"), 30000000000u);
}

TEST(duration_rejects)
{
    CHECK_EQ(duration(""), REJECTED);
    CHECK_EQ(duration("."), REJECTED);
    CHECK_EQ(duration("s"), REJECTED);
    CHECK_EQ(duration("abc"), REJECTED);
    CHECK_EQ(duration("1x"), REJECTED);
    CHECK_EQ(duration("1ss"), REJECTED);
    CHECK_EQ(duration("-1"), REJECTED);
    CHECK_EQ(duration("1.2.3"), REJECTED);
    CHECK_EQ(duration(" 1"), REJECTED);
    CHECK_EQ(duration("1 "), REJECTED);
    uint64_t ns;
    CHECK_EQ(bin_parse_duration(NULL, &ns), -1);
}

TEST(duration_saturates)
{
    CHECK_EQ(duration("99999999999999999999999999"), UINT64_MAX);
    CHECK_EQ(duration("18446744073d"), UINT64_MAX);
    CHECK_EQ(duration("18446744073"), 18446744073000000000u);
    CHECK_EQ(bin_sat_add(UINT64_MAX, 1), UINT64_MAX);
    CHECK_EQ(bin_sat_mul(UINT64_MAX / 2, 3), UINT64_MAX);
    CHECK_EQ(bin_sat_mul(0, 3), 0);
}

/* ---- ls -l ------------------------------------------------------------------ */

static const char *mode_string(unsigned mode)
{
    static char buf[11];
    bin_mode_string(mode, buf);
    return buf;
}

TEST(mode_strings)
{
    CHECK_STR(mode_string(S_IFDIR | 0755), "drwxr-xr-x");
    CHECK_STR(mode_string(S_IFREG | 0644), "-rw-r--r--");
    CHECK_STR(mode_string(S_IFREG | 0), "----------");
    CHECK_STR(mode_string(S_IFREG | 0777), "-rwxrwxrwx");
    CHECK_STR(mode_string(S_IFCHR | 0620), "crw--w----");
    CHECK_STR(mode_string(S_IFIFO | 0600), "prw-------");
    CHECK_STR(mode_string(S_IFLNK | 0777), "lrwxrwxrwx");
    CHECK_STR(mode_string(S_IFBLK | 0660), "brw-rw----");
    CHECK_STR(mode_string(S_IFSOCK | 0755), "srwxr-xr-x");
    CHECK_STR(mode_string(0644), "?rw-r--r--");
}

TEST(mode_strings_special_bits)
{
    CHECK_STR(mode_string(S_IFREG | 04755), "-rwsr-xr-x");
    CHECK_STR(mode_string(S_IFREG | 04644), "-rwSr--r--");
    CHECK_STR(mode_string(S_IFREG | 02755), "-rwxr-sr-x");
    CHECK_STR(mode_string(S_IFREG | 02745), "-rwxr-Sr-x");
    CHECK_STR(mode_string(S_IFDIR | 01777), "drwxrwxrwt");
    CHECK_STR(mode_string(S_IFDIR | 01776), "drwxrwxrwT");
}

TEST(civil_time_matches_gmtime)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* about +-4000 years around 1970 */
        int64_t t = (int64_t)(x % 252460800000ull) - 126230400000ll;
        if (i < 3)
            t = (int64_t[]){ 0, -1, 951782400 }[i];
        time_t tt = (time_t)t;
        struct tm tm;
        struct bin_civil c;
        CHECK(gmtime_r(&tt, &tm) != NULL);
        bin_civil_time(t, &c);
        if (c.year != tm.tm_year + 1900LL || c.month != (unsigned)tm.tm_mon + 1 ||
            c.day != (unsigned)tm.tm_mday || c.hour != (unsigned)tm.tm_hour ||
            c.minute != (unsigned)tm.tm_min || c.second != (unsigned)tm.tm_sec) {
            printf("  t=%lld\n", (long long)t);
            CHECK(0);
            break;
        }
    }
}

TEST(dates)
{
    char buf[16];
    CHECK_EQ(bin_format_date(83, buf, sizeof(buf)), 12);
    CHECK_STR(buf, "Jan  1 00:01");
    CHECK_EQ(bin_format_date(951782400 + 13 * 3600 + 5 * 60, buf, sizeof(buf)), 12);
    CHECK_STR(buf, "Feb 29 13:05");
    CHECK_EQ(bin_format_date(1764081000, buf, sizeof(buf)), 12);
    CHECK_STR(buf, "Nov 25 14:30");
    CHECK_EQ(bin_format_date(-1, buf, sizeof(buf)), 12);
    CHECK_STR(buf, "Dec 31 23:59");
    CHECK_EQ(bin_format_date(0, buf, opaque(5)), -1);
    CHECK_EQ(bin_format_date(INT64_MAX, buf, sizeof(buf)), 12);
    CHECK_EQ(bin_format_date(INT64_MIN, buf, sizeof(buf)), 12);
}

TEST(ls_long_lines_align)
{
    struct bin_ls_entry a = { S_IFREG | 0644, 1, 5, 60, "a.txt" };
    struct bin_ls_entry d = { S_IFDIR | 0755, 12, 12345, 3600, "dir" };
    struct bin_ls_widths w = { 1, 1 };
    bin_ls_widen(&w, &a);
    bin_ls_widen(&w, &d);
    CHECK_EQ(w.nlink, 2);
    CHECK_EQ(w.size, 5);
    char buf[128];
    CHECK(bin_ls_long(buf, sizeof(buf), &a, &w) > 0);
    CHECK_STR(buf, "-rw-r--r--  1     5 Jan  1 00:01 a.txt");
    CHECK(bin_ls_long(buf, sizeof(buf), &d, &w) > 0);
    CHECK_STR(buf, "drwxr-xr-x 12 12345 Jan  1 01:00 dir");
}

TEST(ls_long_names_and_small_buffers)
{
    char name[300];
    memset(name, 'n', 255);
    name[255] = '\0';
    struct bin_ls_entry e = { S_IFREG | 0600, 1, UINT64_MAX, 0, name };
    struct bin_ls_widths w = { 1, 1 };
    bin_ls_widen(&w, &e);
    CHECK_EQ(w.size, 20);
    char buf[400];
    int n = bin_ls_long(buf, sizeof(buf), &e, &w);
    CHECK_EQ(n, 10 + 1 + 1 + 1 + 20 + 1 + 12 + 1 + 255);
    CHECK_EQ(strlen(buf), (size_t)n);
    CHECK_EQ(bin_ls_long(buf, opaque(100), &e, &w), -1);
    CHECK_EQ(strlen(buf), 99);
}

/* ---- free, uptime, ps ---------------------------------------------------- */

TEST(free_format)
{
    char buf[160];
    int n = bin_format_free(buf, sizeof(buf), 1024ull * 1024 * 1024, 3 * 1024 * 1024,
                            1024ull * 1024 * 1024 - 3 * 1024 * 1024, 10);
    CHECK(n > 0);
    CHECK_STR(buf, "              total        used        free\n"
                   "Mem:        1048576        3072     1045504\n");
    CHECK(bin_format_free(buf, sizeof(buf), 1 << 20, 0, 1 << 20, 20) > 0);
    CHECK_STR(buf, "              total        used        free\n"
                   "Mem:              1           0           1\n");
    CHECK(bin_format_free(buf, sizeof(buf), UINT64_MAX, UINT64_MAX, UINT64_MAX, 0) > 0);
    CHECK_EQ(bin_format_free(buf, opaque(20), 1, 1, 1, 0), -1);
}

TEST(uptime_format)
{
    char buf[64];
    CHECK(bin_format_uptime(0, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "up 0:00:00");
    CHECK(bin_format_uptime(83999999999ull, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "up 0:01:23");
    CHECK(bin_format_uptime(86399ull * 1000000000, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "up 23:59:59");
    CHECK(bin_format_uptime((86400ull + 3723) * 1000000000, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "up 1 day, 1:02:03");
    CHECK(bin_format_uptime(2 * 86400ull * 1000000000, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "up 2 days, 0:00:00");
    CHECK(bin_format_uptime(UINT64_MAX, buf, sizeof(buf)) > 0);
    CHECK_EQ(bin_format_uptime(0, buf, opaque(4)), -1);
}

TEST(ps_format)
{
    char buf[128];
    CHECK(bin_format_ps(buf, sizeof(buf), 1, 0, 1, 2048 * 1024, name32("init"), 32) > 0);
    CHECK_STR(buf, "    1     0 running      2048K init");
    CHECK_EQ(strstr(BIN_PS_HEADER, "NAME") - BIN_PS_HEADER, strlen("    1     0 running      2048K "));
    CHECK(bin_format_ps(buf, sizeof(buf), 42, 7, 2, 1023, name32("sh"), 32) > 0);
    CHECK_STR(buf, "   42     7 zombie          0K sh");
    CHECK(bin_format_ps(buf, sizeof(buf), 3, 1, 9, 0, name32("x"), 32) > 0);
    CHECK_STR(buf, "    3     1 unknown         0K x");
    char full[32];
    memset(full, 'p', sizeof(full));    /* no NUL */
    CHECK(bin_format_ps(buf, sizeof(buf), 5, 1, 1, 0, full, sizeof(full)) > 0);
    CHECK_EQ(strlen(buf), strlen("    5     1 running         0K ") + 32);
}

/* ---- wc ------------------------------------------------------------------ */

TEST(wc_counts)
{
    struct bin_wc c = { 0 };
    bin_wc_count(&c, "hello world\n", 12);
    CHECK_EQ(c.lines, 1);
    CHECK_EQ(c.words, 2);
    CHECK_EQ(c.bytes, 12);
    struct bin_wc e = { 0 };
    bin_wc_count(&e, "", 0);
    CHECK_EQ(e.lines + e.words + e.bytes, 0);
    struct bin_wc s = { 0 };
    bin_wc_count(&s, " \t\n\v\f\r ", 7);
    CHECK_EQ(s.lines, 1);
    CHECK_EQ(s.words, 0);
    CHECK_EQ(s.bytes, 7);
    struct bin_wc n = { 0 };
    bin_wc_count(&n, "no newline", 10);
    CHECK_EQ(n.lines, 0);
    CHECK_EQ(n.words, 2);
}

TEST(wc_words_across_buffers)
{
    struct bin_wc c = { 0 };
    bin_wc_count(&c, "hel", 3);
    bin_wc_count(&c, "lo wor", 6);
    bin_wc_count(&c, "ld", 2);
    bin_wc_count(&c, "\n", 1);
    CHECK_EQ(c.words, 2);
    CHECK_EQ(c.lines, 1);
    CHECK_EQ(c.bytes, 12);
}

TEST(wc_binary_data)
{
    const unsigned char data[] = { 0, 1, 0xff, ' ', 0x80, '\n', 0, '\n' };
    struct bin_wc c = { 0 };
    bin_wc_count(&c, data, sizeof(data));
    CHECK_EQ(c.lines, 2);
    CHECK_EQ(c.words, 3);
    CHECK_EQ(c.bytes, 8);
}

TEST(wc_format)
{
    struct bin_wc c = { 3, 10, 52, false };
    unsigned all = BIN_WC_LINES | BIN_WC_WORDS | BIN_WC_BYTES;
    char buf[96];
    CHECK_EQ(bin_wc_width(&c, all), 2);
    CHECK_EQ(bin_wc_width(&c, BIN_WC_LINES), 1);
    CHECK(bin_format_wc(buf, sizeof(buf), &c, all, 2, "f") > 0);
    CHECK_STR(buf, " 3 10 52 f");
    CHECK(bin_format_wc(buf, sizeof(buf), &c, BIN_WC_LINES, 1, "f") > 0);
    CHECK_STR(buf, "3 f");
    CHECK(bin_format_wc(buf, sizeof(buf), &c, BIN_WC_WORDS | BIN_WC_BYTES, 4, NULL) > 0);
    CHECK_STR(buf, "  10   52");
    CHECK_EQ(bin_format_wc(buf, opaque(5), &c, all, 2, "f"), -1);
    CHECK_EQ(bin_format_wc(buf, opaque(0), &c, all, 2, "f"), -1);
    CHECK_EQ(bin_format_wc(buf, opaque(10), &c, all, 2, "name"), -1);
}

/* ---- paths ----------------------------------------------------------------- */

static const char *last(const char *path)
{
    static char buf[64];
    size_t len;
    const char *p = bin_last_component(path, &len);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

TEST(last_components)
{
    CHECK_STR(last("a"), "a");
    CHECK_STR(last("a/b"), "b");
    CHECK_STR(last("a/b/"), "b");
    CHECK_STR(last("/a//b//"), "b");
    CHECK_STR(last("/"), "/");
    CHECK_STR(last("///"), "/");
    CHECK_STR(last(""), "");
    CHECK_STR(last("."), ".");
    CHECK_STR(last("../.."), "..");
}

TEST(joins)
{
    char buf[16];
    CHECK_EQ(bin_join(buf, sizeof(buf), "dir", "f", 1), 5);
    CHECK_STR(buf, "dir/f");
    CHECK_EQ(bin_join(buf, sizeof(buf), "dir/", "f", 1), 5);
    CHECK_STR(buf, "dir/f");
    CHECK_EQ(bin_join(buf, sizeof(buf), "/", "bin", 3), 4);
    CHECK_STR(buf, "/bin");
    CHECK_EQ(bin_join(buf, sizeof(buf), "", "x", 1), 1);
    CHECK_STR(buf, "x");
    CHECK_EQ(bin_join(buf, sizeof(buf), "a", "bcdefghijklmn", 13), 15);
    CHECK_EQ(bin_join(buf, sizeof(buf), "a", "bcdefghijklmno", 14), -1);
    CHECK_EQ(bin_join(buf, sizeof(buf), "dir", "name/ignored", 4), 8);
    CHECK_STR(buf, "dir/name");
}

TEST(dot_and_dotdot)
{
    CHECK(bin_is_dot_or_dotdot("."));
    CHECK(bin_is_dot_or_dotdot(".."));
    CHECK(bin_is_dot_or_dotdot("a/.."));
    CHECK(bin_is_dot_or_dotdot("./"));
    CHECK(!bin_is_dot_or_dotdot(".a"));
    CHECK(!bin_is_dot_or_dotdot("..."));
    CHECK(!bin_is_dot_or_dotdot("/"));
    CHECK(!bin_is_dot_or_dotdot(""));
}

TEST(digits)
{
    CHECK_EQ(bin_digits(0), 1);
    CHECK_EQ(bin_digits(9), 1);
    CHECK_EQ(bin_digits(10), 2);
    CHECK_EQ(bin_digits(UINT64_MAX), 20);
}

/* ---- fuzz ---------------------------------------------------------------- */

static uint32_t fuzz_state = 12345;

static uint32_t fuzz_next(void)
{
    fuzz_state = fuzz_state * 1103515245u + 12345u;
    return fuzz_state >> 8;
}

static void fuzz_string(char *buf, size_t max)
{
    static const char alphabet[] = "0123456789.-smhdx lar\xff/";
    size_t len = fuzz_next() % max;
    for (size_t i = 0; i < len; i++)
        buf[i] = (fuzz_next() & 7) == 0 ? (char)(fuzz_next() & 0xff) ?: 'z'
                                        : alphabet[fuzz_next() % (sizeof(alphabet) - 1)];
    buf[len] = '\0';
}

TEST(fuzz_parsers)
{
    char words[6][24];
    for (int round = 0; round < 100000; round++) {
        char *argv[8];
        int argc = (int)(fuzz_next() % 7);
        for (int i = 0; i < argc; i++) {
            fuzz_string(words[i], sizeof(words[i]));
            if (fuzz_next() & 1)
                words[i][0] = '-';
            argv[i] = words[i];
        }
        argv[argc] = NULL;
        struct bin_opts o;
        if (bin_parse_opts(argc, argv, "alfr1", &o) == 0 && argc > 0) {
            CHECK(o.nargs >= 0 && o.nargs < argc);
            CHECK(argv[o.nargs + 1] == NULL);
            for (int i = 1; i <= o.nargs; i++)
                CHECK(argv[i] != NULL);
        }
        uint64_t ns;
        long pid;
        char buf[64];
        size_t len;
        for (int i = 0; i < argc; i++) {
            const char *w = words[i];
            if (bin_parse_duration(w, &ns) == 0)
                CHECK(strspn(w, "0123456789.smhd") == strlen(w));
            if (bin_parse_pid(w, &pid) == 0)
                CHECK(pid > 0);
            (void)bin_last_component(w, &len);
            CHECK(len <= strlen(w));
            (void)bin_join(buf, sizeof(buf), w, words[0], strlen(words[0]));
        }
    }
}
