/*
 * The operating-system layer picolibc needs: process exit and the heap.
 * More (files, time) arrives with the servers.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include <lake/runtime.h>

#define HEAP_SIZE (1ul << 20)

static char heap[HEAP_SIZE] __attribute__((aligned(16)));
static size_t heap_used;

void _exit(int status)
{
    lake_console_flush();
    lake_debug_halt(status);
}

void *sbrk(ptrdiff_t increment)
{
    if ((increment > 0 && (size_t)increment > HEAP_SIZE - heap_used) ||
        (increment < 0 && (size_t)-increment > heap_used)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    void *old = heap + heap_used;
    heap_used += increment;
    return old;
}
