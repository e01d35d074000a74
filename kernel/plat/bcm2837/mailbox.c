/*
 * VideoCore mailbox property interface (channel 8), used at boot to ask the
 * firmware for the memory split and the board revision. The buffer is
 * shared with the GPU, so it is cleaned to memory before the request and
 * invalidated before the answer is read.
 */
#include <arch/mmio.h>
#include <arch/sysreg.h>
#include <mailbox.h>
#include <plat/platform.h>

#define MBOX_POLL_LIMIT 1000000
#define MBOX_BUFFER_WORDS 16
#define CACHE_LINE 64

static volatile u32 mbox_buffer[MBOX_BUFFER_WORDS] __aligned(CACHE_LINE);

static void buffer_sync(void)
{
    for (size_t off = 0; off < sizeof(mbox_buffer); off += CACHE_LINE)
        dcache_clean_invalidate_line((const volatile u8 *)mbox_buffer + off);
    dsb_sy();
}

static bool mbox_call(void)
{
    u32 message = (u32)virt_to_phys((const void *)mbox_buffer) | BUS_RAM_ALIAS | MBOX_CH_PROP;
    int n;

    buffer_sync();
    for (n = 0; mmio_read32(MBOX_BASE, MBOX_STATUS1) & MBOX_FULL; n++) {
        if (n == MBOX_POLL_LIMIT)
            return false;
    }
    mmio_write32(MBOX_BASE, MBOX_WRITE, message);
    for (n = 0; n < MBOX_POLL_LIMIT; n++) {
        if (mmio_read32(MBOX_BASE, MBOX_STATUS0) & MBOX_EMPTY)
            continue;
        if (mmio_read32(MBOX_BASE, MBOX_READ) == message) {
            buffer_sync();
            return mbox_buffer[1] == MBOX_RESPONSE_OK;
        }
    }
    return false;
}

bool mailbox_get_property(u32 tag, u32 *values, unsigned words)
{
    if (words > MBOX_BUFFER_WORDS - 6)
        return false;
    mbox_buffer[0] = (6 + words) * 4;     /* total size in bytes */
    mbox_buffer[1] = 0;                   /* request */
    mbox_buffer[2] = tag;
    mbox_buffer[3] = words * 4;           /* value buffer size */
    mbox_buffer[4] = 0;                   /* tag request code */
    for (unsigned i = 0; i < words; i++)
        mbox_buffer[5 + i] = 0;
    mbox_buffer[5 + words] = 0;           /* end tag */
    if (!mbox_call() || !(mbox_buffer[4] & MBOX_RESPONSE_OK))
        return false;
    for (unsigned i = 0; i < words; i++)
        values[i] = mbox_buffer[5 + i];
    return true;
}
