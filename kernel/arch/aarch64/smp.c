/*
 * Secondary cores. boot.S releases cores 1-3 from QEMU's spin table into a
 * WFI parking loop (MMU off) before core 0 turns its MMU on; each sets
 * secondary_parked[core] when it arrives. Starting them for real (SMP) will
 * store an entry point in secondary_release[core] and send a mailbox IPI.
 */
#include <arch/sysreg.h>
#include <config.h>
#include <smp.h>
#include <timer.h>

extern volatile u32 secondary_parked[NCPU];

#define PARK_WAIT_MS 100

unsigned smp_count_parked(void)
{
    u64 deadline = timer_now() + timer_frequency() / 1000 * PARK_WAIT_MS;
    unsigned parked;

    do {
        parked = 0;
        /* The secondaries wrote with their caches off: read memory, not a stale line. */
        dcache_clean_invalidate_line(secondary_parked);
        dsb_sy();
        for (unsigned core = 1; core < NCPU; core++)
            parked += secondary_parked[core] != 0;
        /* Secondaries send an event when they park. Under QEMU's
         * round-robin (-icount) a plain busy loop would starve them. */
        if (parked < NCPU - 1)
            __asm__ volatile("wfe");
    } while (parked < NCPU - 1 && timer_now() < deadline);
    return parked;
}
