"""`lspci`: the PCI configuration-space scanner (hal/i386/pci.c) against the
bus of QEMU's pc machine (i440FX): host bridge 8086:1237 at 00:00.0, the
PIIX3 ISA bridge 8086:7000 at 00:01.0 and its IDE (00:01.1) and ACPI (00:01.3)
functions, which are only found if the scanner honours the multifunction bit.
On a serial-device target the bus is whatever the board has, so the QEMU
specifics are only checked when the target is QEMU-backed.  The checks read
`lspci -j`; the human lines are checked against it.
"""

from __future__ import annotations

import re

import pytest

LINE = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ([0-9a-f]{4}):([0-9a-f]{4}) class ([0-9a-f]{4})$")


def parse(out: str):
    """The human `lspci` lines: [((bus, dev, fn), "vvvv:dddd", "ccss")]."""
    devs = []
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            b, d, f, v, i, c = m.groups()
            devs.append(((int(b, 16), int(d, 16), int(f)), v + ":" + i, c))
    return devs


def functions(t):
    """`lspci -j`'s functions in the form parse() gives, and the JSON object."""
    j = t.json("lspci")
    return [((f["bus"], f["dev"], f["fn"]), f"{f['vendor']:04x}:{f['device']:04x}",
             f"{f['class']:02x}{f['subclass']:02x}") for f in j["functions"]], j


def test_lspci_lines_well_formed(console):
    devs, j = functions(console)
    assert devs, j
    assert j["count"] == len(devs), j
    assert [f["slot"] for f in j["functions"]] == ["%02x:%02x.%x" % d[0] for d in devs], j
    locs = [d[0] for d in devs]
    assert locs == sorted(locs), "not in bus/device/function order"
    assert len(set(locs)) == len(locs), "a function listed twice"
    # The human lines say the same, and count them.
    out = console.cmd("lspci")
    assert parse(out) == devs, out
    assert f"\n{len(devs)} PCI function{'s' if len(devs) != 1 else ''}" in "\n" + out, out


def test_lspci_qemu_i440fx(console, target_config):
    if not target_config.is_qemu_backed:
        pytest.skip("QEMU's bus layout; a board has its own")
    devs = {loc: (ids, cls) for loc, ids, cls in functions(console)[0]}
    assert devs[(0, 0, 0)] == ("8086:1237", "0600"), devs   # i440FX host bridge
    assert devs[(0, 1, 0)] == ("8086:7000", "0601"), devs   # PIIX3 ISA bridge
    assert devs[(0, 1, 1)] == ("8086:7010", "0101"), devs   # PIIX3 IDE: found through the multifunction bit
    assert devs[(0, 1, 3)] == ("8086:7113", "0680"), devs   # PIIX4 ACPI
    # No phantom functions: single-function devices show function 0 only.
    assert not any(loc[1] == 0 and loc[2] != 0 for loc in devs), devs


def test_lspci_verbose_bars(console, target_config):
    devs, j = functions(console)
    out = console.cmd("lspci -v")
    assert parse("\n".join(l.split(" (")[0] for l in out.splitlines())) == devs, out
    for f in j["functions"]:
        for b in f["bars"]:
            assert b["size"] and b["size"] & (b["size"] - 1) == 0, f"BAR size not a power of 2: {f}"
            assert b["base"] % b["size"] == 0 or b["base"] == 0, f"BAR not aligned to its size: {f}"
            assert not (b["io"] and (b["is_64"] or b["prefetchable"])), f
    if target_config.is_qemu_backed:
        # The IDE controller's bus-master BAR4 is an I/O BAR of 16 bytes, as -v prints it.
        ide = next(f for f in j["functions"] if (f["bus"], f["dev"], f["fn"]) == (0, 1, 1))
        bar4 = [b for b in ide["bars"] if b["index"] == 4]
        assert len(bar4) == 1 and bar4[0]["io"] and bar4[0]["size"] == 0x10 and bar4[0]["base"] < 0x10000, ide
        assert f"        BAR4: io  0x{bar4[0]['base']:08x} size 0x10\n" in out + "\n", out


def test_lspci_bad_arguments(console):
    out = console.cmd("lspci -x")
    assert "lspci: unknown option" in out and "usage: lspci [-v] [-j]" in out
    out = console.cmd("lspci -v -v")
    assert "given twice" in out
    out = console.cmd("lspci -j -x")
    assert "lspci: unknown option" in out and not out.startswith("{"), out
    assert console.cmd("status").startswith("status 2 "), "a usage error's status"
