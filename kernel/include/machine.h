/*
 * What the platform found out at boot about the machine it runs on.
 */
#ifndef LAKE_KERNEL_MACHINE_H
#define LAKE_KERNEL_MACHINE_H

#include <types.h>

#define CMDLINE_MAX 256

struct machine_info {
    paddr_t ram_base;           /* RAM the ARM cores own */
    u64 ram_size;
    paddr_t vc_base;            /* memory reserved for the VideoCore */
    u64 vc_size;
    u32 board_revision;         /* 0 if unknown */
    const char *memory_source;  /* "firmware mailbox", "ATAGS" or "default" */
    char cmdline[CMDLINE_MAX];  /* kernel command line, "" if none */
};

/* Fills info from the firmware (mailbox) and the boot argument (ATAGS). */
void machine_probe(paddr_t boot_arg, struct machine_info *info);

/* The value of `key=value` on the command line, copied into buf;
 * false if the key is absent. A bare `key` yields "". */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

#endif
