# Host unit tests of the shell's and the console's pure logic (issue 6
# items 2 and 5, docs/SHELL.md): the command-line parser and its arena,
# the line editor, and the console line discipline. No system calls in
# any of them; the programs around them are tested end to end.
UNIT_TESTS += shell_parse lineedit ldisc

unit_shell_parse_SRCS := user/shell/parse.c user/shell/arena.c
unit_lineedit_SRCS    := user/shell/lineedit.c
unit_ldisc_SRCS       := user/console/ldisc.c

$(BUILD)/host/test_shell_parse: HOST_CFLAGS += -Iuser/shell
$(BUILD)/host/test_shell_parse: user/shell/parse.h user/shell/arena.h
$(BUILD)/host/test_lineedit: HOST_CFLAGS += -Iuser/shell
$(BUILD)/host/test_lineedit: user/shell/lineedit.h
$(BUILD)/host/test_ldisc: HOST_CFLAGS += -Iuser/console
$(BUILD)/host/test_ldisc: user/console/ldisc.h
