"""memtest's tests by number and name, the low pages it borrows, its per-CPU
report, and `stress` with one worker per CPU.

memtest numbers its tests as memtest86+ 6.10 does (0-10) plus its own 11;
`memtest list` names them, `-t` selects them by number, name or range.
Each CPU tests its own share of the memory (on_each_cpu) and the report has
one "cpu N" line per online CPU whose shares add up to the total.  Page 0
(kept from the allocator because the BIOS owned it) is lent: saved, tested
and put back.  Sizes are small: TCG runs about 100-500 MB/s of memory
traffic here, and test 6 (moving inversions, 32-bit) sweeps the memory 96
times.
"""

import re

import pytest

import highmem_target as ht
from test_diagnostics import memtest_window

NAMES = ["addrwalk", "ownaddr", "ownaddrwin", "mi", "mi8", "mirand", "mi32", "blockmove", "randseq",
         "modulo20", "bitfade", "walkbits"]
DONE_RE = re.compile(r"^memtest: test (\d+) \((\w+)\) done in \d+\.\d+ s, (\d+) errors?$", re.MULTILINE)
SUMMARY_RE = re.compile(r"^memtest: (PASSED|FAILED|INTERRUPTED): (\d+) (MiB|KiB), 1 pass, (\d+) errors?",
                        re.MULTILINE)
HEAD_RE = re.compile(r"^memtest: (\d+) (MiB|KiB) of free RAM .* of tests ([\d,]+) on (\d+) CPUs?;", re.MULTILINE)
CPU_RE = re.compile(r"^memtest: cpu (\d+): (\d+) (MiB|KiB) share, \d+ MiB moved in \d+\.\d+ s, (\d+) MB/s$",
                    re.MULTILINE)
TPUT_RE = re.compile(r"^memtest: throughput (\d+) MB/s on (\d+) CPUs?", re.MULTILINE)


def _memfree(t):
    m = re.search(r"^MemFree:\s+(\d+) kB", t.cmd("meminfo"), re.MULTILINE)
    assert m
    return int(m.group(1))


@pytest.fixture(scope="module")
def window(console):
    return memtest_window(ht.e820(console), size=0x100000)


def test_list_names_every_test(console):
    out = console.cmd("memtest list")
    rows = re.findall(r"^ +(\d+) (\w+) +([* ]) (.+)$", out, re.MULTILINE)
    assert [(int(n), name) for n, name, _, _ in rows] == list(enumerate(NAMES)), out
    # Every test but bit fade (minutes of waiting) is in the default selection.
    assert [name for _, name, star, _ in rows if star != "*"] == ["bitfade"], out
    assert "modulo 20" in out and "moving inversions, 32-bit pattern" in out


@pytest.mark.parametrize("sel,tests", [("7", [7]), ("modulo20,bitfade", [9, 10]), ("3-5", [3, 4, 5]),
                                       ("walkbits,0", [0, 11])])
def test_selection_by_number_name_and_range(console, window, sel, tests):
    before = _memfree(console)
    out = console.cmd(f"memtest -t {sel} --fade=1 0x{window:x} 0x{window + 0x100000:x}", timeout=300)
    h = HEAD_RE.search(out)
    assert h and h.group(3) == ",".join(map(str, tests)), out
    done = [(int(n), name, int(e)) for n, name, e in DONE_RE.findall(out)]
    assert done == [(t, NAMES[t], 0) for t in tests], out
    assert SUMMARY_RE.search(out).group(1) == "PASSED", out
    if 10 in tests:
        assert "memtest: bitfade: waits 1 s after each fill" in out
    assert _memfree(console) == before


@pytest.mark.parametrize("args,msg", [("-t", "-t needs test numbers"), ("-t 12", "-t needs test numbers"),
                                      ("-t bogus", "-t needs test numbers"), ("-t 5-3", "-t needs test numbers"),
                                      ("-t 1,,2", "-t needs test numbers"), ("--fade=x", "--fade= needs seconds"),
                                      ("--fade=86401", "--fade= needs seconds")])
def test_bad_selection_is_refused(console, args, msg):
    before = _memfree(console)
    out = console.cmd(f"memtest {args}")
    assert f"memtest: {msg}" in out, out
    assert "usage: memtest" in out and "done in" not in out, out
    assert _memfree(console) == before


def test_per_cpu_report_adds_up(console, window):
    out = console.cmd(f"memtest -t mi,randseq 0x{window:x} 0x{window + 0x100000:x}", timeout=300)
    h = HEAD_RE.search(out)
    assert h, out
    cpus = int(h.group(4))
    rows = CPU_RE.findall(out)
    assert len(rows) == cpus, out
    unit = {"MiB": 1024, "KiB": 1}
    assert sum(int(n) * unit[u] for _, n, u, _ in rows) == int(h.group(1)) * unit[h.group(2)], out
    assert all(int(mbs) > 0 for _, _, _, mbs in rows), out
    t = TPUT_RE.search(out)
    assert t and int(t.group(2)) == cpus and int(t.group(1)) > 0, out


def test_page_zero_is_lent_tested_and_put_back(console):
    before = console.cmd("mdp 0 64")
    out = console.cmd("memtest -t 0-9,11 0 0x10000", timeout=300)
    assert re.search(r"^memtest: 4 KiB of low memory lent by the firmware \(saved, tested, put back\): 0x00000$",
                     out, re.MULTILINE), out
    assert "[mem 0x0000000000000000-0x0000000000000fff]" in out, out
    assert SUMMARY_RE.search(out).group(1) == "PASSED", out
    assert console.cmd("mdp 0 64") == before
    # --no-low leaves it alone.
    out = console.cmd("memtest -t mi --no-low 0 0x1000")
    assert "no free RAM in [0x0, 0x1000)" in out, out


def test_fault_in_the_lent_page_is_reported(console):
    before = console.cmd("mdp 0 64")
    out = console.cmd("memtest -t mi --inject-at=0x10 0 0x1000", timeout=120)
    bad = re.findall(r"^memtest: bad word at phys 0x00000010: expected (\w+), read (\w+) \(bits 00000010 differ\) "
                     r"\[mi\]$", out, re.MULTILINE)
    assert len(bad) == 4, out
    assert re.search(r"^memtest: FAILED: 4 KiB, 1 pass, 4 errors", out, re.MULTILINE), out
    assert console.cmd("mdp 0 64") == before


STRESS_OK_RE = re.compile(r"^stress: seed \d+ PASSED$", re.MULTILINE)
LEAKS_RE = re.compile(r"^stress: leaks: free pages 0, slab objects 0, slab pages 0, vmalloc bytes 0, vmalloc areas 0, "
                      r"pkmap slots 0, kmap_atomic slots 0, page tables 0$", re.MULTILINE)


@pytest.mark.parametrize("inject", [False, True])
def test_stress_one_worker_per_cpu(console, inject):
    if inject:
        console.cmd("failinject random 50 11")
    try:
        out = console.cmd("stress 31 40000 10000", timeout=300)
    finally:
        if inject:
            console.cmd("failinject off")
    m = re.search(r"^stress: one worker on each of (\d+) CPUs?$", out, re.MULTILINE)
    assert m, out
    cpus = int(m.group(1))
    assert STRESS_OK_RE.search(out) and LEAKS_RE.search(out), out
    assert re.search(r"^stress: .* 0 violations, 0 corruptions$", out, re.MULTILINE), out
    if cpus > 1:
        w = re.search(r"^stress: (\d+) workers, one per CPU, operations each:((?: \d+)+)$", out, re.MULTILINE)
        assert w and int(w.group(1)) == cpus and sum(map(int, w.group(2).split())) == 40000, out
    inj = re.search(r"^stress: (\d+) allocations failed \((\d+) injected\)", out, re.MULTILINE)
    assert inj, out
    assert (int(inj.group(2)) > 0) == inject, out
