/*
 * Kernel debug console: formatted output straight to the platform UART.
 */
#include <console.h>
#include <format.h>

void console_init(void)
{
    plat_console_init();
}

void kputc(char c)
{
    if (c == '\n')
        plat_console_putc('\r');
    plat_console_putc(c);
}

void kputs(const char *s)
{
    while (*s)
        kputc(*s++);
}

static void console_sink(char c, void *ctx)
{
    (void)ctx;
    kputc(c);
}

int kvprintf(const char *fmt, va_list ap)
{
    return format_va(console_sink, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
