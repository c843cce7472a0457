"""cmake/flash.sh: write an image to an image file or a block device, verify,
and refuse what must not be written.

The block-device cases use loop devices made from temporary files (losetup;
root only).  The "mounted" case puts an ext2 or vfat file system on a loop
device and mounts it.  Everything is detached and unmounted in finalizers.
Cases that need losetup or mount are skipped, with the reason, where the
machine does not allow them.  No target is booted: these run on the host.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FLASH = os.path.join(REPO, "cmake", "flash.sh")
IMAGE_BYTES = 3 * 1024 * 1024 + 517  # not a multiple of the block size


def run_flash(*args, stdin=subprocess.DEVNULL):
    return subprocess.run([FLASH, *args], capture_output=True, text=True, stdin=stdin, timeout=120)


@pytest.fixture
def image(tmp_path):
    p = tmp_path / "highmem-test.iso"
    p.write_bytes(os.urandom(IMAGE_BYTES))
    return p


def need_root_tools(*tools):
    if os.geteuid() != 0:
        pytest.skip("loop devices need root (losetup)")
    for t in tools:
        if not shutil.which(t):
            pytest.skip(f"{t} not installed")


@pytest.fixture
def loop(tmp_path, request):
    """Factory: loop(size_mib, partscan=False) -> /dev/loopN backed by a temp file."""
    need_root_tools("losetup")
    made = []

    def make(size_mib=16, partscan=False, mbr=False):
        backing = tmp_path / f"disk{len(made)}.raw"
        with open(backing, "wb") as f:
            f.truncate(size_mib << 20)
            if mbr:
                # One FAT16 (LBA) partition from 1 MiB to the end.
                sectors = (size_mib << 20) // 512
                entry = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x0E, b"\0\0\0", 2048, sectors - 2048)
                f.seek(446)
                f.write(entry)
                f.seek(510)
                f.write(b"\x55\xaa")
        args = ["losetup", "-f", "--show"] + (["-P"] if partscan else []) + [str(backing)]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"losetup not permitted here: {r.stderr.strip()}")
        dev = r.stdout.strip()
        made.append(dev)
        return dev, backing

    yield make
    for dev in made:
        subprocess.run(["losetup", "-d", dev], capture_output=True)


@pytest.fixture
def mounter(tmp_path):
    """Factory: mount(dev, fstype) makes a file system on dev and mounts it; unmounted afterwards."""
    mounted = []

    def mount(dev, fstype="ext2"):
        mkfs = {"ext2": ["mkfs.ext2", "-q", "-F"], "vfat": ["mkfs.vfat"]}[fstype]
        if not shutil.which(mkfs[0]):
            pytest.skip(f"{mkfs[0]} not installed")
        r = subprocess.run(mkfs + [dev], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        mp = tmp_path / f"mnt{len(mounted)}"
        mp.mkdir()
        r = subprocess.run(["mount", "-t", fstype, dev, str(mp)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount {fstype} here: {r.stderr.strip()}")
        mounted.append(mp)
        return mp

    yield mount
    for mp in reversed(mounted):
        subprocess.run(["umount", str(mp)], capture_output=True)


def test_usage_errors(image):
    assert run_flash().returncode == 2
    assert run_flash(str(image)).returncode == 2
    assert run_flash(str(image), "a", "b").returncode == 2
    assert run_flash(str(image), "x", "--bogus").returncode == 2
    r = run_flash("/nonexistent.iso", "out.img", "--yes")
    assert r.returncode == 1 and "not a regular file" in r.stderr


def test_image_file_written_and_verified(image, tmp_path):
    out = tmp_path / "stick.img"
    r = run_flash(str(image), str(out), "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.read_bytes() == image.read_bytes()
    assert "verifying" in r.stdout and "done:" in r.stdout
    # Shows what it will do: device, size, model, image size.
    for word in ("image :", "to    :", "size  :", "model :", str(IMAGE_BYTES)):
        assert word in r.stdout, r.stdout


def test_existing_image_file_keeps_its_tail(image, tmp_path):
    out = tmp_path / "card.img"
    out.write_bytes(b"\xa5" * (8 << 20))
    r = run_flash(str(image), str(out), "--yes")
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert len(data) == 8 << 20  # not truncated: a device keeps its size too
    assert data[:IMAGE_BYTES] == image.read_bytes()
    assert data[IMAGE_BYTES:] == b"\xa5" * ((8 << 20) - IMAGE_BYTES)


def test_asks_and_refuses_without_a_terminal(image, tmp_path):
    out = tmp_path / "x.img"
    r = run_flash(str(image), str(out))
    assert r.returncode == 1 and "no --yes" in r.stderr
    assert not out.exists()


def test_no_such_device_under_dev(image):
    r = run_flash(str(image), "/dev/highmem-no-such-device", "--yes")
    assert r.returncode == 1 and "does not exist" in r.stderr
    assert not os.path.exists("/dev/highmem-no-such-device")


def test_loop_device_not_removable_needs_force(image, loop):
    dev, backing = loop(16)
    r = run_flash(str(image), dev, "--yes")
    assert r.returncode == 1 and "not a removable" in r.stderr, r.stdout + r.stderr
    assert backing.read_bytes()[:IMAGE_BYTES] == bytes(IMAGE_BYTES)  # nothing written
    r = run_flash(str(image), dev, "--yes", "--force")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "NOT removable" in r.stdout and "16.0 MiB" in r.stdout
    with open(dev, "rb") as f:
        assert f.read(IMAGE_BYTES) == image.read_bytes()
    assert backing.read_bytes()[:IMAGE_BYTES] == image.read_bytes()


def test_device_smaller_than_image_refused(image, loop):
    dev, _ = loop(2)
    r = run_flash(str(image), dev, "--yes", "--force")  # --force does not override the size check
    assert r.returncode == 1 and "smaller than the image" in r.stderr, r.stderr


@pytest.mark.parametrize("fstype", ["ext2", "vfat"])
def test_mounted_device_refused_even_with_force(image, loop, mounter, fstype):
    dev, backing = loop(16)
    mp = mounter(dev, fstype)
    (mp / "keep.txt").write_text("still here\n")
    for extra in ([], ["--force"]):
        r = run_flash(str(image), dev, "--yes", *extra)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "mounted" in r.stderr, r.stderr
    assert (mp / "keep.txt").read_text() == "still here\n"
    # Its backing file is refused too.
    r = run_flash(str(image), str(backing), "--yes")
    assert r.returncode == 1 and "is mounted" in r.stderr, r.stderr


def test_mounted_partition_refuses_whole_device(image, loop, mounter):
    dev, _ = loop(16, partscan=True, mbr=True)
    part = dev + "p1"
    if not os.path.exists(part):
        pytest.skip(f"{part} did not appear: this kernel/container made no partition device for the loop device")
    mounter(part, "vfat")
    r = run_flash(str(image), dev, "--yes", "--force")
    assert r.returncode == 1 and part in r.stderr and "mounted" in r.stderr, r.stderr
    # And a partition named directly is refused as a partition or as mounted.
    r = run_flash(str(image), part, "--yes")
    assert r.returncode == 1


def test_partition_refused_without_force(image, loop):
    dev, _ = loop(16, partscan=True, mbr=True)
    part = dev + "p1"
    if not os.path.exists(part):
        pytest.skip(f"{part} did not appear: this kernel/container made no partition device for the loop device")
    r = run_flash(str(image), part, "--yes")
    assert r.returncode == 1 and "partition" in r.stderr, r.stderr


# ---------------------------------------------------------------------------
# The Galileo's JTAG route, as far as it goes without a board: OpenOCD 0.12
# with its dummy adapter parses our configuration (interface + OpenOCD's
# board/quark_x10xx_board.cfg + highmem_boot), creates the quark_x10xx.cpu
# target and starts its gdb server; the scan chain is junk, so the target is
# never examined and highmem_boot stops at `halt`.
# ---------------------------------------------------------------------------

GALILEO_CFG = os.path.join(REPO, "board", "galileo", "openocd", "galileo.cfg")
LOAD = os.path.join(REPO, "cmake", "galileo-load.sh")


def need_openocd():
    if not shutil.which("openocd"):
        pytest.skip("openocd not installed")


def openocd(*commands, iface="interface/dummy.cfg"):
    args = ["openocd", "-f", iface, "-f", GALILEO_CFG]
    for c in commands:
        args += ["-c", c]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_openocd_config_parses_with_dummy_adapter():
    need_openocd()
    r = openocd("shutdown")
    assert r.returncode == 0, r.stderr
    r = openocd("echo [target names]; echo [info procs highmem_boot]; shutdown")
    assert "quark_x10xx.cpu" in r.stdout + r.stderr
    assert "highmem_boot" in r.stdout + r.stderr


def test_openocd_init_with_dummy_adapter_reaches_gdb_server():
    need_openocd()
    r = openocd("gdb_port disabled", "telnet_port disabled", "tcl_port disabled", "init; shutdown")
    log = r.stdout + r.stderr
    # How far it gets: the (dummy) scan chain has no Quark taps...
    assert "IR capture error" in log or "does not have valid IDCODE" in log, log
    assert r.returncode == 0, log


def test_openocd_interface_file_names_the_ft2232h_adapter():
    need_openocd()
    r = openocd("shutdown", iface=os.path.join(REPO, "board", "galileo", "openocd", "olimex-arm-usb-ocd-h.cfg"))
    # Without the adapter plugged in OpenOCD stops at opening it; the config itself parsed.
    assert r.returncode == 0, r.stderr


@pytest.fixture
def elf(request):
    path = request.config.getoption("--image")
    if not os.path.isfile(path):
        pytest.fail(f"image not found: {path} (build it: cmake --build build)", pytrace=False)
    return path


def test_galileo_load_dry_run_builds_multiboot_info(tmp_path, elf):
    copy = tmp_path / "highmem.elf"
    shutil.copy(elf, copy)
    env = dict(os.environ, HIGHMEM_GALILEO_MEM="128M", HIGHMEM_APPEND="nopse")
    r = subprocess.run([LOAD, str(copy), "--dry-run"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "highmem_boot" in r.stdout and "load_image" not in r.stdout
    mbi = (tmp_path / "highmem.mbi").read_bytes()
    flags, lower, upper = struct.unpack_from("<III", mbi, 0)
    assert flags == (1 | 4 | 64 | 512)
    assert lower == 639 and upper == (128 - 1) * 1024
    cmdline_pa, = struct.unpack_from("<I", mbi, 16)
    mmap_len, mmap_pa = struct.unpack_from("<II", mbi, 44)
    name_pa, = struct.unpack_from("<I", mbi, 64)
    base = 0x9000
    assert mbi[cmdline_pa - base:].split(b"\0")[0] == b"nopse"
    assert mbi[name_pa - base:].split(b"\0")[0].startswith(b"OpenOCD")
    entries = [struct.unpack_from("<IQQI", mbi, mmap_pa - base + i) for i in range(0, mmap_len, 24)]
    assert entries == [(20, 0, 0x9FC00, 1), (20, 0x100000, (128 << 20) - 0x100000, 1)]
    # The entry point is the physical _start, and the .bss tail is zeroed.
    m = re.search(r"entry (0x[0-9a-f]+), \.bss to zero: \{(0x[0-9a-f]+) (\d+)\}", r.stdout)
    assert m, r.stdout
    assert 0x100000 <= int(m.group(1), 16) < 0x200000
    assert int(m.group(3)) > 0


def test_galileo_load_with_dummy_adapter_stops_at_halt(elf):
    need_openocd()
    env = dict(os.environ, HIGHMEM_OPENOCD_INTERFACE="interface/dummy.cfg")
    r = subprocess.run([LOAD, elf], capture_output=True, text=True, env=env, timeout=120)
    log = r.stdout + r.stderr
    assert "Target not examined yet" in log, log
    assert r.returncode != 0
