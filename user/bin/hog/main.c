/*
 * hog: takes N MiB of memory (malloc, every page written) and gives it
 * back at exit -- shows that a program can grow past its initial quota
 * (its environment asks init for more) and that ending it returns all of
 * it (compare `free` before and after).
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    char *end;
    unsigned long mib = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
    if (argc != 2 || *end != '\0' || mib == 0 || mib > 1024) {
        fprintf(stderr, "usage: hog MiB (1-1024)\n");
        return 2;
    }
    size_t bytes = mib << 20;
    volatile char *p = malloc(bytes);
    if (p == NULL) {
        fprintf(stderr, "hog: cannot allocate %lu MiB\n", mib);
        return 1;
    }
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = 1;
    printf("hog: %lu MiB touched\n", mib);
    return 0;
}
