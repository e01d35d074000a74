/*
 * Pipe: a bounded byte buffer with a read end and a write end, each
 * reference-counted (dup, fork and sharing between processes take more
 * references). Never blocks: where a Unix pipe would block, the call
 * returns -EAGAIN and the server parks the request; the wake hook then
 * tells it when parked requests may be retried.
 *
 *   read    bytes that are there (at most n); 0 at end of file (empty and
 *           no writer left); -EAGAIN if empty with a writer left
 *   write   -EPIPE if no reader is left; otherwise the bytes accepted
 *           (at least 1), or -EAGAIN if there is no room. A write of at
 *           most PIPE_ATOMIC bytes is all or nothing, so it never
 *           interleaves with another writer's.
 *
 * The wake hook gets PIPE_WAKE_READERS when parked reads can proceed (data
 * arrived or the last writer left) and PIPE_WAKE_WRITERS when parked writes
 * can (room appeared or the last reader left). It runs inside the call
 * that caused it, after the pipe's state is updated; it may call back into
 * the pipe but must not close its last end.
 */
#ifndef LAKE_VFS_PIPE_H
#define LAKE_VFS_PIPE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PIPE_CAPACITY 4096u
#define PIPE_ATOMIC   512u      /* POSIX PIPE_BUF */

#define PIPE_WAKE_READERS 1u
#define PIPE_WAKE_WRITERS 2u

struct pipe;
typedef void (*pipe_wake_fn)(void *arg, struct pipe *pipe, unsigned events);

/* A pipe with one reference on each end, or NULL when out of memory. */
struct pipe *pipe_create(pipe_wake_fn wake, void *wake_arg);

ssize_t pipe_read(struct pipe *pipe, void *buf, size_t n);
ssize_t pipe_write(struct pipe *pipe, const void *buf, size_t n);

void pipe_ref_reader(struct pipe *pipe);
void pipe_ref_writer(struct pipe *pipe);
/* Drop a reference; the pipe is freed when both ends have none left. */
void pipe_close_reader(struct pipe *pipe);
void pipe_close_writer(struct pipe *pipe);

size_t pipe_buffered(const struct pipe *pipe);
unsigned pipe_readers(const struct pipe *pipe);
unsigned pipe_writers(const struct pipe *pipe);

#endif
