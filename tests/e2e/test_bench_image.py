"""The benchmark image runs to completion and reports every figure (the
figures themselves are for `make bench`, not asserted here)."""

import re

import qemu
from conftest import BUILD, require

EXPECTED = [
    "null_syscall", "yield", "yield_switch", "ipc_call_roundtrip", "ipc_call_roundtrip_4w",
    "ipc_call_oneway", "ipc_replyrecv_oneway", "ipc_call_roundtrip_fpu",
    "notification_roundtrip", "signal_noswitch", "fault_roundtrip", "frame_map",
    "retype_frame", "irq_to_user",
    "rpc_roundtrip", "rpc_async_batch64",
    "pager_fault", "malloc_free", "thread_create_join", "spawn_exit_wait",
]


def test_bench_image_reports_every_figure():
    image = require(BUILD / "kernel-bench" / "kernel8.img")
    result = qemu.run_image(image, timeout=300, semihosting=True, icount=True)
    assert result.status == 0, result.output[-3000:]
    figures = dict(re.findall(r"^BENCH (\S+) (\d+) insns$", result.output, re.M))
    for name in EXPECTED:
        assert f"{name}_kernel" in figures, name
        assert f"{name}_total" in figures, name
        assert int(figures[f"{name}_kernel"]) <= int(figures[f"{name}_total"]), name
    assert "boot_to_roottask" in figures
