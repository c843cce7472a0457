"""The address-map picture (tests/tools/address_map.py) from live targets.

- The suite's hook (address_map_hook.MapSaver, which conftest's Hil.release calls for every
  target) saves one SVG per board, memory size and image, with the four reports it drew from;
  a second target of the same kind adds nothing.
- The tool itself reads a live console through a pyserial URL: a QEMU whose serial port is a TCP
  server, read as socket://127.0.0.1:PORT.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(os.path.dirname(HERE), "tools", "address_map.py")
SVG = "{http://www.w3.org/2000/svg}"

import address_map_hook  # noqa: E402

pytestmark = pytest.mark.qemu_only(reason="boots QEMU at -m 3G and with its serial port on TCP")


def rects(path, cls):
    root = ET.parse(path).getroot()
    return [e for e in root.iter(SVG + "rect") if e.get("class") == cls]


@pytest.fixture(scope="module")
def mapped(hil):
    for t in hil.booted("address-map-3G", memory="3G"):
        vm = f"0x{t.json('vmalloc 64K')['addr']:08x}"  # as vmallocinfo and the picture write it
        assert t.json("kmap 0x40000")["addr"] >> 24 == 0xFE
        yield t, vm


def test_hook_saves_one_picture_per_board_and_memory(hil, mapped, tmp_path):
    t, vm = mapped
    saver = address_map_hook.MapSaver(str(tmp_path), hil.tcfg, hil.image)
    saver.save(t)
    assert len(saver.saved) == 1, t.notes[-3:]
    svg = saver.saved[0]
    assert os.path.basename(svg) == f"address-map-{hil.tcfg.name}-3G.svg"
    assert os.path.isfile(svg[:-4] + ".txt")
    starts = [e.get("data-start") for e in rects(svg, "vm-area") if e.get("data-kind")]
    assert vm in starts, (vm, starts)
    assert any(e.get("data-slot") for e in rects(svg, "pkmap-slot"))
    assert len(rects(svg, "fixmap")) >= 16
    saver.save(t)
    assert len(saver.saved) == 1, "a second picture of the same board and memory size"
    assert vm in t.cmd("vmallocinfo")  # the target still answers after the hook


def test_tool_reads_a_live_console_over_a_pyserial_url(hil, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    qemu = subprocess.Popen(
        [
            "qemu-system-i386",
            "-machine",
            "pc",
            "-display",
            "none",
            "-no-reboot",
            "-m",
            "512M",
            "-kernel",
            hil.image,
            "-serial",
            f"tcp:127.0.0.1:{port},server=on,wait=off",
            "-monitor",
            "none",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        time.sleep(0.5)  # QEMU takes one client: let the probe's go first
        svg, txt = tmp_path / "live.svg", tmp_path / "live.txt"
        r = subprocess.run(
            [
                sys.executable,
                TOOL,
                "--port",
                f"socket://127.0.0.1:{port}",
                "-o",
                str(svg),
                "--save-transcript",
                str(txt),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        # 66 slots: kmap_atomic has KM_TYPE_NR of them for each of NR_CPUS CPUs.
        assert "of 66 fixmaps mapped" in r.stdout, r.stdout
        text = txt.read_text()
        assert "virtual kernel memory layout:" in text and "fixmap: 0x" in text
        # 512 MiB: lowmem ends at 0xe0000000, vmalloc starts 8 MiB above it.
        assert any(
            e.get("data-name") == "vmalloc" and e.get("data-start") == "0xe0800000"
            for e in rects(svg, "region")
        )
    finally:
        qemu.kill()
        qemu.wait(timeout=10)
