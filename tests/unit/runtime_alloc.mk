# Host unit tests of the user-space runtime's allocators (lib/runtime):
# only the pure bookkeeping, the kernel bindings (*_ops.c) are not built.
UNIT_TESTS += rt_cspace rt_untyped

unit_rt_cspace_SRCS  := lib/runtime/cspace.c lib/runtime/include/lake/cspace.h
unit_rt_untyped_SRCS := lib/runtime/untyped.c lib/runtime/include/lake/untyped.h

$(BUILD)/host/test_rt_cspace $(BUILD)/host/test_rt_untyped: HOST_CFLAGS += -Ilib/runtime/include
