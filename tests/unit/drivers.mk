# Host unit tests of the user-space drivers' pure logic (issue 6 items 2
# and 3, docs/SERVICES.md): the timer driver's deadline queue and compare
# planning, and the console driver's core (writers, transmit buffer,
# read/write/mode semantics over the line discipline). The programs around
# them touch the hardware and the kernel and are not built here.
UNIT_TESTS += timer_queue console_core

unit_timer_queue_SRCS := user/timer/tqueue.c

$(BUILD)/host/test_timer_queue: HOST_CFLAGS += -Iuser/timer
$(BUILD)/host/test_timer_queue: user/timer/tqueue.h

unit_console_core_SRCS := user/console/core.c user/console/ldisc.c

$(BUILD)/host/test_console_core: HOST_CFLAGS += -Iuser/console -Ilib/runtime/include
$(BUILD)/host/test_console_core: user/console/core.h user/console/ldisc.h \
	lib/runtime/include/lake/proto/console.h
