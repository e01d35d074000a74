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

lake_cptr_t service_extra_cap(unsigned i)
{
    if (lake_procinfo == NULL)
        return 0;
    const struct lake_slot_range *caps = &lake_procinfo->caps;
    if (caps->start + i >= caps->end)
        return 0;
    return caps->start + i;
}


int service_init(struct service *s, const char *name, const struct lake_rpc_interface *iface,
                 const void *ops, void *state)
{
    lake_cptr_t ep, ntfn;
    s->name = name;
    int error = lake_env_alloc_object(LAKE_OBJ_ENDPOINT, 0, &ep);
    if (error == LAKE_OK)
        error = lake_env_alloc_object(LAKE_OBJ_NOTIFICATION, 0, &ntfn);
    /* A signal must wake the same Recv that takes requests. */
    if (error == LAKE_OK)
        error = lake_tcb_bind_notification(lake_thread_self()->tcb, ntfn);
    if (error != LAKE_OK)
        return error;
    struct lake_event_slots slots;
    lake_env_event_slots(&slots);
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
    int error = lake_env_alloc_slot(&signal_cap);
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
    int error = lake_env_alloc_slot(&client_cap);
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

/*
 * Name registration through init's protocol, for as long as the runtime
 * library does not provide lake_ns_register (lib/runtime's definition,
 * once there, takes precedence over this weak one).
 */
__attribute__((weak)) int lake_ns_register(const char *name, lake_cptr_t cap)
{
    if (lake_procinfo == NULL) {
        errno = ENOSYS;
        return -1;
    }
    struct init_ns_register_in in = { .caps = { cap } };
    if (strlen(name) >= sizeof(in.name)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(in.name, name);
    const struct lake_rpc_client init = { lake_procinfo->parent_ep, 0, 0 };
    struct init_ns_register_out out;
    int status = init_ns_register(&init, &in, &out);
    if (status == LAKE_OK)
        return 0;
    errno = status >= LAKE_STATUS_ERRNO_BASE ? status - LAKE_STATUS_ERRNO_BASE : EIO;
    return -1;
}
