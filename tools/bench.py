#!/usr/bin/python3
"""`make bench`: LakeOS benchmarks, one `BENCH <name> <value> <unit>` line each.

Wall-clock figures are medians over several runs of the host's time from
starting QEMU to a line on the serial console, with the same QEMU options as
`make run`. Instruction counts (under -icount) come with the kernel
benchmarks.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import qemu  # noqa: E402

RUNS = 5


def wall_ms_to(pattern, image):
    start = time.monotonic()
    console = qemu.spawn(image, timeout=60)
    console.expect(pattern)
    elapsed = (time.monotonic() - start) * 1000
    console.terminate(force=True)
    return elapsed


def bench(name, value, unit):
    print(f"BENCH {name} {value} {unit}", flush=True)


def main():
    image = str(ROOT / "build" / "kernel8.img")
    bench("kernel_image_bytes", os.path.getsize(image), "bytes")
    samples = [wall_ms_to(r"timer: generic timer", image) for _ in range(RUNS)]
    bench("boot_to_banner_ms", round(statistics.median(samples), 1), "ms")


if __name__ == "__main__":
    main()
