/*
 * Save and load the FP/SIMD register file (struct fpu_state: v0-v31, then
 * FPSR and FPCR). Called only with FP access enabled.
 */
.section .text

/* The 32 Q registers into the state at \base. */
.macro SAVE_Q base
    stp     q0, q1, [\base, #32 * 0]
    stp     q2, q3, [\base, #32 * 1]
    stp     q4, q5, [\base, #32 * 2]
    stp     q6, q7, [\base, #32 * 3]
    stp     q8, q9, [\base, #32 * 4]
    stp     q10, q11, [\base, #32 * 5]
    stp     q12, q13, [\base, #32 * 6]
    stp     q14, q15, [\base, #32 * 7]
    stp     q16, q17, [\base, #32 * 8]
    stp     q18, q19, [\base, #32 * 9]
    stp     q20, q21, [\base, #32 * 10]
    stp     q22, q23, [\base, #32 * 11]
    stp     q24, q25, [\base, #32 * 12]
    stp     q26, q27, [\base, #32 * 13]
    stp     q28, q29, [\base, #32 * 14]
    stp     q30, q31, [\base, #32 * 15]
.endm

.global fpu_save
fpu_save:
    SAVE_Q  x0
    mrs     x1, fpsr
    mrs     x2, fpcr
    str     w1, [x0, #512]
    str     w2, [x0, #516]
    ret

/* fpu_swap(save, load): fpu_save(save), then fpu_load(load) below. */
.global fpu_swap
fpu_swap:
    SAVE_Q  x0
    mrs     x2, fpsr
    mrs     x3, fpcr
    str     w2, [x0, #512]
    str     w3, [x0, #516]
    mov     x0, x1
    /* falls through */

.global fpu_load
fpu_load:
    ldp     q0, q1, [x0, #32 * 0]
    ldp     q2, q3, [x0, #32 * 1]
    ldp     q4, q5, [x0, #32 * 2]
    ldp     q6, q7, [x0, #32 * 3]
    ldp     q8, q9, [x0, #32 * 4]
    ldp     q10, q11, [x0, #32 * 5]
    ldp     q12, q13, [x0, #32 * 6]
    ldp     q14, q15, [x0, #32 * 7]
    ldp     q16, q17, [x0, #32 * 8]
    ldp     q18, q19, [x0, #32 * 9]
    ldp     q20, q21, [x0, #32 * 10]
    ldp     q22, q23, [x0, #32 * 11]
    ldp     q24, q25, [x0, #32 * 12]
    ldp     q26, q27, [x0, #32 * 13]
    ldp     q28, q29, [x0, #32 * 14]
    ldp     q30, q31, [x0, #32 * 15]
    ldr     w1, [x0, #512]
    ldr     w2, [x0, #516]
    msr     fpsr, x1
    msr     fpcr, x2
    ret
