/*
 * Per-core state and kernel stacks.
 */
#include <percpu.h>

struct cpu cpus[NCPU];
u8 kernel_stacks[NCPU][KERNEL_STACK_SIZE] __aligned(16);

void percpu_init(unsigned id)
{
    struct cpu *cpu = &cpus[id];
    cpu->id = id;
    cpu->online = true;
    cpu->kernel_stack_top = (u64)&kernel_stacks[id][KERNEL_STACK_SIZE];
    sysreg_write(tpidr_el1, cpu);
}
