/*
 * Lazy FP/SIMD context switching through CPACR_EL1.FPEN: 0 traps FP use at
 * EL0 and EL1 (the kernel never uses FP), 3 allows it.
 */
#include <arch/fpu.h>
#include <arch/sysreg.h>
#include <percpu.h>
#include <kstring.h>

/* The kernel saves and loads FP registers right after this: isb. */
static void fpu_enable(bool on)
{
    if ((sysreg_read(cpacr_el1) == CPACR_FPEN_ON) == on)
        return;
    sysreg_write(cpacr_el1, on ? CPACR_FPEN_ON : 0);
    isb();
}

/* Makes t the owner of the (enabled) FP registers. */
static void fpu_take(struct cpu *cpu, struct tcb *t)
{
    if (cpu->fpu_owner != NULL)
        fpu_save(&cpu->fpu_owner->fpu);
    if (!t->fpu_used) {
        memset(&t->fpu, 0, sizeof(t->fpu));
        t->fpu_used = 1;
    }
    fpu_load(&t->fpu);
    cpu->fpu_owner = t;
}

void fpu_handle_trap(struct tcb *t)
{
    struct cpu *cpu = this_cpu();

    fpu_enable(true);
    t->fpu_eager = FPU_EAGER_SWITCHES;
    if (cpu->fpu_owner != t)
        fpu_take(cpu, t);
}

void fpu_release(struct tcb *t)
{
    struct cpu *cpu = this_cpu();
    if (cpu->fpu_owner == t) {
        cpu->fpu_owner = NULL;
        fpu_enable(false);
    }
}
