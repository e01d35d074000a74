/*
 * The operating-system layer picolibc needs: process exit. The heap is
 * picolibc's own sbrk over [__heap_start, __heap_end) from user/user.ld
 * (defining our own sbrk clashed with libc's when malloc was pulled in from
 * inside libc). More (files, time) arrives with the servers.
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

