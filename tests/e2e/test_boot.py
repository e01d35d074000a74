"""End-to-end: boot the release image as `make run` does and watch the
serial console like a person would."""

import re
import subprocess

import pexpect

import qemu
from conftest import ROOT

CTRL_A = "\x01"
CTRL_C = "\x03"


def wait_for_banner(console):
    console.expect(r"LakeOS (\d+\.\d+\.\d+) \((\S+)\), a capability microkernel for AArch64")
    console.expect(r"(\d) cores: core 0 running, (\d) parked")
    cores, parked = int(console.match.group(1)), int(console.match.group(2))
    console.expect(r"kernel: (\d+) KiB at 0xffff000000080000")
    return cores, parked


def quit_qemu(console):
    console.send(CTRL_A + "x")
    console.expect(pexpect.EOF)
    console.close()
    return console.exitstatus


def test_banner_reports_version_cores_memory_and_kernel_size(release_image):
    console = qemu.spawn(release_image)
    try:
        console.expect(r"LakeOS 0\.1\.0 \(")
        console.expect(r"platform: Raspberry Pi 3 \(BCM2837\), board revision 0xa02082")
        console.expect(r"4 cores: core 0 running, 3 parked")
        console.expect(r"memory map \(RAM size from firmware mailbox\):")
        console.expect(r"0x00000000-0x3bffffff  RAM +960 MiB")
        console.expect(r"0x00080000-0x[0-9a-f]{8} +kernel image +\d+ KiB")
        console.expect(r"0x3f000000-0x3fffffff  peripherals +16 MiB")
        console.expect(r"0x40000000-0x400000ff  local controller +256 bytes")
        console.expect(r"kernel: (\d+) KiB at 0xffff000000080000 \(text (\d+) KiB")
        assert 0 < int(console.match.group(1)) < 8 * 1024
        console.expect(r"timer: generic timer at 62500000 Hz, tick 100 Hz")
    finally:
        assert quit_qemu(console) == 0


def test_tick_line_once_per_second_of_guest_time(test_image):
    # The test image keeps the kernel's heartbeat line (the release image
    # is silent once the shell runs). Under -icount with sleep=off, guest
    # time is exact and idle time is skipped, so the test neither waits nor
    # depends on the host's speed.
    console = qemu.spawn(test_image, icount=True)
    try:
        wait_for_banner(console)
        uptimes = []
        for n in range(1, 6):
            console.expect(rf"tick {n}: uptime (\d+)\.(\d{{3}}) s")
            uptimes.append(int(console.match.group(1)) * 1000 + int(console.match.group(2)))
        steps = [b - a for a, b in zip(uptimes, uptimes[1:])]
        assert steps == [1000] * 4, uptimes
    finally:
        quit_qemu(console)


def test_ctrl_c_reaches_the_guest_and_ctrl_a_x_quits(test_image):
    console = qemu.spawn(test_image, icount=True)
    wait_for_banner(console)
    console.expect(r"tick 1:")
    console.send(CTRL_C)
    # QEMU is still alive and the kernel keeps ticking.
    console.expect(r"tick 2:")
    console.expect(r"tick 3:")
    assert console.isalive()
    assert quit_qemu(console) == 0


def test_make_run_boots_to_the_console(release_image):
    console = pexpect.spawn("make", ["--no-print-directory", "run"], cwd=str(ROOT),
                            timeout=120, encoding="utf-8", codec_errors="replace")
    console.expect(r"quit with Ctrl-A X")
    cores, parked = wait_for_banner(console)
    assert (cores, parked) == (4, 3)
    console.expect(r"lake:/\$ ")
    assert quit_qemu(console) == 0


def test_gdb_stub_stops_at_kernel_main_with_symbols(release_image):
    qemu_proc = subprocess.Popen(qemu.qemu_command(release_image, interactive=False, gdb=True),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    try:
        gdb = subprocess.run(
            [str(ROOT / "tools" / "gdb.sh"), "-batch", "-ex", "break kernel_main",
             "-ex", "continue", "-ex", "bt 1"],
            capture_output=True, text=True, timeout=120)
        out = gdb.stdout + gdb.stderr
        assert re.search(r"hit Breakpoint \d+(\.\d+)?, kernel_main \(boot_arg=256\)", out), out
        assert "kernel/core/main.c" in out
    finally:
        qemu_proc.kill()
        qemu_proc.wait()
