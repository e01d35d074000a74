/*
 * Fixed-width types for the LakeOS ABI headers, usable from the kernel,
 * from user programs (with picolibc) and from host unit tests.
 */
#ifndef LAKE_ABI_TYPES_H
#define LAKE_ABI_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t lake_word_t;
typedef uint64_t lake_cptr_t;   /* capability pointer: an address in a CSpace */

#endif
