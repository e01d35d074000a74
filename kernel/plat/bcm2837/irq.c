/*
 * Interrupt controllers of the BCM2837: the BCM2836 per-core "local"
 * controller in front of the BCM2835 ARM interrupt controller. Per-core
 * sources (generic timers, mailboxes) appear in the core's IRQ source
 * register; all GPU peripheral interrupts arrive as one bit (8), routed to
 * a single core, and are then found in the BCM2835 pending registers.
 */
#include <arch/mmio.h>
#include <arch/sysreg.h>
#include <console.h>
#include <irq.h>
#include <plat/irq_decode.h>
#include <plat/platform.h>
#include <timer.h>

void irq_init(void)
{
    /* Every peripheral line starts disabled; drivers enable what they own. */
    mmio_write32(IC_BASE, IC_DISABLE1, 0xffffffff);
    mmio_write32(IC_BASE, IC_DISABLE2, 0xffffffff);
    mmio_write32(IC_BASE, IC_DISABLE_BASIC, 0xffffffff);
    /* Peripheral interrupts (IRQ and FIQ) go to core 0. */
    mmio_write32(LOCAL_BASE, LOCAL_GPU_ROUTE, 0);
}

void irq_init_percpu(void)
{
    /* The non-secure physical timer (CNTP, used at EL1) raises an IRQ. */
    mmio_write32(LOCAL_BASE, LOCAL_TIMER_CTL(cpu_id()), LOCAL_TIMER_CNTPNS);
}

void plat_irq_mask(unsigned irq)
{
    plat_irq_mask_line(irq);
}

void plat_irq_unmask(unsigned irq)
{
    mmio_write32(IC_BASE, irq < 32 ? IC_ENABLE1 : IC_ENABLE2, 1u << (irq % 32));
}

static void gpu_irq_dispatch(void)
{
    u32 pending[2] = {
        mmio_read32(IC_BASE, IC_PENDING1),
        mmio_read32(IC_BASE, IC_PENDING2),
    };
    for (unsigned word = 0; word < 2; word++) {
        while (pending[word] != 0) {
            unsigned bit = (unsigned)__builtin_ctz(pending[word]);
            pending[word] &= pending[word] - 1;
            unsigned irq = word * 32 + bit;
            if (!irq_deliver(irq))
                kprintf("irq: masked peripheral interrupt %u with no handler\n", irq);
        }
    }
}

void irq_dispatch(void)
{
    u32 source = mmio_read32(LOCAL_BASE, LOCAL_IRQ_SOURCE(cpu_id()));

    if (source & LOCAL_SRC_CNTPNS)
        timer_handle_irq();
    if (source & LOCAL_SRC_GPU)
        gpu_irq_dispatch();
}
