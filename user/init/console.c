/*
 * init's side of the console: /dev/console's read and write go to the
 * console driver (lake/proto/console.h) once it has registered; before
 * that, output goes to the kernel console and reads wait. Ctrl-C ends
 * the foreground process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "init.h"

static int64_t current_writer;

void console_set_writer(int64_t pid)
{
    current_writer = pid;
}

/* Ctrl-C ends every process of the foreground job (all stages of a
 * pipeline), or tells those that catch it. */
static void interrupted(void)
{
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++) {
        struct proc *pr = &init.procs[i];
        if (pr->state != LAKE_PROC_RUNNING || !pr->fg || pr->driver || pr->pid == init.shell_pid)
            continue;
        if (pr->interrupt_cap)
            lake_signal(pr->interrupt_cap);     /* it handles Ctrl-C itself */
        else
            proc_end(pr, INIT_STATUS_INTERRUPTED);
    }
}

/* Typed input goes to the foreground job, or to the shell when it has
 * none running; anyone else who reads waits (like a background job of a
 * Unix shell, which is stopped when it reads the terminal). */
static bool may_read(int64_t pid)
{
    struct proc *pr = proc_find(pid);
    if (pr == NULL || pr->state != LAKE_PROC_RUNNING)
        return false;
    if (pr->fg || pr->pid == init.shell_pid)
        return true;
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++)
        if (init.procs[i].state == LAKE_PROC_RUNNING && init.procs[i].fg)
            return false;
    return init.shell_pid == 0;     /* no shell: whoever asks */
}

ssize_t console_read(void *arg, void *buf, size_t n)
{
    (void)arg;
    if (init.console.ep == 0 || init.console_attach_pending || !may_read(current_writer))
        return -EAGAIN;
    struct cons_read_in in = { .max = n < LAKE_CONS_IO_MAX ? n : LAKE_CONS_IO_MAX };
    static struct cons_read_out out;
    int status = cons_read(&init.console, &in, &out);
    if (status)
        return -EIO;
    if (out.flags & LAKE_CONS_INTERRUPTED)
        interrupted();
    if (out.count > 0) {
        size_t count = out.count < in.max ? out.count : in.max;
        memcpy(buf, out.data, count);
        return (ssize_t)count;
    }
    return (out.flags & LAKE_CONS_EOF) ? 0 : -EAGAIN;
}

ssize_t console_write(void *arg, const void *buf, size_t n)
{
    (void)arg;
    if (init.console.ep == 0) {
        for (size_t done = 0; done < n;) {
            size_t k = n - done < LAKE_DEBUG_PUTS_MAX ? n - done : LAKE_DEBUG_PUTS_MAX;
            lake_debug_puts((const char *)buf + done, k);
            done += k;
        }
        return (ssize_t)n;
    }
    size_t done = 0;
    while (done < n) {
        static struct cons_write_in in;
        struct cons_write_out out;
        size_t k = n - done < LAKE_CONS_IO_MAX ? n - done : LAKE_CONS_IO_MAX;
        in.writer = (uint64_t)current_writer;
        in.count = k;
        memcpy(in.data, (const char *)buf + done, k);
        int status = cons_write(&init.console, &in, &out);
        if (status)
            return done ? (ssize_t)done : -EIO;
        done += out.count;
        if (out.count < k)
            break;
    }
    return (ssize_t)done;
}

int console_set_mode(bool raw)
{
    if (init.console.ep == 0)
        return -ENOTTY;
    struct cons_set_mode_in in = { .mode = raw ? LAKE_CONS_MODE_RAW : LAKE_CONS_MODE_COOKED };
    struct cons_set_mode_out out;
    return cons_set_mode(&init.console, &in, &out) ? -EIO : 0;
}

/* Give the driver a cap of init's notification; its Signals wake init's
 * loop with the console bits. */
void console_attach(void)
{
    init.console_attach_pending = false;
    lake_cptr_t cap;
    if (mem_slots(1, &cap) != LAKE_OK ||
        lake_event_mint_bits(&init.loop, INIT_BIT_CONS_INPUT, cap) != LAKE_OK) {
        printf("init: cannot attach to the console driver\n");
        init.console.ep = 0;
        return;
    }
    struct cons_attach_in in = { .input_bits = INIT_BIT_CONS_INPUT,
                                 .interrupt_bits = INIT_BIT_CONS_INPUT, .caps = { cap } };
    struct cons_attach_out out;
    int status = cons_attach(&init.console, &in, &out);
    mem_free_slots(cap, 1);
    if (status) {
        printf("init: the console driver refused attach: %d\n", status);
        init.console.ep = 0;
    }
}

/* Input or Ctrl-C: parked readers try again; a pending interrupt is seen
 * by the first read (or by this one if nobody reads). */
void console_input(void)
{

    bool anyone_reading = false;
    for (unsigned i = 0; i < INIT_MAX_PROCS; i++)
        anyone_reading |= init.procs[i].state == LAKE_PROC_RUNNING && init.procs[i].reading;
    if (anyone_reading) {
        proc_retry_parked();
        return;
    }
    /* Nobody reads (a program that only writes is running): look for
     * Ctrl-C without taking input away from a later reader. */
    struct cons_read_in in = { .max = 0 };
    static struct cons_read_out out;
    if (init.console.ep && !init.console_attach_pending &&
        cons_read(&init.console, &in, &out) == 0 && (out.flags & LAKE_CONS_INTERRUPTED))
        interrupted();
}
