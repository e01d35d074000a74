/*
 * Set-up shared by the user-space drivers (service.h).
 */
#include "service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lake/env.h>
#include <lake/lake.h>
#include <lake/procinfo.h>
#include <lake/proto/init.h>
#include <lake/sys.h>
#include <lake/thread.h>

#define ROOT_DEPTH  64

/* ---- slots of the first CNode (service.h) ------------------------------ */

#define POOL_MAX_SLOTS  4096

static struct {
    lake_cptr_t first, end;                 /* [first, end) is ours */
    uint64_t used[POOL_MAX_SLOTS / 64];     /* bit set: slot first + i taken */
    uint64_t stale[POOL_MAX_SLOTS / 64];    /* free, but may still hold a cap */
    size_t stale_count;
} pool;

static void pool_init(void)
{
    const struct lake_procinfo *pi = lake_procinfo;
    lake_cptr_t end = (lake_cptr_t)1 << pi->cnode_radix;
    pool.first = pi->first_free_slot;
    if (pool.first >= end)
        pool.end = pool.first;              /* no free slots: every alloc fails */
    else
        pool.end = end - pool.first > POOL_MAX_SLOTS ? pool.first + POOL_MAX_SLOTS : end;
}

static bool bit_get(const uint64_t *map, size_t i)
{
    return map[i / 64] >> (i % 64) & 1;
}

static void bit_set(uint64_t *map, size_t i, bool on)
{
    if (on)
        map[i / 64] |= 1ull << (i % 64);
    else
        map[i / 64] &= ~(1ull << (i % 64));
}

static bool slot_free(size_t i)
{
    return !bit_get(pool.used, i) && !bit_get(pool.stale, i);
}

/* `count` consecutive empty slots, first fit. No system call: the event
 * loop allocates its receive window after a reply's words are staged in
 * the IPC buffer, which a system call would overwrite. */
static int pool_alloc(unsigned count, lake_cptr_t *first)
{
    size_t slots = pool.end - pool.first, run = 0;
    for (size_t i = 0; i < slots; i++) {
        run = slot_free(i) ? run + 1 : 0;
        if (run < count)
            continue;
        size_t start = i + 1 - count;
        for (size_t j = start; j <= i; j++)
            bit_set(pool.used, j, true);
        *first = pool.first + start;
        return LAKE_OK;
    }
    return LAKE_NOT_ENOUGH_MEMORY;
}

/* No system call either: the loop frees the unused part of a receive
 * window before the handler has read the message's words. The slot may
 * still hold a cap (an unhandled message's) until service_tidy. */
static void pool_free(lake_cptr_t first, unsigned count)
{
    for (lake_cptr_t slot = first; slot < first + count; slot++) {
        if (slot < pool.first || slot >= pool.end)
            continue;                       /* not ours: leave it alone */
        bit_set(pool.used, slot - pool.first, false);
        bit_set(pool.stale, slot - pool.first, true);
        pool.stale_count++;
    }
}

void service_tidy(void)
{
    for (size_t w = 0; pool.stale_count > 0 && w < POOL_MAX_SLOTS / 64; w++) {
        while (pool.stale[w] != 0) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(pool.stale[w]);
            lake_cnode_delete(lake_env_cspace_root(), pool.first + i, ROOT_DEPTH);
            bit_set(pool.stale, i, false);
            pool.stale_count--;
        }
    }
}

int service_alloc_slot(lake_cptr_t *slot)
{
    return pool_alloc(1, slot);
}

void service_free_slot(lake_cptr_t slot)
{
    if (slot < pool.first || slot >= pool.end)
        return;
    lake_cnode_delete(lake_env_cspace_root(), slot, ROOT_DEPTH);
    bit_set(pool.used, slot - pool.first, false);
}

/* A new kernel object in a slot of the pool: made by the environment,
 * then moved over (its slot there goes back empty). */
static int pool_new_object(unsigned type, lake_cptr_t *slot)
{
    lake_cptr_t made, root = lake_env_cspace_root();
    int error = lake_env_alloc_object(type, 0, &made);
    if (error != LAKE_OK)
        return error;
    error = service_alloc_slot(slot);
    if (error == LAKE_OK) {
        error = lake_cnode_move(root, *slot, ROOT_DEPTH, root, made, ROOT_DEPTH);
        if (error != LAKE_OK)
            service_free_slot(*slot);
    }
    if (error != LAKE_OK) {
        lake_env_free_object(made);
        return error;
    }
    lake_env_free_slot(made);               /* empty now */
    return LAKE_OK;
}

/* ---- set-up ------------------------------------------------------------ */

lake_cptr_t service_extra_cap(unsigned i)
{
    if (lake_procinfo == NULL)
        return 0;
    const struct lake_slot_range *caps = &lake_procinfo->caps;
    if (caps->start + i >= caps->end)
        return 0;
    return caps->start + i;
}

/* The event loop's slots (receive windows, saved reply caps) come from
 * the pool. */
static int slots_alloc(void *ctx, unsigned count, lake_cptr_t *first)
{
    (void)ctx;
    return pool_alloc(count, first);
}

static void slots_free(void *ctx, lake_cptr_t first, unsigned count)
{
    (void)ctx;
    pool_free(first, count);
}

int service_init(struct service *s, const char *name, const struct lake_rpc_interface *iface,
                 const void *ops, void *state)
{
    lake_cptr_t ep, ntfn;
    s->name = name;
    if (lake_procinfo == NULL)
        return LAKE_ILLEGAL_OPERATION;      /* not a spawned process */
    pool_init();
    int error = pool_new_object(LAKE_OBJ_ENDPOINT, &ep);
    if (error == LAKE_OK)
        error = pool_new_object(LAKE_OBJ_NOTIFICATION, &ntfn);
    /* A signal must wake the same Recv that takes requests. */
    if (error == LAKE_OK)
        error = lake_tcb_bind_notification(lake_thread_self()->tcb, ntfn);
    if (error != LAKE_OK)
        return error;
    const struct lake_event_slots slots = { NULL, slots_alloc, slots_free,
                                            lake_procinfo->cnode, ROOT_DEPTH, NULL };
    lake_event_loop_init(&s->loop, ep, ntfn, &slots);
    lake_rpc_server_init(&s->server, iface, ops, state, &s->loop);
    return lake_rpc_serve_endpoint(&s->server, SERVICE_CLIENT_BADGE, SERVICE_CLIENT_BADGE);
}

int service_map_device(lake_cptr_t frame, volatile uint32_t **regs)
{
    void *addr;
    int error = lake_env_map_frame(frame, LAKE_ATTR_DEVICE, &addr);
    if (error == LAKE_OK)
        *regs = addr;
    return error;
}

int service_bind_irq(struct service *s, lake_cptr_t irq_handler, unsigned bit,
                     lake_event_bits_fn fn, void *arg)
{
    lake_cptr_t signal_cap;
    int error = service_alloc_slot(&signal_cap);
    if (error != LAKE_OK)
        return error;
    error = lake_event_mint_bits(&s->loop, 1ul << bit, signal_cap);
    if (error == LAKE_OK)
        error = lake_irq_handler_set_notification(irq_handler, signal_cap);
    if (error == LAKE_OK)
        error = lake_event_on_bits(&s->loop, 1ul << bit, fn, arg);
    if (error == LAKE_OK)
        error = lake_irq_handler_ack(irq_handler);
    return error;
}

int service_register(struct service *s)
{
    lake_cptr_t client_cap;
    int error = service_alloc_slot(&client_cap);
    if (error == LAKE_OK)
        error = lake_event_mint_endpoint(&s->loop, SERVICE_CLIENT_BADGE, client_cap);
    if (error != LAKE_OK)
        return error;
    if (lake_ns_register(s->name, client_cap) != 0)
        return LAKE_STATUS_ERRNO(errno);
    return LAKE_OK;
}

void service_fail(const struct service *s, const char *what, int error)
{
    const char *why = error >= LAKE_STATUS_ERRNO_BASE ? strerror(error - LAKE_STATUS_ERRNO_BASE)
                      : error < LAKE_NUM_ERRORS ? lake_error_name(error)
                                                : lake_rpc_status_name(error);
    fprintf(stderr, "%s: %s: %s\n", s->name, what, why);
    exit(1);
}
