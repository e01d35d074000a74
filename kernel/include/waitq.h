/*
 * FIFO queues of threads blocked on an endpoint or a notification, linked
 * through tcb->ipc_next/ipc_prev. The object keeps head and tail.
 */
#ifndef LAKE_KERNEL_WAITQ_H
#define LAKE_KERNEL_WAITQ_H

#include <object/objects.h>

static inline void waitq_append(struct tcb **head, struct tcb **tail, struct tcb *t)
{
    t->ipc_next = NULL;
    t->ipc_prev = *tail;
    if (*tail)
        (*tail)->ipc_next = t;
    else
        *head = t;
    *tail = t;
}

static inline void waitq_remove(struct tcb **head, struct tcb **tail, struct tcb *t)
{
    if (t->ipc_prev)
        t->ipc_prev->ipc_next = t->ipc_next;
    else
        *head = t->ipc_next;
    if (t->ipc_next)
        t->ipc_next->ipc_prev = t->ipc_prev;
    else
        *tail = t->ipc_prev;
    t->ipc_next = t->ipc_prev = NULL;
}

/* Removes the first thread (the queue must not be empty). */
static inline struct tcb *waitq_pop(struct tcb **head, struct tcb **tail)
{
    struct tcb *t = *head;
    *head = t->ipc_next;
    if (*head)
        (*head)->ipc_prev = NULL;
    else
        *tail = NULL;
    t->ipc_next = NULL;
    return t;
}

#endif
