"""Runs the host unit tests (build/host/test_*, built with ASan and UBSan),
one pytest case per unit test case so each shows up on its own."""

import subprocess

import pytest

from conftest import BUILD, ROOT


def unit_cases():
    names = []
    for mk in sorted((ROOT / "tests" / "unit").glob("*.mk")):
        for line in mk.read_text().splitlines():
            if line.startswith("UNIT_TESTS"):
                names += line.split("=", 1)[1].split()
    cases = []
    for name in names:
        binary = BUILD / "host" / f"test_{name}"
        if not binary.exists():
            cases.append(pytest.param(binary, None, id=f"{name}-not-built"))
            continue
        listing = subprocess.run([binary, "--list"], capture_output=True, text=True, check=True)
        for case in listing.stdout.split():
            cases.append(pytest.param(binary, case, id=f"{name}::{case}"))
    return cases


@pytest.mark.parametrize("binary,case", unit_cases())
def test_unit(binary, case):
    if case is None:
        pytest.fail(f"{binary} is missing: run `make test`")
    proc = subprocess.run([binary, case], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"[PASS] {case}" in proc.stdout
