"""The VFS's cpio file system against archives made by GNU cpio: the host
helper build/host/vfs_cpio_ls mounts an archive at /bin of a VFS (user/vfs)
and lists it; the listing must match `cpio -t` and the files on disk."""

import os
import random
import subprocess

import pytest

from conftest import BUILD, require

HELPER = BUILD / "host" / "vfs_cpio_ls"


def make_tree(root):
    rng = random.Random(6)
    (root / "bin").mkdir()
    (root / "empty").mkdir()
    (root / "etc" / "deep" / "deeper").mkdir(parents=True)
    sizes = {"bin/zero": 0, "bin/one": 1, "bin/block": 4096, "bin/odd": 4095,
             "etc/deep/big": 70001, "etc/deep/deeper/x": 3, "top": 17}
    for name, size in sizes.items():
        (root / name).write_bytes(bytes(rng.randrange(256) for _ in range(size)))


def archive(src, fmt="newc", names=None):
    listing = names if names is not None else subprocess.run(
        ["find", "."], cwd=src, capture_output=True, text=True, check=True).stdout
    proc = subprocess.run(["cpio", "-o", "-H", fmt], cwd=src, input=listing.encode(),
                          capture_output=True, check=True)
    return proc.stdout


def run_helper(path, *args):
    return subprocess.run([require(HELPER), str(path), *args], capture_output=True, timeout=30)


def parse_listing(out):
    entries = {}
    for line in out.decode().splitlines():
        kind, rest = line.split(" ", 1)
        if kind == "d":
            entries[rest] = None
        else:
            name, size = rest.rsplit(" ", 1)
            entries[name] = int(size)
    return entries


def cpio_t(data):
    proc = subprocess.run(["cpio", "-t"], input=data, capture_output=True, check=True)
    names = {n[2:] if n.startswith("./") else n for n in proc.stdout.decode().splitlines()}
    names.discard(".")
    return names


@pytest.mark.parametrize("fmt", ["newc", "crc"])
def test_listing_matches_cpio_t_and_disk(tmp_path, fmt):
    src = tmp_path / "src"
    src.mkdir()
    make_tree(src)
    data = archive(src, fmt)
    (tmp_path / "a.cpio").write_bytes(data)
    proc = run_helper(tmp_path / "a.cpio")
    assert proc.returncode == 0, proc.stderr.decode()
    entries = parse_listing(proc.stdout)
    assert set(entries) == cpio_t(data)
    for name, size in entries.items():
        disk = src / name
        if size is None:
            assert disk.is_dir(), name
            continue
        assert size == disk.stat().st_size, name
        cat = run_helper(tmp_path / "a.cpio", "cat", name)
        assert cat.returncode == 0, cat.stderr.decode()
        assert cat.stdout == disk.read_bytes(), name


def test_directories_implied_by_paths(tmp_path):
    src = tmp_path / "src"
    (src / "sub" / "deep").mkdir(parents=True)
    (src / "sub" / "deep" / "file").write_bytes(b"payload")
    data = archive(src, names="sub/deep/file\n")
    assert cpio_t(data) == {"sub/deep/file"}
    (tmp_path / "a.cpio").write_bytes(data)
    proc = run_helper(tmp_path / "a.cpio")
    assert proc.returncode == 0, proc.stderr.decode()
    assert parse_listing(proc.stdout) == {"sub": None, "sub/deep": None, "sub/deep/file": 7}


def test_truncated_archive_is_rejected(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    make_tree(src)
    data = archive(src)
    trailer = data.rfind(b"TRAILER!!!")
    for cut in (0, 50, len(data) // 2, trailer - 110):
        (tmp_path / "t.cpio").write_bytes(data[:cut])
        proc = run_helper(tmp_path / "t.cpio")
        assert proc.returncode == 1, cut
        assert proc.stderr.decode().startswith("cpiofs: "), proc.stderr.decode()


def test_other_cpio_formats_are_rejected(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_bytes(b"x")
    (tmp_path / "odc.cpio").write_bytes(archive(src, "odc"))
    proc = run_helper(tmp_path / "odc.cpio")
    assert proc.returncode == 1
    assert "bad magic" in proc.stderr.decode()
