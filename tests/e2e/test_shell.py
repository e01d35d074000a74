"""End-to-end: boot the release image and use the shell at the serial
console like a person would (issue 6): programs, files, pipes,
redirection, line editing, Ctrl-C, crashes and memory reclamation."""

import re

import pexpect
import pytest

import qemu

PROMPT = r"lake:(\S*)\$ "
CTRL_C = "\x03"
CTRL_D = "\x04"
CTRL_U = "\x15"
LEFT = "\x1b[D"
UP = "\x1b[A"
DOWN = "\x1b[B"


def clean(text):
    """Console text as lines: the driver sends CR LF, the pty adds a CR."""
    return text.replace("\r", "")


class Shell:
    def __init__(self, image):
        self.console = qemu.spawn(image, timeout=60)
        self.console.expect(PROMPT)

    def type(self, text):
        self.console.send(text)

    def run(self, command):
        """Type a command and Enter; return what it printed before the next prompt."""
        self.console.send(command + "\r")
        self.console.expect(PROMPT)
        out = clean(self.console.before)
        # The echo of the command line comes first.
        first, _, rest = out.partition("\n")
        return rest

    def status(self):
        return int(self.run("echo $?").strip())

    def cwd_prompt(self):
        return self.console.match.group(1)

    def close(self):
        if self.console.isalive():
            self.console.send("\x01x")
            self.console.expect(pexpect.EOF)
        self.console.close()


@pytest.fixture
def sh(release_image):
    shell = Shell(release_image)
    yield shell
    shell.close()


def lines(text):
    return [line for line in text.split("\n") if line]


def test_boots_to_the_prompt_and_echo_prints(sh):
    assert sh.cwd_prompt() == "/"
    assert sh.run("echo hello,   world") == "hello, world\n"
    assert sh.status() == 0


def test_quotes_variables_and_status(sh):
    assert sh.run("echo \"a  b\" 'c  $HOME' $HOME") == "a  b c  $HOME /\n"
    sh.run("nosuchcommand")
    assert sh.status() == 127
    assert sh.run("nosuchcommand; echo $?") == "nosuchcommand: command not found\n127\n"
    assert sh.run("echo -n no newline; echo") == "no newline\n"


def test_unknown_command_is_reported(sh):
    assert sh.run("frobnicate now") == "frobnicate: command not found\n"


def test_cd_pwd_and_the_prompt_follow_the_directory(sh):
    sh.run("mkdir /work")
    sh.run("cd /work")
    assert sh.cwd_prompt() == "/work"
    assert sh.run("pwd") == "/work\n"
    sh.run("cd ..")
    assert sh.cwd_prompt() == "/"
    assert sh.run("cd /nonexistent") == "cd: /nonexistent: No such file or directory\n"
    assert sh.status() == 1
    sh.run("cd //work/./..//work")
    assert sh.run("pwd") == "/work\n"


def test_redirections_create_append_and_read(sh):
    sh.run("echo first > /tmp/f")
    sh.run("echo second >> /tmp/f")
    assert sh.run("cat /tmp/f") == "first\nsecond\n"
    assert sh.run("wc -l < /tmp/f").strip() == "2"
    sh.run("echo replaced > /tmp/f")
    assert sh.run("cat < /tmp/f") == "replaced\n"


def test_three_and_four_stage_pipelines(sh):
    sh.run("echo one > /tmp/p; echo two >> /tmp/p; echo three >> /tmp/p")
    assert sh.run("cat /tmp/p | cat | wc -l").strip() == "3"
    assert sh.run("cat /tmp/p | cat | cat | wc -w").strip() == "3"
    assert sh.run("echo piped | cat | cat") == "piped\n"


def test_files_copy_move_remove(sh):
    sh.run("echo data > /tmp/a")
    sh.run("cp /tmp/a /tmp/b")
    assert sh.run("cat /tmp/b") == "data\n"
    sh.run("mv /tmp/b /tmp/c")
    assert sh.run("cat /tmp/b") == "cat: /tmp/b: No such file or directory\n"
    assert sh.status() == 1
    assert sh.run("cat /tmp/c") == "data\n"
    sh.run("rm /tmp/c")
    assert sh.run("ls /tmp") == "a\n"
    sh.run("touch /tmp/empty")
    assert sh.run("wc -c /tmp/empty").split()[0] == "0"


def test_directories_and_their_errors(sh):
    sh.run("mkdir /tmp/d")
    sh.run("touch /tmp/d/x")
    assert "Directory not empty" in sh.run("rmdir /tmp/d")
    assert "File exists" in sh.run("mkdir /tmp/d")
    assert "No such file or directory" in sh.run("rmdir /tmp/nothing")
    sh.run("rm /tmp/d/x")
    sh.run("rmdir /tmp/d")
    assert sh.run("ls /tmp") == ""
    sh.run("mkdir -p /tmp/x/y/z")
    assert sh.run("ls /tmp/x/y") == "z\n"


def test_ls_long_and_all(sh):
    sh.run("mkdir /tmp/l; echo 12345 > /tmp/l/file")
    out = sh.run("ls -l /tmp/l")
    assert re.match(r"-rw\S* +1 +6 .* file\n", out), out
    names = lines(sh.run("ls -a /tmp/l"))
    assert names == [".", "..", "file"]
    assert "bin" in lines(sh.run("ls /"))


def test_bin_is_read_only_and_dev_has_null_and_zero(sh):
    assert "Read-only file system" in sh.run("touch /bin/newfile")
    assert sh.run("cat /dev/null") == ""
    assert sh.run("wc -c < /dev/null").strip() == "0"
    sh.run("echo gone > /dev/null")
    assert sh.status() == 0
    assert set(lines(sh.run("ls /dev"))) >= {"console", "null", "zero"}


def test_ctrl_c_stops_the_foreground_job(sh):
    sh.type("cat\r")
    sh.console.expect(r"cat\r+\n")
    sh.type(CTRL_C)
    sh.console.expect(PROMPT)
    assert sh.status() == 130
    assert sh.run("echo still here") == "still here\n"


def test_ctrl_c_stops_every_stage_of_a_pipeline(sh):
    sh.type("cat | cat | wc\r")
    sh.console.expect(r"wc\r+\n")
    sh.type(CTRL_C)
    sh.console.expect(PROMPT)
    out = sh.run("ps")
    assert "cat" not in out and "wc" not in out, out


def test_ctrl_c_at_the_prompt_abandons_the_line(sh):
    sh.type("echo never")
    sh.type(CTRL_C)
    sh.console.expect(PROMPT)
    assert sh.run("echo after") == "after\n"


def test_line_editing_backspace_ctrl_u_and_arrows(sh):
    sh.type("echo abX\x7fc\r")
    sh.console.expect(PROMPT)
    assert "abc" in sh.console.before
    sh.type("garbage" + CTRL_U + "echo clean\r")
    sh.console.expect(PROMPT)
    assert clean(sh.console.before).endswith("clean\n")
    assert sh.run("echo ac" + LEFT + "b") == "abc\n"


def test_history_up_and_down(sh):
    sh.run("echo first")
    sh.run("echo second")
    sh.type(UP + UP + "\r")
    sh.console.expect(PROMPT)
    assert clean(sh.console.before).endswith("first\n")
    sh.type(UP + UP + DOWN + "\r")
    sh.console.expect(PROMPT)
    assert clean(sh.console.before).endswith("first\n")


def test_background_job_and_done_report(sh):
    # The job may end before the shell's next prompt or later: its
    # "[1] Done" line comes at the first prompt after it ended, once.
    first = sh.run("echo bg > /tmp/bgout &")
    assert re.match(r"\[1\] \d+\n", first), first
    out = sh.run("cat /tmp/bgout")
    assert "bg" in out
    reports = first + out + sh.run("echo")
    assert reports.count("[1] Done") == 1, reports


def test_lists_and_conditions(sh):
    assert sh.run("false_cmd || echo fallback") == \
        "false_cmd: command not found\nfallback\n"
    assert sh.run("echo a && echo b") == "a\nb\n"
    assert sh.run("nosuch && echo never") == "nosuch: command not found\n"


def test_syntax_errors_are_reported(sh):
    out = sh.run("echo a | | b")
    assert out.startswith("sh: syntax error"), out
    assert sh.status() == 2
    assert "sh:" in sh.run("echo \"unterminated")


def test_null_dereference_is_reported_and_the_shell_goes_on(sh):
    out = sh.run("crash null")
    assert re.match(r"crash: killed: write to unmapped memory at address 0x0, pc 0x[0-9a-f]+\n",
                    out), out
    assert sh.status() == 139
    assert sh.run("echo alive") == "alive\n"


def test_stack_overflow_is_reported(sh):
    out = sh.run("crash stack")
    assert re.match(r"crash: killed: stack overflow \(guard page\) at address 0x[0-9a-f]+, "
                    r"pc 0x[0-9a-f]+\n", out), out
    assert sh.status() == 139


def test_undefined_instruction_is_reported(sh):
    out = sh.run("crash undef")
    assert re.match(r"crash: killed: undefined instruction, pc 0x[0-9a-f]+\n", out), out
    assert sh.status() == 132


def free_kib(sh):
    out = sh.run("free")
    match = re.search(r"Mem: +(\d+) +(\d+) +(\d+)", out)
    assert match, out
    return int(match.group(3))


def warm_up(sh, *commands):
    """Runs each command once, so that init has prepared the programs'
    images (kept and shared by later runs, docs/SERVICES.md)."""
    for command in commands:
        sh.run(command)


def test_free_memory_returns_after_200_programs_and_crashes(sh):
    warm_up(sh, "crash null", "echo x | wc -c")
    before = free_kib(sh)
    programs = 0
    for i in range(100):
        if i % 5 == 0:
            out = sh.run("crash %s; echo done" % ("null", "stack", "undef")[i // 5 % 3])
            assert "crash: killed:" in out and out.endswith("done\n"), out
        else:
            assert sh.run("echo run %d | wc -c" % i).strip() == str(len("run %d\n" % i))
        programs += 2
    assert programs == 200
    assert free_kib(sh) == before


def test_ps_kill_and_processes(sh):
    out = sh.run("cat > /tmp/never &")
    pid = int(re.search(r"\[\d+\] (\d+)", out).group(1))
    table = sh.run("ps")
    assert re.search(r"^ +PID +PPID +STATE +MEM +NAME", table, re.M), table
    assert re.search(r"^ +%d .*cat$" % pid, table, re.M), table
    assert re.search(r" sh$", table, re.M)
    sh.run("kill %d" % pid)
    assert not re.search(r"^ +%d " % pid, sh.run("ps"), re.M)
    assert "kill" in sh.run("kill 9999")
    assert sh.status() != 0


def test_free_and_uptime_formats(sh):
    out = sh.run("free")
    assert re.search(r"^ +total +used +free$", out, re.M), out
    assert re.search(r"^Mem: +\d+ +\d+ +\d+$", out, re.M), out
    assert re.match(r"up \d+:\d\d:\d\d\n", sh.run("uptime"))


def test_sleep_waits_and_returns(sh):
    assert sh.run("sleep 0.2; echo woke") == "woke\n"
    assert "sleep" in sh.run("sleep abc")


def test_help_and_exit_restart_the_shell(sh):
    assert "Built-ins" in sh.run("help")
    sh.type("exit\r")
    sh.console.expect(PROMPT)       # init starts a new shell
    assert sh.run("echo new shell") == "new shell\n"


def test_ctrl_d_on_an_empty_line_ends_the_shell(sh):
    sh.type(CTRL_D)
    sh.console.expect(PROMPT)
    assert sh.run("echo again") == "again\n"


def test_redirected_builtin_and_stderr(sh):
    sh.run("pwd > /tmp/where")
    assert sh.run("cat /tmp/where") == "/\n"
    sh.run("cat /nope 2> /tmp/err")
    assert "No such file" in sh.run("cat /tmp/err")


def test_shutdown_powers_off(sh):
    sh.type("shutdown\r")
    sh.console.expect(pexpect.EOF, timeout=60)
    sh.console.close()
    assert sh.console.exitstatus == 0


def test_keyboard_input_goes_to_the_foreground_program(sh):
    sh.type("cat > /tmp/typed\r")
    sh.console.expect(r"/tmp/typed\r+\n")
    sh.type("first line\r")
    sh.type("second\x7f\x7f\x7fond line\r")
    sh.type(CTRL_D)
    sh.console.expect(PROMPT)
    assert sh.run("cat /tmp/typed") == "first line\nsecond line\n"


def test_cursor_movement_inserts_in_the_middle(sh):
    assert sh.run("echo hlo" + LEFT + LEFT + "el") == "hello\n"
    assert sh.run("echo abd" + LEFT + "c" + "\x1b[C" + "e") == "abcde\n"


def test_programs_see_arguments_and_environment(sh):
    sh.run("echo $PATH > /tmp/env")
    assert sh.run("cat /tmp/env") == "/bin\n"
    out = sh.run("ls /bin/echo /bin/nothing")
    assert "/bin/echo\n" in out and "'/bin/nothing': No such file or directory" in out, out
    assert sh.status() == 1


def test_a_program_that_handles_ctrl_c_keeps_running(sh):
    sh.type("waitint\r")
    sh.console.expect("press Ctrl-C")
    sh.type(CTRL_C)
    sh.console.expect(PROMPT)
    assert "waitint: caught Ctrl-C" in clean(sh.console.before)
    assert sh.status() == 0


def test_a_program_grows_past_its_quota_and_gives_everything_back(sh):
    warm_up(sh, "hog 1")
    before = free_kib(sh)
    assert sh.run("hog 40") == "hog: 40 MiB touched\n"    # quota 8 MiB: init gives more
    assert free_kib(sh) == before
    out = sh.run("hog 1000")        # more than a process may have
    assert "hog: killed: out of memory" in out or "cannot allocate" in out, out
    assert free_kib(sh) == before


def test_typed_input_goes_to_the_foreground_not_to_a_background_reader(sh):
    out = sh.run("cat > /tmp/stolen &")
    pid = int(re.search(r"\[\d+\] (\d+)", out).group(1))
    assert sh.run("echo typed at the prompt") == "typed at the prompt\n"
    sh.run("kill %d" % pid)
    assert sh.run("wc -c < /tmp/stolen").strip() == "0"


def test_a_full_pipe_loses_and_repeats_nothing(sh):
    sh.run("ls -l /bin > /tmp/a")
    sh.run("cat /tmp/a /tmp/a /tmp/a /tmp/a > /tmp/b; cat /tmp/b /tmp/b /tmp/b > /tmp/c; mv /tmp/c /tmp/b")
    size = int(sh.run("wc -c < /tmp/b").strip())
    assert size > 8192                      # more than two pipe buffers
    assert int(sh.run("cat /tmp/b | wc -c").strip()) == size
    assert int(sh.run("cat /tmp/b | cat | cat | wc -c").strip()) == size


def test_programs_from_bin_are_prepared_once_and_shared(sh):
    """The first run of a program from /bin leaves its prepared image with
    init (text and rodata, once); later runs take no more memory."""
    warm_up(sh, "free")
    before = free_kib(sh)
    assert sh.run("uptime").startswith("up ")
    after_first = free_kib(sh)
    assert after_first < before
    for _ in range(3):
        assert sh.run("uptime").startswith("up ")
    assert free_kib(sh) == after_first
