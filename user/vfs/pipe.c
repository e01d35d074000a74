/* Pipe (see pipe.h): a ring buffer of PIPE_CAPACITY bytes. */
#include "pipe.h"
#include "alloc.h"

#include <errno.h>
#include <string.h>

struct pipe {
    uint8_t buf[PIPE_CAPACITY];
    size_t head;                /* index of the oldest byte */
    size_t count;               /* bytes buffered */
    unsigned readers, writers;
    pipe_wake_fn wake;
    void *wake_arg;
};

struct pipe *pipe_create(pipe_wake_fn wake, void *wake_arg)
{
    struct pipe *p = vfs_calloc(1, sizeof(*p));
    if (p) {
        p->readers = p->writers = 1;
        p->wake = wake;
        p->wake_arg = wake_arg;
    }
    return p;
}

static void wake(struct pipe *p, unsigned events)
{
    if (p->wake)
        p->wake(p->wake_arg, p, events);
}

ssize_t pipe_read(struct pipe *p, void *buf, size_t n)
{
    if (n == 0)
        return 0;
    if (p->count == 0)
        return p->writers ? -EAGAIN : 0;
    if (n > p->count)
        n = p->count;
    size_t first = PIPE_CAPACITY - p->head;     /* bytes before the wrap */
    if (first > n)
        first = n;
    memcpy(buf, p->buf + p->head, first);
    memcpy((uint8_t *)buf + first, p->buf, n - first);
    p->head = (p->head + n) % PIPE_CAPACITY;
    p->count -= n;
    wake(p, PIPE_WAKE_WRITERS);
    return (ssize_t)n;
}

ssize_t pipe_write(struct pipe *p, const void *buf, size_t n)
{
    if (p->readers == 0)
        return -EPIPE;
    if (n == 0)
        return 0;
    size_t room = PIPE_CAPACITY - p->count;
    if (room == 0 || (n <= PIPE_ATOMIC && room < n))
        return -EAGAIN;
    if (n > room)
        n = room;
    size_t tail = (p->head + p->count) % PIPE_CAPACITY;
    size_t first = PIPE_CAPACITY - tail;
    if (first > n)
        first = n;
    memcpy(p->buf + tail, buf, first);
    memcpy(p->buf, (const uint8_t *)buf + first, n - first);
    p->count += n;
    wake(p, PIPE_WAKE_READERS);
    return (ssize_t)n;
}

void pipe_ref_reader(struct pipe *p)
{
    p->readers++;
}

void pipe_ref_writer(struct pipe *p)
{
    p->writers++;
}

static void free_if_unused(struct pipe *p)
{
    if (p->readers == 0 && p->writers == 0)
        free(p);
}

void pipe_close_reader(struct pipe *p)
{
    if (--p->readers == 0 && p->writers)
        wake(p, PIPE_WAKE_WRITERS);     /* they get EPIPE now */
    free_if_unused(p);
}

void pipe_close_writer(struct pipe *p)
{
    if (--p->writers == 0 && p->readers)
        wake(p, PIPE_WAKE_READERS);     /* they get end of file now */
    free_if_unused(p);
}

size_t pipe_buffered(const struct pipe *p)
{
    return p->count;
}

unsigned pipe_readers(const struct pipe *p)
{
    return p->readers;
}

unsigned pipe_writers(const struct pipe *p)
{
    return p->writers;
}
