#!/usr/bin/python3
"""Checks an object built with the fast-path flags (kernel/kernel.mk).

The fast paths run while x10-x29 still hold the interrupted thread's
values (kernel/core/fastpath.c), so their code may store those registers
(fast_save_rest does) but never write them, and may call only the
functions listed below. GCC's -ffixed-xN makes that so; this check keeps
it so if a flag or an asm statement goes wrong.

usage: check_fastpath.py OBJDUMP OBJECT
"""

import re
import subprocess
import sys

FIXED = re.compile(r"\b[xw](1\d|2\d)\b")
CALL = re.compile(r"\bbl?\s+[0-9a-f]+ <([A-Za-z_][A-Za-z_0-9]*)(?:\+0x[0-9a-f]+)?>")

# Callees compiled with the same flags, or assembly that saves or restores
# whole frames (vectors.S), may run at any time.
ANYTIME = {"fastpath_return", "context_restore", "frame_map_fast", "tcb_ttbr0_refresh",
           "tcb_cspace_refresh", "tcb_first"}
# Ordinary kernel code: fastpath.c calls these only after fast_save_rest
# (or, in fastpath_fault, with the frame complete).
AFTER_SAVE = {"syscall_invoke_call", "fpu_load_eagerly", "sched_switch_to"}


def main():
    objdump, obj = sys.argv[1], sys.argv[2]
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", obj], check=True,
                         capture_output=True, text=True).stdout
    errors = []
    function = "?"
    # Functions of this object were built with the same flags.
    local = set(re.findall(r"^[0-9a-f]+ <(\S+)>:", out, re.M))
    for line in out.splitlines():
        head = re.match(r"^[0-9a-f]+ <(\S+)>:", line)
        if head:
            function = head.group(1)
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not re.match(r"^\s*[0-9a-f]+:$", parts[0]):
            continue
        insn = " ".join(parts[1:]).split("//")[0].strip()
        mnemonic, _, operands = insn.partition(" ")
        call = CALL.search(insn)
        if call and mnemonic in ("bl", "b") and call.group(1) != function:
            callee = call.group(1)
            if mnemonic == "bl" and callee not in ANYTIME | AFTER_SAVE | local:
                errors.append(f"{function}: calls {callee}, which may change x10-x29")
            continue
        if not FIXED.search(operands):
            continue
        # A store reads its data registers: fine unless the base register
        # is one of them (written back) or the data is not a fixed register.
        store = re.match(r"^(st[pr])\s+(.*?),\s*\[(\w+)(.*)$", f"{mnemonic} {operands}")
        if store and not FIXED.search(store.group(3)):
            continue
        errors.append(f"{function}: '{insn}' uses a register of x10-x29")
    for e in errors:
        print(f"check_fastpath: {obj}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
