# Host unit tests: pure kernel and library code compiled for the build
# machine with AddressSanitizer and UndefinedBehaviorSanitizer. Each
# tests/unit/test_<name>.c becomes build/host/test_<name>; list the
# project sources it exercises in unit_<name>_SRCS.

UNIT_TESTS := format bits cmdline esr

unit_format_SRCS  := kernel/core/format.c
unit_bits_SRCS    :=
unit_cmdline_SRCS := kernel/core/cmdline.c
unit_esr_SRCS     := kernel/arch/aarch64/esr.c

HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Ikernel/include -Ikernel/arch/aarch64/include -Ikernel/plat/bcm2837/include -Itests/unit

# Several sources go into one binary, so header dependencies are coarse:
# every header the tests can see.
UNIT_HEADERS := $(wildcard tests/unit/*.h kernel/include/*.h kernel/arch/aarch64/include/arch/*.h \
	kernel/plat/bcm2837/include/plat/*.h)

define unit_test
$(BUILD)/host/test_$(1): tests/unit/test_$(1).c $$(unit_$(1)_SRCS) $$(UNIT_HEADERS)
	@mkdir -p $$(@D)
	$$(Q)echo "  HOSTCC  $$@"
	$$(Q)$$(HOST_CC) $$(HOST_CFLAGS) -o $$@ $$(filter %.c,$$^)
endef

$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))

unit-tests: $(addprefix $(BUILD)/host/test_,$(UNIT_TESTS))
