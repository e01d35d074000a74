/*
 * picolibc's standard streams on descriptors 0, 1 and 2 (files.c: the
 * console or whatever init connected them to; without init, the kernel
 * console). stdout is line buffered, stderr unbuffered, stdin reads a
 * buffer at a time.
 */
#include <stdio.h>
#include <unistd.h>

#include <lake/runtime.h>

#define OUT_BUFFER_SIZE 512
#define IN_BUFFER_SIZE  256

static char out_buffer[OUT_BUFFER_SIZE];
static size_t out_length;
static char in_buffer[IN_BUFFER_SIZE];
static size_t in_start, in_end;
static bool in_eof;

void lake_console_flush(void)
{
    size_t done = 0;
    while (done < out_length) {
        ssize_t n = write(1, out_buffer + done, out_length - done);
        if (n <= 0)
            break;          /* the output is gone (closed pipe): drop it */
        done += (size_t)n;
    }
    out_length = 0;
}

static int stdout_put(char c, FILE *file)
{
    (void)file;
    out_buffer[out_length++] = c;
    if (c == '\n' || out_length == OUT_BUFFER_SIZE)
        lake_console_flush();
    return (unsigned char)c;
}

static int stderr_put(char c, FILE *file)
{
    (void)file;
    lake_console_flush();       /* keep stdout's and stderr's order */
    return write(2, &c, 1) == 1 ? (unsigned char)c : EOF;
}

/* Input waits for what is buffered for stdout to go out first (a prompt
 * without a newline). End of file is sticky until clearerr. */
static int stdin_get(FILE *file)
{
    (void)file;
    if (in_start == in_end) {
        if (in_eof)
            return _FDEV_EOF;
        lake_console_flush();
        ssize_t n = read(0, in_buffer, sizeof(in_buffer));
        if (n <= 0) {
            in_eof = n == 0;
            return n == 0 ? _FDEV_EOF : _FDEV_ERR;
        }
        in_start = 0;
        in_end = (size_t)n;
    }
    return (unsigned char)in_buffer[in_start++];
}

static int stdout_flush(FILE *file)
{
    (void)file;
    lake_console_flush();
    return 0;
}

static FILE stdin_stream = FDEV_SETUP_STREAM(NULL, stdin_get, NULL, _FDEV_SETUP_READ);
static FILE stdout_stream = FDEV_SETUP_STREAM(stdout_put, NULL, stdout_flush, _FDEV_SETUP_WRITE);
static FILE stderr_stream = FDEV_SETUP_STREAM(stderr_put, NULL, stdout_flush, _FDEV_SETUP_WRITE);

FILE *const stdin = &stdin_stream;
FILE *const stdout = &stdout_stream;
FILE *const stderr = &stderr_stream;
