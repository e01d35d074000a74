/*
 * Mutexes, condition variables and semaphores over notifications (see
 * lake/sync.h and docs/RUNTIME.md). Pure C with __atomic builtins; the
 * only kernel calls are lake_sync_wait / lake_sync_signal (sync_ops.c, or
 * a fake in the host unit test).
 *
 * Why no wake-up is lost, in one line each:
 *  - mutex: a waiter stores 2 (xchg) before it Waits; the holder at that
 *    moment therefore finds 2 when it unlocks and Signals after the store;
 *    that Signal wakes a sleeper or stays pending for the next Wait. Every
 *    thread that comes back from Wait stores 2 again before it owns the
 *    lock or sleeps, so the chain goes on while anybody may be waiting.
 *  - tokens: every increment of `tokens` is followed by a Signal, and
 *    every taker that leaves tokens behind Signals again; so after the
 *    last change that left tokens > 0 there is a Signal that either wakes
 *    a sleeper or is pending for the next Wait, and whoever gets it
 *    retries the take. (A binary notification merges two Signals into
 *    one; this re-signalling is what makes up for it.)
 *  - condition variable: each waiter sleeps on its own notification and a
 *    flag in its queue node; the waker sets the flag, then Signals, so a
 *    Signal before the Wait stays pending in that thread's notification.
 */
#include <lake/sync.h>

/* ---- mutex ----------------------------------------------------------- */

void lake_mutex_init(struct lake_mutex *m, lake_cptr_t ntfn)
{
    m->ntfn = ntfn;
    __atomic_store_n(&m->state, 0, __ATOMIC_RELEASE);
}

bool lake_mutex_trylock(struct lake_mutex *m)
{
    uint32_t c = 0;
    return __atomic_compare_exchange_n(&m->state, &c, 1, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

void lake_mutex_lock(struct lake_mutex *m)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(&m->state, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    /* Contended: announce a waiter (2) and sleep until an exchange finds
     * the lock free. Whoever wins this way keeps 2, so its unlock Signals
     * for the others (at worst one spurious Signal). */
    if (c != 2)
        c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        lake_sync_wait(m->ntfn);
        c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
    }
}

void lake_mutex_unlock(struct lake_mutex *m)
{
    if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2)
        lake_sync_signal(m->ntfn);
}

/* ---- wake-up tokens -------------------------------------------------- */

static void tokens_init(struct lake_sync_tokens *w, lake_cptr_t ntfn)
{
    w->ntfn = ntfn;
    __atomic_store_n(&w->tokens, 0, __ATOMIC_RELEASE);
}

/* Add n tokens and wake a sleeper (which passes the baton on). */
static void tokens_give(struct lake_sync_tokens *w, uint32_t n)
{
    __atomic_add_fetch(&w->tokens, n, __ATOMIC_SEQ_CST);
    lake_sync_signal(w->ntfn);
}

/* Take one token, sleeping on the notification while there is none. */
static void tokens_take(struct lake_sync_tokens *w)
{
    for (;;) {
        uint32_t n = __atomic_load_n(&w->tokens, __ATOMIC_SEQ_CST);
        while (n > 0) {
            if (__atomic_compare_exchange_n(&w->tokens, &n, n - 1, false, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST)) {
                if (n - 1 > 0)
                    lake_sync_signal(w->ntfn);  /* merged Signals: wake the next one */
                return;
            }
        }
        lake_sync_wait(w->ntfn);
    }
}

/* ---- semaphore ------------------------------------------------------- */

void lake_sem_init(struct lake_sem *s, lake_cptr_t ntfn, int32_t value)
{
    tokens_init(&s->wake, ntfn);
    __atomic_store_n(&s->count, value, __ATOMIC_RELEASE);
}

void lake_sem_down(struct lake_sem *s)
{
    if (__atomic_fetch_sub(&s->count, 1, __ATOMIC_SEQ_CST) > 0)
        return;
    /* We are one of the -count sleepers: an up owes us a token. */
    tokens_take(&s->wake);
}

bool lake_sem_try_down(struct lake_sem *s)
{
    int32_t c = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
    while (c > 0) {
        if (__atomic_compare_exchange_n(&s->count, &c, c - 1, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

void lake_sem_up(struct lake_sem *s)
{
    if (__atomic_fetch_add(&s->count, 1, __ATOMIC_SEQ_CST) < 0)
        tokens_give(&s->wake, 1);
}

int32_t lake_sem_value(const struct lake_sem *s)
{
    return __atomic_load_n(&s->count, __ATOMIC_RELAXED);
}

/* ---- condition variable ---------------------------------------------- */

void lake_cond_init(struct lake_cond *c, lake_cptr_t ntfn)
{
    lake_mutex_init(&c->lock, ntfn);
    c->head = c->tail = NULL;
}

void lake_cond_wait(struct lake_cond *c, struct lake_mutex *m)
{
    struct lake_cond_waiter self = { .next = NULL, .ntfn = lake_sync_self_ntfn(), .woken = 0 };
    lake_mutex_lock(&c->lock);
    if (c->tail)
        c->tail->next = &self;
    else
        c->head = &self;
    c->tail = &self;
    lake_mutex_unlock(&c->lock);
    lake_mutex_unlock(m);
    /* Our notification may hold a stale Signal from an earlier wake-up
     * (sent after we had already seen `woken`): loop until ours came. */
    while (!__atomic_load_n(&self.woken, __ATOMIC_ACQUIRE))
        lake_sync_wait(self.ntfn);
    lake_mutex_lock(m);
}

/* Dequeued under c->lock: mark it woken and Signal its thread. Once woken
 * is set the node may vanish (the waiter returns), so read ntfn first. */
static void wake(struct lake_cond_waiter *w)
{
    lake_cptr_t ntfn = w->ntfn;
    __atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
    lake_sync_signal(ntfn);
}

void lake_cond_signal(struct lake_cond *c)
{
    lake_mutex_lock(&c->lock);
    struct lake_cond_waiter *w = c->head;
    if (w) {
        c->head = w->next;
        if (!c->head)
            c->tail = NULL;
        wake(w);
    }
    lake_mutex_unlock(&c->lock);
}

void lake_cond_broadcast(struct lake_cond *c)
{
    lake_mutex_lock(&c->lock);
    struct lake_cond_waiter *w = c->head;
    c->head = c->tail = NULL;
    while (w) {
        struct lake_cond_waiter *next = w->next;     /* before w can vanish */
        wake(w);
        w = next;
    }
    lake_mutex_unlock(&c->lock);
}

unsigned lake_cond_waiters(struct lake_cond *c)
{
    unsigned n = 0;
    lake_mutex_lock(&c->lock);
    for (struct lake_cond_waiter *w = c->head; w; w = w->next)
        n++;
    lake_mutex_unlock(&c->lock);
    return n;
}
