/*
 * Output, error messages and copying for the programs in /bin (header
 * only). Standard output goes through a buffer of our own straight to
 * file descriptor 1 with write(), so redirections and pipes see exactly
 * what the program wrote and a write error is noticed; messages go to
 * descriptor 2 as "name: message".
 */
#ifndef LAKE_BIN_IO_H
#define LAKE_BIN_IO_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BIN_UNUSED __attribute__((unused))

/* The program's name in messages; main sets it first. */
static const char *bin_name BIN_UNUSED = "?";

static char bin_outbuf[2048] BIN_UNUSED;
static size_t bin_outlen BIN_UNUSED;
static int bin_out_errno BIN_UNUSED;    /* the first write error on stdout */

/* All of buf to fd, across short writes and interruptions. */
static inline int bin_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t done = write(fd, p, n);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0) {
            if (done == 0)
                errno = EIO;
            return -1;
        }
        p += done;
        n -= (size_t)done;
    }
    return 0;
}

static inline void bin_flush(void)
{
    if (bin_outlen > 0 && bin_out_errno == 0 && bin_write_all(1, bin_outbuf, bin_outlen) < 0)
        bin_out_errno = errno;
    bin_outlen = 0;
}

static inline void bin_out(const void *p, size_t n)
{
    if (n > sizeof(bin_outbuf) - bin_outlen) {
        bin_flush();
        if (n >= sizeof(bin_outbuf)) {
            if (bin_out_errno == 0 && bin_write_all(1, p, n) < 0)
                bin_out_errno = errno;
            return;
        }
    }
    memcpy(bin_outbuf + bin_outlen, p, n);
    bin_outlen += n;
}

static inline void bin_puts(const char *s)
{
    bin_out(s, strlen(s));
}

/* A whole line: s then a newline. */
static inline void bin_line(const char *s)
{
    bin_puts(s);
    bin_out("\n", 1);
}

static inline void bin_vmessage(const char *fmt, va_list ap)
{
    char small[256];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    size_t prefix = strlen(bin_name) + 2;
    size_t size = prefix + (n > 0 ? (size_t)n : 0) + 2;
    char *msg = size <= sizeof(small) ? small : malloc(size);
    if (msg == NULL) {              /* no memory: a shortened message */
        msg = small;
        size = sizeof(small);
    }
    int m = snprintf(msg, size, "%s: ", bin_name);
    size_t len = m > 0 && (size_t)m < size ? (size_t)m : 0;
    m = vsnprintf(msg + len, size - len - 1, fmt, ap);
    len += m > 0 ? (size_t)m : 0;
    if (len > size - 2)
        len = size - 2;
    msg[len++] = '\n';
    bin_flush();                    /* keep stdout and stderr in order */
    (void)bin_write_all(2, msg, len);
    if (msg != small)
        free(msg);
}

/* "name: <formatted message>" on stderr. */
static inline void __attribute__((format(printf, 1, 2))) bin_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bin_vmessage(fmt, ap);
    va_end(ap);
}

/* The message for a bad option found by bin_parse_opts, then the usage
 * line; returns 2, the status of a usage error. */
static inline int bin_usage(const char *usage, const char *bad_arg, char bad)
{
    if (bad_arg != NULL && bad == '-')
        bin_error("unrecognized option '%s'", bad_arg);
    else if (bad_arg != NULL)
        bin_error("invalid option -- '%c'", bad);
    bin_flush();
    char line[256];
    int n = snprintf(line, sizeof(line), "usage: %s\n", usage);
    if (n > 0 && (size_t)n < sizeof(line))
        (void)bin_write_all(2, line, (size_t)n);
    return 2;
}

/* The exit status after flushing stdout: a failed write makes it 1. */
static inline int bin_finish(int status)
{
    bin_flush();
    if (bin_out_errno != 0) {
        int e = bin_out_errno;
        bin_out_errno = 0;
        if (e != EPIPE)             /* the reader went away: quietly */
            bin_error("write error: %s", strerror(e));
        return 1;
    }
    return status;
}

/*
 * Copies everything from in to out. Returns 0, or -1 with errno set and
 * *reading true if reading failed, false if writing did.
 */
static inline int bin_copy_fd(int in, int out, bool *reading)
{
    static char buf[4096];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *reading = true;
            return -1;
        }
        if (n == 0)
            return 0;
        if (bin_write_all(out, buf, (size_t)n) < 0) {
            *reading = false;
            return -1;
        }
    }
}

#endif
