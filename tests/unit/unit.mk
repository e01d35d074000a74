# Host unit tests: pure kernel and library code compiled for the build
# machine with AddressSanitizer and UndefinedBehaviorSanitizer. Each
# tests/unit/test_<name>.c becomes build/host/test_<name>; add <name> to
# UNIT_TESTS and list the project sources it exercises in unit_<name>_SRCS,
# here or in a fragment tests/unit/<area>.mk of its own (picked up below),
# e.g. for the user-space runtime's libraries.

UNIT_TESTS := format bits cmdline esr cap cspace cdt elf fault sched_bitmap retype

unit_format_SRCS  := kernel/core/format.c
unit_bits_SRCS    :=
unit_cmdline_SRCS := kernel/core/cmdline.c
unit_esr_SRCS     := kernel/arch/aarch64/esr.c
# Capability kernel. Tests that name kernel objects through capabilities
# allocate them with tests/unit/kmem.c (below 2^40, see kmem.h); functions
# of sources that cannot build on the host are test doubles in the test.
unit_cap_SRCS     := kernel/core/cdt.c tests/unit/kmem.c
unit_cspace_SRCS  := kernel/core/cspace.c tests/unit/kmem.c
unit_cdt_SRCS     := kernel/core/cdt.c tests/unit/kmem.c
unit_elf_SRCS     := kernel/core/elf.c
unit_fault_SRCS   := kernel/core/fault.c tests/unit/kmem.c
unit_sched_bitmap_SRCS :=
unit_retype_SRCS  :=

HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-DLAKE_HOST_TEST -Ikernel/include -Ikernel/arch/aarch64/include \
	-Ikernel/plat/bcm2837/include -Iinclude -Itests/unit

# Fragments come after HOST_CFLAGS so that they may add to it.
-include $(filter-out tests/unit/unit.mk,$(wildcard tests/unit/*.mk))

# Several sources go into one binary, so header dependencies are coarse:
# every header the tests can see.
UNIT_HEADERS := $(wildcard tests/unit/*.h kernel/include/*.h \
	kernel/include/object/*.h kernel/arch/aarch64/include/arch/*.h \
	kernel/plat/bcm2837/include/plat/*.h include/lake/*.h)

define unit_test
$(BUILD)/host/test_$(1): tests/unit/test_$(1).c $$(unit_$(1)_SRCS) $$(UNIT_HEADERS)
	@mkdir -p $$(@D)
	$$(Q)echo "  HOSTCC  $$@"
	$$(Q)$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $$(filter %.c,$$^)
endef

$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))

unit-tests: $(addprefix $(BUILD)/host/test_,$(UNIT_TESTS))
