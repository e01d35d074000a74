#ifndef LAKE_KERNEL_KSTRING_H
#define LAKE_KERNEL_KSTRING_H

#include <types.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Set once the MMU is on (DC ZVA faults on device memory). */
extern bool memset_zva_enabled;

#endif
