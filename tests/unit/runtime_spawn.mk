# Host unit tests of the process runtime's ELF parser (lib/runtime/elf_load.c,
# used by lake_spawn; see docs/RUNTIME.md "Process creation"). spawn.c and
# procinfo.c make kernel calls or need picolibc and are tested in-OS
# (user/tests/runtime_spawn.c, SPAWN_3xx).
UNIT_TESTS += rt_elf

unit_rt_elf_SRCS := lib/runtime/elf_load.c

$(BUILD)/host/test_rt_elf: HOST_CFLAGS += -Ilib/runtime/include
$(BUILD)/host/test_rt_elf: lib/runtime/include/lake/elf_load.h
