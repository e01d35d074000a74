#!/bin/sh
# Attach gdb-multiarch to a QEMU started by `make debug`, with the kernel's
# symbols loaded. Extra arguments go to gdb (e.g. -ex 'break kernel_main').
cd "$(dirname "$0")/.." || exit 1
exec gdb-multiarch -q -x tools/gdbinit "$@"
