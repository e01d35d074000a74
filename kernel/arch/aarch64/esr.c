/*
 * Names for exception vector slots, ESR_EL1 exception classes and data/
 * instruction abort status codes. Pure lookups: unit-tested on the host.
 */
#include <arch/esr.h>
#include <arch/trap.h>

static const char *const vector_names[16] = {
    "EL1t synchronous", "EL1t IRQ", "EL1t FIQ", "EL1t SError",
    "EL1h synchronous", "EL1h IRQ", "EL1h FIQ", "EL1h SError",
    "EL0 AArch64 synchronous", "EL0 AArch64 IRQ", "EL0 AArch64 FIQ", "EL0 AArch64 SError",
    "EL0 AArch32 synchronous", "EL0 AArch32 IRQ", "EL0 AArch32 FIQ", "EL0 AArch32 SError",
};

const char *vector_name(unsigned vector)
{
    return vector < 16 ? vector_names[vector] : "invalid vector";
}

/* Exception classes (ESR_ELx.EC) from the ARM ARM, D17.2.37. */
static const struct {
    unsigned ec;
    const char *name;
} esr_classes[] = {
    { ESR_EC_UNKNOWN, "unknown reason (undefined instruction)" },
    { 0x01, "WFI/WFE trapped" },
    { 0x07, "FP/SIMD access trapped" },
    { 0x0e, "illegal execution state" },
    { ESR_EC_SVC64, "SVC from AArch64" },
    { 0x16, "HVC from AArch64" },
    { 0x17, "SMC from AArch64" },
    { ESR_EC_SYSREG, "system register access trapped" },
    { ESR_EC_IABT_LOWER, "instruction abort (lower EL)" },
    { ESR_EC_IABT_SAME, "instruction abort (same EL)" },
    { ESR_EC_PC_ALIGN, "PC alignment fault" },
    { ESR_EC_DABT_LOWER, "data abort (lower EL)" },
    { ESR_EC_DABT_SAME, "data abort (same EL)" },
    { ESR_EC_SP_ALIGN, "SP alignment fault" },
    { 0x2c, "FP exception (AArch64)" },
    { 0x2f, "SError interrupt" },
    { 0x30, "breakpoint (lower EL)" },
    { 0x31, "breakpoint (same EL)" },
    { 0x32, "software step (lower EL)" },
    { 0x33, "software step (same EL)" },
    { 0x34, "watchpoint (lower EL)" },
    { 0x35, "watchpoint (same EL)" },
    { ESR_EC_BRK64, "BRK instruction (AArch64)" },
};

const char *esr_class_name(unsigned ec)
{
    for (size_t i = 0; i < ARRAY_SIZE(esr_classes); i++) {
        if (esr_classes[i].ec == ec)
            return esr_classes[i].name;
    }
    return "reserved/unhandled class";
}

/* Fault status codes (DFSC/IFSC, ISS[5:0]) for aborts; see abort_status_level. */
const char *abort_status_name(unsigned fsc)
{
    static const char *const level_kinds[4] = {
        "address size fault", "translation fault", "access flag fault", "permission fault",
    };
    if (fsc < 0x10)
        return level_kinds[fsc >> 2];
    switch (fsc) {
    case 0x10: return "synchronous external abort";
    case 0x11: return "synchronous tag check fault";
    case 0x18: return "synchronous parity/ECC error";
    case 0x21: return "alignment fault";
    case 0x30: return "TLB conflict abort";
    case 0x34: return "implementation defined (lockdown)";
    case 0x35: return "implementation defined (unsupported exclusive)";
    default:   return "reserved fault status";
    }
}

/* The translation level an abort status refers to, or -1 if none. */
int abort_status_level(unsigned fsc)
{
    return fsc < 0x10 ? (int)(fsc & 3) : -1;
}
