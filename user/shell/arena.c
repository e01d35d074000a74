/* The shell's per-line bump allocator (see arena.h). */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_MIN 4096

struct sh_arena_chunk {
    struct sh_arena_chunk *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

void sh_arena_init(struct sh_arena *arena)
{
    arena->chunks = NULL;
}

static size_t round_up_aligned(size_t n)
{
    size_t a = alignof(max_align_t);
    return (n + a - 1) & ~(a - 1);
}

static struct sh_arena_chunk *new_chunk(struct sh_arena *arena, size_t need)
{
    size_t size = need > ARENA_CHUNK_MIN ? need : ARENA_CHUNK_MIN;
    if (size > SIZE_MAX - sizeof(struct sh_arena_chunk))
        return NULL;
    struct sh_arena_chunk *c = malloc(sizeof(*c) + size);
    if (c == NULL)
        return NULL;
    c->next = arena->chunks;
    c->used = 0;
    c->size = size;
    arena->chunks = c;
    return c;
}

void *sh_arena_alloc(struct sh_arena *arena, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = round_up_aligned(size ? size : 1);
    struct sh_arena_chunk *c = arena->chunks;
    if (c == NULL || c->size - c->used < size)
        c = new_chunk(arena, size);
    if (c == NULL)
        return NULL;
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *sh_arena_strndup(struct sh_arena *arena, const char *bytes, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *s = sh_arena_alloc(arena, len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, bytes, len);
    s[len] = '\0';
    return s;
}

void sh_arena_free(struct sh_arena *arena)
{
    while (arena->chunks != NULL) {
        struct sh_arena_chunk *next = arena->chunks->next;
        free(arena->chunks);
        arena->chunks = next;
    }
}
