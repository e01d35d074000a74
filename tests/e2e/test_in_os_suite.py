"""The in-OS test suite (user/tests) as pytest cases: the kernel-ostest
image runs every test in a fresh child process and prints one line per
test; each line becomes its own pytest case here."""

import re

import pytest

import qemu
from conftest import BUILD, require

OSTEST_IMAGE = BUILD / "kernel-ostest" / "kernel8.img"
LINE = re.compile(r"^\[(PASS|FAIL)\] (\S+)(?:: (.*))?$", re.M)


@pytest.fixture(scope="module")
def suite():
    image = require(OSTEST_IMAGE)
    # -icount: deterministic, and idle time costs nothing.
    result = qemu.run_image(image, timeout=600, semihosting=True, icount=True)
    return result


def test_suite_runs_to_completion_and_exits_with_its_status(suite):
    summary = re.search(r"^(\d+) passed, (\d+) failed$", suite.output, re.M)
    assert summary, suite.output[-3000:]
    assert not suite.timed_out
    failed = int(summary.group(2))
    assert suite.status == (1 if failed else 0), suite.output[-3000:]
    assert "KERNEL PANIC" not in suite.output


def test_suite_has_enough_tests_and_negative_ones(suite):
    names = [m.group(2) for m in LINE.finditer(suite.output)]
    assert len(names) >= 150, len(names)
    assert len(set(names)) == len(names)
    categories = {name.rsplit("_", 1)[0] for name in names}
    for category in ["UNTYPED", "CNODE", "CDT", "TCB", "IPC", "NOTIF", "FAULT", "VSPACE",
                     "ASID", "IRQ", "SCHED", "FPU", "BOOTINFO", "NEGATIVE"]:
        assert category in categories, f"no {category} tests"


def in_os_tests():
    """Names of the in-OS tests, read from the test sources."""
    from conftest import ROOT
    names = []
    for path in sorted((ROOT / "user" / "tests").glob("*.c")):
        names += re.findall(r"^TEST(?:_ROOT)?\((\w+),", path.read_text(), re.M)
    return sorted(names)


@pytest.mark.parametrize("name", in_os_tests())
def test_in_os(suite, name):
    for m in LINE.finditer(suite.output):
        if m.group(2) == name:
            assert m.group(1) == "PASS", f"{name}: {m.group(3)}"
            return
    pytest.fail(f"{name} did not run (suite output ends: {suite.output[-500:]!r})")


def test_suite_passes_when_every_third_preemption_point_stops():
    """preempt_stress makes Delete, Revoke and Retype stop and restart
    constantly: every restart path must leave things consistent."""
    image = require(OSTEST_IMAGE)
    result = qemu.run_image(image, timeout=600, semihosting=True, icount=True,
                            append="preempt_stress")
    assert "preemption stress mode" in result.output
    summary = re.search(r"^(\d+) passed, (\d+) failed$", result.output, re.M)
    assert summary, result.output[-3000:]
    failures = [m.group(0) for m in LINE.finditer(result.output) if m.group(1) == "FAIL"]
    assert int(summary.group(2)) == 0, failures
    assert result.status == 0
