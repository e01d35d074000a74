/*
 * Kernel entry. QEMU (and the Pi firmware's armstub) jumps here on core 0 at
 * physical address 0x80000, in EL2, with the MMU and caches off and x0
 * pointing to the ATAGS (or DTB). The code below runs at physical addresses
 * until the MMU is on, so it uses only PC-relative addressing.
 *
 * Order: drop to EL1 -> stack -> zero BSS -> release the secondary cores into
 * a parking loop -> build page tables (C) -> MMU on -> jump to the upper
 * half -> vectors and per-core pointer -> kernel_main(boot_arg).
 */
#include <arch/mmu.h>
#include <config.h>

.section .text.boot, "ax"

.global _start
_start:
    mov     x19, x0                     /* boot argument: ATAGS or DTB */
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbnz    x1, halt_core               /* only core 0 should arrive here */

    bl      drop_to_el1

    /* Stack for core 0 at its physical address. */
    adrp    x1, kernel_stacks
    add     x1, x1, :lo12:kernel_stacks
    add     x1, x1, #KERNEL_STACK_SIZE
    mov     sp, x1

    /* Zero BSS (it holds the stacks too, but nothing is on them yet). */
    adrp    x1, __bss_start
    add     x1, x1, :lo12:__bss_start
    adrp    x2, __bss_end
    add     x2, x2, :lo12:__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:
    bl      release_secondaries
    bl      boot_build_kernel_tables
    bl      mmu_enable

    /* Continue at the kernel's link address in the upper half. */
    ldr     x1, =upper_half_entry
    br      x1

upper_half_entry:
    mov     x1, #KERNEL_VBASE
    add     sp, sp, x1
    adr     x1, exception_vectors
    msr     vbar_el1, x1
    /* The lower half is for user address spaces: start with an empty table. */
    adrp    x1, empty_pt_l0
    add     x1, x1, :lo12:empty_pt_l0
    mov     x2, #KERNEL_VBASE
    sub     x1, x1, x2
    msr     ttbr0_el1, x1
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    mov     x29, xzr                    /* end of the frame chain for debuggers */
    mov     x30, xzr
    mov     x0, x19
    bl      kernel_main
    b       halt_core

/*
 * Leave EL2 for EL1h with all exceptions masked. HCR_EL2.RW selects AArch64
 * for EL1; the timer and FP accesses are not trapped to EL2; EL1 FP accesses
 * trap to EL1 (CPACR_EL1.FPEN = 0) since the kernel never uses FP and user
 * FP state is switched lazily. Returns in EL1 (or at once if already there).
 */
drop_to_el1:
    mrs     x9, CurrentEL
    lsr     x9, x9, #2
    cmp     x9, #1
    b.eq    1f
    mov     x9, #(1 << 31)
    msr     hcr_el2, x9
    mrs     x9, cnthctl_el2
    orr     x9, x9, #3
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr
    mov     x9, #0x33ff
    msr     cptr_el2, x9
    msr     cpacr_el1, xzr
    ldr     x9, =SCTLR_EL1_RES1
    msr     sctlr_el1, x9
    mov     x9, #0x3c5                  /* EL1h, DAIF masked */
    msr     spsr_el2, x9
    msr     elr_el2, x30
    eret
1:  ret

/*
 * QEMU parks cores 1-3 in a loop that reads a 64-bit release address from
 * the spin table at 0xd8 + 8 * core. Point them at secondary_entry.
 */
release_secondaries:
    adr     x1, secondary_entry
    mov     x2, #SPIN_TABLE_BASE
    str     x1, [x2, #8]
    str     x1, [x2, #16]
    str     x1, [x2, #24]
    dsb     sy
    sev
    ret

/*
 * Secondary cores: drop to EL1, take their own stack and report in, then
 * sleep in WFI with interrupts masked until core 0 stores an entry point in
 * secondary_release[core] and sends a mailbox-0 IPI. WFI (unlike QEMU's WFE
 * stub) leaves the host CPU idle. The MMU stays off here, so the shared
 * words are accessed uncached; core 0 cleans its cache lines before reading
 * or after writing them.
 */
secondary_entry:
    bl      drop_to_el1
    mrs     x20, mpidr_el1
    and     x20, x20, #0xff
    adrp    x1, kernel_stacks
    add     x1, x1, :lo12:kernel_stacks
    add     x2, x20, #1
    lsl     x2, x2, #KERNEL_STACK_SHIFT
    add     x1, x1, x2
    mov     sp, x1
    /* Let mailbox 0 wake this core. */
    mov     x1, #LOCAL_BASE
    add     x1, x1, #0x50
    mov     w2, #1
    str     w2, [x1, x20, lsl #2]
    /* Report in. */
    adrp    x1, secondary_parked
    add     x1, x1, :lo12:secondary_parked
    mov     w2, #1
    str     w2, [x1, x20, lsl #2]
    dsb     sy
    sev                                 /* core 0 may wait for us in wfe */
    adrp    x3, secondary_release
    add     x3, x3, :lo12:secondary_release
1:  wfi
    ldr     x4, [x3, x20, lsl #3]
    cbz     x4, 1b
    mov     x0, x20
    br      x4

halt_core:
    msr     daifset, #0xf
1:  wfi
    b       1b

/*
 * Turn on the MMU with the kernel tables in both halves: TTBR0 keeps the
 * identity view valid for the next few instructions, TTBR1 maps the upper
 * half where the kernel is linked.
 */
mmu_enable:
    ldr     x1, =MAIR_VALUE
    msr     mair_el1, x1
    ldr     x1, =TCR_VALUE
    /* 16-bit ASIDs when the core has them (ID_AA64MMFR0_EL1.ASIDBits == 2). */
    mrs     x2, id_aa64mmfr0_el1
    ubfx    x2, x2, #4, #4
    cmp     x2, #2
    b.ne    1f
    orr     x1, x1, #TCR_AS_16BIT
1:  msr     tcr_el1, x1
    adrp    x1, kernel_pt_l0
    add     x1, x1, :lo12:kernel_pt_l0
    msr     ttbr0_el1, x1
    msr     ttbr1_el1, x1
    isb
    tlbi    vmalle1
    dsb     nsh
    isb
    ldr     x1, =SCTLR_EL1_MMU_ON
    msr     sctlr_el1, x1
    isb
    ret

.section .data
.balign 8
/* Entry points for parked secondaries (0 = stay parked). */
.global secondary_release
secondary_release:
    .quad   0, 0, 0, 0
/* Set to 1 by each secondary once it is parked. */
.global secondary_parked
secondary_parked:
    .word   0, 0, 0, 0
