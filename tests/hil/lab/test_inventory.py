"""run_inventory.py: many boards at once, each with its own JUnit file, transcripts and fate.

The boards are three board-like benches (boardlike.py: the pc board's disk
image through SeaBIOS and GRUB, console on a pty, power through QMP).  The
third one's QEMU is killed while its suite runs: the other two pass, the third
reports its own failure, and every JUnit file names its board and firmware.
Run by ctest as hil.lab.inventory; needs build/boards/pc/highmem.img.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
HIL = os.path.dirname(HERE)
sys.path.insert(0, HIL)

import boardlike  # noqa: E402
import run_inventory as ri  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HIL))
BOARD_DIR = os.environ.get("HIGHMEM_PC_BOARD_DIR", os.path.join(REPO, "build", "boards", "pc"))
SUBSET = [os.path.join(HIL, "test_console.py")]


def _inventory(path: str, entries: dict) -> str:
    with open(path, "w") as f:
        for name, keys in entries.items():
            f.write(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()) + "\n")
    return path


# ---------------------------------------------------------------------------
# bad inventories: a clear message, exit status 2, nothing run
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("", "no boards"),
    ("[a]\nkind = toaster\n", "kind must be one of"),
    ("[a]\nkind = serial\n", "needs port"),
    ("[a]\nkind = labgrid\n", "needs lg_env"),
    ("[a b]\nkind = serial\nport = /dev/null\n", "usable as a file name"),
    ("[a]\nkind = serial\nport = /dev/null\n[a]\nkind = serial\n", "already exists"),
])
def test_bad_inventory_is_refused(tmp_path, text, message):
    inv = tmp_path / "inv.ini"
    inv.write_text(text)
    r = subprocess.run([sys.executable, os.path.join(HIL, "run_inventory.py"), str(inv), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_tags_select_boards(tmp_path):
    inv = _inventory(str(tmp_path / "inv.ini"), {
        "a": {"kind": "serial", "port": "/dev/null", "tags": "bios apu2"},
        "b": {"kind": "serial", "port": "/dev/null", "tags": "uefi"},
    })
    boards = ri.load_inventory(inv)
    assert list(ri.select(boards, ["bios"])) == ["a"]
    assert list(ri.select(boards, ["bios", "uefi"])) == []
    assert list(ri.select(boards, [])) == ["a", "b"]


# ---------------------------------------------------------------------------
# three board-like benches, one killed mid-run
# ---------------------------------------------------------------------------

@pytest.fixture
def benches(tmp_path):
    disk = os.path.join(BOARD_DIR, "highmem.img")
    if not os.path.isfile(disk):
        pytest.fail(f"{disk} not built (cmake --build build makes the pc board's media)", pytrace=False)
    runs = {}
    try:
        for name in ("bench-a", "bench-b", "bench-c"):
            run = str(tmp_path / name)
            runs[name] = (run, boardlike.start(boardlike.options(run, disk=disk, memory="256M", name=name)))
        yield runs
    finally:
        for run, _ in runs.values():
            boardlike.stop_run(run)


def _target_keys(ini: str) -> dict:
    import configparser

    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ini)
    return dict(cp.items("target"))


def test_three_boards_one_killed_mid_run(tmp_path, benches):
    inv = _inventory(str(tmp_path / "lab.ini"), {n: _target_keys(ini) for n, (_, ini) in benches.items()})
    out = tmp_path / "results"
    image = os.path.join(BOARD_DIR, "highmem.elf")
    runner = subprocess.Popen([sys.executable, os.path.join(HIL, "run_inventory.py"), inv, "--out", str(out),
                               "--image", image, "--", *SUBSET, "-v"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    victim = out / "bench-c.out"
    deadline = time.monotonic() + 300
    try:
        # Kill bench-c's QEMU once a few of its tests have passed: mid-run, board up.
        while time.monotonic() < deadline:
            if victim.exists() and victim.read_text(errors="replace").count(" PASSED") >= 3:
                break
            assert runner.poll() is None, "the runner ended before bench-c got going"
            time.sleep(0.2)
        else:
            pytest.fail("bench-c did not pass 3 tests within 300 s")
        boardlike.stop_run(benches["bench-c"][0])
        summary, _ = runner.communicate(timeout=600)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    print(summary)
    assert runner.returncode == 1, summary
    for name in ("bench-a", "bench-b", "bench-c"):
        c = ri.junit_counts(str(out / f"{name}.xml"))
        assert c is not None, f"no JUnit file for {name}"
        assert c["name"] == name
        props = c["properties"]
        assert props["board"] == name
        assert props["firmware_board"] == "pc" and props["firmware_git"], props
        assert len(props["image_sha256"]) == 64
        assert float(props["boot_time_s"]) > 0
        assert os.listdir(out / f"{name}-transcripts"), f"no transcripts for {name}"
        if name == "bench-c":
            assert c["failures"] + c["errors"] > 0, c
            assert f"{name:24} FAILED" in summary
        else:
            assert c["tests"] > 20 and c["failures"] == 0 and c["errors"] == 0, (name, c)
            assert f"{name:24} passed" in summary
