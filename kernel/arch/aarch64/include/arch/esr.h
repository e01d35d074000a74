/*
 * ESR_EL1 (exception syndrome) fields and exception classes.
 */
#ifndef LAKE_ARCH_ESR_H
#define LAKE_ARCH_ESR_H

#include <bits.h>

#define ESR_EC_UNKNOWN      0x00
#define ESR_EC_FP_ACCESS    0x07    /* FP/SIMD access trapped by CPACR_EL1 */
#define ESR_EC_SVC64        0x15
#define ESR_EC_SYSREG       0x18
#define ESR_EC_IABT_LOWER   0x20
#define ESR_EC_IABT_SAME    0x21
#define ESR_EC_PC_ALIGN     0x22
#define ESR_EC_DABT_LOWER   0x24
#define ESR_EC_DABT_SAME    0x25
#define ESR_EC_SP_ALIGN     0x26
#define ESR_EC_BRK64        0x3c

static inline unsigned esr_class(u64 esr) { return (unsigned)bits_extract(esr, 26, 6); }
static inline u64 esr_iss(u64 esr) { return bits_extract(esr, 0, 25); }
static inline bool esr_is_abort(unsigned ec)
{
    return ec == ESR_EC_IABT_LOWER || ec == ESR_EC_IABT_SAME ||
           ec == ESR_EC_DABT_LOWER || ec == ESR_EC_DABT_SAME;
}
/* Data aborts: ISS.WnR says whether the access was a write. */
static inline bool esr_abort_is_write(u64 esr) { return bits_extract(esr, 6, 1) != 0; }
static inline unsigned esr_abort_status(u64 esr) { return (unsigned)bits_extract(esr, 0, 6); }

const char *esr_class_name(unsigned ec);
const char *abort_status_name(unsigned fsc);
int abort_status_level(unsigned fsc);

#endif
