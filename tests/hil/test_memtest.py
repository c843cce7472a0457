"""memtest's tests by number and name, the low pages it borrows, its per-CPU
report, and `stress` with one worker per CPU.

memtest numbers its tests as memtest86+ 6.10 does (0-10) plus its own 11;
`memtest list` names them, `-t` selects them by number, name or range.
Each CPU tests its own share of the memory (on_each_cpu) and `memtest -j`
has one per_cpu entry per online CPU whose shares add up to the total.
Page 0 (kept from the allocator because the BIOS owned it) is lent: saved,
tested and put back.  The checks read the -j forms.  Sizes are small: TCG runs about 100-500 MB/s of memory
traffic here, and test 6 (moving inversions, 32-bit) sweeps the memory 96
times.
"""

import pytest

import highmem_target as ht
import mmparse as mp
from checks import STRESS_KERNEL_LEAKS
from test_diagnostics import memtest_window

NAMES = ["addrwalk", "ownaddr", "ownaddrwin", "mi", "mi8", "mirand", "mi32", "blockmove", "randseq",
         "modulo20", "bitfade", "walkbits"]


def _memfree(t):
    return mp.meminfo_of(t)["MemFree"]


@pytest.fixture(scope="module")
def window(console):
    return memtest_window(ht.e820(console), size=0x100000)


def test_list_names_every_test(console):
    rows = console.json("memtest list")["tests"]
    assert [(r["n"], r["name"]) for r in rows] == list(enumerate(NAMES)), rows
    # Every test but bit fade (minutes of waiting) is in the default selection.
    assert [r["name"] for r in rows if not r["default"]] == ["bitfade"], rows
    titles = {r["name"]: r["title"] for r in rows}
    assert "modulo 20" in titles["modulo20"] and titles["mi32"] == "moving inversions, 32-bit pattern", titles
    # The human table says the same.
    out = console.cmd("memtest list")
    for r in rows:
        assert f" {r['n']:2} {r['name']:<10} {'*' if r['default'] else ' '} {r['title']}" in out, out
    assert "usage: memtest" in console.cmd("memtest list -x")


@pytest.mark.parametrize("sel,tests", [("7", [7]), ("modulo20,bitfade", [9, 10]), ("3-5", [3, 4, 5]),
                                       ("walkbits,0", [0, 11])])
def test_selection_by_number_name_and_range(console, window, sel, tests):
    before = _memfree(console)
    j = console.json(f"memtest -t {sel} --fade=1 0x{window:x} 0x{window + 0x100000:x}", timeout=300)
    assert [(t["n"], t["name"], t["runs"], t["errors"]) for t in j["tests"]] == \
        [(t, NAMES[t], 1, 0) for t in tests], j["tests"]
    assert j["result"] == "PASSED" and j["passes"] == 1, j
    if 10 in tests:
        assert j["fade_seconds"] == 1, j
        # Bit fade waits 1 s after each of its two fills.
        assert next(t for t in j["tests"] if t["n"] == 10)["us"] >= 1_900_000, j["tests"]
    assert _memfree(console) == before


@pytest.mark.parametrize("args,msg", [("-t", "-t needs test numbers"), ("-t 12", "-t needs test numbers"),
                                      ("-t bogus", "-t needs test numbers"), ("-t 5-3", "-t needs test numbers"),
                                      ("-t 1,,2", "-t needs test numbers"), ("--fade=x", "--fade= needs seconds"),
                                      ("--fade=86401", "--fade= needs seconds")])
def test_bad_selection_is_refused(console, args, msg):
    before = _memfree(console)
    out = console.cmd(f"memtest {args} -j")
    assert f"memtest: {msg}" in out, out
    assert "usage: memtest" in out and "done in" not in out and not out.startswith("{"), out
    assert _memfree(console) == before


def test_per_cpu_report_adds_up(console, window):
    j = console.json(f"memtest -t mi,randseq 0x{window:x} 0x{window + 0x100000:x}", timeout=300)
    cpus = j["cpus"]
    assert cpus == console.json("cpus")["online"], j
    rows = j["per_cpu"]
    assert len(rows) == cpus, j
    assert sum(r["bytes"] for r in rows) == j["bytes"], j
    assert all(r["moved"] > 0 and r["us"] > 0 for r in rows), j
    assert sum(r["moved"] for r in rows) == j["bytes_read"] + j["bytes_written"] > 0, j
    assert j["us"] > 0, j


def test_page_zero_is_lent_tested_and_put_back(console):
    before = console.cmd("mdp 0 64")
    j = console.json("memtest -t 0-9,11 0 0x10000", timeout=300)
    assert j["lent_low"] == [0], j
    assert j["result"] == "PASSED" and j["bytes"] >= 0x1000, j
    assert console.cmd("mdp 0 64") == before
    # --no-low leaves it alone.
    out = console.cmd("memtest -t mi --no-low 0 0x1000 -j")
    assert "no free RAM in [0x0, 0x1000)" in out, out


def test_fault_in_the_lent_page_is_reported(console):
    before = console.cmd("mdp 0 64")
    j = console.json("memtest -t mi --inject-at=0x10 0 0x1000", timeout=120)
    assert j["inject_under_test"] is True and j["lent_low"] == [0], j
    assert [(b["phys"], b["expected"] ^ b["actual"], b["pattern"]) for b in j["bad"]] == [(0x10, 0x10, "mi")] * 4, j
    assert (j["result"], j["bytes"], j["passes"], j["errors"]) == ("FAILED", 4096, 1, 4), j
    assert console.cmd("mdp 0 64") == before


@pytest.mark.parametrize("inject", [False, True])
def test_stress_one_worker_per_cpu(console, inject):
    cpus = console.json("cpus")["online"]
    if inject:
        console.cmd("failinject random 50 11")
    try:
        j = console.json("stress 31 40000 10000", timeout=300)
    finally:
        if inject:
            console.cmd("failinject off")
    assert j["workers"] == cpus == len(j["worker_ops"]), j
    assert j["result"] == "PASSED" and j["ok"], j
    assert {k: j["leaks"][k] for k in STRESS_KERNEL_LEAKS} == dict.fromkeys(STRESS_KERNEL_LEAKS, 0), j["leaks"]
    assert j["violations"] == 0 and j["corruptions"] == 0, j
    assert sum(j["worker_ops"]) == j["ops_done"] == 40000, j
    assert (j["injected"] > 0) == inject, j
