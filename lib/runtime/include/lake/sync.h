/*
 * Mutexes, condition variables and counting semaphores that sleep on
 * notifications instead of spinning (see docs/RUNTIME.md, "Threads and
 * locks").
 *
 * Every object owns one notification capability (given at init; the
 * caller makes it and keeps it alive). The fast paths are single atomic
 * operations on a state word in memory; only contended operations make a
 * system call: a waiter Waits on the notification, a waker Signals it. A
 * notification remembers a Signal that arrives before the Wait (its
 * pending flag), so a wake-up between "I must sleep" and the Wait is not
 * lost. A notification is binary, though (two Signals before a Wait are
 * one wake-up), so where several wake-ups can be owed at once
 * (semaphores, condition variables) they are counted in memory as tokens
 * and a woken thread that leaves tokens behind Signals again. Condition
 * variable waiters sleep on their own thread's notification (below).
 *
 * The kernel calls are the two functions below: sync_ops.c binds them to
 * Wait and Signal; the host unit test binds them to a fake notification.
 * sync.c itself is pure C with __atomic builtins (SMP-correct).
 */
#ifndef LAKE_SYNC_H
#define LAKE_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include <lake/abi_types.h>

/* Block until the notification is signalled (Wait). */
void lake_sync_wait(lake_cptr_t ntfn);
/* Signal the notification (wakes one waiter, or is remembered). */
void lake_sync_signal(lake_cptr_t ntfn);

/* ---- mutex -------------------------------------------------------------
 * state: 0 unlocked, 1 locked, 2 locked and maybe waiters (Drepper's
 * "futex mutex"); the unlocker Signals only when it saw 2. Not recursive;
 * any thread may unlock (no owner is recorded). */
struct lake_mutex {
    uint32_t state;
    lake_cptr_t ntfn;
};

#define LAKE_MUTEX_INITIALIZER(ntfn_cptr) { 0, (ntfn_cptr) }

void lake_mutex_init(struct lake_mutex *m, lake_cptr_t ntfn);
void lake_mutex_lock(struct lake_mutex *m);
bool lake_mutex_trylock(struct lake_mutex *m);
void lake_mutex_unlock(struct lake_mutex *m);

/* ---- wake-up tokens ----------------------------------------------------
 * The building block of semaphores and condition variables: `tokens`
 * counts wake-ups owed to threads sleeping (or about to sleep) on ntfn. */
struct lake_sync_tokens {
    uint32_t tokens;
    lake_cptr_t ntfn;
};

/* ---- counting semaphore ------------------------------------------------
 * count > 0: that many downs succeed at once; count < 0: -count threads
 * are (about to be) asleep in down. An up that finds count < 0 hands one
 * sleeper a token. */
struct lake_sem {
    int32_t count;
    struct lake_sync_tokens wake;
};

void lake_sem_init(struct lake_sem *s, lake_cptr_t ntfn, int32_t value);
void lake_sem_down(struct lake_sem *s);
bool lake_sem_try_down(struct lake_sem *s);
void lake_sem_up(struct lake_sem *s);
/* The current count (negative: sleepers); for tests and statistics. */
int32_t lake_sem_value(const struct lake_sem *s);

/* ---- condition variable ------------------------------------------------
 * A FIFO queue of waiters (nodes on the waiters' stacks), each sleeping
 * on its own thread's notification (lake_sync_self_ntfn): a shared
 * notification would let a thread that starts waiting after a signal
 * swallow the wake-up meant for an earlier waiter that had not reached its
 * Wait yet, and that earlier waiter would then sleep through a broadcast
 * (a barrier deadlocks). The condition variable's own notification serves
 * the internal mutex that guards the queue, so signal and broadcast may be
 * called with or without the user's mutex held. Wake-ups go exactly to the
 * threads waiting at the time of the call; wait may still return
 * spuriously, so wait in a loop around the predicate. */
struct lake_cond_waiter {
    struct lake_cond_waiter *next;
    lake_cptr_t ntfn;           /* the waiting thread's own notification */
    uint32_t woken;
};

struct lake_cond {
    struct lake_mutex lock;     /* guards the queue */
    struct lake_cond_waiter *head, *tail;
};

/* The calling thread's own notification for condition variable waits
 * (sync_ops.c: lake_thread_self()->wait_ntfn; the host test: a fake). */
lake_cptr_t lake_sync_self_ntfn(void);

void lake_cond_init(struct lake_cond *c, lake_cptr_t ntfn);
/* Release m and sleep until signalled (the queue entry is made before m
 * is released, so no signal made under m afterwards is missed); m is held
 * again on return. */
void lake_cond_wait(struct lake_cond *c, struct lake_mutex *m);
/* Wake the longest waiting thread, if any. */
void lake_cond_signal(struct lake_cond *c);
/* Wake every thread waiting now. */
void lake_cond_broadcast(struct lake_cond *c);
/* Threads waiting now (for tests). */
unsigned lake_cond_waiters(struct lake_cond *c);

#endif
