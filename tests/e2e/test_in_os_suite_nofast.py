"""The in-OS test suite on a kernel built without the fast paths
(CONFIG_FASTPATH=0): the general IPC, notification and fault paths alone
must give the results the fast paths give, so every test must pass."""

import re

import qemu
from conftest import BUILD, require

NOFAST_IMAGE = BUILD / "kernel-ostest-nofast" / "kernel8.img"
LINE = re.compile(r"^\[(PASS|FAIL)\] (\S+)(?:: (.*))?$", re.M)


def test_in_os_suite_passes_with_the_fast_paths_compiled_out():
    image = require(NOFAST_IMAGE)
    result = qemu.run_image(image, timeout=600, semihosting=True, icount=True)
    summary = re.search(r"^(\d+) passed, (\d+) failed$", result.output, re.M)
    assert summary, result.output[-3000:]
    failures = [m.group(0) for m in LINE.finditer(result.output) if m.group(1) == "FAIL"]
    assert int(summary.group(2)) == 0, failures
    assert int(summary.group(1)) >= 150, summary.group(0)
    assert "KERNEL PANIC" not in result.output
    assert result.status == 0
