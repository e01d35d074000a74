# The kernel: sources, flags and the images built from them.
#
# Two variants share the sources:
#   kernel       release image for `make run` and real hardware (build/kernel8.img)
#   kernel-test  adds semihosting exit and the ktest hooks (build/kernel-test/kernel8.img)

KERNEL_SRCS := \
	kernel/arch/aarch64/boot.S \
	kernel/arch/aarch64/vectors.S \
	kernel/arch/aarch64/boot_mmu.c \
	kernel/arch/aarch64/esr.c \
	kernel/arch/aarch64/exception.c \
	kernel/arch/aarch64/semihost.c \
	kernel/arch/aarch64/smp.c \
	kernel/arch/aarch64/timer.c \
	kernel/plat/bcm2837/irq.c \
	kernel/plat/bcm2837/machine.c \
	kernel/plat/bcm2837/mailbox.c \
	kernel/plat/bcm2837/uart.c \
	kernel/core/cmdline.c \
	kernel/core/console.c \
	kernel/core/format.c \
	kernel/core/main.c \
	kernel/core/panic.c \
	kernel/core/percpu.c \
	kernel/core/string.c

KERNEL_TEST_SRCS := kernel/core/ktest.c

KERNEL_LDS := kernel/arch/aarch64/kernel.ld

KERNEL_INCLUDES := -Ikernel/include -Ikernel/arch/aarch64/include \
	-Ikernel/plat/bcm2837/include -I$(BUILD)/gen

# -mstrict-align: boot code runs with the MMU off, where unaligned accesses
#   fault on hardware (QEMU hides this).
# -mgeneral-regs-only: the kernel never touches FP/SIMD registers, so user
#   FP state can be switched lazily.
# -fno-delete-null-pointer-checks: physical address 0 is real memory.
# -mno-outline-atomics: no libgcc helpers for atomics.
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-common \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=small -mcpu=cortex-a53 \
	-mgeneral-regs-only -mstrict-align -mno-outline-atomics \
	-fno-delete-null-pointer-checks -fno-omit-frame-pointer $(KERNEL_INCLUDES)
KERNEL_ASFLAGS := -g -D__ASSEMBLER__ $(KERNEL_INCLUDES)
KERNEL_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-z,norelro -Wl,--no-warn-rwx-segments

# $(call kernel_variant,name,extra-cflags,extra-sources)
define kernel_variant
$(1)_OBJS := $$(addprefix $(BUILD)/$(1)/,$$(addsuffix .o,$$(basename $$(KERNEL_SRCS) $(3))))
$(1)_CFLAGS := $$(KERNEL_CFLAGS) $(2)

$(BUILD)/$(1)/%.o: %.c | $(BUILD)/gen/version.h
	@mkdir -p $$(@D)
	$$(Q)echo "  CC      $$@"
	$$(Q)$$(TARGET_CC) $$($(1)_CFLAGS) -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/%.o: %.S | $(BUILD)/gen/version.h
	@mkdir -p $$(@D)
	$$(Q)echo "  AS      $$@"
	$$(Q)$$(TARGET_CC) $$(KERNEL_ASFLAGS) $(2) -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/kernel.elf: $$($(1)_OBJS) $$(KERNEL_LDS)
	$$(Q)echo "  LD      $$@"
	$$(Q)$$(TARGET_CC) $$(KERNEL_LDFLAGS) -T $$(KERNEL_LDS) -o $$@ $$($(1)_OBJS) -lgcc

$(BUILD)/$(1)/kernel8.img: $(BUILD)/$(1)/kernel.elf
	$$(Q)echo "  IMAGE   $$@"
	$$(Q)$$(TARGET_OBJCOPY) -O binary $$< $$@

DEPFILES += $$($(1)_OBJS:.o=.d)
endef

$(eval $(call kernel_variant,kernel,,))
$(eval $(call kernel_variant,kernel-test,-DCONFIG_SEMIHOSTING -DCONFIG_KTEST,$(KERNEL_TEST_SRCS)))

$(BUILD)/kernel8.img: $(BUILD)/kernel/kernel8.img
	$(Q)cp $< $@
