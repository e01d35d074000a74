/*
 * Scheduler: per-core ready queues with a 256-bit bitmap, so choosing the
 * next thread is a count-leading-zeros. As in seL4, the running thread is
 * not in a ready queue: it stays current until it blocks, yields, runs out
 * of its time slice or a higher-priority thread becomes ready. That makes
 * an IPC hand-off between two threads a pointer swap with no queue work.
 * A thread woken by IPC for a direct switch goes to the front of its queue.
 */
#include <arch/fpu.h>
#include <arch/vspace.h>
#include <console.h>
#include <fastpath.h>
#include <percpu.h>
#include <sched.h>
#include <tcb.h>

extern void idle_loop(void);
__noreturn void context_restore(struct trap_frame *ctx);

#define SPSR_EL1T_IRQ_ON 0x344ul   /* EL1t, D/A/F masked, IRQ enabled */

void sched_init(void)
{
    struct cpu *cpu = this_cpu();
    struct tcb *idle = &cpu->idle;

    idle->state = THREAD_IDLE;
    idle->ctx.elr = (u64)idle_loop;
    idle->ctx.spsr = SPSR_EL1T_IRQ_ON;
    idle->ctx.sp_el0 = (u64)&cpu->idle_stack[IDLE_STACK_SIZE];
    idle->name[0] = 'i', idle->name[1] = 'd', idle->name[2] = 'l', idle->name[3] = 'e';
    cpu->current = idle;
}

bool thread_is_runnable(const struct tcb *t)
{
    return t->state <= THREAD_RESTART;
}

static struct cpu *thread_cpu(const struct tcb *t)
{
    return &cpus[t->cpu];
}

/* Keeps a computed pointer in a register: GCC otherwise recomputes
 * &cpus[i].ready[prio] (two multiply-adds) at every use. */
#define pin(p) __asm__("" : "+r"(p))

/* The queue and bitmap pointers are computed once into locals. */
static inline __attribute__((always_inline)) void queue_insert(struct tcb *t, bool front)
{
    if (t->in_ready_queue)
        return;
    unsigned prio = t->priority;
    struct cpu *cpu = thread_cpu(t);
    struct ready_queue *q = &cpu->ready[prio];
    struct prio_bitmap *bitmap = &cpu->ready_bitmap;

    pin(q);
    pin(bitmap);
    if (front) {
        t->sched_prev = NULL;
        t->sched_next = q->head;
        if (q->head)
            q->head->sched_prev = t;
        else
            q->tail = t;
        q->head = t;
    } else {
        t->sched_next = NULL;
        t->sched_prev = q->tail;
        if (q->tail)
            q->tail->sched_next = t;
        else
            q->head = t;
        q->tail = t;
    }
    t->in_ready_queue = 1;
    prio_bitmap_set(bitmap, prio);
}

/* The running thread is never queued; schedule() queues it when it stops. */
void sched_enqueue(struct tcb *t)
{
    if (t != thread_cpu(t)->current)
        queue_insert(t, false);
}

void sched_enqueue_front(struct tcb *t)
{
    if (t != thread_cpu(t)->current)
        queue_insert(t, true);
}

void sched_dequeue(struct tcb *t)
{
    if (!t->in_ready_queue)
        return;
    unsigned prio = t->priority;
    struct cpu *cpu = thread_cpu(t);
    struct ready_queue *q = &cpu->ready[prio];
    struct tcb *prev = t->sched_prev, *next = t->sched_next;

    pin(cpu);
    pin(q);
    if (prev)
        prev->sched_next = next;
    else
        q->head = next;
    if (next)
        next->sched_prev = prev;
    else
        q->tail = prev;
    t->sched_next = t->sched_prev = NULL;
    t->in_ready_queue = 0;
    if (q->head == NULL)
        prio_bitmap_clear(&cpu->ready_bitmap, prio);
}

void thread_set_state(struct tcb *t, enum thread_state state)
{
    t->state = (u8)state;
    if (thread_is_runnable(t)) {
        sched_enqueue(t);
    } else {
        sched_dequeue(t);
        if (thread_cpu(t)->direct_next == t)
            thread_cpu(t)->direct_next = NULL;
    }
}

/*
 * t was blocked and becomes runnable. If it outranks the current thread,
 * it is kept out of the ready queue and schedule() switches to it at the
 * end of this kernel entry without queueing and dequeueing it (an
 * interrupt or a signal waking a higher-priority handler).
 */
void sched_wake(struct tcb *t)
{
    struct cpu *cpu = this_cpu();

    t->state = THREAD_RUNNABLE;
    if (t->cpu == cpu->id && cpu->direct_next == NULL && t->priority > cpu->current->priority) {
        cpu->direct_next = t;
        return;
    }
    sched_enqueue(t);
}

void sched_set_priority(struct tcb *t, unsigned priority)
{
    bool queued = t->in_ready_queue;
    if (queued)
        sched_dequeue(t);
    t->priority = (u8)priority;
    if (queued)
        sched_enqueue(t);
}

void sched_yield_current(void)
{
    this_cpu()->yield_requested = true;
}

void sched_tick(void)
{
    struct tcb *t = current_thread();
    if (t->state == THREAD_IDLE)
        return;
    if (t->timeslice > 1) {
        t->timeslice--;
        return;
    }
    t->timeslice = TIMESLICE_TICKS;
    this_cpu()->yield_requested = true;
}

/* Takes the first thread of the highest non-empty queue, or the idle thread. */
struct tcb *sched_take_next(struct cpu *cpu)
{
    int prio = prio_bitmap_highest(&cpu->ready_bitmap);
    if (prio < 0)
        return &cpu->idle;
    struct ready_queue *q = &cpu->ready[prio];
    struct tcb *t = q->head, *next = t->sched_next;

    q->head = next;
    if (next) {
        next->sched_prev = NULL;
    } else {
        q->tail = NULL;
        prio_bitmap_clear(&cpu->ready_bitmap, (unsigned)prio);
    }
    t->sched_next = NULL;
    t->in_ready_queue = 0;
    return t;
}

/* Every caller goes on to context_restore: its eret synchronises the
 * TTBR0 write, and the kernel does not touch user memory before it. */
void sched_switch_to(struct cpu *cpu, struct tcb *next)
{
    struct tcb *prev = cpu->current;

    if (prev->state != THREAD_IDLE)
        prev->tpidr_el0 = sysreg_read(tpidr_el0);
    if (next->state != THREAD_IDLE) {
        sysreg_write(tpidr_el0, next->tpidr_el0);
        sysreg_write(ttbr0_el1, tcb_ttbr0(next));
    }
    cpu->current = next;
    fpu_switch(cpu, prev, false, next);  /* prev's whole FP state may be live */
}

/* The thread sched_wake set aside runs now if it outranks every ready
 * thread and the current one: exactly whom the queues would pick. Else it
 * joins its queue and the usual choice follows. */
static bool schedule_direct(struct cpu *cpu, struct tcb *cur, bool yield)
{
    struct tcb *next = cpu->direct_next;
    bool cur_runs = cur->state != THREAD_IDLE && thread_is_runnable(cur);

    cpu->direct_next = NULL;
    if (!thread_is_runnable(next))
        return false;
    if ((int)next->priority <= prio_bitmap_highest(&cpu->ready_bitmap) ||
        (cur_runs && next->priority <= cur->priority)) {
        queue_insert(next, false);
        return false;
    }
    if (cur_runs)
        queue_insert(cur, !yield);  /* preempted: keeps its place; yielded: goes last */
    sched_switch_to(cpu, next);
    return true;
}

void schedule(void)
{
    struct cpu *cpu = this_cpu();
    struct tcb *cur = cpu->current;
    bool yield = cpu->yield_requested;

    cpu->yield_requested = false;
    if (cpu->direct_next != NULL && schedule_direct(cpu, cur, yield))
        return;
    if (cur->state != THREAD_IDLE && thread_is_runnable(cur)) {
        /* Keep running unless someone more important is ready, or this
         * thread yields to another of its own priority. */
        int highest = prio_bitmap_highest(&cpu->ready_bitmap);
        if (highest < (int)cur->priority || (!yield && highest == (int)cur->priority))
            return;
        queue_insert(cur, !yield);  /* preempted: keeps its place; yielded: goes last */
    }
    struct tcb *next = sched_take_next(cpu);
    if (next != cur)
        sched_switch_to(cpu, next);
}

int sched_highest_ready(const struct cpu *cpu)
{
    return prio_bitmap_highest(&cpu->ready_bitmap);
}

void fastpath_enter_slow(struct tcb *next)
{
    struct cpu *cpu = this_cpu();
    sched_switch_to(cpu, next);
    context_restore(&next->ctx);
}

void return_to_user(void)
{
    schedule();
    context_restore(&current_thread()->ctx);
}

static const char *const state_names[] = {
    "runnable", "restart", "inactive", "blocked-send", "blocked-recv",
    "blocked-reply", "blocked-notification", "idle",
};

void sched_dump(void)
{
    struct cpu *cpu = this_cpu();
    kprintf("scheduler on core %u: current '%s'; ready, highest priority first:\n", cpu->id,
            cpu->current->name);
    for (int prio = LAKE_NUM_PRIORITIES - 1; prio >= 0; prio--) {
        for (struct tcb *t = cpu->ready[prio].head; t; t = t->sched_next)
            kprintf("  prio %3d  %-16s %s pc 0x%lx\n", prio, t->name, state_names[t->state],
                    (unsigned long)t->ctx.elr);
    }
    kprintf("all threads:\n");
    for (struct tcb *t = tcb_first(); t; t = t->all_next)
        kprintf("  %p prio %3u  %-16s %-20s pc 0x%lx blocked on %p\n", t, t->priority,
                t->name[0] ? t->name : "-", state_names[t->state], (unsigned long)t->ctx.elr,
                t->state >= THREAD_BLOCKED_SEND && t->state <= THREAD_BLOCKED_NOTIFICATION ?
                    t->blocked_on : NULL);
}
