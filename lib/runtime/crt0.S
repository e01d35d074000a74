/*
 * Entry point of every LakeOS user program.
 *
 * The kernel starts the root task with x0 = address of its struct
 * lake_bootinfo and no stack: a root task defines one with LAKE_ROOT_STACK
 * (lake/runtime.h), a weak reference here, so other programs carry none.
 * A spawned process starts on the stack spawn made. _start clears the frame pointer and link register so that back
 * traces end here, and calls __lake_start (start.c), which never returns.
 * Nothing else is assumed about the registers.
 */
	.section .text.start, "ax", %progbits
	.global _start
	.type _start, %function
_start:
	/* A spawned process starts on the stack its parent made (with a
	 * guard page below); the root task on the one below. */
	mov	x9, sp
	cbnz	x9, 1f
	adrp	x9, __lake_stack_top
	add	x9, x9, :lo12:__lake_stack_top
	mov	sp, x9
1:
	mov	x29, xzr
	mov	x30, xzr
	bl	__lake_start
2:	b	2b
	.size _start, . - _start

	.weak __lake_stack_top
