/*
 * Lazy FP/SIMD switching: the registers belong to one thread (the owner)
 * at a time; other threads trap on their first FP instruction, and only
 * then is the owner's state saved and theirs loaded.
 */
#ifndef LAKE_ARCH_FPU_H
#define LAKE_ARCH_FPU_H

#include <object/objects.h>
#include <percpu.h>

#define CPACR_FPEN_ON  (3ul << 20)   /* CPACR_EL1 holds nothing else */

/* A thread that traps on FP has its state loaded eagerly on this many of
 * its next switches-in (a trap costs about four times an eager load). */
#define FPU_EAGER_SWITCHES 16

/* Saves the owner's FP state and loads next's (out of line: rare). */
void fpu_load_eagerly(struct cpu *cpu, struct tcb *next);

/* Enables FP access if next owns the registers, else arms the trap, or
 * loads next's state now if it used FP recently. Called on the way to an
 * eret, which synchronises the change: no isb (the kernel itself never
 * uses FP). CPACR_EL1 is written on every switch: one msr costs less
 * than remembering whether it needs to be. */
static inline __attribute__((always_inline)) void fpu_switch_on(struct cpu *cpu, struct tcb *next)
{
    bool owner = cpu->fpu_owner == next;
    if (!owner && next->fpu_eager != 0) {
        fpu_load_eagerly(cpu, next);
        return;
    }
    sysreg_write(cpacr_el1, owner ? CPACR_FPEN_ON : 0);
}

static inline void fpu_switch_to(struct tcb *next)
{
    fpu_switch_on(this_cpu(), next);
}
/* The current thread trapped on an FP instruction. */
void fpu_handle_trap(struct tcb *t);
/* The thread is going away: forget its claim on the registers. */
void fpu_release(struct tcb *t);

void fpu_save(struct fpu_state *state);
void fpu_load(const struct fpu_state *state);
/* fpu_save(save) and fpu_load(load) in one call. */
void fpu_swap(struct fpu_state *save, const struct fpu_state *load);

#endif
