/*
 * The scheduler: 256 priorities, O(1) choice through a bitmap, round-robin
 * within a priority. Runnable threads wait in their priority's ready queue;
 * the running thread (cpu->current) is not queued while it runs.
 */
#ifndef LAKE_KERNEL_SCHED_H
#define LAKE_KERNEL_SCHED_H

#include <object/objects.h>

#define TIMESLICE_TICKS 2       /* 20 ms at 100 Hz */

void sched_init(void);
/* Makes t runnable at the back (or, for a direct IPC switch, the front) of its queue. */
void sched_enqueue(struct tcb *t);
void sched_enqueue_front(struct tcb *t);
void sched_dequeue(struct tcb *t);
/* Sets the thread's state, queueing or unqueueing it as needed. */
void thread_set_state(struct tcb *t, enum thread_state state);
void sched_wake(struct tcb *t);
bool thread_is_runnable(const struct tcb *t);
/* The current thread goes to the back of its queue at the next schedule. */
void sched_yield_current(void);
/* Timer tick: charge the current thread's time slice. */
void sched_tick(void);
/* Picks the thread to run next and makes it current. */
void schedule(void);
struct cpu;
/* Makes next current on cpu (TLS, address space, FP access), no questions asked. */
void sched_switch_to(struct cpu *cpu, struct tcb *next);
/* Removes and returns the thread to run next (the idle thread if none). */
struct tcb *sched_take_next(struct cpu *cpu);
/* Queues the current thread at the front of its queue (preempted by IPC). */
/* Highest priority with a runnable thread, or -1. */
int sched_highest_ready(const struct cpu *cpu);
/* Changes a thread's priority, requeueing it if runnable. */
void sched_set_priority(struct tcb *t, unsigned priority);
/* Leaves the kernel into the current thread. */
__noreturn void return_to_user(void);
void sched_dump(void);

#endif
