/*
 * Host tests of the runtime's locks (lib/runtime/sync.c). The kernel
 * notification is replaced by a fake with the same semantics: a Signal
 * wakes one blocked waiter, or, if nobody is blocked, sets a pending flag
 * (binary: two Signals before a Wait are one) that the next Wait takes
 * without blocking. Several pthreads then hammer mutexes, semaphores and
 * condition variables; single-threaded cases drive the exact races
 * (an unlock or up between "I must sleep" and the Wait) through a hook.
 */
#include <pthread.h>
/* kernel/include/sched.h shadows <sched.h> on the unit-test include path */
extern int sched_yield(void);
#include <stdint.h>

#include <lake/sync.h>

#include "unit.h"

/* ---- the fake notification ------------------------------------------- */

#define NTFNS_SHARED 8
#define NTFNS 64

struct fake_ntfn {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int pending;            /* signalled with nobody blocked */
    int blocked;            /* threads blocked in wait */
    int tickets;            /* wake-ups handed to blocked threads */
    long waits, sleeps, signals, merged;
};

static struct fake_ntfn ntfns[NTFNS];
/* Runs in lake_sync_wait before the pending flag is looked at: a test can
 * make something happen exactly in the window before the Wait. */
static void (*before_wait)(lake_cptr_t ntfn);
static int yield_before_wait;   /* widen the window in stress tests */

/* Per-thread notifications for condition variable waits: 8.. */
static int next_self = NTFNS_SHARED;
static __thread int self_ntfn;

lake_cptr_t lake_sync_self_ntfn(void)
{
    if (!self_ntfn)
        self_ntfn = __atomic_fetch_add(&next_self, 1, __ATOMIC_SEQ_CST);
    return (lake_cptr_t)self_ntfn;
}

static void fake_reset(void)
{
    next_self = NTFNS_SHARED;
    self_ntfn = 0;
    for (int i = 0; i < NTFNS; i++) {
        pthread_mutex_init(&ntfns[i].lock, NULL);
        pthread_cond_init(&ntfns[i].cond, NULL);
        ntfns[i].pending = ntfns[i].blocked = ntfns[i].tickets = 0;
        ntfns[i].waits = ntfns[i].sleeps = ntfns[i].signals = ntfns[i].merged = 0;
    }
    before_wait = NULL;
    yield_before_wait = 0;
}

void lake_sync_wait(lake_cptr_t cptr)
{
    struct fake_ntfn *n = &ntfns[cptr];
    if (before_wait)
        before_wait(cptr);
    if (yield_before_wait)
        sched_yield();
    pthread_mutex_lock(&n->lock);
    n->waits++;
    if (n->pending) {
        n->pending = 0;
    } else {
        n->sleeps++;
        n->blocked++;
        while (n->tickets == 0)
            pthread_cond_wait(&n->cond, &n->lock);
        n->tickets--;
        n->blocked--;
    }
    pthread_mutex_unlock(&n->lock);
}

void lake_sync_signal(lake_cptr_t cptr)
{
    struct fake_ntfn *n = &ntfns[cptr];
    pthread_mutex_lock(&n->lock);
    n->signals++;
    if (n->blocked > n->tickets) {
        n->tickets++;
        pthread_cond_signal(&n->cond);
    } else {
        if (n->pending)
            n->merged++;
        n->pending = 1;
    }
    pthread_mutex_unlock(&n->lock);
}

static void run_threads(int count, void *(*fn)(void *), void *arg)
{
    pthread_t th[16];
    for (int i = 0; i < count; i++)
        pthread_create(&th[i], NULL, fn, arg);
    for (int i = 0; i < count; i++)
        pthread_join(th[i], NULL);
}

/* ---- mutex ----------------------------------------------------------- */

TEST(mutex_uncontended_no_kernel_calls)
{
    fake_reset();
    struct lake_mutex m;
    lake_mutex_init(&m, 1);
    for (int i = 0; i < 1000; i++) {
        lake_mutex_lock(&m);
        CHECK_EQ(m.state, 1);
        CHECK(!lake_mutex_trylock(&m));
        lake_mutex_unlock(&m);
    }
    CHECK(lake_mutex_trylock(&m));
    lake_mutex_unlock(&m);
    CHECK_EQ(m.state, 0);
    CHECK_EQ(ntfns[1].signals, 0);
    CHECK_EQ(ntfns[1].waits, 0);
    struct lake_mutex s = LAKE_MUTEX_INITIALIZER(3);
    CHECK_EQ(s.ntfn, 3);
    CHECK(lake_mutex_trylock(&s));
}

/* The holder unlocks after the waiter stored 2 but before it Waits. */
static struct lake_mutex race_m;
static int race_hook_runs;

static void unlock_in_window(lake_cptr_t ntfn)
{
    (void)ntfn;
    if (race_hook_runs++ == 0) {
        CHECK_EQ(race_m.state, 2);
        lake_mutex_unlock(&race_m);     /* Signals: nobody is blocked yet */
        CHECK_EQ(ntfns[2].pending, 1);
    }
}

TEST(mutex_unlock_before_wait_is_not_lost)
{
    fake_reset();
    lake_mutex_init(&race_m, 2);
    lake_mutex_lock(&race_m);           /* "another thread" holds it */
    race_hook_runs = 0;
    before_wait = unlock_in_window;
    lake_mutex_lock(&race_m);           /* would block forever if the Signal were lost */
    before_wait = NULL;
    CHECK_EQ(race_hook_runs, 1);
    CHECK_EQ(race_m.state, 2);          /* won through the slow path: keeps "maybe waiters" */
    CHECK_EQ(ntfns[2].sleeps, 0);
    lake_mutex_unlock(&race_m);         /* one spurious Signal, harmless */
    CHECK_EQ(race_m.state, 0);
    CHECK_EQ(ntfns[2].signals, 2);
    CHECK_EQ(ntfns[2].pending, 1);
    /* The stale pending Signal only costs a retry later. */
    lake_mutex_lock(&race_m);
    CHECK_EQ(race_m.state, 1);
    lake_mutex_unlock(&race_m);
}

struct counter {
    struct lake_mutex m;
    long value;
    long per_thread;
};

static void *count_up(void *arg)
{
    struct counter *c = arg;
    for (long i = 0; i < c->per_thread; i++) {
        lake_mutex_lock(&c->m);
        long v = c->value;
        if ((i & 63) == 0)
            sched_yield();              /* get preempted while holding it */
        c->value = v + 1;
        lake_mutex_unlock(&c->m);
    }
    return NULL;
}

TEST(mutex_counter_8_threads)
{
    fake_reset();
    struct counter c = { .per_thread = 20000 };
    lake_mutex_init(&c.m, 1);
    run_threads(8, count_up, &c);
    CHECK_EQ(c.value, 8 * 20000);
    CHECK_EQ(c.m.state, 0);
    CHECK(ntfns[1].sleeps > 0);         /* there was real contention */
    printf("  mutex: %ld waits (%ld slept), %ld signals\n", ntfns[1].waits, ntfns[1].sleeps,
           ntfns[1].signals);
}

TEST(mutex_counter_yield_before_wait)
{
    fake_reset();
    yield_before_wait = 1;
    struct counter c = { .per_thread = 10000 };
    lake_mutex_init(&c.m, 1);
    run_threads(6, count_up, &c);
    CHECK_EQ(c.value, 6 * 10000);
    CHECK_EQ(c.m.state, 0);
}

/* ---- semaphore ------------------------------------------------------- */

TEST(sem_counts_and_try_down)
{
    fake_reset();
    struct lake_sem s;
    lake_sem_init(&s, 1, 2);
    CHECK(lake_sem_try_down(&s));
    lake_sem_down(&s);
    CHECK_EQ(lake_sem_value(&s), 0);
    CHECK(!lake_sem_try_down(&s));
    lake_sem_up(&s);
    lake_sem_up(&s);
    lake_sem_up(&s);
    CHECK_EQ(lake_sem_value(&s), 3);
    CHECK(lake_sem_try_down(&s));
    CHECK_EQ(lake_sem_value(&s), 2);
    CHECK_EQ(ntfns[1].signals, 0);
    CHECK_EQ(ntfns[1].waits, 0);
}

/* An up arrives after down decided to sleep but before its Wait. */
static struct lake_sem race_s;

static void up_in_window(lake_cptr_t ntfn)
{
    (void)ntfn;
    if (race_hook_runs++ == 0) {
        CHECK_EQ(lake_sem_value(&race_s), -1);
        lake_sem_up(&race_s);
    }
}

TEST(sem_up_before_wait_is_not_lost)
{
    fake_reset();
    lake_sem_init(&race_s, 2, 0);
    race_hook_runs = 0;
    before_wait = up_in_window;
    lake_sem_down(&race_s);             /* would block forever if the token were lost */
    before_wait = NULL;
    CHECK_EQ(race_hook_runs, 1);        /* one Wait, which found the Signal pending */
    CHECK_EQ(ntfns[2].sleeps, 0);
    CHECK_EQ(lake_sem_value(&race_s), 0);
    CHECK_EQ(race_s.wake.tokens, 0);
    /* An up before down even starts: no Wait at all. */
    lake_sem_up(&race_s);
    lake_sem_down(&race_s);
    CHECK_EQ(ntfns[2].waits, 1);
}

struct sem_stress {
    struct lake_sem s;
    struct lake_mutex m;
    int inside, max_inside;
    int rounds;
};

static void *sem_worker(void *arg)
{
    struct sem_stress *st = arg;
    for (int i = 0; i < st->rounds; i++) {
        lake_sem_down(&st->s);
        int now = __atomic_add_fetch(&st->inside, 1, __ATOMIC_SEQ_CST);
        lake_mutex_lock(&st->m);
        if (now > st->max_inside)
            st->max_inside = now;
        lake_mutex_unlock(&st->m);
        sched_yield();
        __atomic_sub_fetch(&st->inside, 1, __ATOMIC_SEQ_CST);
        lake_sem_up(&st->s);
    }
    return NULL;
}

TEST(sem_limits_concurrency)
{
    fake_reset();
    yield_before_wait = 1;
    struct sem_stress st = { .rounds = 5000 };
    lake_sem_init(&st.s, 1, 3);
    lake_mutex_init(&st.m, 2);
    run_threads(8, sem_worker, &st);
    CHECK(st.max_inside <= 3);
    CHECK(st.max_inside >= 2);
    CHECK_EQ(lake_sem_value(&st.s), 3);
    CHECK_EQ(st.s.wake.tokens, 0);
}

/* Many sleepers, a burst of ups: Signals merge in the binary notification
 * and the baton passing must still wake every sleeper. */
static struct lake_sem burst_s;

static void *burst_down(void *arg)
{
    (void)arg;
    lake_sem_down(&burst_s);
    return NULL;
}

TEST(sem_burst_of_ups_wakes_everyone)
{
    fake_reset();
    long merged = 0;
    for (int round = 0; round < 300; round++) {
        yield_before_wait = round & 1;
        lake_sem_init(&burst_s, 1, 0);
        pthread_t th[6];
        for (int i = 0; i < 6; i++)
            pthread_create(&th[i], NULL, burst_down, NULL);
        if (round & 2)
            while (__atomic_load_n(&burst_s.count, __ATOMIC_SEQ_CST) > -6)
                sched_yield();
        for (int i = 0; i < 6; i++)
            lake_sem_up(&burst_s);
        for (int i = 0; i < 6; i++)
            pthread_join(th[i], NULL);
        CHECK_EQ(lake_sem_value(&burst_s), 0);
        CHECK_EQ(burst_s.wake.tokens, 0);
        merged += ntfns[1].merged;
        fake_reset();
    }
    printf("  %ld merged Signals over 300 rounds\n", merged);
}

/* ---- condition variable ---------------------------------------------- */

#define QSIZE 8

struct queue {
    struct lake_mutex m;
    struct lake_cond not_empty, not_full;
    long items[QSIZE];
    unsigned head, tail;
    long count;                 /* per producer */
    long received, sum;
    int producers;
    int ordered_ok;
    long last[4];
};

static void *producer(void *arg)
{
    struct queue *q = arg;
    lake_mutex_lock(&q->m);
    long id = q->producers++;
    lake_mutex_unlock(&q->m);
    for (long i = 0; i < q->count; i++) {
        lake_mutex_lock(&q->m);
        while (q->tail - q->head == QSIZE)
            lake_cond_wait(&q->not_full, &q->m);
        q->items[q->tail++ % QSIZE] = id << 32 | i;
        lake_cond_signal(&q->not_empty);
        lake_mutex_unlock(&q->m);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct queue *q = arg;
    for (;;) {
        lake_mutex_lock(&q->m);
        while (q->tail == q->head && q->received < 2 * q->count)
            lake_cond_wait(&q->not_empty, &q->m);
        if (q->received == 2 * q->count) {
            lake_cond_broadcast(&q->not_empty);     /* let the other consumer finish */
            lake_mutex_unlock(&q->m);
            return NULL;
        }
        long v = q->items[q->head++ % QSIZE];
        q->received++;
        q->sum += v & 0xffffffff;
        /* Items of one producer come out in order. */
        if ((v & 0xffffffff) != q->last[v >> 32])
            q->ordered_ok = 0;
        q->last[v >> 32] = (v & 0xffffffff) + 1;
        lake_cond_signal(&q->not_full);
        lake_mutex_unlock(&q->m);
    }
}

TEST(cond_producer_consumer)
{
    fake_reset();
    yield_before_wait = 1;
    struct queue q = { .count = 20000, .ordered_ok = 1 };
    lake_mutex_init(&q.m, 1);
    lake_cond_init(&q.not_empty, 2);
    lake_cond_init(&q.not_full, 3);
    pthread_t th[4];
    pthread_create(&th[0], NULL, producer, &q);
    pthread_create(&th[1], NULL, producer, &q);
    pthread_create(&th[2], NULL, consumer, &q);
    pthread_create(&th[3], NULL, consumer, &q);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(q.received, 2 * q.count);
    CHECK_EQ(q.sum, 2 * (q.count * (q.count - 1) / 2));
    CHECK(q.ordered_ok);
    long sleeps = 0;
    for (int i = NTFNS_SHARED; i < NTFNS; i++)
        sleeps += ntfns[i].sleeps;
    CHECK(sleeps > 0);
}

/* A barrier from a mutex and a condition variable: broadcast must wake
 * every waiter of a generation, round after round. */
struct barrier {
    struct lake_mutex m;
    struct lake_cond c;
    int waiting, parties;
    unsigned generation;
    long rounds;
    long total;
};

static void barrier_wait(struct barrier *b)
{
    lake_mutex_lock(&b->m);
    unsigned gen = b->generation;
    if (++b->waiting == b->parties) {
        b->waiting = 0;
        b->generation++;
        lake_cond_broadcast(&b->c);
    } else {
        while (gen == b->generation)
            lake_cond_wait(&b->c, &b->m);
    }
    lake_mutex_unlock(&b->m);
}

static void *barrier_worker(void *arg)
{
    struct barrier *b = arg;
    for (long i = 0; i < b->rounds; i++) {
        __atomic_add_fetch(&b->total, 1, __ATOMIC_SEQ_CST);
        barrier_wait(b);
        /* Everybody of this round has counted before anybody goes on. */
        if (__atomic_load_n(&b->total, __ATOMIC_SEQ_CST) < (i + 1) * b->parties)
            __atomic_store_n(&b->total, -1000000000L, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

TEST(cond_broadcast_barrier)
{
    fake_reset();
    struct barrier b = { .parties = 6, .rounds = 2000 };
    lake_mutex_init(&b.m, 1);
    lake_cond_init(&b.c, 2);
    run_threads(6, barrier_worker, &b);
    CHECK_EQ(b.total, 6 * 2000);
    CHECK_EQ(b.generation, 2000);
    CHECK_EQ(lake_cond_waiters(&b.c), 0);
}

TEST(cond_signal_without_waiters_is_nothing)
{
    fake_reset();
    struct lake_cond c;
    lake_cond_init(&c, 1);
    lake_cond_signal(&c);
    lake_cond_broadcast(&c);
    CHECK_EQ(lake_cond_waiters(&c), 0);
    CHECK_EQ(ntfns[1].signals, 0);
}

/* The signal comes between the waiter's enqueue and its Wait. */
static struct lake_cond race_c;
static struct lake_mutex race_cm;

static void signal_in_window(lake_cptr_t ntfn)
{
    if (ntfn >= NTFNS_SHARED && race_hook_runs++ == 0) {
        CHECK_EQ(race_cm.state, 0);     /* the waiter has released m */
        lake_cond_signal(&race_c);
    }
}

TEST(cond_signal_before_wait_is_not_lost)
{
    fake_reset();
    lake_cond_init(&race_c, 1);
    lake_mutex_init(&race_cm, 2);
    race_hook_runs = 0;
    lake_mutex_lock(&race_cm);
    before_wait = signal_in_window;
    lake_cond_wait(&race_c, &race_cm);
    before_wait = NULL;
    CHECK_EQ(race_hook_runs, 1);
    CHECK_EQ(race_cm.state, 1);
    CHECK_EQ(lake_cond_waiters(&race_c), 0);
    lake_mutex_unlock(&race_cm);
}
