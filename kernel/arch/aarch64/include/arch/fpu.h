/*
 * Lazy FP/SIMD switching: the registers belong to one thread (the owner)
 * at a time; other threads trap on their first FP instruction, and only
 * then is the owner's state saved and theirs loaded.
 */
#ifndef LAKE_ARCH_FPU_H
#define LAKE_ARCH_FPU_H

#include <object/objects.h>

/* Enables FP access if next owns the registers, else arms the trap. */
void fpu_switch_to(struct tcb *next);
/* The current thread trapped on an FP instruction. */
void fpu_handle_trap(struct tcb *t);
/* The thread is going away: forget its claim on the registers. */
void fpu_release(struct tcb *t);

void fpu_save(struct fpu_state *state);
void fpu_load(const struct fpu_state *state);

#endif
