/*
 * Save and load the FP/SIMD register file (struct fpu_state: v0-v31, then
 * FPSR and FPCR). Called only with FP access enabled. ST1/LD1 move four Q
 * registers (64 bytes) per instruction and advance the base past them.
 */
.section .text

/* The 32 Q registers to [x0] (x0 ends 512 bytes on), then FPSR and FPCR. */
.macro SAVE_FP
    st1     {v0.2d, v1.2d, v2.2d, v3.2d}, [x0], #64
    st1     {v4.2d, v5.2d, v6.2d, v7.2d}, [x0], #64
    st1     {v8.2d, v9.2d, v10.2d, v11.2d}, [x0], #64
    st1     {v12.2d, v13.2d, v14.2d, v15.2d}, [x0], #64
    st1     {v16.2d, v17.2d, v18.2d, v19.2d}, [x0], #64
    st1     {v20.2d, v21.2d, v22.2d, v23.2d}, [x0], #64
    st1     {v24.2d, v25.2d, v26.2d, v27.2d}, [x0], #64
    st1     {v28.2d, v29.2d, v30.2d, v31.2d}, [x0], #64
    mrs     x2, fpsr
    mrs     x3, fpcr
    stp     w2, w3, [x0]
.endm

.global fpu_save
fpu_save:
    SAVE_FP
    ret

/* fpu_swap(save, load): fpu_save(save), then fpu_load(load) below. */
.global fpu_swap
fpu_swap:
    SAVE_FP
    mov     x0, x1
    /* falls through */

.global fpu_load
fpu_load:
    ld1     {v0.2d, v1.2d, v2.2d, v3.2d}, [x0], #64
    ld1     {v4.2d, v5.2d, v6.2d, v7.2d}, [x0], #64
    ld1     {v8.2d, v9.2d, v10.2d, v11.2d}, [x0], #64
    ld1     {v12.2d, v13.2d, v14.2d, v15.2d}, [x0], #64
    ld1     {v16.2d, v17.2d, v18.2d, v19.2d}, [x0], #64
    ld1     {v20.2d, v21.2d, v22.2d, v23.2d}, [x0], #64
    ld1     {v24.2d, v25.2d, v26.2d, v27.2d}, [x0], #64
    ld1     {v28.2d, v29.2d, v30.2d, v31.2d}, [x0], #64
    ldp     w2, w3, [x0]
    msr     fpsr, x2
    msr     fpcr, x3
    ret
