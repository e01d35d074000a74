/*
 * The child side of the process-info page (lake/procinfo.h): recognise it
 * at start-up, turn its argv and envp into ordinary C arrays, and report
 * the exit status to the parent.
 */
#include <stdlib.h>
#include <string.h>

#include <lake/lake.h>
#include <lake/procinfo.h>
#include <lake/thread.h>

const struct lake_procinfo *lake_procinfo;

int lake_procinfo_is(const void *x0_arg)
{
    const struct lake_procinfo *pi = x0_arg;
    if (pi == NULL || ((uintptr_t)pi & (LAKE_PROCINFO_SIZE - 1)) != 0)
        return 0;
    return pi->magic == LAKE_PROCINFO_MAGIC && pi->version == LAKE_PROCINFO_VERSION;
}

/* Length of the string at `offset` of the page, or -1 if it is not a
 * NUL-terminated string inside the used part of the page. */
static long string_length(const struct lake_procinfo *pi, uint64_t offset)
{
    uint64_t end = pi->strings_end;
    if (offset < sizeof(*pi) || offset >= end)
        return -1;
    const char *s = (const char *)pi + offset;
    const char *nul = memchr(s, '\0', end - offset);
    return nul ? nul - s : -1;
}

/* Check an offset array of `count` + 1 entries (the last 0) and the
 * strings it names; returns the bytes the strings need, or -1. */
static long check_vector(const struct lake_procinfo *pi, uint64_t array, uint64_t count)
{
    uint64_t end = pi->strings_end;
    if (count > LAKE_PROCINFO_SIZE / sizeof(uint64_t) || (array & 7) != 0 ||
        array < sizeof(*pi) || array > end || (count + 1) * sizeof(uint64_t) > end - array)
        return -1;
    const uint64_t *offsets = (const uint64_t *)((const char *)pi + array);
    if (offsets[count] != 0)
        return -1;
    long bytes = 0;
    for (uint64_t i = 0; i < count; i++) {
        long len = string_length(pi, offsets[i]);
        if (len < 0)
            return -1;
        bytes += len + 1;
    }
    return bytes;
}

/* Copy a checked vector to the heap: pointer array then strings, one block. */
static char **copy_vector(const struct lake_procinfo *pi, uint64_t array, uint64_t count, long bytes)
{
    size_t pointers = (count + 1) * sizeof(char *);
    char **v = malloc(pointers + (size_t)bytes);
    if (v == NULL)
        return NULL;
    const uint64_t *offsets = (const uint64_t *)((const char *)pi + array);
    char *out = (char *)v + pointers;
    for (uint64_t i = 0; i < count; i++) {
        const char *s = (const char *)pi + offsets[i];
        size_t len = strlen(s) + 1;
        memcpy(out, s, len);
        v[i] = out;
        out += len;
    }
    v[count] = NULL;
    return v;
}

int lake_procinfo_parse(const void *x0_arg, int *argc, char ***argv, char ***envp)
{
    static char *empty[1];
    if (argc)
        *argc = 0;
    if (argv)
        *argv = empty;
    if (envp)
        *envp = empty;
    if (!lake_procinfo_is(x0_arg))
        return -1;
    const struct lake_procinfo *pi = x0_arg;
    if (pi->self != (uintptr_t)pi || pi->strings_end > LAKE_PROCINFO_SIZE ||
        pi->strings_end < sizeof(*pi))
        return -2;
    lake_procinfo = pi;
    long argv_bytes = check_vector(pi, pi->argv_offset, pi->argc);
    long envp_bytes = check_vector(pi, pi->envp_offset, pi->envc);
    if (argv_bytes < 0 || envp_bytes < 0 || pi->argc > (uint64_t)__INT_MAX__)
        return -2;
    char **a = copy_vector(pi, pi->argv_offset, pi->argc, argv_bytes);
    char **e = copy_vector(pi, pi->envp_offset, pi->envc, envp_bytes);
    if (a == NULL || e == NULL) {
        free(a);
        free(e);
        return -2;
    }
    if (argc)
        *argc = (int)pi->argc;
    if (argv)
        *argv = a;
    else
        free(a);
    if (envp)
        *envp = e;
    else
        free(e);
    return 0;
}

void lake_procinfo_exit(int status)
{
    const struct lake_procinfo *pi = lake_procinfo;
    if (pi == NULL)
        return;
    lake_set_mr(0, (lake_word_t)(long)status);
    lake_send(pi->parent_ep, lake_msginfo(LAKE_PROC_EXIT_LABEL, 0, 0, 1));
    /* The parent destroys the process; until then stop the main thread and,
     * if another thread (the pager) is exiting, that one too. */
    lake_tcb_suspend(pi->tcb);
    struct lake_thread *self = lake_thread_self();
    for (;;)
        lake_tcb_suspend(self != NULL && self->tcb != 0 ? self->tcb : pi->tcb);
}
