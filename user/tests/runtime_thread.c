/*
 * THREAD_2xx: threads (lib/runtime/thread.c) and the locks that sleep on
 * notifications (lib/runtime/sync.c) for real: create/exit/join with
 * results, a mutex-protected counter, a condition-variable queue, a
 * semaphore bounding concurrency, a stack overflow into the guard page,
 * and create/join repeated until a leak would show.
 */
#include <string.h>

#include <lake/sync.h>
#include <lake/thread.h>

#include "test.h"

#define PAGE            LAKE_PAGE_SIZE
#define STACK_PAGES     4
/* Each thread gets 16 pages of address space from TEST_FREE_VADDR. */
#define THREAD_VSPAN    (16 * PAGE)

static struct lake_thread_alloc_ctx actx;
static struct lake_thread_ops ops;

/* Threads from env->alloc; the main thread gets a notification for its
 * condition variable waits. */
static void setup(struct test_env *env)
{
    actx = (struct lake_thread_alloc_ctx){ .alloc = &env->alloc, .cnode = env->cnode,
                                           .depth = TEST_DEPTH };
    lake_thread_alloc_ops(&ops, &actx, env->cnode, env->vspace, env->tcb);
    lake_thread_set_default_ops(&ops);
    lake_thread_adopt_main(env->tcb, env->priority, test_new(env, LAKE_OBJ_NOTIFICATION, 0));
}

static void attr_for(struct test_env *env, struct lake_thread_attr *attr, unsigned index)
{
    lake_thread_attr_init(attr);
    attr->vaddr = TEST_FREE_VADDR + index * THREAD_VSPAN;
    attr->stack_pages = STACK_PAGES;
    attr->fault_ep = env->fault_ep;
    attr->name = "rt-thread";
}

static void create(struct test_env *env, struct lake_thread *t, unsigned index,
                   void (*fn)(void *), void *arg)
{
    struct lake_thread_attr attr;
    attr_for(env, &attr, index);
    test_ok(lake_thread_create(t, &attr, fn, arg));
}

static lake_cptr_t new_ntfn(struct test_env *env)
{
    return test_new(env, LAKE_OBJ_NOTIFICATION, 0);
}

/* ---- THREAD_201: create, exit, join ----------------------------------- */

static __thread lake_word_t tls_word = 0x5a5a;
static struct lake_thread *seen_self[3];
static lake_word_t seen_sp[3];

static void __attribute__((noinline)) exit_deep(lake_word_t value)
{
    lake_thread_exit(value);
}

static void returner(void *arg)
{
    lake_word_t i = (lake_word_t)arg;
    int local;
    seen_self[i] = lake_thread_self();
    seen_sp[i] = (lake_word_t)&local;
    /* Own TLS block, initialised from .tdata. */
    if (tls_word == 0x5a5a)
        tls_word = 100 + i;
    lake_yield();
    if (tls_word != 100 + i || lake_ipc_buffer != (void *)seen_self[i]->ipc_buffer)
        exit_deep(0xbad);
    if (i == 2)
        return;                         /* result 0 */
    exit_deep(1000 + i * 7);
}

TEST(THREAD_201, "threads: create three, exit with results (and by returning), join")
{
    setup(env);
    struct lake_thread t[3];
    for (unsigned i = 0; i < 3; i++)
        create(env, &t[i], i, returner, (void *)(lake_word_t)i);
    lake_word_t result;
    for (unsigned i = 0; i < 3; i++) {
        test_ok(lake_thread_join(&t[i], &result));
        test_eq(result, i == 2 ? 0 : 1000 + i * 7);
        test_assert(seen_self[i] == &t[i]);
        test_assert(seen_sp[i] > t[i].stack_base && seen_sp[i] < t[i].stack_top);
        test_eq(t[i].guard_page, TEST_FREE_VADDR + i * THREAD_VSPAN);
        test_eq(t[i].tcb, 0);           /* freed */
    }
    test_eq(tls_word, 0x5a5a);          /* the main thread's copy is untouched */
    test_assert(lake_thread_self()->tcb == env->tcb);
    test_error(lake_thread_join(&t[0], NULL), LAKE_INVALID_ARGUMENT);
}

/* ---- THREAD_202: a mutex-protected counter ----------------------------- */

#define COUNT_THREADS   4
#define COUNT_EACH      10000

static struct lake_mutex counter_lock;
static volatile lake_word_t counter;

static void count_up(void *arg)
{
    (void)arg;
    for (int i = 0; i < COUNT_EACH; i++) {
        lake_mutex_lock(&counter_lock);
        lake_word_t v = counter;
        if ((i & 255) == 0)
            lake_yield();               /* hand the CPU over while holding it */
        counter = v + 1;
        lake_mutex_unlock(&counter_lock);
    }
}

TEST(THREAD_202, "mutex: 4 threads add 10,000 each to a shared counter, exact total")
{
    setup(env);
    lake_mutex_init(&counter_lock, new_ntfn(env));
    counter = 0;
    struct lake_thread t[COUNT_THREADS];
    for (unsigned i = 0; i < COUNT_THREADS; i++)
        create(env, &t[i], i, count_up, NULL);
    for (unsigned i = 0; i < COUNT_THREADS; i++)
        test_ok(lake_thread_join(&t[i], NULL));
    test_eq(counter, COUNT_THREADS * COUNT_EACH);
    test_eq(counter_lock.state, 0);
}

/* ---- THREAD_203: condition variable queue ------------------------------ */

#define QUEUE_SIZE  4
#define ITEMS       1000

static struct {
    struct lake_mutex m;
    struct lake_cond not_empty, not_full;
    lake_word_t items[QUEUE_SIZE];
    unsigned head, tail;
    unsigned full_waits, empty_waits;
} q;

static void producer(void *arg)
{
    (void)arg;
    for (lake_word_t i = 0; i < ITEMS; i++) {
        lake_mutex_lock(&q.m);
        while (q.tail - q.head == QUEUE_SIZE) {
            q.full_waits++;
            lake_cond_wait(&q.not_full, &q.m);
        }
        q.items[q.tail++ % QUEUE_SIZE] = i * 3 + 1;
        lake_cond_signal(&q.not_empty);
        lake_mutex_unlock(&q.m);
        if (i % 97 == 0)
            lake_yield();
    }
}

static void consumer(void *arg)
{
    (void)arg;
    for (lake_word_t i = 0; i < ITEMS; i++) {
        lake_mutex_lock(&q.m);
        while (q.tail == q.head) {
            q.empty_waits++;
            lake_cond_wait(&q.not_empty, &q.m);
        }
        lake_word_t v = q.items[q.head++ % QUEUE_SIZE];
        lake_cond_signal(&q.not_full);
        lake_mutex_unlock(&q.m);
        if (v != i * 3 + 1)
            lake_thread_exit(0x10000 + i);  /* out of order */
        if (i % 89 == 0)
            lake_yield();
    }
    lake_thread_exit(ITEMS);
}

TEST(THREAD_203, "condvar: producer and consumer move 1,000 items in order through a 4-slot queue")
{
    setup(env);
    memset(&q, 0, sizeof(q));
    lake_mutex_init(&q.m, new_ntfn(env));
    lake_cond_init(&q.not_empty, new_ntfn(env));
    lake_cond_init(&q.not_full, new_ntfn(env));
    struct lake_thread p, c;
    create(env, &c, 0, consumer, NULL);
    create(env, &p, 1, producer, NULL);
    lake_word_t result;
    test_ok(lake_thread_join(&p, NULL));
    test_ok(lake_thread_join(&c, &result));
    test_eq(result, ITEMS);
    test_eq(q.head, ITEMS);
    test_assert(q.full_waits > 0);          /* both sides really slept */
    test_assert(q.empty_waits > 0);
    test_eq(lake_cond_waiters(&q.not_empty), 0);
    test_eq(lake_cond_waiters(&q.not_full), 0);
}

/* A broadcast wakes every waiter, the main thread waiting too. */
static struct {
    struct lake_mutex m;
    struct lake_cond c;
    int go, arrived;
} gate;

static void gate_waiter(void *arg)
{
    (void)arg;
    lake_mutex_lock(&gate.m);
    gate.arrived++;
    lake_cond_broadcast(&gate.c);           /* tell the main thread */
    while (!gate.go)
        lake_cond_wait(&gate.c, &gate.m);
    lake_mutex_unlock(&gate.m);
    lake_thread_exit(7);
}

TEST(THREAD_204, "condvar: broadcast wakes all five waiters")
{
    setup(env);
    memset(&gate, 0, sizeof(gate));
    lake_mutex_init(&gate.m, new_ntfn(env));
    lake_cond_init(&gate.c, new_ntfn(env));
    struct lake_thread t[5];
    for (unsigned i = 0; i < 5; i++)
        create(env, &t[i], i, gate_waiter, NULL);
    lake_mutex_lock(&gate.m);
    while (gate.arrived < 5)
        lake_cond_wait(&gate.c, &gate.m);
    gate.go = 1;
    lake_cond_broadcast(&gate.c);
    lake_mutex_unlock(&gate.m);
    for (unsigned i = 0; i < 5; i++) {
        lake_word_t r;
        test_ok(lake_thread_join(&t[i], &r));
        test_eq(r, 7);
    }
}

/* ---- THREAD_205: semaphore --------------------------------------------- */

#define SEM_THREADS 5
#define SEM_LIMIT   2

static struct lake_sem sem;
static volatile int inside, max_inside;

static void sem_user(void *arg)
{
    (void)arg;
    for (int round = 0; round < 20; round++) {
        lake_sem_down(&sem);
        int now = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        if (now > max_inside)
            max_inside = now;
        for (int i = 0; i < 3; i++)
            lake_yield();                   /* let the others pile up */
        __atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
        lake_sem_up(&sem);
    }
}

TEST(THREAD_205, "semaphore: five threads, at most two inside at any time")
{
    setup(env);
    lake_sem_init(&sem, new_ntfn(env), SEM_LIMIT);
    inside = max_inside = 0;
    struct lake_thread t[SEM_THREADS];
    for (unsigned i = 0; i < SEM_THREADS; i++)
        create(env, &t[i], i, sem_user, NULL);
    for (unsigned i = 0; i < SEM_THREADS; i++)
        test_ok(lake_thread_join(&t[i], NULL));
    test_eq(max_inside, SEM_LIMIT);
    test_eq(lake_sem_value(&sem), SEM_LIMIT);
    test_assert(lake_sem_try_down(&sem));
    test_assert(lake_sem_try_down(&sem));
    test_assert(!lake_sem_try_down(&sem));
}

/* ---- THREAD_206: stack overflow into the guard page -------------------- */

static volatile int depth_limit = 1 << 30;

static int __attribute__((noinline)) recurse(int n)
{
    volatile char buf[200];
    buf[0] = (char)n;
    if (n > depth_limit)
        return buf[0];
    return recurse(n + 1) + buf[0];
}

static void overflow(void *arg)
{
    (void)arg;
    lake_thread_exit((lake_word_t)recurse(0));
}

TEST(THREAD_206, "thread: a stack overflow faults in the guard page below the stack")
{
    setup(env);
    lake_cptr_t handler = test_new(env, LAKE_OBJ_ENDPOINT, 0);
    struct lake_thread_attr attr;
    attr_for(env, &attr, 0);
    attr.fault_ep = handler;
    struct lake_thread t;
    test_ok(lake_thread_create(&t, &attr, overflow, NULL));
    lake_msginfo_t info = lake_recv(handler, NULL);
    test_eq(lake_msginfo_label(info), LAKE_FAULT_VM);
    lake_word_t addr = lake_get_mr(LAKE_VM_FAULT_ADDR);
    test_eq(t.guard_page, TEST_FREE_VADDR);
    test_assert(addr >= t.guard_page && addr < t.guard_page + PAGE);
    test_eq(lake_get_mr(LAKE_VM_FAULT_IS_PREFETCH), 0);
    test_eq(t.exited, 0);
    test_ok(lake_thread_destroy(&t));
    test_eq(t.tcb, 0);
}

/* ---- THREAD_207: join frees everything ---------------------------------- */

static void tiny(void *arg)
{
    lake_thread_exit((lake_word_t)arg + 1);
}

TEST(THREAD_207, "thread: 200 create/join rounds from a 64 KiB untyped and 32 slots")
{
    setup(env);
    /* A private allocator: 64 KiB hold about three threads at once, so
     * the rounds only work if join deletes every object (the untyped's
     * watermark returns to its start when all its children are gone) and
     * gives every slot back. */
    struct lake_alloc mine = { .untyped = test_new_untyped(env, 16) };
    mine.next_slot = env->alloc.next_slot;
    mine.end_slot = mine.next_slot + 32;
    env->alloc.next_slot = mine.end_slot;
    /* The page tables of the thread's range come from env->alloc now. */
    test_new_page(env, TEST_FREE_VADDR + 0x100000);
    struct lake_thread_alloc_ctx ctx = { .alloc = &mine, .cnode = env->cnode, .depth = TEST_DEPTH };
    struct lake_thread_ops my_ops;
    lake_thread_alloc_ops(&my_ops, &ctx, env->cnode, env->vspace, env->tcb);

    lake_cptr_t first = mine.next_slot;
    for (unsigned round = 0; round < 200; round++) {
        struct lake_thread_attr attr;
        attr_for(env, &attr, round % 4);
        attr.ops = &my_ops;
        attr.stack_pages = 2;
        struct lake_thread t;
        test_ok(lake_thread_create(&t, &attr, tiny, (void *)(lake_word_t)round));
        lake_word_t r;
        test_ok(lake_thread_join(&t, &r));
        test_eq(r, round + 1);
        test_eq(mine.next_slot, first);
    }
    /* Nothing is left in the untyped: one object of its whole size fits. */
    lake_cptr_t whole;
    test_ok(lake_alloc_object(&mine, LAKE_OBJ_UNTYPED, 16, &whole));
    /* Several alive at once exhaust it (three fit with 3-page stacks);
     * the failed create undoes itself. */
    struct lake_thread t[4];
    unsigned made = 0;
    int error = LAKE_OK;
    struct lake_alloc again = { .untyped = whole, .next_slot = mine.next_slot,
                                .end_slot = mine.end_slot };
    ctx.alloc = &again;
    for (; made < 4; made++) {
        struct lake_thread_attr attr;
        attr_for(env, &attr, made);
        attr.ops = &my_ops;
        attr.stack_pages = 3;
        error = lake_thread_create(&t[made], &attr, tiny, NULL);
        if (error)
            break;
    }
    test_error(error, LAKE_NOT_ENOUGH_MEMORY);
    test_eq(made, 3);
    for (unsigned i = made; i-- > 0;)       /* reverse order: every slot comes back */
        test_ok(lake_thread_join(&t[i], NULL));
    test_eq(again.next_slot, mine.next_slot);
}

/* ---- THREAD_208: caller-provided stack ---------------------------------- */

static char own_stack[16384] __attribute__((aligned(16)));

static void on_own_stack(void *arg)
{
    int local;
    lake_thread_exit((lake_word_t)&local - (lake_word_t)arg);
}

TEST(THREAD_208, "thread: runs on a stack the caller provides, IPC buffer mapped at vaddr")
{
    setup(env);
    struct lake_thread_attr attr;
    lake_thread_attr_init(&attr);
    attr.vaddr = TEST_FREE_VADDR;
    attr.stack = own_stack;
    attr.stack_size = sizeof(own_stack);
    attr.fault_ep = env->fault_ep;
    test_eq(lake_thread_vaddr_pages(&attr), 1);
    struct lake_thread t;
    test_ok(lake_thread_create(&t, &attr, on_own_stack, own_stack));
    test_eq(t.ipc_buffer, TEST_FREE_VADDR);
    test_eq(t.guard_page, 0);
    lake_word_t r;
    test_ok(lake_thread_join(&t, &r));
    test_assert(r > 0 && r < sizeof(own_stack));
    /* Bad attributes. */
    attr.vaddr = TEST_FREE_VADDR + 1;
    test_error(lake_thread_create(&t, &attr, on_own_stack, NULL), LAKE_INVALID_ARGUMENT);
    attr.vaddr = TEST_FREE_VADDR;
    attr.stack_size = 100;
    test_error(lake_thread_create(&t, &attr, on_own_stack, NULL), LAKE_INVALID_ARGUMENT);
}
