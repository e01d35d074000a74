/*
 * Notifications: a word of signal bits and a "signalled" flag. Signal ORs
 * a badge in and wakes one waiter (which takes and clears both); a signal
 * with badge 0 still wakes. A notification bound to a TCB also completes
 * that thread's endpoint Recv.
 *
 * Invariant (the Signal fast path relies on it): while threads wait on a
 * notification, its word is 0 and it is not pending, since a thread waits
 * only on a notification that is not pending, and a signal to one with
 * waiters hands its word over at once.
 */
#include <ipc.h>
#include <sched.h>
#include <waitq.h>

static void wake_with(struct tcb *t, u64 word)
{
    t->blocked_on = NULL;
    set_receive_result(t, word, 0);
    sched_wake(t);
}

/* Hands the pending word to t and clears it. */
static void take_word(struct notification *n, struct tcb *t)
{
    set_receive_result(t, n->word, 0);
    n->word = 0;
    ntfn_set_pending(n, false);
}

void notification_signal(struct notification *n, u64 badge)
{
    struct tcb *bound = ntfn_bound(n);

    if (bound != NULL && bound->state == THREAD_BLOCKED_RECV) {
        ipc_cancel(bound);
        wake_with(bound, n->word | badge);
        n->word = 0;
        ntfn_set_pending(n, false);
        return;
    }
    if (n->head != NULL) {
        struct tcb *t = waitq_pop(&n->head, &n->tail);
        wake_with(t, n->word | badge);
        n->word = 0;
        ntfn_set_pending(n, false);
        return;
    }
    n->word |= badge;
    ntfn_set_pending(n, true);
}

void notification_wait(struct notification *n, struct tcb *t, bool blocking)
{
    if (ntfn_pending(n)) {
        take_word(n, t);
        return;
    }
    if (!blocking) {
        set_receive_result(t, 0, 0);
        return;
    }
    t->blocked_on = n;
    thread_set_state(t, THREAD_BLOCKED_NOTIFICATION);
    waitq_append(&n->head, &n->tail, t);
}

bool notification_deliver_bound(struct tcb *t)
{
    struct notification *n = t->bound_notification;
    if (n == NULL || !ntfn_pending(n))
        return false;
    take_word(n, t);
    return true;
}

void notification_cancel_all(struct notification *n)
{
    while (n->head != NULL) {
        struct tcb *t = n->head;
        waitq_remove(&n->head, &n->tail, t);
        ipc_restart_syscall(t);     /* the capability is gone: the retry faults */
    }
    if (ntfn_bound(n) != NULL)
        notification_unbind(ntfn_bound(n));
}

void notification_bind(struct notification *n, struct tcb *t)
{
    ntfn_set_bound(n, t);
    t->bound_notification = n;
}

void notification_unbind(struct tcb *t)
{
    struct notification *n = t->bound_notification;
    if (n != NULL)
        ntfn_set_bound(n, NULL);
    t->bound_notification = NULL;
}
