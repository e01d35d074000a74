#!/usr/bin/python3
"""Profile one traced interval of the benchmark image, by function.

Runs build/kernel-bench/kernel8.img under QEMU (-icount shift=0) with a gdb
stub. gdb stops at `bench_profile_mark` (user/benchchild/counters.h) in the
root task (or --in benchchild) with x0 = MARK (1: one spawn_exit_wait; 3: one
pager_fault, 5: one thread_create_join, both --in benchchild), turns QEMU's
log on (in_asm,exec,nochain: every translated block and every block
executed), and turns it off again at the call with x0 = MARK + 1.
Inserting the second breakpoint flushes QEMU's translation cache, so every
block executed in the interval is translated (and printed) again.

Each executed block is matched with its translation (the first execution of
a block follows its translation in the log) and its instructions are
attributed to functions: kernel addresses through build/kernel-bench's
kernel.elf, user addresses through whichever of the given user ELF files
holds the block's instruction words at that address (the root task and its
children share virtual addresses, not contents).

    tools/profile.py [--in ELF] [--mark N] [--elf NAME=PATH ...] [--top N] [--keep-log FILE]

Prints the instructions of the interval per image (kernel, bench,
minimal, ...), the functions with the most instructions (self), and an
inclusive view: per user function, its own instructions plus those of the
functions it called and the kernel work of its system calls (a shadow call
stack per image, kept from `bl`/`blr` and returns). Figures are within a
few instructions of the PMU's (a block cut short by an exception counts
whole).
"""

import argparse
import bisect
import collections
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CROSS = "aarch64-linux-gnu-"
KERNEL_BASE = 0xFFFF000000000000


class Image:
    """Symbols and loadable bytes of one ELF file."""

    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.segments = []          # (vaddr, bytes)
        self.starts, self.names = [], []
        self._load_segments()
        self._load_symbols()

    def _load_segments(self):
        data = open(self.path, "rb").read()
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
        for i in range(phnum):
            p_type, _flags, off, vaddr, _pa, filesz, _memsz, _al = struct.unpack_from(
                "<IIQQQQQQ", data, phoff + i * phentsize)
            if p_type == 1 and filesz:
                self.segments.append((vaddr, data[off:off + filesz]))

    def _load_symbols(self):
        out = subprocess.run([CROSS + "nm", "-n", "--defined-only", self.path],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.starts.append(int(parts[0], 16))
                self.names.append(parts[2])

    def word(self, addr):
        for vaddr, data in self.segments:
            if vaddr <= addr < vaddr + len(data) - 3:
                return struct.unpack_from("<I", data, addr - vaddr)[0]
        return None

    def holds(self, block):
        return all(self.word(pc) == w for pc, w in block.insns[:8])

    def symbol(self, addr):
        i = bisect.bisect_right(self.starts, addr) - 1
        return self.names[i] if i >= 0 else hex(addr)


class Block:
    def __init__(self, insns, text):
        self.insns = insns              # [(pc, word)]
        self.text = text                # disassembly of the last instruction
        self.image = None

    @property
    def pc(self):
        return self.insns[0][0]


IN_LINE = re.compile(r"^0x([0-9a-f]+):\s+([0-9a-f]{8})\s+(.*)$")
TRACE = re.compile(r"^Trace \d+: (0x[0-9a-f]+) \[[0-9a-f]+/([0-9a-f]+)/")


def parse_log(path):
    """Yields the executed blocks in order."""
    pending = {}                        # pc -> block translated, not yet run
    by_ptr = {}
    current = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("IN:"):
                current = []
                continue
            if current is not None:
                m = IN_LINE.match(line)
                if m:
                    current.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
                    continue
                if current:
                    insns = [(pc, w) for pc, w, _ in current]
                    pending[insns[0][0]] = Block(insns, current[-1][2])
                current = None
            m = TRACE.match(line)
            if not m:
                continue
            ptr, pc = m.group(1), int(m.group(2), 16)
            block = pending.pop(pc, None)
            if block is not None:
                by_ptr[ptr] = block
            else:
                block = by_ptr.get(ptr)
                if block is None or block.pc != pc:
                    continue            # translated before the log was on
            yield block


def trace(args, log):
    """Runs the image until the second mark, with the log on in between."""
    marker = args.images[args.in_elf]
    mark = marker.starts[marker.names.index("bench_profile_mark")]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    image = os.path.join(ROOT, "build/kernel-bench/kernel8.img")
    qemu = subprocess.Popen(
        ["qemu-system-aarch64", "-M", "raspi3b", "-kernel", image, "-display", "none",
         "-serial", "null", "-monitor", "none",
         "-semihosting-config", "enable=on,target=native,userspace=on",
         "-icount", "shift=0,sleep=off", "-D", log, "-gdb", f"tcp::{port}", "-S"],
        stdin=subprocess.DEVNULL)
    # A breakpoint in a child's code must wait until the root task's own
    # measurements (which its addresses share) are over.
    bench = args.images["bench"]
    start = "" if args.in_elf == "bench" else (
        f"break *{bench.starts[bench.names.index('bench_runtime')]:#x}\ncontinue\ndelete\n")
    script = f"""set pagination off
set confirm off
set architecture aarch64
target remote localhost:{port}
{start}break *{mark:#x} if $x0 == {args.mark}
continue
delete
monitor log in_asm,exec,nochain
break *{mark:#x} if $x0 == {args.mark + 1}
continue
monitor log none
kill
"""
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write(script)
    try:
        subprocess.run(["gdb-multiarch", "-q", "-batch", "-x", f.name],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=args.timeout)
    finally:
        os.unlink(f.name)
        qemu.kill()
        qemu.wait()


def is_call(text):
    return re.match(r"^(bl|blr)\b", text) is not None


def profile(args, log):
    kernel = Image("kernel", os.path.join(ROOT, "build/kernel-bench/kernel.elf"))
    users = [img for name, img in args.images.items()]
    per_image = collections.Counter()
    self_count = collections.Counter()
    calls = collections.Counter()
    inclusive = collections.Counter()
    stacks = collections.defaultdict(list)  # image -> [(function, return address)]
    last_user = None
    for block in parse_log(log):
        n = len(block.insns)
        pc = block.pc
        if pc >= KERNEL_BASE:
            img = kernel
        else:
            img = block.image
            if img is None:
                img = next((u for u in users if u.holds(block)), None)
                block.image = img or Image.__new__(Image)
                if img is None:
                    block.image.name, block.image.starts, block.image.names = "?", [], []
                    img = block.image
        func = img.symbol(pc) if img.starts else hex(pc)
        per_image[img.name] += n
        self_count[(img.name, func)] += n
        if img.starts:
            i = bisect.bisect_right(img.starts, pc) - 1
            if i >= 0 and img.starts[i] == pc:
                calls[(img.name, func)] += 1
        if img is kernel:
            if last_user is not None:
                for f in {f for f, _ in stacks[last_user]}:
                    inclusive[(last_user, f)] += n
                inclusive[(last_user, "[kernel]")] += n
            continue
        last_user = img.name
        stack = stacks[img.name]
        # A return: pop to the frame whose return address this is.
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][1] == pc:
                del stack[i:]
                break
        if not stack or stack[-1][0] != func:
            if not stack:
                stack.append((func, None))
        for f in {f for f, _ in stack} | {func}:
            inclusive[(img.name, f)] += n
        if is_call(block.text):
            ret = block.insns[-1][0] + 4
            target = re.search(r"#0x([0-9a-f]+)", block.text)
            callee = img.symbol(int(target.group(1), 16)) if target else "?"
            stack.append((callee, ret))

    total = sum(per_image.values())
    print(f"total {total} instructions")
    for name, n in per_image.most_common():
        print(f"  {name:12} {n:9}")
    print(f"\nself, top {args.top}:")
    for (name, func), n in self_count.most_common(args.top):
        print(f"  {n:9}  {calls[(name, func)]:6}x  {name}:{func}")
    print(f"\ninclusive (user functions: own + callees + their kernel work), top {args.top}:")
    for (name, func), n in inclusive.most_common(args.top):
        print(f"  {n:9}  {calls[(name, func)]:6}x  {name}:{func}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--elf", action="append", default=[],
                        help="NAME=PATH of a user ELF file that runs in the interval")
    parser.add_argument("--in", dest="in_elf", default="bench",
                        help="the ELF whose bench_profile_mark starts the interval")
    parser.add_argument("--mark", type=int, default=1,
                        help="trace from the call with x0 = MARK to the one with MARK + 1")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--keep-log", help="keep QEMU's log in this file")
    parser.add_argument("--log", help="profile an existing log instead of running QEMU")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    elfs = {"bench": "build/user/bench.elf", "minimal": "build/user/minimal.elf",
            "benchchild": "build/user/benchchild.elf"}
    for spec in args.elf:
        name, _, path = spec.partition("=")
        elfs[name] = path
    args.images = {name: Image(name, os.path.join(ROOT, path)) for name, path in elfs.items()}
    if args.log:
        profile(args, args.log)
        return
    log = args.keep_log or tempfile.mktemp(suffix=".log")
    try:
        trace(args, log)
        profile(args, log)
    finally:
        if not args.keep_log and os.path.exists(log):
            os.unlink(log)


if __name__ == "__main__":
    sys.exit(main())
