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

/* The 32 Q registers, then FPSR and FPCR, to and from a struct fpu_state.
 * FP access must be on. Inline, with only a pointer and two scratch
 * registers, so the stackless fast paths can use them: ST1/LD1 move four
 * Q registers (64 bytes) per instruction and step the pointer past them. */
static inline __attribute__((always_inline)) void fpu_save(struct fpu_state *state)
{
    u64 p = (u64)state, sr, cr;
    __asm__ volatile("st1 {v0.2d, v1.2d, v2.2d, v3.2d}, [%0], #64\n\t"
                     "st1 {v4.2d, v5.2d, v6.2d, v7.2d}, [%0], #64\n\t"
                     "st1 {v8.2d, v9.2d, v10.2d, v11.2d}, [%0], #64\n\t"
                     "st1 {v12.2d, v13.2d, v14.2d, v15.2d}, [%0], #64\n\t"
                     "st1 {v16.2d, v17.2d, v18.2d, v19.2d}, [%0], #64\n\t"
                     "st1 {v20.2d, v21.2d, v22.2d, v23.2d}, [%0], #64\n\t"
                     "st1 {v24.2d, v25.2d, v26.2d, v27.2d}, [%0], #64\n\t"
                     "st1 {v28.2d, v29.2d, v30.2d, v31.2d}, [%0], #64\n\t"
                     "mrs %1, fpsr\n\t"
                     "mrs %2, fpcr\n\t"
                     "stp %w1, %w2, [%0]"
                     : "+r"(p), "=&r"(sr), "=&r"(cr) : : "memory");
}

static inline __attribute__((always_inline)) void fpu_load(const struct fpu_state *state)
{
    u64 p = (u64)state, sr, cr;
    __asm__ volatile("ld1 {v0.2d, v1.2d, v2.2d, v3.2d}, [%0], #64\n\t"
                     "ld1 {v4.2d, v5.2d, v6.2d, v7.2d}, [%0], #64\n\t"
                     "ld1 {v8.2d, v9.2d, v10.2d, v11.2d}, [%0], #64\n\t"
                     "ld1 {v12.2d, v13.2d, v14.2d, v15.2d}, [%0], #64\n\t"
                     "ld1 {v16.2d, v17.2d, v18.2d, v19.2d}, [%0], #64\n\t"
                     "ld1 {v20.2d, v21.2d, v22.2d, v23.2d}, [%0], #64\n\t"
                     "ld1 {v24.2d, v25.2d, v26.2d, v27.2d}, [%0], #64\n\t"
                     "ld1 {v28.2d, v29.2d, v30.2d, v31.2d}, [%0], #64\n\t"
                     "ldp %w1, %w2, [%0]\n\t"
                     "msr fpsr, %1\n\t"
                     "msr fpcr, %2"
                     : "+r"(p), "=&r"(sr), "=&r"(cr) : : "memory");
}

/* Saves the owner's FP state (if any) and loads next's, which used FP
 * recently (fpu_used is set: it trapped before). The isb makes the FP
 * access enable take effect before the kernel's own FP instructions. */
static inline __attribute__((always_inline)) void fpu_load_eagerly(struct cpu *cpu, struct tcb *next)
{
    struct tcb *owner = cpu->fpu_owner;

    sysreg_write(cpacr_el1, CPACR_FPEN_ON);
    isb();
    next->fpu_eager--;
    cpu->fpu_owner = next;
    if (owner != NULL)
        fpu_save(&owner->fpu);
    fpu_load(&next->fpu);
}

/* Enables FP access if next owns the registers, else arms the trap, or
 * loads next's state now if it used FP recently. Called on the way to an
 * eret, which synchronises the change: no isb (the kernel itself never
 * uses FP). CPACR_EL1 is written on every switch: one msr costs less
 * than remembering whether it needs to be. */
static inline __attribute__((always_inline)) void fpu_switch_on(struct cpu *cpu, struct tcb *next)
{
    if (cpu->fpu_owner == next)
        sysreg_write(cpacr_el1, CPACR_FPEN_ON);
    else if (next->fpu_eager != 0)
        fpu_load_eagerly(cpu, next);
    else
        sysreg_write(cpacr_el1, 0);
}

static inline void fpu_switch_to(struct tcb *next)
{
    fpu_switch_on(this_cpu(), next);
}
/* The current thread trapped on an FP instruction. */
void fpu_handle_trap(struct tcb *t);
/* The thread is going away: forget its claim on the registers. */
void fpu_release(struct tcb *t);

#endif
