/*
 * The kernel debug console: synchronous output on the platform UART,
 * usable from any context including a panic.
 */
#ifndef LAKE_KERNEL_CONSOLE_H
#define LAKE_KERNEL_CONSOLE_H

#include <types.h>

void console_init(void);
void kputc(char c);
void kputs(const char *s);
int kprintf(const char *fmt, ...) __printf_like(1, 2);
int kvprintf(const char *fmt, va_list ap);

/* Provided by the platform: raw byte output and setup. */
void plat_console_init(void);
void plat_console_putc(char c);

#endif
