/*
 * Exception vector table: 16 slots of 0x80 bytes.
 *
 * From a thread (EL0, or the idle thread in EL1t): SP_EL1 was left pointing
 * at the thread's register frame, the start of its TCB (see
 * context_restore), so registers are stored straight into the TCB without
 * moving SP first.
 *
 * A system call saves only x0-x9 before the fast paths run
 * (fastpath.c is compiled so that it never touches x10-x29, which
 * therefore still hold the thread's values, and it runs without a stack):
 * a fast path that returns to the caller reloads those ten registers and
 * leaves, one that switches stores the caller's x19-x30 and
 * SP_EL0/ELR/SPSR first (system calls clobber x10-x18, docs/ABI.md). When no fast path applies, syscall_general
 * completes the frame and the general path runs on the kernel stack.
 * Every other exception and every interrupt saves the whole frame first.
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

/* x0-x9 into the frame at SP. */
.macro SAVE_SCRATCH
    stp     x0, x1, [sp, #16 * 0]
    stp     x2, x3, [sp, #16 * 1]
    stp     x4, x5, [sp, #16 * 2]
    stp     x6, x7, [sp, #16 * 3]
    stp     x8, x9, [sp, #16 * 4]
.endm

/* x10-x30, SP_EL0, ELR and SPSR into the frame at \base; x1-x3 are
 * scratch. (fast_save_rest in fastpath.c stores the same but x10-x18.) */
.macro SAVE_REST base
    stp     x10, x11, [\base, #16 * 5]
    stp     x12, x13, [\base, #16 * 6]
    stp     x14, x15, [\base, #16 * 7]
    stp     x16, x17, [\base, #16 * 8]
    stp     x18, x19, [\base, #16 * 9]
    stp     x20, x21, [\base, #16 * 10]
    stp     x22, x23, [\base, #16 * 11]
    stp     x24, x25, [\base, #16 * 12]
    stp     x26, x27, [\base, #16 * 13]
    stp     x28, x29, [\base, #16 * 14]
    mrs     x1, sp_el0
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x30, x1, [\base, #TRAP_X0 + 30 * 8]
    stp     x2, x3, [\base, #TRAP_ELR]
.endm

/* SP := this core's kernel stack (\tmp is scratch). */
.macro KERNEL_STACK tmp
    mrs     \tmp, tpidr_el1
    ldr     \tmp, [\tmp, #CPU_KERNEL_STACK_TOP]
    mov     sp, \tmp
.endm

/* The whole frame of a kernel entry, on the kernel stack. */
.macro SAVE_KERNEL_FRAME
    sub     sp, sp, #TRAP_FRAME_SIZE
    SAVE_SCRATCH
    SAVE_REST sp
    mrs     x1, esr_el1
    mrs     x2, far_el1
    stp     x1, x2, [sp, #TRAP_ESR]
.endm

.macro RESTORE_FRAME_AND_ERET
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
    eret
.endm

/* A vector slot that only branches to a common stub. */
.macro VECTOR target
    .balign 0x80
    b       \target
.endm

/* An unexpected slot: save, then report the slot number. from_thread: the
 * frame is the current thread's (SP_EL1 points at it). */
.macro UNEXPECTED vector, from_thread
unexpected_\vector:
.if \from_thread
    SAVE_SCRATCH
    SAVE_REST sp
    mrs     x1, esr_el1
    mrs     x2, far_el1
    stp     x1, x2, [sp, #TRAP_ESR]
.else
    SAVE_KERNEL_FRAME
.endif
    mov     x0, sp
    mov     x1, #\vector
    bl      exception_unexpected
    b       .
.endm

/* Go to the fast path for system call number \number if x7 is it. */
.macro FAST number, handler
    cmn     x7, #-(\number)
    b.eq    \handler
.endm

.section .text
.balign 2048
.global exception_vectors
exception_vectors:
    VECTOR  thread_exception_el1t   /* EL1t sync (idle thread: a kernel bug) */
    VECTOR  thread_irq          /* EL1t IRQ (idle thread) */
    VECTOR  unexpected_2        /* EL1t FIQ */
    VECTOR  unexpected_3        /* EL1t SError */
    VECTOR  el1_sync            /* EL1h sync */
    VECTOR  unexpected_5        /* EL1h IRQ: the kernel runs with IRQs masked */
    VECTOR  unexpected_6        /* EL1h FIQ */
    VECTOR  unexpected_7        /* EL1h SError */

    /* EL0 AArch64 sync, in the slot itself: system calls start here. */
    .balign 0x80
    SAVE_SCRATCH
    mrs     x9, esr_el1
    lsr     w8, w9, #26
    cmp     w8, #0x15                   /* ESR_EC_SVC64 */
    b.ne    thread_exception
    mov     x6, sp                      /* the thread: fast paths take (x0-x5, t) */
#if CONFIG_FASTPATH
    FAST    LAKE_SYS_CALL, fastpath_call
    FAST    LAKE_SYS_REPLY_RECV, fastpath_reply_recv
    cmn     x7, #-(LAKE_SYS_SEND)
    ccmn    x7, #-(LAKE_SYS_NB_SEND), #4, ne    /* Z set if Send or NBSend */
    b.eq    fastpath_signal
    b       syscall_fast
#else
    b       syscall_general
#endif

    VECTOR  thread_irq          /* EL0 AArch64 IRQ */
    VECTOR  unexpected_10       /* EL0 AArch64 FIQ */
    VECTOR  unexpected_11       /* EL0 AArch64 SError */
    VECTOR  unexpected_12       /* EL0 AArch32 sync */
    VECTOR  unexpected_13       /* EL0 AArch32 IRQ */
    VECTOR  unexpected_14       /* EL0 AArch32 FIQ */
    VECTOR  unexpected_15       /* EL0 AArch32 SError */

el1_sync:
    SAVE_KERNEL_FRAME
    mov     x0, sp
    bl      exception_el1_sync
    b       .

#if CONFIG_FASTPATH
/*
 * A system call other than Call, ReplyRecv and Send (tested in the vector
 * slot): x0-x5 as the thread passed them, x6 = the thread, x7 = the
 * number. A fast path that does not apply jumps to syscall_general.
 */
syscall_fast:
    FAST    LAKE_SYS_RECV, fastpath_wait
    FAST    LAKE_SYS_REPLY, fastpath_reply
    FAST    LAKE_SYS_YIELD, fastpath_yield
    /* falls through */
#endif

/* The general path of a system call: complete the frame (x10-x30 still
 * hold the thread's values: the fast paths leave them alone). */
.global syscall_general
syscall_general:
    mrs     x0, tpidr_el1
    ldr     x0, [x0, #CPU_CURRENT]
    SAVE_REST x0
    mrs     x1, esr_el1
    str     x1, [x0, #TRAP_ESR]
    KERNEL_STACK x2
    mov     x29, xzr
    bl      handle_user_sync
    b       .

#if CONFIG_FASTPATH
/*
 * The fast paths run on no stack at all (SP still points at the thread's
 * frame; tools/check_fastpath.py checks that they never use it). Where one
 * hands over to ordinary C, these move to the kernel stack first; x0-x7
 * pass through.
 */
.global fastpath_invoke_general
fastpath_invoke_general:                /* (t, slot): the invocation */
    KERNEL_STACK x9
    mov     x29, xzr
    b       syscall_invoke_call

.global fastpath_invoke_kstack
fastpath_invoke_kstack:                 /* (t, slot): fastpath_invoke, on the stack */
    KERNEL_STACK x9
    b       fastpath_invoke

.global fastpath_enter_general
fastpath_enter_general:                 /* (next): switch to it the general way */
    KERNEL_STACK x9
    mov     x29, xzr
    b       fastpath_enter_slow
#endif

/*
 * Any other synchronous exception from EL0: x0-x9 are saved, x9 = ESR_EL1,
 * w8 = its exception class, SP = the frame. Complete the frame; then the
 * fault fast path (which runs without a stack, like the system-call
 * ones), except for FP traps; fault_general when it does not apply.
 */
thread_exception:
    SAVE_REST sp                        /* leaves x1-x3 = SP_EL0, ELR, SPSR */
    mrs     x4, far_el1
    stp     x9, x4, [sp, #TRAP_ESR]
#if CONFIG_FASTPATH
    cmp     w8, #0x07                   /* ESR_EC_FP_ACCESS: fpu_handle_trap */
    b.eq    fault_general
    mov     x0, sp
    mov     x5, x9
    b       fastpath_fault              /* (frame, sp_el0, elr, spsr, far, esr) */
#endif
.global fault_general
fault_general:
    mov     x0, sp
    KERNEL_STACK x2
    mov     x29, xzr
    bl      handle_user_sync
    b       .

/* The idle thread (EL1t) took a synchronous exception: a kernel bug,
 * which handle_user_sync reports. */
thread_exception_el1t:
    SAVE_SCRATCH
    SAVE_REST sp
    mrs     x1, esr_el1
    mrs     x2, far_el1
    stp     x1, x2, [sp, #TRAP_ESR]
    mov     x0, sp
    KERNEL_STACK x2
    mov     x29, xzr
    bl      handle_user_sync
    b       .

/* An interrupt from a thread: the whole frame, then the interrupt fast
 * path (no stack), or irq_general. */
thread_irq:
    SAVE_SCRATCH
    SAVE_REST sp
    mov     x0, sp
#if CONFIG_FASTPATH
    b       fastpath_irq
#endif
.global irq_general
irq_general:
    mov     x0, sp
    KERNEL_STACK x2
    mov     x29, xzr
    bl      handle_user_irq
    b       .

/*
 * context_restore(struct trap_frame *frame): enter the thread whose frame
 * this is. Leaves SP_EL1 pointing at the frame for the next entry.
 */
.global context_restore
context_restore:
    mov     sp, x0
    RESTORE_FRAME_AND_ERET

/*
 * fastpath_return (frame in x6): back into the thread that
 * made the system call, which the fast path did not switch away from. Only
 * x0-x9 were saved (and the fast path may have changed x0-x5 in the
 * frame); the rest, SP_EL0, ELR and SPSR were never touched.
 */
.global fastpath_return
fastpath_return:
    mov     sp, x6
    ldp     x0, x1, [sp, #16 * 0]
    ldp     x2, x3, [sp, #16 * 1]
    ldp     x4, x5, [sp, #16 * 2]
    ldp     x6, x7, [sp, #16 * 3]
    ldp     x8, x9, [sp, #16 * 4]
    eret

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
