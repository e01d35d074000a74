"""Shared pytest set-up for LakeOS: paths, images, and the summary line.

`make test` builds everything first; the tests only run what was built.
The last line of a run is `N passed, N failed` (errors count as failed).
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
sys.path.insert(0, str(ROOT / "tools"))

RELEASE_IMAGE = BUILD / "kernel8.img"
TEST_IMAGE = BUILD / "kernel-test" / "kernel8.img"


def require(path):
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make test` (it builds before testing)")
    return str(path)


@pytest.fixture
def release_image():
    return require(RELEASE_IMAGE)


@pytest.fixture
def test_image():
    return require(TEST_IMAGE)


def pytest_unconfigure(config):
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    stats = reporter.stats
    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    skipped = len(stats.get("skipped", []))
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line, flush=True)
