#!/usr/bin/python3
"""`make bench`: LakeOS benchmarks, one `BENCH <name> <value> <unit>` line each.

Wall-clock figures are medians over several runs of the host's time from
starting QEMU to a line on the serial console, with the same QEMU options as
`make run`.

Instruction counts come from the benchmark image (build/kernel-bench, root
task user/bench): it runs under `-icount shift=0,sleep=off`, where the PMU's
INST_RETIRED counts are exact and the results deterministic, so it runs
once. Its BENCH lines are printed as they are; `<name>_kernel` counts EL1
instructions, `<name>_total` EL0 + EL1. See docs/PERFORMANCE.md.
"""

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import qemu  # noqa: E402

RUNS = 5
BENCH_IMAGE = ROOT / "build" / "kernel-bench" / "kernel8.img"
BENCH_TIMEOUT = 300
BENCH_LINE = re.compile(r"^BENCH \S+ \S+ \S+$")


def wall_ms_to(pattern, image):
    start = time.monotonic()
    console = qemu.spawn(image, timeout=60)
    console.expect(pattern)
    elapsed = (time.monotonic() - start) * 1000
    console.terminate(force=True)
    return elapsed


def bench(name, value, unit):
    print(f"BENCH {name} {value} {unit}", flush=True)


PROMPT = r"lake:\S*\$ "


def shell_command(console, command):
    """Types a command at the prompt; returns what it printed."""
    console.send(command + "\r")
    console.expect(PROMPT)
    return console.before.replace("\r", "")


def boot_to_prompt(image):
    """Instructions from reset to the first prompt (under -icount shift=0 one
    instruction is one ns of the system counter, which init reads when the
    shell first waits for input) and the memory free for programs then."""
    console = qemu.spawn(image, timeout=120, icount=True)
    try:
        console.expect(PROMPT)
        out = shell_command(console, "uptime -b")
        insns = re.search(r"boot to prompt: (\d+) ns", out)
        free = re.search(r"Mem: +\d+ +\d+ +(\d+)", shell_command(console, "free"))
    finally:
        console.terminate(force=True)
    if insns:
        bench("boot_to_prompt_insns", int(insns.group(1)), "insns")
    if free:
        bench("free_after_boot_kib", int(free.group(1)), "KiB")
    return 0 if insns and free else 1


def instruction_counts():
    """Runs the benchmark image; prints its BENCH lines. Returns the exit status."""
    if not BENCH_IMAGE.exists():
        print(f"bench.py: {BENCH_IMAGE}: no such image", file=sys.stderr)
        return 1
    result = qemu.run_image(str(BENCH_IMAGE), timeout=BENCH_TIMEOUT, semihosting=True,
                            icount=True)
    lines = [line for line in result.output.splitlines() if BENCH_LINE.match(line.strip())]
    for line in lines:
        print(line.strip(), flush=True)
    if result.status != 0 or not lines:
        why = "timed out" if result.timed_out else f"exit status {result.status}"
        print(f"bench.py: benchmark image failed ({why}); its output:", file=sys.stderr)
        sys.stderr.write(result.output)
        return 1
    return 0


def main():
    image = str(ROOT / "build" / "kernel8.img")
    bench("kernel_image_bytes", os.path.getsize(image), "bytes")
    samples = [wall_ms_to(r"timer: generic timer", image) for _ in range(RUNS)]
    bench("boot_to_banner_ms", round(statistics.median(samples), 1), "ms")
    samples = [wall_ms_to(PROMPT, image) for _ in range(RUNS)]
    bench("boot_to_prompt_ms", round(statistics.median(samples), 1), "ms")
    status = boot_to_prompt(image)
    sys.exit(instruction_counts() or status)


if __name__ == "__main__":
    main()
