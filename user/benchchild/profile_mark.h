/*
 * tools/profile.py traces what runs between a call of bench_profile_mark
 * with x0 = n and the next with x0 = n + 1 (gdb breakpoints); it does
 * nothing. Marks: 1 one spawn_exit_wait, 7 one spawn_exit_wait_cold, 9 one
 * rpc_roundtrip (bench), 3 one pager_fault, 5 one thread_create_join
 * (benchchild).
 */
#ifndef BENCH_PROFILE_MARK_H
#define BENCH_PROFILE_MARK_H

/* Weak: the files of one program that include this share one copy. */
void bench_profile_mark(int what);
void __attribute__((noinline, weak)) bench_profile_mark(int what)
{
    __asm__ volatile("" : : "r"(what) : "memory");
}

#endif
