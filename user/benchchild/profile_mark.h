/*
 * tools/profile.py traces what runs between a call of bench_profile_mark
 * with x0 = n and the next with x0 = n + 1 (gdb breakpoints); it does
 * nothing. Marks: 1 one spawn_exit_wait, 7 one spawn_exit_wait_cold, 9 one
 * rpc_roundtrip (bench), 3 one pager_fault, 5 one thread_create_join
 * (benchchild).
 */
#ifndef BENCH_PROFILE_MARK_H
#define BENCH_PROFILE_MARK_H

static void __attribute__((noinline, used)) bench_profile_mark(int what)
{
    __asm__ volatile("" : : "r"(what) : "memory");
}

#endif
