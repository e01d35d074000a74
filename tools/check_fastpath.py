#!/usr/bin/python3
"""Checks an object built with the fast-path flags (kernel/kernel.mk).

The fast paths run while x10-x30 still hold the interrupted thread's
values and SP still points at its frame (kernel/core/fastpath.c), so their
code may store those registers (fast_save_rest does) but never write them,
must not use the stack (but for fastpath_invoke, entered on the kernel
stack), and leave by jumping (FAST_JUMP*, FAST_BAIL) to an exit that never
returns: no call and no return. GCC's -ffixed-xN, inlining and those jumps
make that so; this check keeps it so if a flag, an inlining decision or an
asm statement goes wrong.

usage: check_fastpath.py OBJDUMP OBJECT
"""

import re
import subprocess
import sys

FIXED = re.compile(r"\b[xw](1\d|2\d|30)\b")
CALL = re.compile(r"\bbl?\s+[0-9a-f]+ <([A-Za-z_][A-Za-z_0-9]*)(?:\+0x[0-9a-f]+)?>")

# Where a fast path may jump to leave (besides this object's functions).
NORETURN = {"fastpath_return", "context_restore", "fastpath_invoke_general",
            "fastpath_enter_general", "fastpath_invoke_kstack", "syscall_general",
            "fault_general", "irq_general"}
# Entered on the kernel stack (vectors.S): they may use it, but x10-x30 are
# still the thread's.
ON_KERNEL_STACK = {"fastpath_invoke"}
SP = re.compile(r"\b(w?sp)\b")


def main():
    objdump, obj = sys.argv[1], sys.argv[2]
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", obj], check=True,
                         capture_output=True, text=True).stdout
    errors = []
    function = "?"
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
            if mnemonic == "bl":
                errors.append(f"{function}: calls {callee} (a fast path only jumps)")
            elif callee not in NORETURN and callee not in local:
                errors.append(f"{function}: jumps to {callee}, which may return")
            continue
        if mnemonic == "ret":
            errors.append(f"{function}: returns (a fast path only jumps)")
            continue
        if SP.search(operands) and function not in ON_KERNEL_STACK:
            errors.append(f"{function}: '{insn}' uses the stack")
            continue
        if not FIXED.search(operands):
            continue
        # A store of x10-x30 reads them: fine unless the base register is
        # one of them (written back).
        store = re.match(r"^(st[pr])\s+(.*?),\s*\[(\w+)(.*)$", f"{mnemonic} {operands}")
        if store and not FIXED.search(store.group(3)):
            continue
        errors.append(f"{function}: '{insn}' uses a register of x10-x30")
    for e in errors:
        print(f"check_fastpath: {obj}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
