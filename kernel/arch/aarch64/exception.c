/*
 * C side of the exception vectors: the register dump and the handlers for
 * exceptions taken from EL1. Anything the kernel does not expect is fatal:
 * dump the frame, then panic.
 */
#include <arch/esr.h>
#include <arch/sysreg.h>
#include <arch/trap.h>
#include <cdt.h>
#include <console.h>
#include <panic.h>

void trap_frame_dump(const struct trap_frame *f, unsigned vector)
{
    unsigned ec = esr_class(f->esr);

    kprintf("\n*** %s exception on core %u ***\n", vector_name(vector), cpu_id());
    kprintf("ESR  0x%016lx  EC 0x%02x %s, IL %u, ISS 0x%07lx\n", (unsigned long)f->esr, ec,
            esr_class_name(ec), (unsigned)bits_extract(f->esr, 25, 1),
            (unsigned long)esr_iss(f->esr));
    if (esr_is_abort(ec)) {
        unsigned fsc = esr_abort_status(f->esr);
        int level = abort_status_level(fsc);
        kprintf("     %s", abort_status_name(fsc));
        if (level >= 0)
            kprintf(" at level %d", level);
        if (ec == ESR_EC_DABT_LOWER || ec == ESR_EC_DABT_SAME)
            kprintf(" on %s", esr_abort_is_write(f->esr) ? "write" : "read");
        kprintf("\n");
    }
    kprintf("FAR  0x%016lx  ELR 0x%016lx  SPSR 0x%08lx\n", (unsigned long)f->far,
            (unsigned long)f->elr, (unsigned long)f->spsr);
    /* Where the interrupted code's stack was: above this frame for EL1. */
    u64 sp = (vector < 8) ? (u64)f + sizeof(*f) : f->sp_el0;
    kprintf("SP   0x%016lx  SP_EL0 0x%016lx\n", (unsigned long)sp, (unsigned long)f->sp_el0);
    for (unsigned i = 0; i < 31; i++) {
        kprintf("x%-2u 0x%016lx%s", i, (unsigned long)f->x[i], (i % 4 == 3 || i == 30) ? "\n" : "  ");
    }
}

#ifdef CONFIG_DEBUG_INVOCATIONS
/* Test images: `preempt_stress` on the command line makes every third
 * preemption point stop, to exercise every restart path. */
bool preempt_stress;
#endif

/* ISR_EL1.I shows a pending IRQ even while the kernel runs with IRQs masked. */
bool preemption_pending(void)
{
#ifdef CONFIG_DEBUG_INVOCATIONS
    static unsigned calls;
    if (preempt_stress && ++calls % 3 == 0)
        return true;
#endif
    return (sysreg_read(isr_el1) & (1u << 7)) != 0;
}

void exception_el1_sync(struct trap_frame *frame)
{
    trap_frame_dump(frame, VEC_EL1_SPX_SYNC);
    panic("unexpected synchronous exception in the kernel (%s)",
          esr_class_name(esr_class(frame->esr)));
}

void exception_unexpected(struct trap_frame *frame, unsigned vector)
{
    trap_frame_dump(frame, vector);
    panic("unexpected exception: %s", vector_name(vector));
}
