"""The initial file system, build/initfs.cpio (user/user.mk): a GNU cpio
newc archive holding every /bin program (user/bin/<name>/) under its plain
name, plus console, timer and sh (the shell) once they are programs, each
a stripped AArch64 ELF executable. `make test` builds it first."""

import struct
import subprocess

import pytest

from conftest import BUILD, ROOT, require

INITFS = BUILD / "initfs.cpio"
SERVERS = {"console": "console", "timer": "timer", "shell": "sh"}


def bin_programs():
    return sorted(p.name for p in (ROOT / "user" / "bin").iterdir()
                  if p.is_dir() and p.name != "common")


def listing():
    proc = subprocess.run(["cpio", "-t", "--quiet"], stdin=open(require(INITFS), "rb"),
                          capture_output=True, text=True, check=True)
    return proc.stdout.split()


def members():
    """name -> (mode, data) for every file in the archive (newc format)."""
    require(INITFS)
    data = INITFS.read_bytes()
    out, pos = {}, 0
    while True:
        header = data[pos:pos + 110]
        assert header[:6] == b"070701", f"not a newc header at {pos}"
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name = data[pos + 110:pos + 110 + namesize - 1].decode()
        pos = (pos + 110 + namesize + 3) & ~3
        if name == "TRAILER!!!":
            return out
        out[name] = (mode, data[pos:pos + size])
        pos = (pos + size + 3) & ~3


def test_every_bin_program_is_listed():
    names = set(listing())
    missing = [p for p in bin_programs() if p not in names]
    assert not missing, f"not in {INITFS}: {missing}"


def test_core_programs_of_issue_6_are_there():
    expected = {"echo", "ls", "cat", "mkdir", "rmdir", "rm", "touch", "cp", "mv", "wc",
                "ps", "kill", "free", "uptime", "sleep", "shutdown"}
    assert expected <= set(listing())


def test_nothing_else_and_sorted():
    names = listing()
    allowed = set(bin_programs()) | set(SERVERS.values())
    assert set(names) <= allowed, f"unexpected: {set(names) - allowed}"
    assert names == sorted(names, key=lambda n: n.encode()), "not in LC_ALL=C order"
    assert len(names) == len(set(names))


def test_servers_come_with_their_programs():
    mk = (ROOT / "user" / "user.mk").read_text()
    programs = []
    for line in mk.splitlines():
        if line.startswith("USER_PROGRAMS"):
            programs += line.split("=", 1)[1].split()
    names = set(listing())
    for program, name in SERVERS.items():
        if program in programs:
            assert name in names, f"{program} is a program but /bin/{name} is missing"


@pytest.mark.parametrize("name", bin_programs())
def test_member_is_stripped_aarch64_executable(name):
    files = members()
    assert name in files
    mode, elf = files[name]
    assert mode & 0o170000 == 0o100000, "not a regular file"
    assert mode & 0o111, "not executable"
    assert elf[:4] == b"\x7fELF" and elf[4] == 2 and elf[5] == 1, "not a 64-bit LE ELF"
    e_type, e_machine = struct.unpack_from("<HH", elf, 16)
    assert e_type == 2 and e_machine == 183, "not an AArch64 executable"
    shoff, = struct.unpack_from("<Q", elf, 40)
    shentsize, shnum = struct.unpack_from("<HH", elf, 58)
    for i in range(shnum):
        sh_type, = struct.unpack_from("<I", elf, shoff + i * shentsize + 4)
        assert sh_type != 2, "has a symbol table: not stripped"
