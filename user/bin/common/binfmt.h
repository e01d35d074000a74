/*
 * Output formats shared by the programs in /bin (header only, no system
 * calls: host-tested by tests/unit/test_bin_utils.c). Every function
 * writes a NUL-terminated string into a caller's buffer and returns its
 * length, or -1 if it did not fit (the buffer then holds a truncated
 * string).
 */
#ifndef LAKE_BIN_FMT_H
#define LAKE_BIN_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static inline int bin_fitted(int n, size_t size)
{
    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* Decimal digits of v (1 for 0). */
static inline int bin_digits(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* ---- ls -l ---------------------------------------------------------------- */

static inline char bin_type_char(unsigned mode)
{
    if (S_ISDIR(mode)) return 'd';
    if (S_ISREG(mode)) return '-';
    if (S_ISCHR(mode)) return 'c';
    if (S_ISBLK(mode)) return 'b';
    if (S_ISFIFO(mode)) return 'p';
    if (S_ISLNK(mode)) return 'l';
    if (S_ISSOCK(mode)) return 's';
    return '?';
}

/* One rwx triple; `special` (set-id or sticky) turns x into `on` / `off`. */
static inline void bin_rwx(char *out, unsigned bits, bool special, char on, char off)
{
    out[0] = (bits & 4) ? 'r' : '-';
    out[1] = (bits & 2) ? 'w' : '-';
    if (special)
        out[2] = (bits & 1) ? on : off;
    else
        out[2] = (bits & 1) ? 'x' : '-';
}

/* "drwxr-xr-x": the type letter and nine permission letters. */
static inline void bin_mode_string(unsigned mode, char out[11])
{
    out[0] = bin_type_char(mode);
    bin_rwx(out + 1, (mode >> 6) & 7, (mode & S_ISUID) != 0, 's', 'S');
    bin_rwx(out + 4, (mode >> 3) & 7, (mode & S_ISGID) != 0, 's', 'S');
    bin_rwx(out + 7, mode & 7, (mode & S_ISVTX) != 0, 't', 'T');
    out[10] = '\0';
}

struct bin_civil {
    int64_t year;
    unsigned month, day, hour, minute, second;    /* month 1-12, day 1-31 */
};

/* Seconds since 1970-01-01 00:00 UTC as a calendar date (proleptic
 * Gregorian, UTC: LakeOS has no time zones). */
static inline void bin_civil_time(int64_t t, struct bin_civil *c)
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    c->hour = (unsigned)(secs / 3600);
    c->minute = (unsigned)(secs / 60 % 60);
    c->second = (unsigned)(secs % 60);
    /* Count in 400-year eras of 146097 days starting on 0000-03-01. */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    c->year = yoe + era * 400 + (c->month <= 2);
}

/* "Jan  1 00:01": month, day and time of a modification time. */
static inline int bin_format_date(int64_t t, char *buf, size_t size)
{
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct bin_civil c;
    bin_civil_time(t, &c);
    return bin_fitted(snprintf(buf, size, "%s %2u %02u:%02u", months[c.month - 1], c.day,
                               c.hour, c.minute), size);
}

/* What ls -l shows of one file. */
struct bin_ls_entry {
    unsigned mode;
    uint64_t nlink, size;
    int64_t mtime;
    const char *name;
};

/* Column widths of the numbers, the largest over a listing. */
struct bin_ls_widths {
    int nlink, size;
};

static inline void bin_ls_widen(struct bin_ls_widths *w, const struct bin_ls_entry *e)
{
    if (bin_digits(e->nlink) > w->nlink)
        w->nlink = bin_digits(e->nlink);
    if (bin_digits(e->size) > w->size)
        w->size = bin_digits(e->size);
}

/* "-rw-r--r-- 1  120 Jan  1 00:01 name" (numbers right-aligned). */
static inline int bin_ls_long(char *buf, size_t size, const struct bin_ls_entry *e,
                              const struct bin_ls_widths *w)
{
    char mode[11], date[16];
    bin_mode_string(e->mode, mode);
    if (bin_format_date(e->mtime, date, sizeof(date)) < 0)
        return -1;
    return bin_fitted(snprintf(buf, size, "%s %*llu %*llu %s %s", mode, w->nlink,
                               (unsigned long long)e->nlink, w->size,
                               (unsigned long long)e->size, date, e->name), size);
}

/* ---- free, uptime, ps ---------------------------------------------------- */

/* free: a header line and a "Mem:" line, amounts shifted right by `shift`
 * (10: KiB, 20: MiB, 0: bytes). */
static inline int bin_format_free(char *buf, size_t size, uint64_t total, uint64_t used,
                                  uint64_t free_bytes, unsigned shift)
{
    return bin_fitted(snprintf(buf, size, "%19s%12s%12s\nMem:%15llu%12llu%12llu\n", "total",
                               "used", "free", (unsigned long long)(total >> shift),
                               (unsigned long long)(used >> shift),
                               (unsigned long long)(free_bytes >> shift)), size);
}

/* "up 0:01:23", or "up 2 days, 3:04:05" after a day. */
static inline int bin_format_uptime(uint64_t ns, char *buf, size_t size)
{
    uint64_t s = ns / 1000000000u;
    uint64_t days = s / 86400;
    unsigned h = (unsigned)(s / 3600 % 24), m = (unsigned)(s / 60 % 60), sec = (unsigned)(s % 60);
    if (days == 0)
        return bin_fitted(snprintf(buf, size, "up %u:%02u:%02u", h, m, sec), size);
    return bin_fitted(snprintf(buf, size, "up %llu day%s, %u:%02u:%02u", (unsigned long long)days,
                               days == 1 ? "" : "s", h, m, sec), size);
}

#define BIN_PS_HEADER "  PID  PPID STATE          MEM NAME"

/* One line of ps under BIN_PS_HEADER; state 1 is running, 2 a zombie;
 * name holds at most name_max bytes, NUL-terminated or not; memory in
 * bytes, shown in KiB. */
static inline int bin_format_ps(char *buf, size_t size, int64_t pid, int64_t ppid, uint64_t state,
                                uint64_t memory, const char *name, size_t name_max)
{
    const char *st = state == 1 ? "running" : state == 2 ? "zombie" : "unknown";
    int name_len = (int)strnlen(name, name_max);
    return bin_fitted(snprintf(buf, size, "%5lld %5lld %-7s %9lluK %.*s", (long long)pid,
                               (long long)ppid, st, (unsigned long long)(memory >> 10), name_len,
                               name), size);
}

/* ---- wc ------------------------------------------------------------------ */

struct bin_wc {
    uint64_t lines, words, bytes;
    bool in_word;               /* the last byte counted was part of a word */
};

static inline bool bin_wc_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Counts buf into c; a buffer may end in the middle of a word. */
static inline void bin_wc_count(struct bin_wc *c, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            c->lines++;
        if (bin_wc_space(p[i])) {
            c->in_word = false;
        } else if (!c->in_word) {
            c->in_word = true;
            c->words++;
        }
    }
    c->bytes += n;
}

#define BIN_WC_LINES 1u
#define BIN_WC_WORDS 2u
#define BIN_WC_BYTES 4u

/* The widest number wc will print for these counts. */
static inline int bin_wc_width(const struct bin_wc *c, unsigned what)
{
    int w = 1;
    if ((what & BIN_WC_LINES) && bin_digits(c->lines) > w)
        w = bin_digits(c->lines);
    if ((what & BIN_WC_WORDS) && bin_digits(c->words) > w)
        w = bin_digits(c->words);
    if ((what & BIN_WC_BYTES) && bin_digits(c->bytes) > w)
        w = bin_digits(c->bytes);
    return w;
}

/* "  3  10  52 name": the selected counts in lines, words, bytes order,
 * each `width` wide, then the name if there is one. */
static inline int bin_format_wc(char *buf, size_t size, const struct bin_wc *c, unsigned what,
                                int width, const char *name)
{
    const uint64_t values[3] = { c->lines, c->words, c->bytes };
    size_t len = 0;
    if (size == 0)
        return -1;
    buf[0] = '\0';
    for (int i = 0; i < 3; i++) {
        if (!(what & (1u << i)))
            continue;
        int n = snprintf(buf + len, size - len, "%s%*llu", len ? " " : "", width,
                         (unsigned long long)values[i]);
        if (bin_fitted(n, size - len) < 0)
            return -1;
        len += (size_t)n;
    }
    if (name != NULL) {
        int n = snprintf(buf + len, size - len, " %s", name);
        if (bin_fitted(n, size - len) < 0)
            return -1;
        len += (size_t)n;
    }
    return (int)len;
}

/* ---- paths ----------------------------------------------------------------- */

/* The last component of path ("a/b/" -> "b", "/" -> "/", "" -> "") as a
 * pointer and length into path. */
static inline const char *bin_last_component(const char *path, size_t *len)
{
    size_t end = strlen(path);
    while (end > 1 && path[end - 1] == '/')
        end--;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (start == end && end > 0)        /* only slashes */
        start = end - 1;
    *len = end - start;
    return path + start;
}

/* dir "/" name into buf, without doubling a slash at the end of dir.
 * Returns the length or -1 if it does not fit. */
static inline int bin_join(char *buf, size_t size, const char *dir, const char *name,
                           size_t name_len)
{
    size_t dl = strlen(dir);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    size_t total = dl + (slash ? 1 : 0) + name_len;
    if (total >= size)
        return -1;
    memcpy(buf, dir, dl);
    if (slash)
        buf[dl++] = '/';
    memcpy(buf + dl, name, name_len);
    buf[total] = '\0';
    return (int)total;
}

/* True for "." and ".." as the last component (rm -r refuses them). */
static inline bool bin_is_dot_or_dotdot(const char *path)
{
    size_t len;
    const char *last = bin_last_component(path, &len);
    return (len == 1 && last[0] == '.') || (len == 2 && last[0] == '.' && last[1] == '.');
}

#endif
