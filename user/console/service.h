/*
 * What the user-space drivers (console, timer) share: the set-up of a
 * server process started by init (docs/SERVICES.md). Each driver gets its
 * device frame and an IRQHandler as extra caps, makes an endpoint and a
 * notification, an event loop over them, an RPC server for its interface,
 * binds its interrupt to a bit of the loop, and registers a cap of its
 * endpoint with init's name service.
 *
 * Slots. The kernel places received caps at an index *within* the CNode
 * the receive path names, so the event loop's receive windows (one CNode
 * and depth for all of them) cannot lie in the environment's second-level
 * CNodes, where a cptr is not an index of any one CNode. The drivers
 * therefore keep every slot the event loop touches (endpoint,
 * notification, receive windows, saved reply caps, minted caps) in the
 * free part of the process's first CNode, where a cptr is the slot
 * index, and name that CNode by its guarded cap (LAKE_PROC_CNODE) at
 * depth 64, which works both for CNode invocations and as a receive path.
 * service_alloc_slot and service_free_slot hand out and take back those
 * slots (freeing deletes the cap first).
 *
 * The timer's directory includes service.c (programs are built from their
 * own directory only).
 */
#ifndef LAKE_DRIVER_SERVICE_H
#define LAKE_DRIVER_SERVICE_H

#include <lake/event.h>
#include <lake/rpc.h>

/* The badge of the cap registered with the name service: every client
 * looks the same to the drivers (the console's clients name themselves
 * in the requests). */
#define SERVICE_CLIENT_BADGE    1

struct service {
    const char *name;
    struct lake_event_loop loop;
    struct lake_rpc_server server;
};

/* A free slot of the first CNode (see above), and giving one back (its
 * cap is deleted). */
int service_alloc_slot(lake_cptr_t *slot);
void service_free_slot(lake_cptr_t slot);
/* Delete the caps left in slots the event loop gave back. The loop frees
 * and allocates at moments when a system call would overwrite message
 * words (before a handler reads its request, after a reply is staged), so
 * the pool only marks those slots; call this where system calls are safe:
 * at the start of every request handler and interrupt handler. */
void service_tidy(void);

/* Cap i of those the parent handed over (0 if there is no such cap). */
lake_cptr_t service_extra_cap(unsigned i);
/* Endpoint, notification bound to this thread, loop and RPC server. */
int service_init(struct service *s, const char *name, const struct lake_rpc_interface *iface,
                 const void *ops, void *state);
/* A device frame mapped uncached (Device-nGnRE). */
int service_map_device(lake_cptr_t frame, volatile uint32_t **regs);
/* Interrupts of `irq_handler` signal `bit` of the loop and run fn; the
 * line is unmasked (Ack) once fn is registered. */
int service_bind_irq(struct service *s, lake_cptr_t irq_handler, unsigned bit,
                     lake_event_bits_fn fn, void *arg);
/* A badged cap of the endpoint under s->name in init's name service. */
int service_register(struct service *s);
/* Print "<name>: <what>: <error>" and end the process. */
void __attribute__((noreturn)) service_fail(const struct service *s, const char *what,
                                            int error);

#endif
