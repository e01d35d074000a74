/*
 * PL011 UART0 as the kernel debug console (output only, polled). The
 * console driver in user space takes over input and interrupts later.
 */
#include <arch/mmio.h>
#include <console.h>
#include <plat/platform.h>

void plat_console_init(void)
{
    /* Wait for anything the firmware queued, then disable while changing. */
    while (mmio_read32(UART0_BASE, UART_FR) & UART_FR_BUSY)
        ;
    mmio_write32(UART0_BASE, UART_CR, 0);

    /* GPIO 14/15 to ALT0 (TXD0/RXD0) so the UART reaches the header pins. */
    u32 fsel = mmio_read32(GPIO_BASE, GPIO_GPFSEL1);
    fsel &= ~((7u << 12) | (7u << 15));
    fsel |= (GPIO_FSEL_ALT0 << 12) | (GPIO_FSEL_ALT0 << 15);
    mmio_write32(GPIO_BASE, GPIO_GPFSEL1, fsel);

    /* Divisor = clock / (16 * baud), as 16.6 fixed point. */
    u32 divisor_x64 = (UART_CLOCK_HZ * 4 + UART_BAUD / 2) / UART_BAUD;
    mmio_write32(UART0_BASE, UART_IBRD, divisor_x64 >> 6);
    mmio_write32(UART0_BASE, UART_FBRD, divisor_x64 & 0x3f);
    mmio_write32(UART0_BASE, UART_LCRH, UART_LCRH_WLEN8 | UART_LCRH_FEN);
    mmio_write32(UART0_BASE, UART_IMSC, 0);
    mmio_write32(UART0_BASE, UART_ICR, 0x7ff);
    mmio_write32(UART0_BASE, UART_CR, UART_CR_UARTEN | UART_CR_TXE | UART_CR_RXE);
}

void plat_console_putc(char c)
{
    while (mmio_read32(UART0_BASE, UART_FR) & UART_FR_TXFF)
        ;
    mmio_write32(UART0_BASE, UART_DR, (u8)c);
}
