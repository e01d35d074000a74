/*
 * The operating-system layer picolibc needs: process exit. sbrk and
 * picolibc's lock are in env.c (linked into every program through
 * start.c, so libc's own versions are never pulled in): the heap is the
 * process environment's lazily paged region, or without an environment
 * the region given by lake_heap_use or LAKE_STATIC_HEAP (lake/env.h).
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include <lake/procinfo.h>
#include <lake/runtime.h>

/* A spawned process reports its status to its parent and stops; the root
 * task ends the system. */
void _exit(int status)
{
    lake_console_flush();
    lake_procinfo_exit(status);     /* returns only in the root task */
    lake_debug_halt(status);
}

