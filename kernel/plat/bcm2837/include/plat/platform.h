/*
 * BCM2837 (Raspberry Pi 3B/3B+) physical memory map and device registers,
 * named as in the BCM2835 ARM Peripherals manual and the BCM2836 "ARM
 * Quad-A7 control" document. Every hardware magic number lives here.
 */
#ifndef LAKE_PLAT_PLATFORM_H
#define LAKE_PLAT_PLATFORM_H

#include <const.h>

#define PLAT_NAME           "Raspberry Pi 3 (BCM2837)"
#define PLAT_NCPU           4

/* Physical memory map. */
#define RAM_BASE            UL(0x00000000)
#define RAM_DEFAULT_SIZE    UL(0x3c000000)   /* ARM share when the firmware does not say */
#define VC_MEM_END          UL(0x3f000000)   /* VideoCore memory ends where peripherals start */
#define PERIPH_BASE         UL(0x3f000000)
#define PERIPH_SIZE         UL(0x01000000)
#define LOCAL_BASE          UL(0x40000000)   /* BCM2836 per-core controller */
#define LOCAL_SIZE          UL(0x00000100)

/* Bus ("GPU") view of RAM used for DMA and the mailbox: uncached alias. */
#define BUS_RAM_ALIAS       UL(0xc0000000)

/* QEMU's (and the armstub's) spin table: 64-bit release slot per core. */
#define SPIN_TABLE_BASE     UL(0xd8)

/* PL011 UART0. */
#define UART0_BASE          (PERIPH_BASE + 0x201000)
#define UART_DR             0x00
#define UART_FR             0x18
#define UART_FR_RXFE        (1u << 4)
#define UART_FR_TXFF        (1u << 5)
#define UART_FR_BUSY        (1u << 3)
#define UART_IBRD           0x24
#define UART_FBRD           0x28
#define UART_LCRH           0x2c
#define UART_LCRH_FEN       (1u << 4)
#define UART_LCRH_WLEN8     (3u << 5)
#define UART_CR             0x30
#define UART_CR_UARTEN      (1u << 0)
#define UART_CR_TXE         (1u << 8)
#define UART_CR_RXE         (1u << 9)
#define UART_IMSC           0x38
#define UART_ICR            0x44
#define UART_CLOCK_HZ       48000000u      /* firmware default init_uart_clock */
#define UART_BAUD           115200u
#define UART0_IRQ           57

/* GPIO (for routing UART0 to pins 14/15 on real hardware). */
#define GPIO_BASE           (PERIPH_BASE + 0x200000)
#define GPIO_GPFSEL1        0x04
#define GPIO_FSEL_ALT0      4u

/* BCM2835 ARM interrupt controller. */
#define IC_BASE             (PERIPH_BASE + 0x00b200)
#define IC_BASIC_PENDING    0x00
#define IC_PENDING1         0x04
#define IC_PENDING2         0x08
#define IC_ENABLE1          0x10
#define IC_ENABLE2          0x14
#define IC_ENABLE_BASIC     0x18
#define IC_DISABLE1         0x1c
#define IC_DISABLE2         0x20
#define IC_DISABLE_BASIC    0x24
#define IC_NUM_GPU_IRQS     64

/* BCM2836 local (per-core) controller. */
#define LOCAL_GPU_ROUTE     0x0c
#define LOCAL_TIMER_CTL(n)  (0x40 + 4 * (n))
#define LOCAL_TIMER_CNTPNS  (1u << 1)
#define LOCAL_MBOX_CTL(n)   (0x50 + 4 * (n))
#define LOCAL_IRQ_SOURCE(n) (0x60 + 4 * (n))
#define LOCAL_SRC_CNTPNS    (1u << 1)
#define LOCAL_SRC_MBOX0     (1u << 4)
#define LOCAL_SRC_GPU       (1u << 8)
#define LOCAL_MBOX_SET(n, m) (0x80 + 0x10 * (n) + 4 * (m))
#define LOCAL_MBOX_CLR(n, m) (0xc0 + 0x10 * (n) + 4 * (m))

/* VideoCore mailbox, property channel. */
#define MBOX_BASE           (PERIPH_BASE + 0x00b880)
#define MBOX_READ           0x00
#define MBOX_STATUS0        0x18
#define MBOX_WRITE          0x20
#define MBOX_STATUS1        0x38
#define MBOX_FULL           (1u << 31)
#define MBOX_EMPTY          (1u << 30)
#define MBOX_CH_PROP        8
#define MBOX_TAG_BOARD_REV  0x00010002u
#define MBOX_TAG_ARM_MEMORY 0x00010005u
#define MBOX_TAG_VC_MEMORY  0x00010006u
#define MBOX_RESPONSE_OK    0x80000000u

/* Power management: reset and power-off. */
#define PM_BASE             (PERIPH_BASE + 0x100000)
#define PM_RSTC             0x1c
#define PM_RSTS             0x20
#define PM_PASSWORD         0x5a000000u
#define PM_RSTC_FULL_RESET  0x00000020u
#define PM_RSTS_HALT        0x00000555u    /* partition 63: halt (QEMU exits) */

#endif
