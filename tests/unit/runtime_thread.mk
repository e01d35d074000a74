# Host unit tests of the runtime's locks (lib/runtime/sync.c): the state
# machines of mutex, semaphore and condition variable with the kernel
# notification replaced by a pthread-based fake. sync_ops.c (the real
# Wait/Signal) and thread.c are not built here.
UNIT_TESTS += rt_sync

unit_rt_sync_SRCS := lib/runtime/sync.c

$(BUILD)/host/test_rt_sync: HOST_CFLAGS += -Ilib/runtime/include -pthread
$(BUILD)/host/test_rt_sync: lib/runtime/include/lake/sync.h
