/*
 * Lazy FP/SIMD switching: the registers belong to one thread (the owner)
 * at a time; other threads trap on their first FP instruction, and only
 * then is the owner's state saved and theirs loaded.
 */
#ifndef LAKE_ARCH_FPU_H
#define LAKE_ARCH_FPU_H

#include <object/objects.h>
#include <arch/sysreg.h>
#include <percpu.h>

#define CPACR_FPEN_ON  (3ul << 20)   /* CPACR_EL1 holds nothing else */

/* A thread that traps on FP has its state loaded eagerly on this many of
 * its next switches-in (a trap costs about four times an eager load). */
#define FPU_EAGER_SWITCHES 16

/*
 * The layout of struct fpu_state (object/objects.h): FPSR and FPCR, then
 * v8-v15 (what a system call preserves, docs/ABI.md), then v0-v7 and
 * v16-v31, so that one pointer stepping forward saves either all of it or
 * only the preserved part. FP access must be on at EL1. Inline, with only
 * a pointer and two scratch registers, so the stackless fast paths can
 * use them: ST1/LD1 move four Q registers (64 bytes) per instruction.
 */
#define FPU_SAVE_PRESERVED                                              \
    "mrs %x1, fpsr\n\t"                                                  \
    "mrs %x2, fpcr\n\t"                                                  \
    "stp %w1, %w2, [%0], #16\n\t"                                        \
    "st1 {v8.2d, v9.2d, v10.2d, v11.2d}, [%0], #64\n\t"                 \
    "st1 {v12.2d, v13.2d, v14.2d, v15.2d}, [%0], #64\n\t"

static inline __attribute__((always_inline)) void fpu_save(struct fpu_state *state)
{
    u64 p = (u64)state, sr, cr;
    __asm__ volatile(FPU_SAVE_PRESERVED
                     "st1 {v0.2d, v1.2d, v2.2d, v3.2d}, [%0], #64\n\t"
                     "st1 {v4.2d, v5.2d, v6.2d, v7.2d}, [%0], #64\n\t"
                     "st1 {v16.2d, v17.2d, v18.2d, v19.2d}, [%0], #64\n\t"
                     "st1 {v20.2d, v21.2d, v22.2d, v23.2d}, [%0], #64\n\t"
                     "st1 {v24.2d, v25.2d, v26.2d, v27.2d}, [%0], #64\n\t"
                     "st1 {v28.2d, v29.2d, v30.2d, v31.2d}, [%0], #64"
                     : "+r"(p), "=&r"(sr), "=&r"(cr) : : "memory");
}

/* What a system call keeps: FPSR, FPCR and v8-v15. The thread's v0-v7 and
 * v16-v31 in *state stay its own older values, so when it runs again
 * those registers hold nothing of another thread's. */
static inline __attribute__((always_inline)) void fpu_save_preserved(struct fpu_state *state)
{
    u64 p = (u64)state, sr, cr;
    __asm__ volatile(FPU_SAVE_PRESERVED
                     : "+r"(p), "=&r"(sr), "=&r"(cr) : : "memory");
}

static inline __attribute__((always_inline)) void fpu_load(const struct fpu_state *state)
{
    u64 p = (u64)state, sr, cr;
    __asm__ volatile("ldp %w1, %w2, [%0], #16\n\t"
                     "ld1 {v8.2d, v9.2d, v10.2d, v11.2d}, [%0], #64\n\t"
                     "ld1 {v12.2d, v13.2d, v14.2d, v15.2d}, [%0], #64\n\t"
                     "ld1 {v0.2d, v1.2d, v2.2d, v3.2d}, [%0], #64\n\t"
                     "ld1 {v4.2d, v5.2d, v6.2d, v7.2d}, [%0], #64\n\t"
                     "ld1 {v16.2d, v17.2d, v18.2d, v19.2d}, [%0], #64\n\t"
                     "ld1 {v20.2d, v21.2d, v22.2d, v23.2d}, [%0], #64\n\t"
                     "ld1 {v24.2d, v25.2d, v26.2d, v27.2d}, [%0], #64\n\t"
                     "ld1 {v28.2d, v29.2d, v30.2d, v31.2d}, [%0], #64\n\t"
                     "msr fpsr, %x1\n\t"
                     "msr fpcr, %x2"
                     : "+r"(p), "=&r"(sr), "=&r"(cr) : : "memory");
}

/*
 * Saves the owner's FP state (if any) and loads next's, which used FP
 * recently (it trapped on one of its last FPU_EAGER_SWITCHES switches-in). FP access is on at EL1 exactly while the owner
 * runs, so when prev, the thread switched away from, owns the registers
 * no CPACR write is needed, and a prev in a system call
 * (prev_in_syscall) keeps only what system calls preserve; otherwise
 * access goes on, and the isb makes it take effect before the kernel's
 * own FP instructions.
 */
static inline __attribute__((always_inline)) void
fpu_load_eagerly(struct cpu *cpu, struct tcb *prev, bool prev_in_syscall, struct tcb *next,
                 unsigned eager)
{
    struct tcb *owner = cpu->fpu_owner;

    next->fpu_eager = (u8)(eager - 1);
    cpu->fpu_owner = next;
    if (likely(owner == prev)) {
        if (prev_in_syscall)
            fpu_save_preserved(&prev->fpu);
        else
            fpu_save(&prev->fpu);
    } else {
        sysreg_write(cpacr_el1, CPACR_FPEN_ON);
        isb();
        if (owner != NULL)
            fpu_save(&owner->fpu);
    }
    fpu_load(&next->fpu);
}

/* On a switch from prev to next: enables FP access if next owns the
 * registers, loads next's state now if it used FP recently (fpu_eager),
 * else arms the trap. On the way to an eret, which synchronises the
 * change (the kernel itself uses FP only in fpu_load_eagerly). CPACR_EL1
 * is written on every switch: one msr costs less than remembering
 * whether it needs to be. */
static inline __attribute__((always_inline)) void
fpu_switch(struct cpu *cpu, struct tcb *prev, bool prev_in_syscall, struct tcb *next)
{
    unsigned eager = next->fpu_eager;

    if (cpu->fpu_owner == next)
        sysreg_write(cpacr_el1, CPACR_FPEN_ON);
    else if (eager != 0)
        fpu_load_eagerly(cpu, prev, prev_in_syscall, next, eager);
    else
        sysreg_write(cpacr_el1, 0);
}

/* The current thread trapped on an FP instruction. */
void fpu_handle_trap(struct tcb *t);
/* The thread is going away: forget its claim on the registers. */
void fpu_release(struct tcb *t);

#endif
