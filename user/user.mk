# User programs: static AArch64 ELF files on picolibc (Debian's build) with
# our own start code (lib/runtime) and ABI binding (lib/lake), linked by
# user/user.ld. Each program <name> is build/user/<name>.elf, built from
# every .c/.S file in user/<name>/; objects go under build/user/obj/.

USER_PROGRAMS := init tests bench spawnee rpcclient shell console timer benchchild minimal

PICOLIBC_DIR := /usr/lib/picolibc/aarch64-linux-gnu
USER_BUILD   := $(BUILD)/user
USER_OBJDIR  := $(USER_BUILD)/obj
USER_LDS     := user/user.ld

# Hosted C on picolibc: picolibc's headers and the compiler's own (stddef.h,
# stdarg.h, ...), never the cross compiler's glibc headers. TLS (errno,
# lake_ipc_buffer) uses the local-exec model, as picolibc expects.
USER_INCLUDES := -nostdinc -isystem lib/runtime/sysinclude -isystem $(PICOLIBC_DIR)/include \
	-isystem $(shell $(TARGET_CC) -print-file-name=include) \
	-Iinclude -Ilib/lake/include -Ilib/runtime/include
# LakeOS has clock_gettime, nanosleep and CLOCK_MONOTONIC (lib/runtime/posix.c);
# picolibc declares them only when the system says so.
USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -mcpu=cortex-a53 \
	-mno-outline-atomics -fno-pie -fno-pic -fno-common -ftls-model=local-exec \
	-ffunction-sections -fdata-sections \
	-D_POSIX_TIMERS=200809L -D_POSIX_MONOTONIC_CLOCK=200112L \
	$(USER_INCLUDES)
USER_ASFLAGS := -g -D__ASSEMBLER__ $(USER_INCLUDES)
USER_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--gc-sections \
	-Wl,-z,norelro -Wl,--no-warn-rwx-segments -T $(USER_LDS)
USER_LIBS := -L$(PICOLIBC_DIR)/lib -lc -lgcc

# Libraries linked into every program. crt0 is linked as an object so that
# _start is always there.
USER_CRT0 := $(USER_OBJDIR)/lib/runtime/crt0.o
LIBLAKE_SRCS    := lib/lake/ipc_buffer.c lib/lake/invoke.c
LIBRUNTIME_SRCS := $(sort $(wildcard lib/runtime/*.c))

user_objs = $(addprefix $(USER_OBJDIR)/,$(addsuffix .o,$(basename $(1))))

LIBLAKE_OBJS    := $(call user_objs,$(LIBLAKE_SRCS))
LIBRUNTIME_OBJS := $(call user_objs,$(LIBRUNTIME_SRCS))
LIBLAKE    := $(USER_BUILD)/liblake.a
LIBRUNTIME := $(USER_BUILD)/libruntime.a

$(USER_OBJDIR)/%.o: %.c
	@mkdir -p $(@D)
	$(Q)echo "  CC      $@"
	$(Q)$(TARGET_CC) $(USER_CFLAGS) -MMD -MP -c $< -o $@

$(USER_OBJDIR)/%.o: %.S
	@mkdir -p $(@D)
	$(Q)echo "  AS      $@"
	$(Q)$(TARGET_CC) $(USER_ASFLAGS) -MMD -MP -c $< -o $@

$(LIBLAKE): $(LIBLAKE_OBJS)
	$(Q)echo "  AR      $@"
	$(Q)rm -f $@ && $(CROSS_COMPILE)ar rcs $@ $^

$(LIBRUNTIME): $(LIBRUNTIME_OBJS)
	$(Q)echo "  AR      $@"
	$(Q)rm -f $@ && $(CROSS_COMPILE)ar rcs $@ $^

# $(call user_program,name)
define user_program
user_$(1)_SRCS := $$(sort $$(wildcard user/$(1)/*.c user/$(1)/*.S)) $$(user_$(1)_EXTRA_SRCS)
user_$(1)_OBJS := $$(call user_objs,$$(user_$(1)_SRCS))

$(USER_BUILD)/$(1).elf: $$(user_$(1)_OBJS) $(USER_CRT0) $(LIBRUNTIME) $(LIBLAKE) $(USER_LDS)
	$$(Q)echo "  LD      $$@"
	$$(Q)$$(TARGET_CC) $$(USER_LDFLAGS) -o $$@ $(USER_CRT0) $$(user_$(1)_OBJS) \
		-Wl,--start-group $(LIBRUNTIME) $(LIBLAKE) $$(USER_LIBS) -Wl,--end-group

DEPFILES += $$(user_$(1)_OBJS:.o=.d)
endef

# init hosts the VFS core (user/vfs, see docs/VFS.md).
user_init_EXTRA_SRCS := $(sort $(wildcard user/vfs/*.c))

$(foreach p,$(USER_PROGRAMS),$(eval $(call user_program,$(p))))

USER_ELFS := $(addprefix $(USER_BUILD)/,$(addsuffix .elf,$(USER_PROGRAMS)))

# The test suite carries spawnee.elf inside it for the spawn tests (SPAWN_305).
$(USER_OBJDIR)/user/tests/runtime_spawn.o: $(USER_BUILD)/spawnee.elf
$(USER_OBJDIR)/user/tests/runtime_spawn.o: USER_CFLAGS += -DLAKE_SPAWNEE_ELF='"$(USER_BUILD)/spawnee.elf"'
# ... and rpcclient.elf, a client in a process of its own, for RPC_007 and RPC_008.
$(USER_OBJDIR)/user/tests/runtime_rpc.o: $(USER_BUILD)/rpcclient.elf
$(USER_OBJDIR)/user/tests/runtime_rpc.o: USER_CFLAGS += -DLAKE_RPCCLIENT_ELF='"$(USER_BUILD)/rpcclient.elf"'

# ... and the drivers, which the DRIVER_* tests spawn as init will.
$(USER_OBJDIR)/user/tests/drivers.o: $(USER_BUILD)/timer.elf $(USER_BUILD)/console.elf
$(USER_OBJDIR)/user/tests/drivers.o: USER_CFLAGS += -DLAKE_TIMER_ELF='"$(USER_BUILD)/timer.elf"' \
	-DLAKE_CONSOLE_ELF='"$(USER_BUILD)/console.elf"'

# The benchmarks carry benchchild and minimal for the runtime figures
# (user/bench/runtime.c, docs/PERFORMANCE.md), stripped: the kernel copies
# the root task's image at boot, and boot_to_roottask counts that.
$(USER_OBJDIR)/user/bench/runtime.o: $(USER_BUILD)/benchchild.stripped $(USER_BUILD)/minimal.stripped
$(USER_OBJDIR)/user/bench/runtime.o: USER_CFLAGS += \
	-DLAKE_BENCHCHILD_ELF='"$(USER_BUILD)/benchchild.stripped"' \
	-DLAKE_MINIMAL_ELF='"$(USER_BUILD)/minimal.stripped"'

$(USER_BUILD)/%.stripped: $(USER_BUILD)/%.elf
	$(Q)echo "  STRIP   $@"
	$(Q)$(CROSS_COMPILE)strip -o $@ $<

DEPFILES += $(USER_CRT0:.o=.d) $(LIBLAKE_OBJS:.o=.d) $(LIBRUNTIME_OBJS:.o=.d)

.PHONY: user
user: $(USER_ELFS)

# ---- The programs in /bin (issue 6 item 5, docs/SHELL.md) -----------------
# Every directory user/bin/<name>/ but common/ is a program,
# build/user/bin/<name>.elf, built like the programs above. user/bin/common/
# holds their shared headers.
BIN_PROGRAMS := $(sort $(filter-out bin/common,$(patsubst user/%/.,%,$(wildcard user/bin/*/.))))

$(foreach p,$(BIN_PROGRAMS),$(eval $(call user_program,$(p))))

BIN_ELFS := $(addprefix $(USER_BUILD)/,$(addsuffix .elf,$(BIN_PROGRAMS)))
BIN_OBJS := $(foreach p,$(BIN_PROGRAMS),$(user_$(p)_OBJS))

$(BIN_ELFS): | $(USER_BUILD)/bin

$(USER_BUILD)/bin:
	@mkdir -p $@

USER_ELFS += $(BIN_ELFS)

# ---- The initial file system ----------------------------------------------
# build/initfs.cpio: a GNU cpio newc archive of build/initfs/, stripped
# copies of the /bin programs under their plain names, and of console,
# timer and shell (as sh) once they are programs. init embeds it.
INITFS_DIR   := $(BUILD)/initfs
INITFS       := $(BUILD)/initfs.cpio
INITFS_PROGS := $(BIN_PROGRAMS) $(filter console timer shell,$(USER_PROGRAMS))
initfs_name   = $(if $(filter shell,$(1)),sh,$(notdir $(1)))
INITFS_NAMES := $(foreach p,$(INITFS_PROGS),$(call initfs_name,$(p)))

define initfs_file
$(INITFS_DIR)/$(call initfs_name,$(1)): $(USER_BUILD)/$(1).elf
	@mkdir -p $$(@D)
	$$(Q)echo "  STRIP   $$@"
	$$(Q)$(CROSS_COMPILE)strip -o $$@ $$<
endef

$(foreach p,$(INITFS_PROGS),$(eval $(call initfs_file,$(p))))

# The sorted list of names, rewritten only when it changes, so the archive
# is packed again when a program comes or goes.
$(INITFS_DIR).list: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(INITFS_NAMES) | LC_ALL=C sort > $@.tmp; \
	 if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(INITFS): $(INITFS_DIR).list $(addprefix $(INITFS_DIR)/,$(INITFS_NAMES))
	$(Q)echo "  CPIO    $@"
	$(Q)(cd $(INITFS_DIR) && cpio -o -H newc --reproducible --quiet) < $< > $@

user: $(BIN_ELFS) $(INITFS)

# init carries the initial file system in user/init/initfs.S.
$(USER_OBJDIR)/user/init/initfs.o: $(INITFS)
$(USER_OBJDIR)/user/init/initfs.o: USER_ASFLAGS += -DLAKE_INITFS='"$(INITFS)"'
