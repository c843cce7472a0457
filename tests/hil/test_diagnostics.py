"""Diagnostics that cannot take the firmware down: md/mw/mdp through
the exception-fixup table, fault containment (`fault KIND`), memtest, dmesg,
uptime and usage messages.

The md/mdp/memtest tests share one boot.  The `fault` tests provoke oopses on
purpose, so they run on boots of their own; once every Oops line in such a
log is shown to be one a test asked for (and the shell came back, or, for
`fault irqoff`, halted), the target is taken off the session's list so that
test_zz_logs.py keeps meaning "no unexpected oops".

Timing (TCG, QEMU 7.2, 2 shared cores): memtest over the ~1010 MiB free at
-m 1G, one pass of tests 1, 2, 3 and 8 (15 sweeps of the memory, as the
five patterns of the first memtest), takes about 50-60 s (~300 MB/s of
memory traffic); 1,000 md probes over the serial console about 10-20 s.
test_memtest.py covers the selection of the other tests.
"""

import re

import pytest

import highmem_target as ht
import mmparse as mp
from checks import oops_lines

MD_FAULT_RE = r"md(?:\.[bwl])?: page fault reading 0x%08x \(page not present\): %s"
LINE_RE = re.compile(r"^([0-9a-f]{8}):((?: [0-9a-f]+)+)\s{4}(.*)$")
MEMTEST_TIMEOUT = 600


def _layout(t):
    """(high_memory, VMALLOC_START) from `layout -j`."""
    lay = mp.layout_of(t)
    return lay["lowmem"][1], lay["vmalloc"][0]


def _vmalloc(t, size):
    """`vmalloc SIZE -j`: (address, size in whole pages)."""
    j = t.json(f"vmalloc {size}")
    return j["addr"], j["size"]


def _memfree(t):
    return mp.meminfo_of(t)["MemFree"]


def _dump_words(out):
    """[(address, [values])] from md output lines."""
    rows = []
    for line in out.splitlines():
        m = LINE_RE.match(line)
        assert m, f"not a U-Boot md line: {line!r}"
        rows.append((int(m.group(1), 16), [int(w, 16) for w in m.group(2).split()], m.group(3)))
    return rows


# ---------------------------------------------------------------------------
# dmesg, uptime, usage
# ---------------------------------------------------------------------------


def test_dmesg_replays_the_boot_log(console):
    out = console.cmd("dmesg", settle=1.0)  # the replayed log holds prompts of its own
    assert re.search(r"^highmem \S+ \(git ", out, re.MULTILINE), "no boot banner in dmesg"
    assert "BIOS-e820: [mem 0x0000000000000000-" in out
    assert "virtual kernel memory layout:" in out
    if console.boot_log_available:
        for line in ("Zone ranges:", "Type 'help' for a list of commands."):
            assert line in out
    assert console.cmd("dmesg now").startswith("dmesg: takes no arguments")


def test_uptime_advances(console):
    a, b = console.json("uptime"), console.json("uptime")
    assert a["hz"] == b["hz"] > 0
    assert b["ticks"] >= a["ticks"] and b["ms"] >= a["ms"]


@pytest.mark.parametrize("line", [
    "md", "md zz", "md 0x1000 0", "md 0x1000 1 2", "md.w 0x1001", "md 0xfffffff0 8",
    "mw", "mw 0x1000", "mw 0x1000 zz", "mw.b 0x1000 0x100", "mw 0x1000 1 2 3",
    "mdp", "mdp zz", "mdp 0x100000000", "mdp 0x100000 0",
    "memtest 1 2 3 4", "memtest --bogus", "memtest 0", "memtest 2M 1M", "memtest --inject-at=zz",
    "fault", "fault nothing", "fault null now", "dmesg x",
])
def test_bad_arguments_say_what_is_wrong(console, line):
    out = console.cmd(line)
    name = line.split()[0]
    assert out.startswith(name + ":"), out
    assert ("usage: " + name.split(".")[0]) in out or re.search(r"aligned|run past|above 4 GiB|does not fit", out), out


def test_help_shows_usage_of_every_command(console):
    names = re.findall(r"^  (\S+)\s", console.cmd("help"), re.MULTILINE)
    for new in ("md", "mw", "mdp", "memtest", "fault", "dmesg", "uptime"):
        assert new in names
    assert "md.b" not in names  # one registration per command; the suffixes are in `help md`
    for name in names:
        out = console.cmd(f"help {name}")
        assert out.startswith(f"usage: {name}"), out


# ---------------------------------------------------------------------------
# md / mw / mdp
# ---------------------------------------------------------------------------


def test_md_format_is_u_boots(console):
    """The Multiboot header at phys 1 MiB, linear address 0xc0100000."""
    rows = _dump_words(console.cmd("md 0xc0100000 8"))
    assert [r[0] for r in rows] == [0xC0100000, 0xC0100010]
    assert rows[0][1][0] == 0x1BADB002
    assert all(len(r[1]) == 4 for r in rows)
    # Bytes and halfwords show the same memory, little-endian, with the same ASCII column.
    b = _dump_words(console.cmd("md.b 0xc0100000 32"))
    w = _dump_words(console.cmd("md.w 0xc0100000 16"))
    for (_, words, ascii_l), (_, bytes_, ascii_b), (_, halves, ascii_w) in zip(rows, b, w):
        assert bytes_ == [(x >> (8 * i)) & 0xFF for x in words for i in range(4)]
        assert halves == [(x >> (16 * i)) & 0xFFFF for x in words for i in range(2)]
        assert ascii_l == ascii_b == ascii_w
        assert ascii_b == "".join(chr(c) if 0x20 <= c < 0x7F else "." for c in bytes_)
    # Default: 64 words; a short last line keeps the ASCII column aligned.
    assert len(_dump_words(console.cmd("md 0xc0100000"))) == 16
    lines = console.cmd("md.b 0xc0100000 20").splitlines()
    assert len(lines[1]) - 4 == len(lines[0]) - 16, lines


def test_mdp_reads_what_md_reads(console):
    assert _dump_words(console.cmd("mdp 0x100000 8"))[0][1] == _dump_words(console.cmd("md 0xc0100000 8"))[0][1]


def _vmalloc_used(t):
    return mp.meminfo_of(t)["VmallocUsed"]


def test_mdp_reaches_high_memory_and_mmio(console):
    used = _vmalloc_used(console)
    if console.boot_log_available:
        m = re.search(r"HighMem\s+\[mem 0x([0-9a-f]+)-", console.boot_log)
        if m:
            start = int(m.group(1), 16)
            rows = _dump_words(console.cmd(f"mdp 0x{start:x} 4"))
            assert rows[0][0] == start
    # The local APIC's version register (MMIO, no struct page: ioremap).
    rows = _dump_words(console.cmd("mdp 0xfee00030 1"))
    assert rows[0][1][0] & 0xFF in (0x10, 0x11, 0x12, 0x13, 0x14, 0x15)
    assert _vmalloc_used(console) == used, "mdp leaked its ioremap"


def test_mw_writes_through_probes(console):
    addr, _ = _vmalloc(console, "4K")
    try:
        assert console.cmd(f"mw 0x{addr:x} 0x464c457f 4") == ""
        assert console.cmd(f"mw.b 0x{addr + 4:x} 0x21") == ""
        assert console.cmd(f"mw.w 0x{addr + 8:x} 0xbeef") == ""
        rows = _dump_words(console.cmd(f"md 0x{addr:x} 4"))
        assert rows[0][1] == [0x464C457F, 0x464C4521, 0x464CBEEF, 0x464C457F]
        assert rows[0][2] == ".ELF!ELF..LF.ELF"
    finally:
        console.cmd(f"vfree 0x{addr:x}")


def test_md_on_bad_regions_names_them(console):
    high, vstart = _layout(console)
    gap = vstart - 0x1000
    assert high <= gap
    addr, size = _vmalloc(console, "16K")
    guard = addr + size
    try:
        cases = [
            ("md 0", 0, "NULL page"),
            (f"md 0x{gap:x}", gap, r"VMALLOC_OFFSET gap 0x%08x-0x%08x" % (high, vstart)),
            (f"md.b 0x{guard:x}", guard,
             r"guard page after vmalloc area 0x%08x-0x%08x \(%d bytes, caller \S+\)" % (addr, guard, size)),
            ("md 0xfffff000", 0xFFFFF000, r"the page above FIXADDR_TOP \(never mapped\)"),
        ]
        for line, fault, region in cases:
            out = console.cmd(line)
            assert re.fullmatch(MD_FAULT_RE % (fault, region) + ".*", out), out
        # A dump that runs into the guard page shows what it could read, then the error.
        out = console.cmd(f"md 0x{guard - 16:x} 8").splitlines()
        assert LINE_RE.match(out[0]) and out[0].startswith(f"{guard - 16:08x}:")
        assert re.fullmatch(MD_FAULT_RE % (guard, "guard page after vmalloc area .*"), out[1])
        # Writes: read-only kernel text and the VMALLOC_OFFSET gap.
        out = console.cmd("mw 0xc0101000 0")
        assert re.fullmatch(r"mw: page fault writing 0xc0101000 \(protection violation\): low memory .*", out), out
        out = console.cmd(f"mw.w 0x{gap:x} 0 4")
        assert out.startswith(f"mw.w: page fault writing 0x{gap:08x} (page not present): VMALLOC_OFFSET gap"), out
    finally:
        console.cmd(f"vfree 0x{addr:x}")


def test_1000_faulting_probes_leave_free_memory_alone(console):
    high, vstart = _layout(console)
    addr, size = _vmalloc(console, "16K")
    try:
        before = _memfree(console)
        targets = [0, vstart - 0x1000, addr + size, 0xFFFFF000]
        for i in range(1000):
            out = console.cmd(f"md.l 0x{targets[i % 4] + 4 * (i // 4 % 8):x} 1")
            assert out.startswith("md.l: page fault reading"), out
        assert _memfree(console) == before
    finally:
        console.cmd(f"vfree 0x{addr:x}")
    k = mp.selftest_of(console, "probe_faults")
    assert [(t["n"], t["name"], t["ok"]) for t in k["tests"]] == [(1, "probe_faults", True)], k["text"]
    assert (k["passed"], k["failed"]) == (1, 0)


# ---------------------------------------------------------------------------
# memtest
# ---------------------------------------------------------------------------

MEMTEST_DONE_RE = re.compile(r"^memtest: (PASSED|FAILED|INTERRUPTED): (\d+) MiB, (\d+) pass(?:es)?, (\d+) errors?, "
                             r"(\d+)\.(\d+) s$", re.MULTILINE)


def memtest_window(e820, size=0x400000):
    """A ``size`` window near the top of the largest usable range of the target's own map.

    mem_map, the page tables and the firmware's heap sit low (just above the
    image), so the top of RAM is free on a board as on QEMU; the window is
    taken from the map the target prints, never from a guessed memory size.
    """
    usable = [(s, e + 1) for s, e, k in e820 if k == "usable" and e < 1 << 32]
    assert usable, f"no usable RAM below 4 GiB in {e820}"
    start, end = max(usable, key=lambda r: r[1] - r[0])
    base = (end - 2 * size) & ~(size - 1)
    assert base >= start and base >= 16 << 20, f"largest usable range {start:#x}-{end:#x} is too small"
    return base


def test_memtest_window_comes_from_the_map():
    qemu_1g = ht.qemu_pc_e820(1 << 30)
    assert memtest_window(qemu_1g) == 0x3F800000 - 0x400000
    # A board with 256 MiB and a hole: the largest range, not a guessed 1 GiB.
    board = [(0, 0x9FBFF, "usable"), (0x100000, 0x7FFFFFF, "usable"), (0x8000000, 0x80FFFFF, "reserved"),
             (0x8100000, 0xFFFFFFF, "usable")]
    assert memtest_window(board) == 0x7800000
    board[3] = (0x8100000, 0x1FFFFFFF, "usable")
    assert memtest_window(board) == 0x1F800000
    with pytest.raises(AssertionError):  # 16 MiB of RAM: no window above the firmware's own pages
        memtest_window([(0, 0x9FBFF, "usable"), (0x100000, 0xFFFFFF, "usable")])


def test_memtest_injected_fault_is_reported_at_its_physical_address(console):
    base = memtest_window(ht.e820(console))
    phys = base + 0x12344
    before = _memfree(console)
    line = f"memtest -t walkbits,ownaddrwin,mirand,mi --inject-at=0x{phys:x} 0x{base:x} 0x{base + 0x400000:x}"
    j = console.json(line, timeout=120)
    if j["inject_under_test"] is False:
        pytest.skip(f"0x{phys:x} is in use on this target")
    assert j["inject_under_test"] is True, j
    # Every read of the word: twice each for walking bits, own address + window and the random
    # moving inversions, four times for moving inversions 1s/0s (two rounds, up and down).
    assert len(j["bad"]) == 10 and j["bad_not_shown"] == 0, j
    assert {b["phys"] for b in j["bad"]} == {phys}, j
    assert all(b["expected"] ^ b["actual"] == 0x10 for b in j["bad"]), j
    assert {b["pattern"] for b in j["bad"]} == {"walkbits", "ownaddrwin", "mirand", "mi"}, j
    assert j["result"] == "FAILED" and j["errors"] == 10 and not j["leaked"], j
    assert _memfree(console) == before


def test_memtest_ctrl_c_stops_it(console):
    before = _memfree(console)
    console.flush_input_buffer()
    console.send_raw("memtest -t mi 3\r")
    console.expect(r"memtest: pass 1/3 +10%", timeout=120)
    console.send_raw(b"\x03")
    console.expect("memtest: stopped by Ctrl-C", timeout=30)
    out = console.wait_prompt(timeout=30).replace("\r\n", "\n")
    m = MEMTEST_DONE_RE.search(out)
    assert m and m.group(1) == "INTERRUPTED", out
    assert _memfree(console) == before


def test_memtest_all_of_ram_passes(console, record_property):
    before = _memfree(console)
    ram = sum(e + 1 - s for s, e, k in ht.e820(console) if k == "usable" and e < 1 << 32)
    j = console.json("memtest -t 1,2,3,8", timeout=MEMTEST_TIMEOUT)
    assert j["result"] == "PASSED" and j["errors"] == 0 and j["passes"] == 1 and not j["leaked"], j
    mib = j["bytes"] >> 20
    # Everything but what the firmware holds (image, mem_map, heap, page tables): well over 90%
    # of the usable RAM the target's own map lists (above 896 MiB that takes high memory).
    assert j["bytes"] > 0.9 * ram, j
    mb_per_s = (j["bytes_written"] + j["bytes_read"]) // max(j["us"], 1)
    assert j["us"] > 0 and mb_per_s > 0, j
    record_property("memtest_mib", mib)
    record_property("memtest_seconds", f"{j['us'] / 1e6:.2f}")
    record_property("memtest_mb_per_s", mb_per_s)
    assert _memfree(console) == before


# ---------------------------------------------------------------------------
# fault containment
# ---------------------------------------------------------------------------

FAULTS = {
    "null": (r"Page Fault \(vector 14\)", r"CR2 00000000 \(faulting address\): NULL page",
             "page not present, read access, kernel mode"),
    "gap": (r"Page Fault \(vector 14\)", r"CR2 [0-9a-f]{8} \(faulting address\): VMALLOC_OFFSET gap",
            "page not present, write access, kernel mode"),
    "guard": (r"Page Fault \(vector 14\)", r"CR2 [0-9a-f]{8} \(faulting address\): guard page after vmalloc area",
              "page not present, write access, kernel mode"),
    "wp": (r"Page Fault \(vector 14\)", r"CR2 [0-9a-f]{8} \(faulting address\): low memory .*kernel \.text",
           "protection violation, write access, kernel mode"),
    "ud": (r"Invalid Opcode \(vector 6\)", None, None),
}


def _forget_expected_oopses(hil, t, expected):
    """Take t off the session's list once its oopses are exactly the expected ones."""
    hil.release(t)
    got = [line for line in oops_lines(t.log) if line.startswith("Oops:")]
    assert len(got) == expected and len(oops_lines(t.log)) == expected, oops_lines(t.log)
    hil.targets.remove(t)


@pytest.fixture(scope="module")
def faulty(hil):
    t = hil.new_target("diagnostics-faults")
    t.expected_oopses = 0
    try:
        t.boot()
        yield t
    finally:
        _forget_expected_oopses(hil, t, t.expected_oopses)


@pytest.mark.parametrize("kind", list(FAULTS))
def test_fault_prints_oops_and_shell_comes_back(faulty, kind):
    head, cr2, pf = FAULTS[kind]
    before = _memfree(faulty) if kind != "guard" else None
    faulty.expected_oopses += 1
    out = faulty.cmd(f"fault {kind}")
    assert re.search(r"^Oops: " + head, out, re.MULTILINE), out
    if cr2:
        assert re.search(r"^  " + cr2, out, re.MULTILINE), out
        assert f"  page fault: {pf}" in out
    assert "---[ end trace: command aborted, back to the shell ]---" in out
    assert out.endswith("fault: aborted by the fault above"), out
    assert "highmem" in faulty.cmd("version")
    if before is not None:
        assert _memfree(faulty) == before
    # The fixup table still works after a recovery.
    assert faulty.cmd("md 0").startswith("md: page fault reading 0x00000000")


def test_fault_with_interrupts_off_halts(hil):
    if not hil.can_reset:
        pytest.skip("leaves the board halted: needs a reset_command or power_on_command to bring it back")
    t = hil.new_target("diagnostics-irqoff")
    t.boot()
    t.flush_input_buffer()
    t.send_raw("fault irqoff\r")
    t.expect(r"not recoverable: interrupts were disabled", timeout=15)
    t.expect(re.escape("---[ end trace: system halted ]---"), timeout=15)
    t.send_raw("version\r")
    assert ht.PROMPT not in t.drain(quiet=2.0, limit=5.0)
    _forget_expected_oopses(hil, t, 1)
