# Host unit tests of the event loop's tables and dispatch and of RPC
# without the kernel: lib/runtime/event_core.c and rpc_core.c, with the
# ring channel (ring.c) they use. event.c and rpc.c make system calls and
# are not built here.
UNIT_TESTS += rt_rpc

unit_rt_rpc_SRCS := lib/runtime/event_core.c lib/runtime/rpc_core.c lib/runtime/ring.c

$(BUILD)/host/test_rt_rpc: HOST_CFLAGS += -Ilib/runtime/include
$(BUILD)/host/test_rt_rpc: lib/runtime/include/lake/event.h lib/runtime/include/lake/rpc.h \
	lib/runtime/include/lake/ring.h
