/*
 * The register frame saved on every exception entry. vectors.S uses the
 * TRAP_* offsets below; the static asserts keep both views in step.
 */
#ifndef LAKE_ARCH_TRAP_H
#define LAKE_ARCH_TRAP_H

#define TRAP_X0         0
#define TRAP_SP_EL0     (31 * 8)
#define TRAP_ELR        (32 * 8)
#define TRAP_SPSR       (33 * 8)
#define TRAP_ESR        (34 * 8)
#define TRAP_FAR        (35 * 8)
#define TRAP_FRAME_SIZE (36 * 8)

/* Vector table slot numbers (offset / 0x80). */
#define VEC_EL1_SP0_SYNC    0
#define VEC_EL1_SP0_IRQ     1
#define VEC_EL1_SP0_FIQ     2
#define VEC_EL1_SP0_SERROR  3
#define VEC_EL1_SPX_SYNC    4
#define VEC_EL1_SPX_IRQ     5
#define VEC_EL1_SPX_FIQ     6
#define VEC_EL1_SPX_SERROR  7
#define VEC_EL0_A64_SYNC    8
#define VEC_EL0_A64_IRQ     9
#define VEC_EL0_A64_FIQ     10
#define VEC_EL0_A64_SERROR  11
#define VEC_EL0_A32_SYNC    12
#define VEC_EL0_A32_IRQ     13
#define VEC_EL0_A32_FIQ     14
#define VEC_EL0_A32_SERROR  15

#ifndef __ASSEMBLER__
#include <types.h>
#include <stddef.h>

struct trap_frame {
    u64 x[31];
    u64 sp_el0;
    u64 elr;
    u64 spsr;
    u64 esr;
    u64 far;
};

_Static_assert(offsetof(struct trap_frame, sp_el0) == TRAP_SP_EL0, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, elr) == TRAP_ELR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, spsr) == TRAP_SPSR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, esr) == TRAP_ESR, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, far) == TRAP_FAR, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TRAP_FRAME_SIZE, "trap frame layout");
_Static_assert(TRAP_FRAME_SIZE % 16 == 0, "stack must stay 16-byte aligned");

/* Name of a vector table slot, e.g. "EL1h synchronous". */
const char *vector_name(unsigned vector);
/* Name of an ESR exception class, e.g. "data abort (same EL)". */
const char *esr_class_name(unsigned ec);
/* Prints the frame: registers, syndrome and its decoding. */
void trap_frame_dump(const struct trap_frame *frame, unsigned vector);
#endif

#endif
