# Host unit tests of the process runtime's pure cores: the VSpace region
# manager and the shared-memory ring channel (lib/runtime, see
# docs/RUNTIME.md). vspace_ops.c (the kernel calls) is not built here.
UNIT_TESTS += rt_vspace rt_ring

unit_rt_vspace_SRCS := lib/runtime/vspace.c
unit_rt_ring_SRCS   := lib/runtime/ring.c

$(BUILD)/host/test_rt_vspace $(BUILD)/host/test_rt_ring: HOST_CFLAGS += -Ilib/runtime/include
$(BUILD)/host/test_rt_vspace: lib/runtime/include/lake/vspace.h
$(BUILD)/host/test_rt_ring: lib/runtime/include/lake/ring.h
$(BUILD)/host/test_rt_ring: HOST_CFLAGS += -pthread
