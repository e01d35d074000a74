/*
 * picolibc's standard streams on the kernel console. stdout and stderr
 * share one line buffer, written out with DebugPuts at every newline, when
 * it is full, and on fflush/exit. stdin has nothing to read: EOF.
 */
#include <stdio.h>

#include <lake/runtime.h>

#define CONSOLE_BUFFER_SIZE 256

static char console_buffer[CONSOLE_BUFFER_SIZE];
static size_t console_length;

void lake_console_flush(void)
{
    if (console_length) {
        lake_debug_puts(console_buffer, console_length);
        console_length = 0;
    }
}

static int console_put(char c, FILE *file)
{
    (void)file;
    console_buffer[console_length++] = c;
    if (c == '\n' || console_length == CONSOLE_BUFFER_SIZE)
        lake_console_flush();
    return (unsigned char)c;
}

static int console_get(FILE *file)
{
    (void)file;
    return EOF;
}

static int console_flush(FILE *file)
{
    (void)file;
    lake_console_flush();
    return 0;
}

static FILE console_stream = FDEV_SETUP_STREAM(console_put, console_get, console_flush, _FDEV_SETUP_RW);

FILE *const stdin = &console_stream;
FILE *const stdout = &console_stream;
FILE *const stderr = &console_stream;
