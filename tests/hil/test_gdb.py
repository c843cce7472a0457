"""The gdb helpers (cmake/gdb/highmem.py) against the shell.

QEMU runs with its gdb stub on a free local TCP port (-gdb tcp:127.0.0.1:PORT)
and 3 GiB of RAM (so there is ZONE_HIGHMEM and a PKMAP slot to see).  The
shell makes some state (vmalloc, ioremap, kmap of a high page), prints its
reports, then gdb -batch attaches (halting the target), runs the highmem-*
commands and detaches; the two must agree line for line (the vmalloc caller
is compared by function name: the shell and gdb symbolize it differently).
Afterwards the shell must still answer and report the same.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HELPERS = os.path.join(REPO, "cmake", "gdb", "highmem.py")
GDB_COMMANDS = ["highmem-vmallocinfo", "highmem-pkmap", "highmem-fixmap", "highmem-zones",
                "highmem-pt 0xc0100000", "highmem-pt 0xfe000000", "highmem-pt 0", "highmem-pt {vm}",
                "highmem-pt {guard}", "highmem-pt {io}", "highmem-pt 0xffffd000"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gdb_target(request, hil):
    if not hil.tcfg.is_qemu_backed:
        pytest.skip("needs QEMU's gdb stub")
    if not shutil.which("gdb"):
        pytest.skip("gdb not installed")
    port = free_port()
    extra = (hil.tcfg.get("extra_args", "") + f" -gdb tcp:127.0.0.1:{port}").strip()
    for t in hil.booted(request.module.__name__, memory="3G", extra_args=extra):
        t.gdb_port = port
        yield t


def run_gdb(t, commands):
    args = ["gdb", "-batch", "-nx", "-q", "-ex", "set architecture i386", "-ex", f"file {t.image}",
            "-x", HELPERS, "-ex", f"target remote 127.0.0.1:{t.gdb_port}"]
    for c in commands:
        args += ["-ex", f"echo @@@ {c}\\n", "-ex", c]
    args += ["-ex", "echo @@@ end\\n", "-ex", "detach"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in r.stderr and "Python Exception" not in r.stderr, r.stderr
    sections, cur = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("@@@ "):
            cur = line[4:]
            sections[cur] = []
        elif cur is not None and line.strip():
            sections[cur].append(line.rstrip())
    missing = [c for c in commands if c not in sections]
    assert not missing, f"gdb gave no output for {missing}:\n{r.stdout}\n{r.stderr}"
    return sections


def lines(text):
    return [line.rstrip() for line in text.splitlines() if line.strip()]


CALLER = re.compile(r" ([A-Za-z_][A-Za-z0-9_.]*)\+0x[0-9a-f]+/0x[0-9a-f]+")


def normalize_caller(line):
    return CALLER.sub(r" \1", line)


@pytest.fixture(scope="module")
def state(gdb_target):
    t = gdb_target
    vm = re.search(r"vmalloc: (0x[0-9a-f]+),.*guard page at (0x[0-9a-f]+)", t.cmd("vmalloc 16K"))
    assert vm, "vmalloc failed"
    io = re.search(r"at (0x[0-9a-f]+)", t.cmd("ioremap 0xfec00000 4K"))
    assert io, "ioremap failed"
    out = t.cmd("kmap 0x40000")  # 1 GiB: a ZONE_HIGHMEM frame at -m 3G
    assert "0xfe" in out, out
    return {"vm": vm.group(1), "guard": vm.group(2), "io": io.group(1)}


@pytest.fixture(scope="module")
def compared(gdb_target, state):
    t = gdb_target
    shell = {
        "highmem-vmallocinfo": t.cmd("vmallocinfo"),
        "highmem-pkmap": t.cmd("pkmap"),
        "highmem-fixmap": t.cmd("fixmap"),
        "highmem-zones": t.cmd("zoneinfo") + "\n" + t.cmd("buddyinfo"),
    }
    cmds = [c.format(**state) for c in GDB_COMMANDS]
    for c in cmds:
        if c.startswith("highmem-pt"):
            shell[c] = t.cmd("pt " + c.split()[1])
    gdb_out = run_gdb(t, cmds)
    return shell, gdb_out, cmds


def test_vmallocinfo_matches(compared):
    shell, g, _ = compared
    s = [normalize_caller(x) for x in lines(shell["highmem-vmallocinfo"])]
    d = [normalize_caller(x) for x in g["highmem-vmallocinfo"]]
    assert len(s) >= 2
    assert d == s


@pytest.mark.parametrize("cmd", ["highmem-pkmap", "highmem-fixmap", "highmem-zones"])
def test_reports_match(compared, cmd):
    shell, g, _ = compared
    assert g[cmd] == lines(shell[cmd])


def test_pkmap_shows_the_kmapped_high_page(compared):
    _, g, _ = compared
    slot = [x for x in g["highmem-pkmap"] if x.startswith("  slot")]
    assert any("pfn 0x40000" in x and "in use" in x for x in slot), g["highmem-pkmap"]


def test_fixmap_shows_apic_and_ioapic(compared):
    _, g, _ = compared
    text = "\n".join(g["highmem-fixmap"])
    assert re.search(r"FIX_APIC_BASE\s+0xffffe000\s+0xfee00000", text)
    assert re.search(r"FIX_IO_APIC_BASE_0\s+0xffffd000\s+0xfec00000", text)


def test_pt_matches(compared):
    shell, g, cmds = compared
    for c in cmds:
        if not c.startswith("highmem-pt"):
            continue
        # The shell names the region too; gdb does not.
        s = [x for x in lines(shell[c]) if not x.startswith("  region:")]
        assert g[c] == s, c


def test_shell_alive_after_gdb_detached(gdb_target, compared):
    shell, _, _ = compared
    assert lines(gdb_target.cmd("buddyinfo")) == lines(shell["highmem-zones"])[-3:]


def test_gdbinit_loads_helpers(hil):
    """cmake/gdbinit finds highmem.py through kmain's source path (no target needed)."""
    if not shutil.which("gdb"):
        pytest.skip("gdb not installed")
    image = hil.image
    hil.check_image()
    r = subprocess.run(["gdb", "-batch", "-nx", "-q", image, "-x", os.path.join(REPO, "cmake", "gdbinit"),
                        "-ex", "help highmem-pt"], capture_output=True, text=True, timeout=60)
    assert "highmem-pt ADDR" in r.stdout, r.stdout + r.stderr
