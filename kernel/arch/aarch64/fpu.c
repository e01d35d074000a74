/*
 * Lazy FP/SIMD context switching through CPACR_EL1.FPEN: 0 traps FP use at
 * EL0 and EL1 (the kernel never uses FP), 3 allows it.
 */
#include <arch/fpu.h>
#include <arch/sysreg.h>
#include <percpu.h>
#include <kstring.h>

#define CPACR_FPEN_ON  (3ul << 20)

static void fpu_enable(bool on)
{
    struct cpu *cpu = this_cpu();
    if (cpu->fpu_enabled == on)
        return;
    u64 cpacr = sysreg_read(cpacr_el1);
    sysreg_write(cpacr_el1, on ? (cpacr | CPACR_FPEN_ON) : (cpacr & ~CPACR_FPEN_ON));
    isb();
    cpu->fpu_enabled = on;
}

void fpu_switch_to(struct tcb *next)
{
    fpu_enable(this_cpu()->fpu_owner == next);
}

void fpu_handle_trap(struct tcb *t)
{
    struct cpu *cpu = this_cpu();

    fpu_enable(true);
    if (cpu->fpu_owner == t)
        return;
    if (cpu->fpu_owner != NULL)
        fpu_save(&cpu->fpu_owner->fpu);
    if (!t->fpu_used) {
        memset(&t->fpu, 0, sizeof(t->fpu));
        t->fpu_used = 1;
    }
    fpu_load(&t->fpu);
    cpu->fpu_owner = t;
}

void fpu_release(struct tcb *t)
{
    struct cpu *cpu = this_cpu();
    if (cpu->fpu_owner == t) {
        cpu->fpu_owner = NULL;
        fpu_enable(false);
    }
}
