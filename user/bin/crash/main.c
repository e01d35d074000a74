/*
 * crash: fails on purpose, to show (and test) that a crashing program is
 * reported in one line and cleaned up while the system goes on.
 *   crash null      write through a null pointer
 *   crash stack     recurse until the stack's guard page
 *   crash undef     execute an undefined instruction
 */
#include <stdio.h>
#include <string.h>

static volatile unsigned long limit = ~0ul;

static unsigned long recurse(unsigned long depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    if (depth >= limit)
        return frame[0];
    return recurse(depth + 1) + frame[0];
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "";
    if (strcmp(how, "null") == 0)
        *(volatile int *)0 = 42;
    else if (strcmp(how, "stack") == 0)
        return (int)recurse(0);
    else if (strcmp(how, "undef") == 0)
        __asm__ volatile("udf #0");
    else
        fprintf(stderr, "usage: crash null|stack|undef\n");
    return 2;
}
