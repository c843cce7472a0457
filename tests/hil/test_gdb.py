"""The gdb helpers (cmake/gdb/highmem.py) against the shell.

QEMU runs with its gdb stub on a free local TCP port (-gdb tcp:127.0.0.1:PORT)
and enough RAM for ZONE_HIGHMEM and a PKMAP slot to see: highmem.elf at 3 GiB
(2-level tables) and highmem-pae.elf at 6 GiB on `-cpu max` (PAE: 3 levels,
64-bit entries with NX, RAM above 4 GiB).  The shell makes some state
(vmalloc, ioremap, kmap of a high page, a background process), prints its
reports, then gdb -batch attaches (halting the target), runs the highmem-*
commands and detaches; the two must agree line for line (the vmalloc caller
is compared by function name: the shell and gdb symbolize it differently;
`ps` without the MM column gdb adds, and with ticks and run states that move).
`highmem-dmesg` must hold the console log the shell's `dmesg` replays.
Afterwards the shell must still answer and report the same.  With no target
(gdb and the ELF alone) every helper must refuse and say the target is not
running rather than print the image's initial data.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HELPERS = os.path.join(REPO, "cmake", "gdb", "highmem.py")
GDB_COMMANDS = ["highmem-vmallocinfo", "highmem-pkmap", "highmem-fixmap", "highmem-zones",
                "highmem-pt 0xc0100000", "highmem-pt 0xfe000000", "highmem-pt 0", "highmem-pt {vm}",
                "highmem-pt {guard}", "highmem-pt {io}", "highmem-pt 0xffffd000", "highmem-ps",
                "highmem-dmesg", "highmem-dmesg 3"]
ALL_HELPERS = ["highmem-vmallocinfo", "highmem-pkmap", "highmem-fixmap", "highmem-zones",
               "highmem-pt 0xc0100000", "highmem-dmesg", "highmem-ps"]
NOT_RUNNING = "highmem: the target is not running"
# (label, image relative to the --image directory, memory, cpu)
VARIANTS = [("2level", "highmem.elf", "3G", None),
            ("pae", "../image-pae/highmem-pae.elf", "6G", "max")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=VARIANTS, ids=[v[0] for v in VARIANTS])
def gdb_target(request, hil):
    if not hil.tcfg.is_qemu_backed:
        pytest.skip("needs QEMU's gdb stub")
    if not shutil.which("gdb"):
        pytest.skip("gdb not installed")
    label, rel, memory, cpu = request.param
    image = os.path.normpath(os.path.join(os.path.dirname(hil.image), rel))
    if not os.path.isfile(image):
        pytest.skip(f"image not built: {image}")
    port = free_port()
    extra = (hil.tcfg.get("extra_args", "") + f" -gdb tcp:127.0.0.1:{port}").strip()
    proctest = os.path.join(os.path.dirname(image), "user", "proctest")
    if os.path.isfile(proctest):
        extra += f" -initrd {proctest}"
    overrides = {"memory": memory, "extra_args": extra}
    if cpu:
        overrides["cpu"] = cpu
    for t in hil.booted(f"{request.module.__name__}-{label}", image=image, **overrides):
        t.gdb_port = port
        t.variant = label
        t.has_proctest = os.path.isfile(proctest)
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
    vm = t.json("vmalloc 16K")
    io = t.json("ioremap 0xfec00000 4K")
    k = t.json("kmap 0x40000")  # 1 GiB: a ZONE_HIGHMEM frame at -m 3G
    assert k["addr"] >> 24 == 0xFE, k
    if t.variant == "pae":
        k = t.json("kmap 0x140000")  # 5 GiB: above 4 GiB, only PAE entries reach it
        assert k["addr"] >> 24 == 0xFE, k
    if t.has_proctest:
        out = t.cmd("run proctest sleep 600000 &")
        assert re.search(r"\[\d+\]", out), out
        if "sleep: pid" not in out:  # it prints once it runs, after the prompt came back
            t.expect(r"sleep: pid \d+", 30)
        _settle(t)
    return {"vm": f"0x{vm['addr']:08x}", "guard": f"0x{vm['guard']:08x}", "io": f"0x{io['addr']:08x}"}


KMAP_ATOMIC = re.compile(r"^(kmap_atomic(?: cpu\d+)?: )(\d+)( high maps.*)$")


def _kmap_atomic_counts(report):
    return [int(m.group(2)) for m in map(KMAP_ATOMIC.match, report) if m]


def _settle(t, quiet=1.0, limit=30.0):
    """Wait until the background sleeper is in its nanosleep: it prints its pid before that call
    copies its timespec in through kmap_atomic (user pages are high at -m 6G), one more high map
    that would otherwise land between the shell's report and gdb's read."""
    deadline = time.monotonic() + limit
    last = _kmap_atomic_counts(lines(t.cmd("fixmap")))
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = _kmap_atomic_counts(lines(t.cmd("fixmap")))
        if now == last:
            return
        last = now
    pytest.fail(f"kmap_atomic counts still moving after {limit} s: {last}")


@pytest.fixture(scope="module")
def compared(gdb_target, state):
    t = gdb_target
    shell = {
        "highmem-vmallocinfo": t.cmd("vmallocinfo"),
        "highmem-pkmap": t.cmd("pkmap"),
        "highmem-fixmap": t.cmd("fixmap"),
        "highmem-zones": t.cmd("zoneinfo") + "\n" + t.cmd("buddyinfo"),
        "highmem-ps": t.cmd("ps"),
        "highmem-dmesg": t.cmd("dmesg", settle=1.0),
    }
    cmds = [c.format(**state) for c in GDB_COMMANDS]
    for c in cmds:
        if c.startswith("highmem-pt"):
            shell[c] = t.cmd("pt " + c.split()[1])
    gdb_out = run_gdb(t, cmds)
    shell["fixmap-after"] = t.cmd("fixmap")
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
    assert _stable(g[cmd]) == _stable(lines(shell[cmd]))
    if cmd == "highmem-fixmap":
        # Counters only grow: gdb's read lies between the shell's reports before and after it.
        before, seen = _kmap_atomic_counts(lines(shell[cmd])), _kmap_atomic_counts(g[cmd])
        after = _kmap_atomic_counts(lines(shell["fixmap-after"]))
        assert len(before) >= 2 and len(before) == len(seen) == len(after), (before, seen, after)
        assert all(b <= s <= a for b, s, a in zip(before, seen, after)), (before, seen, after)


def _stable(report):
    """A per-CPU page list's count moves between zoneinfo and the drain buddyinfo does before
    gdb reads it; its high and batch, and every other line, must match exactly.  The kmap_atomic
    counts are checked apart, against reports on both sides of gdb's read."""
    report = [KMAP_ATOMIC.sub(r"\1N\3", x) for x in report]
    return [re.sub(r"(    cpu: \d+ (?:hot |cold) count: )\d+", r"\1N", x) for x in report]


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


def test_pkmap_reaches_above_4g_with_pae(gdb_target, compared):
    """PAE's 64-bit entries: the frame kmapped at 5 GiB, found by walking PDPT, PMD and PTE."""
    if gdb_target.variant != "pae":
        pytest.skip("2-level entries cannot name RAM above 4 GiB")
    _, g, _ = compared
    slots = g["highmem-pkmap"]
    assert any("pfn 0x140000" in x and "in use" in x for x in slots), slots


def test_pt_uses_the_format_of_the_image(gdb_target, state, compared):
    _, g, _ = compared
    pde = g["highmem-pt 0xc0100000"][1]
    index = int(re.match(r"  PDE #(\d+)", pde).group(1))
    # 0xc0100000 is in table 768 (4 MiB spans) or 1536 (2 MiB spans).
    assert index == (1536 if gdb_target.variant == "pae" else 768), pde
    if gdb_target.variant == "pae":
        # -cpu max has NX: PAE's bit 63 is set on the vmalloc area's data page.
        pte = g[f"highmem-pt {state['vm']}"][2]
        assert pte.startswith("  PTE #") and pte.endswith(" NX"), pte


CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def ps_fields(line, drop_mm):
    """pid, ppid, state (Z or live), vsz, rss, name: what stays put between the two looks."""
    f = line.split()
    if drop_mm:
        del f[6]
    state = "Z" if f[2] == "Z" else "live"
    return f[0], f[1], state, f[4], f[5], " ".join(f[6:])


def test_ps_matches(gdb_target, compared):
    shell, g, _ = compared
    s = lines(shell["highmem-ps"])
    d = g["highmem-ps"]
    assert d[0].split() == ["PID", "PPID", "S", "TICKS", "VSZ", "RSS", "MM", "COMMAND"], d[0]
    assert [ps_fields(x, False) for x in s[1:]] == [ps_fields(x, True) for x in d[1:]]
    assert d[1].split()[-1] == "[shell]"
    if gdb_target.has_proctest:
        mine = [x for x in d[1:] if x.endswith(" proctest")]
        assert mine, d
        assert int(mine[0].split()[6], 16) >= 0xC0000000, mine[0]


def test_dmesg_holds_the_console_log(gdb_target, compared):
    shell, g, _ = compared
    log = [CTRL.sub("", x).rstrip() for x in g["highmem-dmesg"]]
    replay = [CTRL.sub("", x).rstrip() for x in lines(shell["highmem-dmesg"])]
    assert any("virtual kernel memory layout:" in x for x in log), log[:20]
    # What the shell replayed is in gdb's copy of the ring, in order, up to the dmesg command.
    tail = [x for x in replay[-15:] if x]
    text = "\n".join(x for x in log if x)
    assert "\n".join(tail) in text, (tail, log[-40:])
    assert g["highmem-dmesg 3"] == g["highmem-dmesg"][-3:]


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
                        "-ex", "help highmem-pt", "-ex", "help highmem-dmesg",
                        "-ex", "help highmem-ps"], capture_output=True, text=True, timeout=60)
    for usage in ("highmem-pt ADDR", "highmem-dmesg [N]", "highmem-ps:"):
        assert usage in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("cmd", ALL_HELPERS)
def test_helpers_refuse_without_a_target(hil, cmd):
    """gdb with the ELF alone reads .data from the file: each helper must say so, not print it."""
    if not shutil.which("gdb"):
        pytest.skip("gdb not installed")
    hil.check_image()
    r = subprocess.run(["gdb", "-batch", "-nx", "-q", "-ex", "set architecture i386",
                        "-ex", f"file {hil.image}", "-x", HELPERS, "-ex", cmd],
                       capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    assert NOT_RUNNING in out, out
    assert "Traceback" not in out and "Python Exception" not in out, out
    stale = re.search(r"0x[0-9a-f]{8}-0x|slot|Node 0|PDE #|PID|virtual kernel", r.stdout)
    assert not stale, r.stdout
