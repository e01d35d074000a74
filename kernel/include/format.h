/*
 * printf-style formatting shared by the kernel console and snprintf.
 * Supports flags "-0+ #", width and precision (numbers or '*'), length
 * modifiers hh h l ll z t j, and conversions d i u x X o b c s p %.
 */
#ifndef LAKE_KERNEL_FORMAT_H
#define LAKE_KERNEL_FORMAT_H

#include <types.h>

/* Receives each output character in order. */
typedef void (*format_sink_t)(char c, void *ctx);

/* Formats into sink; returns the number of characters produced. */
int format_va(format_sink_t sink, void *ctx, const char *fmt, va_list ap);

/* Like C's vsnprintf/snprintf: always NUL-terminates when size > 0 and
 * returns the length the full output would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf_like(3, 4);

#endif
