/*
 * Exception vector table: 16 slots of 0x80 bytes.
 *
 * From a thread (EL0, or the idle thread in EL1t): SP_EL1 was left pointing
 * at the thread's register frame, the start of its TCB (see
 * context_restore), so SAVE_FRAME stores the registers straight into the
 * TCB without moving SP first. Then the core's kernel stack is loaded and C takes over; it never
 * returns but leaves through context_restore.
 *
 * From the kernel itself (EL1h): the frame goes on the kernel stack. The
 * kernel runs with interrupts masked, so only a synchronous exception (a
 * kernel bug) can arrive; it is dumped and the kernel panics. Every other
 * slot goes to exception_unexpected with its number.
 */
#include <arch/trap.h>
#include <config.h>
#include <lake/syscall.h>
#include <percpu.h>

/* alloc: make room on the stack (kernel entries; a thread's frame is
 * already at SP). syndrome: 2 stores ESR_EL1 and FAR_EL1, 1 only reads
 * ESR_EL1 into x24 (thread_sync stores them when the general path or a
 * fault needs them), 0 neither (interrupts). */
.macro SAVE_FRAME alloc=1, syndrome=2
.if \alloc
    sub     sp, sp, #TRAP_FRAME_SIZE
.endif
    stp     x0, x1, [sp, #16 * 0]
    stp     x2, x3, [sp, #16 * 1]
    stp     x4, x5, [sp, #16 * 2]
    stp     x6, x7, [sp, #16 * 3]
    stp     x8, x9, [sp, #16 * 4]
    stp     x10, x11, [sp, #16 * 5]
    stp     x12, x13, [sp, #16 * 6]
    stp     x14, x15, [sp, #16 * 7]
    stp     x16, x17, [sp, #16 * 8]
    stp     x18, x19, [sp, #16 * 9]
    stp     x20, x21, [sp, #16 * 10]
    stp     x22, x23, [sp, #16 * 11]
    stp     x24, x25, [sp, #16 * 12]
    stp     x26, x27, [sp, #16 * 13]
    stp     x28, x29, [sp, #16 * 14]
    mrs     x21, sp_el0
    stp     x30, x21, [sp, #TRAP_X0 + 30 * 8]
    mrs     x22, elr_el1
    mrs     x23, spsr_el1
    stp     x22, x23, [sp, #TRAP_ELR]
.if \syndrome == 2
    mrs     x24, esr_el1
    mrs     x25, far_el1
    stp     x24, x25, [sp, #TRAP_ESR]
.elseif \syndrome == 1
    mrs     x24, esr_el1
.endif
.endm

/* free: pop the frame (kernel entries); a thread's stays at SP. */
.macro RESTORE_FRAME_AND_ERET free=1
    ldp     x22, x23, [sp, #TRAP_ELR]
    msr     elr_el1, x22
    msr     spsr_el1, x23
    ldp     x30, x21, [sp, #TRAP_X0 + 30 * 8]
    msr     sp_el0, x21
    ldp     x0, x1, [sp, #16 * 0]
    ldp     x2, x3, [sp, #16 * 1]
    ldp     x4, x5, [sp, #16 * 2]
    ldp     x6, x7, [sp, #16 * 3]
    ldp     x8, x9, [sp, #16 * 4]
    ldp     x10, x11, [sp, #16 * 5]
    ldp     x12, x13, [sp, #16 * 6]
    ldp     x14, x15, [sp, #16 * 7]
    ldp     x16, x17, [sp, #16 * 8]
    ldp     x18, x19, [sp, #16 * 9]
    ldp     x20, x21, [sp, #16 * 10]
    ldp     x22, x23, [sp, #16 * 11]
    ldp     x24, x25, [sp, #16 * 12]
    ldp     x26, x27, [sp, #16 * 13]
    ldp     x28, x29, [sp, #16 * 14]
.if \free
    add     sp, sp, #TRAP_FRAME_SIZE
.endif
    eret
.endm

/* A vector slot: branch to a common stub (the slot is only 32 instructions). */
.macro VECTOR target
    .balign 0x80
    b       \target
.endm

/* An unexpected slot: save, then report the slot number. from_thread: the
 * frame is the current thread's (SP_EL1 points at it). */
.macro UNEXPECTED vector, from_thread
unexpected_\vector:
    SAVE_FRAME alloc=!\from_thread
    mov     x0, sp
    mov     x1, #\vector
    bl      exception_unexpected
    b       .
.endm

.section .text
.balign 2048
.global exception_vectors
exception_vectors:
    VECTOR  thread_sync         /* EL1t sync (idle thread) */
    VECTOR  thread_irq          /* EL1t IRQ (idle thread) */
    VECTOR  unexpected_2        /* EL1t FIQ */
    VECTOR  unexpected_3        /* EL1t SError */
    VECTOR  el1_sync            /* EL1h sync */
    VECTOR  unexpected_5        /* EL1h IRQ: the kernel runs with IRQs masked */
    VECTOR  unexpected_6        /* EL1h FIQ */
    VECTOR  unexpected_7        /* EL1h SError */
    VECTOR  thread_sync         /* EL0 AArch64 sync */
    VECTOR  thread_irq          /* EL0 AArch64 IRQ */
    VECTOR  unexpected_10       /* EL0 AArch64 FIQ */
    VECTOR  unexpected_11       /* EL0 AArch64 SError */
    VECTOR  unexpected_12       /* EL0 AArch32 sync */
    VECTOR  unexpected_13       /* EL0 AArch32 IRQ */
    VECTOR  unexpected_14       /* EL0 AArch32 FIQ */
    VECTOR  unexpected_15       /* EL0 AArch32 SError */

el1_sync:
    SAVE_FRAME
    mov     x0, sp
    bl      exception_el1_sync
    RESTORE_FRAME_AND_ERET

/* Save into the current TCB, then switch to the kernel stack. */
.macro THREAD_ENTRY syndrome
    SAVE_FRAME alloc=0, syndrome=\syndrome
    mov     x0, sp
    mrs     x1, tpidr_el1
    ldr     x1, [x1, #CPU_KERNEL_STACK_TOP]
    mov     sp, x1
    mov     x29, xzr
.endm

/*
 * Synchronous exception from a thread. Call, ReplyRecv, Send, NBSend and
 * Recv go to the IPC fast paths first, other exceptions to the fault fast
 * path (ESR_EL1 is in x24 from SAVE_FRAME, the thread's x7 in x7); a
 * fast path returns only when it does not apply. x19 keeps the frame
 * pointer: the thread's own x19 is already saved. x24 survives the fast
 * paths (callee-saved) and goes into the frame before the general path.
 */
thread_sync:
    THREAD_ENTRY 1
    mov     x19, x0
    lsr     w1, w24, #26
    cmp     w1, #0x15                   /* ESR_EC_SVC64 */
    b.eq    3f
    mrs     x2, far_el1                 /* not a system call: maybe an abort */
    stp     x24, x2, [x19, #TRAP_ESR]
#if CONFIG_FASTPATH
    cmp     w1, #0x07                   /* ESR_EC_FP_ACCESS: fpu_handle_trap */
    b.eq    2f
    bl      fastpath_fault              /* (frame, exception class) */
    b       2f
3:  cmn     x7, #-(LAKE_SYS_CALL)
    b.ne    1f
    bl      fastpath_call
    b       2f
1:  cmn     x7, #-(LAKE_SYS_REPLY_RECV)
    b.ne    1f
    bl      fastpath_reply_recv
    b       2f
1:  cmn     x7, #-(LAKE_SYS_SEND)
    ccmn    x7, #-(LAKE_SYS_NB_SEND), #4, ne    /* Z set if Send or NBSend */
    b.ne    1f
    bl      fastpath_signal
    b       2f
1:  cmn     x7, #-(LAKE_SYS_RECV)
    b.ne    1f
    bl      fastpath_wait
    b       2f
1:  cmn     x7, #-(LAKE_SYS_REPLY)
    b.ne    1f
    bl      fastpath_reply
    b       2f
1:  cmn     x7, #-(LAKE_SYS_YIELD)
    b.ne    2f
    bl      fastpath_yield
2:
#else
3:
#endif
    str     x24, [x19, #TRAP_ESR]
    mov     x0, x19
    bl      handle_user_sync
    b       .

thread_irq:
    THREAD_ENTRY 0
    bl      handle_user_irq
    b       .

/*
 * context_restore(struct trap_frame *frame): enter the thread whose frame
 * this is. Leaves SP_EL1 pointing at the frame for the next entry.
 */
.global context_restore
context_restore:
    mov     sp, x0
    RESTORE_FRAME_AND_ERET free=0

/* The idle thread: EL1t, interrupts enabled, sleeps until one arrives. */
.global idle_loop
idle_loop:
    wfi
    b       idle_loop

    UNEXPECTED 2, 1
    UNEXPECTED 3, 1
    UNEXPECTED 5, 0
    UNEXPECTED 6, 0
    UNEXPECTED 7, 0
    UNEXPECTED 10, 1
    UNEXPECTED 11, 1
    UNEXPECTED 12, 1
    UNEXPECTED 13, 1
    UNEXPECTED 14, 1
    UNEXPECTED 15, 1
