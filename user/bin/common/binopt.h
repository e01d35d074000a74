/*
 * Argument parsing shared by the programs in /bin (header only, no system
 * calls: host-tested by tests/unit/test_bin_utils.c).
 */
#ifndef LAKE_BIN_OPT_H
#define LAKE_BIN_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct bin_opts {
    bool set[128];          /* set['l']: -l was given */
    int nargs;              /* operands, now argv[1] .. argv[nargs] */
    const char *bad_arg;    /* on failure: the argument at fault */
    char bad;               /* on failure: the unknown letter, '-' for a long option */
};

/*
 * Single-letter options from `allowed`, grouped or not (-la, -l -a),
 * anywhere among the operands until "--"; "-" alone is an operand. The
 * operands are moved, in order, to argv[1..nargs] and argv[nargs + 1] is
 * NULL. Returns 0, or -1 with o->bad and o->bad_arg saying what was wrong.
 */
static inline int bin_parse_opts(int argc, char **argv, const char *allowed, struct bin_opts *o)
{
    memset(o, 0, sizeof(*o));
    if (argc < 1 || argv == NULL)
        return 0;
    int out = 1;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            argv[out++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (arg[1] == '-') {
            o->bad = '-';
            o->bad_arg = arg;
            return -1;
        }
        for (const char *p = arg + 1; *p != '\0'; p++) {
            unsigned char c = (unsigned char)*p;
            if (c >= 128 || strchr(allowed, c) == NULL) {
                o->bad = (char)c;
                o->bad_arg = arg;
                return -1;
            }
            o->set[c] = true;
        }
    }
    argv[out] = NULL;
    o->nargs = out - 1;
    return 0;
}

/* A process id: decimal digits only, 1 .. 2^31 - 1. Returns 0 or -1. */
static inline int bin_parse_pid(const char *s, long *pid)
{
    if (s == NULL || *s == '\0')
        return -1;
    long value = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        value = value * 10 + (*s - '0');
        if (value > 2147483647L)
            return -1;
    }
    if (value == 0)
        return -1;
    *pid = value;
    return 0;
}

static inline uint64_t bin_sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

static inline uint64_t bin_sat_mul(uint64_t a, uint64_t b)
{
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/*
 * A sleep interval: digits with an optional fraction ("1", "0.5", ".25",
 * "2."), then an optional unit s, m, h or d (seconds by default). Digits
 * of the fraction beyond nanoseconds are ignored; a value too large for
 * 64 bits of nanoseconds saturates. Returns 0 with *ns set, or -1.
 */
static inline int bin_parse_duration(const char *s, uint64_t *ns)
{
    if (s == NULL)
        return -1;
    uint64_t whole = 0, frac = 0, scale = 1000000000u;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++)
        whole = bin_sat_add(bin_sat_mul(whole, 10), (uint64_t)(*s - '0'));
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
            if (scale > 1) {
                scale /= 10;
                frac += (uint64_t)(*s - '0') * scale;
            }
        }
    }
    if (digits == 0)
        return -1;
    uint64_t unit = 1;
    switch (*s) {
    case '\0': case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return -1;
    }
    if (*s != '\0' && s[1] != '\0')
        return -1;
    uint64_t total = bin_sat_add(bin_sat_mul(whole, 1000000000u), frac);
    *ns = bin_sat_mul(total, unit);
    return 0;
}

#endif
