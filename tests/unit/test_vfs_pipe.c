/*
 * Host tests of pipes (user/vfs/pipe.c): buffering and wrap-around, end of
 * file, would-block returns, EPIPE, atomic small writes, reference counts
 * and the wake hook the server uses to retry parked requests.
 */
#include <errno.h>
#include <string.h>

#include "pipe.h"

#include "unit.h"

struct wakes {
    unsigned readers, writers;
};

static void record_wake(void *arg, struct pipe *p, unsigned events)
{
    struct wakes *w = arg;
    (void)p;
    w->readers += (events & PIPE_WAKE_READERS) != 0;
    w->writers += (events & PIPE_WAKE_WRITERS) != 0;
}

TEST(read_returns_what_is_there)
{
    struct pipe *p = pipe_create(NULL, NULL);
    char buf[16];
    CHECK_EQ(pipe_read(p, buf, sizeof(buf)), -EAGAIN);
    CHECK_EQ(pipe_write(p, "hello", 5), 5);
    CHECK_EQ(pipe_buffered(p), 5);
    CHECK_EQ(pipe_read(p, buf, 2), 2);
    CHECK(memcmp(buf, "he", 2) == 0);
    CHECK_EQ(pipe_read(p, buf, sizeof(buf)), 3);
    CHECK(memcmp(buf, "llo", 3) == 0);
    CHECK_EQ(pipe_read(p, buf, 0), 0);
    CHECK_EQ(pipe_write(p, "", 0), 0);
    pipe_close_reader(p);
    pipe_close_writer(p);
}

TEST(end_of_file_when_no_writer_is_left)
{
    struct pipe *p = pipe_create(NULL, NULL);
    char buf[4];
    pipe_ref_writer(p);
    CHECK_EQ(pipe_write(p, "ab", 2), 2);
    pipe_close_writer(p);
    CHECK_EQ(pipe_writers(p), 1);
    pipe_close_writer(p);
    CHECK_EQ(pipe_writers(p), 0);
    CHECK_EQ(pipe_read(p, buf, sizeof(buf)), 2);    /* buffered data first */
    CHECK_EQ(pipe_read(p, buf, sizeof(buf)), 0);
    CHECK_EQ(pipe_read(p, buf, sizeof(buf)), 0);
    pipe_close_reader(p);
}

TEST(epipe_when_no_reader_is_left)
{
    struct pipe *p = pipe_create(NULL, NULL);
    pipe_ref_reader(p);
    pipe_close_reader(p);
    CHECK_EQ(pipe_write(p, "x", 1), 1);
    pipe_close_reader(p);
    CHECK_EQ(pipe_readers(p), 0);
    CHECK_EQ(pipe_write(p, "x", 1), -EPIPE);
    CHECK_EQ(pipe_write(p, "", 0), -EPIPE);
    pipe_close_writer(p);
}

TEST(full_pipe_would_block_and_large_writes_are_partial)
{
    struct pipe *p = pipe_create(NULL, NULL);
    static char big[2 * PIPE_CAPACITY], back[2 * PIPE_CAPACITY];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i % 251);
    CHECK_EQ(pipe_write(p, big, PIPE_CAPACITY + 100), PIPE_CAPACITY);
    CHECK_EQ(pipe_write(p, big, 1), -EAGAIN);
    CHECK_EQ(pipe_read(p, back, 1000), 1000);
    /* 1000 bytes free: a 512-byte write fits whole; then 488 are free */
    CHECK_EQ(pipe_write(p, big + PIPE_CAPACITY, PIPE_ATOMIC), PIPE_ATOMIC);
    CHECK_EQ(pipe_write(p, big, PIPE_ATOMIC), -EAGAIN);     /* atomic: all or nothing */
    CHECK_EQ(pipe_write(p, big + PIPE_CAPACITY + PIPE_ATOMIC, PIPE_ATOMIC + 1), 488);
    CHECK_EQ(pipe_read(p, back + 1000, sizeof(back)), PIPE_CAPACITY);
    CHECK(memcmp(back, big, PIPE_CAPACITY + 1000) == 0);
    pipe_close_reader(p);
    pipe_close_writer(p);
}

/* A byte stream through many wrap-arounds comes out in order. */
TEST(wrap_around_keeps_order)
{
    struct pipe *p = pipe_create(NULL, NULL);
    unsigned char in[700], out[700];
    unsigned next_in = 0, next_out = 0;
    for (int round = 0; round < 500; round++) {
        size_t n = (size_t)(round * 37 % 700) + 1;
        for (size_t i = 0; i < n; i++)
            in[i] = (unsigned char)(next_in + i);
        ssize_t w = pipe_write(p, in, n);
        if (w > 0)
            next_in += (unsigned)w;
        ssize_t r = pipe_read(p, out, (size_t)(round * 53 % 700) + 1);
        CHECK(r > 0);
        for (ssize_t i = 0; i < r; i++)
            CHECK_EQ(out[i], (unsigned char)(next_out + (unsigned)i));
        next_out += (unsigned)r;
    }
    CHECK_EQ(next_in - next_out, pipe_buffered(p));
    pipe_close_writer(p);
    pipe_close_reader(p);
}

TEST(wake_hook_reports_who_may_proceed)
{
    struct wakes w = { 0 };
    struct pipe *p = pipe_create(record_wake, &w);
    char buf[8];
    CHECK_EQ(pipe_write(p, "ab", 2), 2);
    CHECK_EQ(w.readers, 1);
    CHECK_EQ(pipe_read(p, buf, 1), 1);
    CHECK_EQ(w.writers, 1);
    CHECK_EQ(pipe_read(p, buf, 8), 1);
    CHECK_EQ(pipe_read(p, buf, 8), -EAGAIN);    /* a failed read wakes nobody */
    CHECK_EQ(w.writers, 2);
    pipe_ref_writer(p);
    pipe_close_writer(p);
    CHECK_EQ(w.readers, 1);                     /* a writer is still there */
    pipe_close_writer(p);
    CHECK_EQ(w.readers, 2);                     /* parked readers get EOF now */
    pipe_close_reader(p);                       /* both ends gone: freed */
}

TEST(last_reader_leaving_wakes_writers)
{
    struct wakes w = { 0 };
    struct pipe *p = pipe_create(record_wake, &w);
    static char big[PIPE_CAPACITY];
    CHECK_EQ(pipe_write(p, big, sizeof(big)), PIPE_CAPACITY);
    CHECK_EQ(pipe_write(p, big, 1), -EAGAIN);
    unsigned before = w.writers;
    pipe_close_reader(p);
    CHECK_EQ(w.writers, before + 1);
    CHECK_EQ(pipe_write(p, big, 1), -EPIPE);
    pipe_close_writer(p);
}
