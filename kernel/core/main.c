/*
 * kernel_main: the first C code in the upper half, on core 0, with the MMU
 * and caches on and all interrupts masked. Brings up the console, learns
 * about the machine, prints the banner, starts the tick and idles.
 */
#include <arch/mmu.h>
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <bits.h>
#include <boot.h>
#include <cdt.h>
#include <console.h>
#include <irq.h>
#include <ktest.h>
#include <kstring.h>
#include <machine.h>
#include <percpu.h>
#include <sched.h>
#include <smp.h>
#include <timer.h>
#include <version.h>

extern char __kernel_start[], __text_start[], __text_end[], __rodata_end[];
extern char __data_start[], __bss_start[], __bss_end[], __kernel_end[];

static struct machine_info machine;

#define KIB(x) ((unsigned long)(x) >> 10)
#define MIB(x) ((unsigned long)(x) >> 20)

static void print_region(u64 base, u64 size, const char *what)
{
    unsigned long amount = (unsigned long)size;
    const char *unit = "bytes";
    if (size >= (1ul << 20) && size % (1ul << 20) == 0) {
        amount = MIB(size);
        unit = "MiB";
    } else if (size >= 1024) {
        amount = KIB(size);
        unit = "KiB";
    }
    kprintf("  0x%08lx-0x%08lx  %-18s %5lu %s\n", (unsigned long)base,
            (unsigned long)(base + size - 1), what, amount, unit);
}

static void print_banner(unsigned parked)
{
    u64 midr = sysreg_read(midr_el1);
    u64 image_pa = virt_to_phys(__kernel_start);
    u64 image_size = (u64)(__kernel_end - __kernel_start);
    u64 vc_end = machine.vc_base + machine.vc_size;

    kprintf("\nLakeOS %s (%s), a capability microkernel for AArch64\n", LAKE_VERSION, LAKE_GIT_REV);
    kprintf("platform: %s, board revision 0x%x\n", PLAT_NAME, machine.board_revision);
    kprintf("cpu: MIDR 0x%08lx (part 0x%03lx r%lup%lu), %u cores: core 0 running, %u parked\n",
            (unsigned long)midr, (unsigned long)bits_extract(midr, 4, 12),
            (unsigned long)bits_extract(midr, 20, 4), (unsigned long)bits_extract(midr, 0, 4),
            1 + parked, parked);
    kprintf("memory map (RAM size from %s):\n", machine.memory_source);
    print_region(machine.ram_base, machine.ram_size, "RAM");
    print_region(image_pa, image_size, "  kernel image");
    if (machine.vc_size != 0) {
        if (vc_end > PERIPH_BASE)
            vc_end = PERIPH_BASE;
        print_region(machine.vc_base, vc_end - machine.vc_base, "VideoCore (GPU)");
    }
    print_region(PERIPH_BASE, PERIPH_SIZE, "peripherals");
    print_region(LOCAL_BASE, LOCAL_SIZE, "local controller");
    kprintf("kernel: %lu KiB at 0x%016lx (text %lu KiB, rodata %lu KiB, data %lu KiB, "
            "bss %lu KiB)\n",
            KIB(image_size), (unsigned long)(u64)__kernel_start,
            KIB(__text_end - __text_start), KIB(__rodata_end - __text_end),
            KIB(__bss_start - __data_start), KIB(__bss_end - __bss_start));
    kprintf("timer: generic timer at %lu Hz, tick %u Hz\n",
            (unsigned long)timer_frequency(), TICK_HZ);
    if (machine.cmdline[0] != '\0')
        kprintf("command line: %s\n", machine.cmdline);
}

/* Every tick charges the running thread; until there is a shell, release
 * builds also print one heartbeat line per second. */
void kernel_tick(void)
{
    struct cpu *cpu = this_cpu();
    sched_tick();
#ifndef CONFIG_HEARTBEAT
    return;
#endif
    if (cpu->ticks % TICK_HZ != 0)
        return;
    u64 ms = timer_now() / (timer_frequency() / 1000);
    kprintf("tick %lu: uptime %lu.%03lu s\n", (unsigned long)(cpu->ticks / TICK_HZ),
            (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
    ktest_tick(cpu->ticks / TICK_HZ);
}

void kernel_main(paddr_t boot_arg)
{
    percpu_init(0);
    memset_zva_enabled = true;
    console_init();
    machine_probe(boot_arg, &machine);
    unsigned parked = smp_count_parked();
    print_banner(parked);

    irq_init();
    irq_init_percpu();
    timer_init(TICK_HZ);
    sched_init();
    ktest_boot(machine.cmdline);
#ifdef CONFIG_DEBUG_INVOCATIONS
    preempt_stress = cmdline_get(machine.cmdline, "preempt_stress", NULL, 0);
    if (preempt_stress)
        kprintf("kernel: preemption stress mode: every third preemption point stops\n");
#endif
    pmu_init();     /* benchmark images only; a no-op otherwise */
    boot_create_root_task(&machine);

    /* Into the root task; interrupts come on with the first eret. */
    return_to_user();
}
