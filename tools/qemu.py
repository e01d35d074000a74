#!/usr/bin/python3
"""Run a LakeOS image in QEMU's raspi3b machine.

One place decides the QEMU command line for `make run`, `make debug`, the
tests and the benchmarks.

As a program:
    tools/qemu.py --interactive IMAGE      console on this terminal (make run)
    tools/qemu.py --interactive --gdb IMAGE   halted, gdb stub on :1234
    tools/qemu.py [--timeout S] [--semihosting] [--icount] [--append ARGS] IMAGE
        batch run: copy the serial output to stdout and exit with QEMU's
        status (a test image sets it through semihosting), or 124 if the
        timeout ran out and QEMU had to be killed.

As a module (tests):
    run_image(image, timeout=..., ...) -> Result(status, output, timed_out)
    spawn(image, ...) -> pexpect.spawn on the serial console
"""

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass

QEMU = "qemu-system-aarch64"
TIMEOUT_STATUS = 124


def qemu_command(image, *, interactive=True, gdb=False, icount=False,
                 semihosting=False, append=None, extra=()):
    """The argument list for one QEMU run of image."""
    cmd = [QEMU, "-M", "raspi3b", "-kernel", image, "-display", "none"]
    if interactive:
        # Ctrl-C goes to the guest (signal=off); Ctrl-A X quits, Ctrl-A C
        # toggles the QEMU monitor.
        cmd += ["-chardev", "stdio,id=con,mux=on,signal=off",
                "-serial", "chardev:con", "-mon", "chardev=con,mode=readline"]
    else:
        cmd += ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
                "-monitor", "none"]
    if semihosting:
        cmd += ["-semihosting-config", "enable=on,target=native,userspace=on"]
    if icount:
        # One instruction per virtual nanosecond; idle time is skipped.
        cmd += ["-icount", "shift=0,sleep=off"]
    if append:
        cmd += ["-append", append]
    if gdb:
        cmd += ["-s", "-S"]
    cmd += list(extra)
    return cmd


@dataclass
class Result:
    status: int           # QEMU's exit status (TIMEOUT_STATUS if killed)
    output: str           # everything the serial console printed
    timed_out: bool


def run_image(image, timeout=60, **options):
    """Boots image without a terminal and waits for QEMU to exit."""
    cmd = qemu_command(image, interactive=False, **options)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    timed_out = False
    try:
        raw, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        raw, _ = proc.communicate()
    output = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    status = TIMEOUT_STATUS if timed_out else proc.returncode
    return Result(status, output, timed_out)


def spawn(image, timeout=30, **options):
    """Boots image on a pseudo-terminal, as a person at `make run` would see it."""
    import pexpect  # only the interactive tests need it

    cmd = qemu_command(image, interactive=True, **options)
    return pexpect.spawn(cmd[0], cmd[1:], timeout=timeout, encoding="utf-8",
                         codec_errors="replace", dimensions=(50, 200))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image")
    parser.add_argument("--interactive", action="store_true",
                        help="console on this terminal (quit with Ctrl-A X)")
    parser.add_argument("--gdb", action="store_true", help="start halted with a gdb stub on :1234")
    parser.add_argument("--icount", action="store_true",
                        help="deterministic instruction counting (-icount shift=0,sleep=off)")
    parser.add_argument("--semihosting", action="store_true",
                        help="let the image end QEMU with an exit status")
    parser.add_argument("--append", help="kernel command line")
    parser.add_argument("--timeout", type=float, default=60,
                        help="batch mode: seconds before QEMU is killed")
    args = parser.parse_args()

    if not os.path.exists(args.image):
        sys.exit(f"qemu.py: {args.image}: no such image (run make first)")
    options = dict(gdb=args.gdb, icount=args.icount, semihosting=args.semihosting,
                   append=args.append)
    if args.interactive:
        if sys.stdin.isatty():
            print("LakeOS console: quit with Ctrl-A X (Ctrl-A C: QEMU monitor).", flush=True)
        cmd = qemu_command(args.image, interactive=True, **options)
        os.execvp(cmd[0], cmd)
    result = run_image(args.image, timeout=args.timeout, **options)
    sys.stdout.write(result.output)
    if result.timed_out:
        print(f"\nqemu.py: timed out after {args.timeout:g} s", file=sys.stderr)
    sys.exit(result.status)


if __name__ == "__main__":
    main()
