"""`lspci`: the PCI configuration-space scanner (hal/i386/pci.c) against the
bus of QEMU's pc machine (i440FX): host bridge 8086:1237 at 00:00.0, the
PIIX3 ISA bridge 8086:7000 at 00:01.0 and its IDE (00:01.1) and ACPI (00:01.3)
functions, which are only found if the scanner honours the multifunction bit.
On a serial-device target the bus is whatever the board has, so the QEMU
specifics are only checked when the target is QEMU-backed.
"""

from __future__ import annotations

import re

import pytest

LINE = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ([0-9a-f]{4}):([0-9a-f]{4}) class ([0-9a-f]{4})$")


def parse(out: str):
    devs = []
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            b, d, f, v, i, c = m.groups()
            devs.append(((int(b, 16), int(d, 16), int(f)), v + ":" + i, c))
    return devs


def test_lspci_lines_well_formed(console):
    out = console.cmd("lspci")
    devs = parse(out)
    assert devs, out
    n = re.search(r"^(\d+) PCI functions?$", out, re.MULTILINE)
    assert n and int(n.group(1)) == len(devs), out
    locs = [d[0] for d in devs]
    assert locs == sorted(locs), "not in bus/device/function order"
    assert len(set(locs)) == len(locs), "a function listed twice"


def test_lspci_qemu_i440fx(console, target_config):
    if not target_config.is_qemu_backed:
        pytest.skip("QEMU's bus layout; a board has its own")
    devs = {loc: (ids, cls) for loc, ids, cls in parse(console.cmd("lspci"))}
    assert devs[(0, 0, 0)] == ("8086:1237", "0600"), devs   # i440FX host bridge
    assert devs[(0, 1, 0)] == ("8086:7000", "0601"), devs   # PIIX3 ISA bridge
    assert devs[(0, 1, 1)] == ("8086:7010", "0101"), devs   # PIIX3 IDE: found through the multifunction bit
    assert devs[(0, 1, 3)] == ("8086:7113", "0680"), devs   # PIIX4 ACPI
    # No phantom functions: single-function devices show function 0 only.
    assert not any(loc[1] == 0 and loc[2] != 0 for loc in devs), devs


def test_lspci_verbose_bars(console, target_config):
    out = console.cmd("lspci -v")
    assert parse("\n".join(l.split(" (")[0] for l in out.splitlines())), out
    if target_config.is_qemu_backed:
        # The IDE controller's bus-master BAR4 is an I/O BAR of 16 bytes.
        assert re.search(r"^\s+BAR4: io  0x0000[0-9a-f]{4} size 0x10$", out, re.MULTILINE), out


def test_lspci_bad_arguments(console):
    out = console.cmd("lspci -x")
    assert "lspci: unknown option" in out and "usage: lspci [-v]" in out
    out = console.cmd("lspci -v -v")
    assert "too many arguments" in out
