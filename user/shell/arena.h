/*
 * A bump allocator: everything the parser builds for one command line
 * lives in one arena and goes away with one call. Plain C, no system calls.
 */
#ifndef LAKE_SHELL_ARENA_H
#define LAKE_SHELL_ARENA_H

#include <stddef.h>

struct sh_arena_chunk;

struct sh_arena {
    struct sh_arena_chunk *chunks;      /* newest first */
};

void sh_arena_init(struct sh_arena *arena);
/* Zeroed memory aligned for any object, or NULL when malloc fails. */
void *sh_arena_alloc(struct sh_arena *arena, size_t size);
/* A NUL-terminated copy of bytes[0..len), or NULL. */
char *sh_arena_strndup(struct sh_arena *arena, const char *bytes, size_t len);
void sh_arena_free(struct sh_arena *arena);

#endif
