/* kernel/arch/aarch64/esr.c and arch/esr.h */
#include "unit.h"
#include <arch/esr.h>
#include <arch/trap.h>

TEST(vector_names_cover_all_slots)
{
    CHECK_STR(vector_name(VEC_EL1_SPX_SYNC), "EL1h synchronous");
    CHECK_STR(vector_name(VEC_EL0_A64_IRQ), "EL0 AArch64 IRQ");
    CHECK_STR(vector_name(VEC_EL0_A32_SERROR), "EL0 AArch32 SError");
    CHECK_STR(vector_name(16), "invalid vector");
    for (unsigned v = 0; v < 16; v++)
        CHECK(strcmp(vector_name(v), "invalid vector") != 0);
}

TEST(exception_classes)
{
    CHECK_STR(esr_class_name(0x00), "unknown reason (undefined instruction)");
    CHECK_STR(esr_class_name(0x15), "SVC from AArch64");
    CHECK_STR(esr_class_name(0x25), "data abort (same EL)");
    CHECK_STR(esr_class_name(0x3c), "BRK instruction (AArch64)");
    CHECK_STR(esr_class_name(0x3f), "reserved/unhandled class");
}

TEST(syndrome_fields)
{
    u64 esr = 0x96000047ull; /* data abort, same EL, write, translation fault level 3 */
    CHECK_EQ(esr_class(esr), ESR_EC_DABT_SAME);
    CHECK(esr_is_abort(esr_class(esr)));
    CHECK(esr_abort_is_write(esr));
    CHECK_EQ(esr_abort_status(esr), 0x07);
    CHECK_STR(abort_status_name(0x07), "translation fault");
    CHECK_EQ(abort_status_level(0x07), 3);
    CHECK_STR(abort_status_name(0x0d), "permission fault");
    CHECK_EQ(abort_status_level(0x0d), 1);
    CHECK_STR(abort_status_name(0x21), "alignment fault");
    CHECK_EQ(abort_status_level(0x21), -1);
    CHECK_STR(abort_status_name(0x3e), "reserved fault status");
    CHECK(!esr_is_abort(ESR_EC_SVC64));
}
