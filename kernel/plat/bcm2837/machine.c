/*
 * Boot-time discovery: memory split and board revision from the firmware
 * mailbox, kernel command line (and a memory fallback) from the ATAGS list
 * that QEMU and the Pi firmware leave at the boot argument.
 */
#include <arch/mmu.h>
#include <mailbox.h>
#include <machine.h>
#include <plat/platform.h>

#define ATAG_NONE       0x00000000u
#define ATAG_CORE       0x54410001u
#define ATAG_MEM        0x54410002u
#define ATAG_CMDLINE    0x54410009u
#define ATAG_LIST_LIMIT 0x4000       /* bytes scanned at most */

struct atag_header {
    u32 size;   /* in 32-bit words, header included */
    u32 tag;
};

static void copy_string(char *dst, const char *src, size_t max_src, size_t size)
{
    size_t n = 0;
    while (n + 1 < size && n < max_src && src[n] != '\0') {
        dst[n] = src[n];
        n++;
    }
    dst[n] = '\0';
}

/* Walks an ATAGS list if boot_arg points to one; ignores anything else
 * (a DTB, or garbage) rather than trusting it. */
static void parse_atags(paddr_t boot_arg, struct machine_info *info)
{
    if (boot_arg == 0 || boot_arg >= 0x80000 || (boot_arg & 3) != 0)
        return;
    const u8 *base = phys_to_virt(boot_arg);
    const struct atag_header *h = (const struct atag_header *)base;
    if (h->tag != ATAG_CORE)
        return;
    for (size_t off = 0; off + sizeof(*h) <= ATAG_LIST_LIMIT;) {
        h = (const struct atag_header *)(base + off);
        if (h->tag == ATAG_NONE || h->size < 2)
            break;
        size_t bytes = (size_t)h->size * 4;
        if (off + bytes > ATAG_LIST_LIMIT)
            break;
        const u32 *data = (const u32 *)(h + 1);
        if (h->tag == ATAG_MEM && h->size >= 4 && info->ram_size == 0) {
            info->ram_size = data[0];
            info->ram_base = data[1];
            info->memory_source = "ATAGS";
        } else if (h->tag == ATAG_CMDLINE) {
            copy_string(info->cmdline, (const char *)data, bytes - sizeof(*h), CMDLINE_MAX);
        }
        off += bytes;
    }
}

void machine_probe(paddr_t boot_arg, struct machine_info *info)
{
    u32 values[2];

    *info = (struct machine_info){ .memory_source = "default" };
    if (mailbox_get_property(MBOX_TAG_ARM_MEMORY, values, 2) && values[1] != 0) {
        info->ram_base = values[0];
        info->ram_size = values[1];
        info->memory_source = "firmware mailbox";
    }
    if (mailbox_get_property(MBOX_TAG_VC_MEMORY, values, 2)) {
        info->vc_base = values[0];
        info->vc_size = values[1];
    }
    if (mailbox_get_property(MBOX_TAG_BOARD_REV, values, 1))
        info->board_revision = values[0];
    parse_atags(boot_arg, info);
    if (info->ram_size == 0) {
        info->ram_base = RAM_BASE;
        info->ram_size = RAM_DEFAULT_SIZE;
    }
    /* Never trust a size that would run into the peripherals. */
    if (info->ram_base + info->ram_size > PERIPH_BASE)
        info->ram_size = PERIPH_BASE - info->ram_base;
}
