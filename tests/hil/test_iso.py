"""The GRUB image (build/highmem.iso, cmake/iso.cmake) boots in QEMU:
SeaBIOS -> El Torito -> GRUB on the serial console -> multiboot highmem.elf.

The ISO is found next to the image's build tree (build/image/highmem.elf ->
build/highmem.iso) or through $HIGHMEM_ISO.  QEMU is started by the
harness's QemuTarget with -cdrom ISO -boot d in place of -kernel, so the
whole boot path of a real PC (BIOS, boot sector, GRUB's serial terminal) is
exercised; only a harness-spawned QEMU can do that (qemu_only).
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import tempfile
import time

import pexpect
import pytest

import highmem_target as ht

pytestmark = pytest.mark.qemu_only(reason="boots the ISO in a QEMU the harness starts")


def iso_path(hil) -> str:
    env = os.environ.get("HIGHMEM_ISO")
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.dirname(hil.image)), "highmem.iso")


@pytest.fixture
def iso(hil):
    path = iso_path(hil)
    if not os.path.isfile(path):
        pytest.fail(f"{path} not found: build it with `cmake --build build --target iso` "
                    f"(part of `all`; needs grub-pc-bin, xorriso, mtools)", pytrace=False)
    return path


@pytest.fixture
def iso_target(request, hil, iso):
    """A QemuTarget booting the ISO from the CD drive; not booted yet."""
    t = hil.new_target(request.node.name)
    argv = list(t.argv)
    i = argv.index("-kernel")
    argv[i:i + 2] = ["-cdrom", iso, "-boot", "d"]
    t.argv = argv
    # GRUB's 3 s menu timeout and the BIOS come on top of the usual boot.
    t.boot_timeout = max(t.boot_timeout, 60.0)
    yield t
    hil.release(t)


def test_iso_is_hybrid(iso):
    with open(iso, "rb") as f:
        head = f.read(0x8006)
    assert head[510:512] == b"\x55\xaa", "no MBR boot signature: not a hybrid image (USB stick boot)"
    assert any(head[446 + 16 * i + 4] != 0 for i in range(4)), "MBR has no partition entry"
    assert head[0x8001:0x8006] == b"CD001", "no ISO 9660 volume descriptor"


def test_iso_boots_through_grub(iso_target):
    t = iso_target
    log = t.boot()
    assert "GNU GRUB" in log, "GRUB's menu did not appear on the serial console"
    m = re.search(r"Loader: (.*?)\r?\n", log)
    assert m, "no 'Loader:' line in the boot log"
    assert "GRUB" in m.group(1), f"Loader line says {m.group(1)!r}"
    assert "Boot option: large pages (PSE) disabled" not in log
    assert ht.parse_e820(log), "no e820 lines after a GRUB boot"
    assert "8086:1237" in t.cmd("lspci")


def _spawn_to_grub_menu(t):
    """Start the target's QEMU as QemuTarget.boot() does, but return at GRUB's menu."""
    fd, t._stderr_path = tempfile.mkstemp(prefix="highmem-qemu-", suffix=".stderr")
    os.close(fd)
    t.note("spawn: " + shlex.join(t.argv))
    env = dict(os.environ, HIGHMEM_QEMU_STDERR=t._stderr_path)
    child = pexpect.spawn("/bin/sh", ["-c", 'exec "$0" "$@" 2>>"$HIGHMEM_QEMU_STDERR"'] + t.argv,
                          encoding=None, echo=False, env=env, preexec_fn=ht._raw_stdin, maxread=65536)
    t._attach(child)
    fcntl.fcntl(child.child_fd, fcntl.F_SETFL, fcntl.fcntl(child.child_fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    t.expect("executed automatically", timeout=60)


def test_iso_second_entry_nopse(iso_target):
    """Pick the second menu entry over the serial line (down arrow, Enter): GRUB reads the serial port too."""
    t = iso_target
    t0 = time.monotonic()
    _spawn_to_grub_menu(t)
    t.send_raw(b"\x1b[B")
    t.send_raw(b"\r")
    log = t._boot_wait(t0)
    assert "Boot option: large pages (PSE) disabled" in log
    m = re.search(r"Command line: (.*?)\r?\n", log)
    assert m and "nopse" in m.group(1), f"command line: {m.group(1) if m else None!r}"
    assert "Loader: GRUB" in log
