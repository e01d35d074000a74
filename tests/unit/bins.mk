# Host unit tests of the /bin programs' pure logic (issue 6 item 5,
# docs/SHELL.md "Programs in /bin"): option and argument parsing, ls -l
# lines, wc counting, the free, uptime and ps formats, path helpers. All
# of it is header-only in user/bin/common/; the programs' system calls are
# tested end to end.
UNIT_TESTS += bin_utils

unit_bin_utils_SRCS :=

$(BUILD)/host/test_bin_utils: HOST_CFLAGS += -Iuser/bin/common
$(BUILD)/host/test_bin_utils: user/bin/common/binopt.h user/bin/common/binfmt.h
