# The kernel: sources, flags and the images built from them.
#
# Variants share the sources and differ in flags and in the root task
# linked into the image:
#   kernel         release image for `make run` and real hardware (build/kernel8.img),
#                  root task user/init
#   kernel-test    adds semihosting exit and the ktest hooks, root task user/init
#   kernel-ostest  the in-OS test suite (user/tests) as root task; semihosting
#                  exit and one debug line per failed invocation
#   kernel-ostest-nofast  the same with the fast paths compiled out
#                  (CONFIG_FASTPATH=0): the general paths alone must pass it
#   kernel-bench   the benchmarks (user/bench) as root task; semihosting exit,
#                  PMU counters readable at EL0 (CONFIG_BENCH, arch/pmu.h)

KERNEL_SRCS := \
	kernel/arch/aarch64/boot.S \
	kernel/arch/aarch64/vectors.S \
	kernel/arch/aarch64/boot_mmu.c \
	kernel/arch/aarch64/esr.c \
	kernel/arch/aarch64/exception.c \
	kernel/arch/aarch64/fpu.c \
	kernel/arch/aarch64/pmu.c \
	kernel/arch/aarch64/semihost.c \
	kernel/arch/aarch64/smp.c \
	kernel/arch/aarch64/timer.c \
	kernel/arch/aarch64/vspace.c \
	kernel/plat/bcm2837/irq.c \
	kernel/plat/bcm2837/machine.c \
	kernel/plat/bcm2837/mailbox.c \
	kernel/plat/bcm2837/power.c \
	kernel/plat/bcm2837/uart.c \
	kernel/core/boot.c \
	kernel/core/cdt.c \
	kernel/core/cmdline.c \
	kernel/core/console.c \
	kernel/core/cspace.c \
	kernel/core/elf.c \
	kernel/core/fastpath.c \
	kernel/core/fault.c \
	kernel/core/format.c \
	kernel/core/main.c \
	kernel/core/panic.c \
	kernel/core/percpu.c \
	kernel/core/sched.c \
	kernel/core/string.c \
	kernel/core/syscall.c \
	kernel/core/tcb_cache.c \
	kernel/object/asid.c \
	kernel/object/cnode.c \
	kernel/object/endpoint.c \
	kernel/object/frame.c \
	kernel/object/irq.c \
	kernel/object/notification.c \
	kernel/object/object.c \
	kernel/object/pagetable.c \
	kernel/object/tcb.c \
	kernel/object/untyped.c \
	kernel/object/vspace.c

KERNEL_TEST_SRCS := kernel/core/ktest.c

KERNEL_LDS := kernel/arch/aarch64/kernel.ld

KERNEL_INCLUDES := -Ikernel/include -Ikernel/arch/aarch64/include \
	-Ikernel/plat/bcm2837/include -Iinclude -I$(BUILD)/gen

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

# The fast paths run before a system call's x10-x29 are saved and without a
# stack, so their code never touches those registers or SP (see
# kernel/core/fastpath.c); tools/check_fastpath.py checks the object.
FASTPATH_SRCS := kernel/core/fastpath.c
FASTPATH_CFLAGS := $(foreach r,10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30,-ffixed-x$(r)) \
	-fomit-frame-pointer
KERNEL_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-z,norelro -Wl,--no-warn-rwx-segments

# $(call kernel_variant,name,extra-cflags,extra-sources,root-task-elf)
define kernel_variant
$(1)_OBJS := $$(addprefix $(BUILD)/$(1)/,$$(addsuffix .o,$$(basename $$(KERNEL_SRCS) $(3)))) \
	$(BUILD)/$(1)/roottask.o
$(1)_CFLAGS := $$(KERNEL_CFLAGS) $(2)

# The root task, stripped of debug information, linked into the image.
$(BUILD)/$(1)/roottask.elf: $(4)
	@mkdir -p $$(@D)
	$$(Q)$$(TARGET_OBJCOPY) --strip-debug $$< $$@

$(BUILD)/$(1)/roottask.o: $(BUILD)/$(1)/roottask.elf
	$$(Q)echo "  EMBED   $$@"
	$$(Q)printf '.section .rodata.roottask, "a"\n.balign 16\n.global roottask_elf_start, roottask_elf_end\nroottask_elf_start:\n.incbin "%s"\nroottask_elf_end:\n' $$< | \
		$$(TARGET_CC) -c -x assembler -o $$@ -

$(BUILD)/$(1)/%.o: %.c | $(BUILD)/gen/version.h
	@mkdir -p $$(@D)
	$$(Q)echo "  CC      $$@"
	$$(Q)$$(TARGET_CC) $$($(1)_CFLAGS) $$(FAST_OBJECT_CFLAGS) -MMD -MP -c $$< -o $$@
	$$(Q)$$(if $$(FAST_OBJECT_CFLAGS),$$(PYTHON) tools/check_fastpath.py $$(CROSS_COMPILE)objdump $$@ || (rm -f $$@; false))

$$(addprefix $(BUILD)/$(1)/,$$(FASTPATH_SRCS:.c=.o)): FAST_OBJECT_CFLAGS := $$(FASTPATH_CFLAGS)

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

$(eval $(call kernel_variant,kernel,,,$(BUILD)/user/init.elf))
$(eval $(call kernel_variant,kernel-test,-DCONFIG_HEARTBEAT -DCONFIG_SEMIHOSTING -DCONFIG_KTEST,$(KERNEL_TEST_SRCS),$(BUILD)/user/init.elf))
$(eval $(call kernel_variant,kernel-ostest,-DCONFIG_SEMIHOSTING -DCONFIG_DEBUG_INVOCATIONS,,$(BUILD)/user/tests.elf))
$(eval $(call kernel_variant,kernel-ostest-nofast,-DCONFIG_SEMIHOSTING -DCONFIG_DEBUG_INVOCATIONS -DCONFIG_FASTPATH=0,,$(BUILD)/user/tests.elf))
$(eval $(call kernel_variant,kernel-bench,-DCONFIG_BENCH -DCONFIG_SEMIHOSTING,,$(BUILD)/user/bench.elf))

$(BUILD)/kernel8.img: $(BUILD)/kernel/kernel8.img
	$(Q)cp $< $@
