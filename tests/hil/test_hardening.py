"""Hardening on the image (QEMU only): the invariant checkers, the stress run
with exact leak accounting, allocation-failure injection, the protections
(a ring-3 program against kernel memory, with and without SMEP/SMAP).

Timing under TCG (measured on 2 shared cores, QEMU 7.2): one stress run of
1,000,000 operations with checks every 50,000 takes 17-35 s at -m 1G and
-m 3G, with or without injection, so the suite runs the full million four
times (1G and 3G, with and without injection) on one boot per memory size;
each run gets a 300 s timeout to survive a loaded machine.
"""

import re

import pytest

import highmem_target as ht
import mmparse as mp
from checks import STRESS_LEAKS_ZERO as LEAKS_ZERO
from checks import STRESS_MS_RE as MS_RE
from checks import STRESS_SUMMARY_RE as SUMMARY_RE
from checks import oops_lines

pytestmark = pytest.mark.qemu_only(reason="runs at -m 1G and 3G")

STRESS_OPS = 1_000_000
STRESS_TIMEOUT = 300
CHECK_TIMEOUT = 120


@pytest.fixture(scope="module", params=["1G", "3G"], ids=["m1G", "m3G"])
def booted(request, hil):
    yield from hil.booted(f"hardening-m{request.param}", memory=request.param)


def _no_oops(t):
    assert not oops_lines(t.log), f"oops/panic lines: {oops_lines(t.log)}"


def test_mmcheck_clean_after_boot(booted):
    j = mp.assert_mm_clean(booted, timeout=CHECK_TIMEOUT)
    assert j["parts"] == {part: 0 for part in ("buddy", "slab", "vmalloc", "pkmap", "fixmap", "pgtable", "pt")}


def test_ptcheck_regions_and_wx_verdict(booted):
    out = booted.cmd("ptcheck", timeout=CHECK_TIMEOUT)
    assert "ptcheck: 0 violations" in out
    m = re.search(r"pages mapped: linear (\d+) \((\d+) read-only\)", out)
    assert m and int(m.group(2)) > 0, "kernel text/rodata must be mapped read-only"
    lowmem_pages = min(ht.parse_size(booted.config.get("memory")), 896 << 20) // 4096
    assert abs(int(m.group(1)) - lowmem_pages) < 64
    # qemu32 has no NX: the W+X rule cannot be enforced on 2-level paging, and says so.
    assert "W+X: not enforceable without NX" in out


def _stress(t, seed, record_property, tag):
    out = t.cmd(f"stress {seed} {STRESS_OPS}", timeout=STRESS_TIMEOUT)
    assert f"stress: seed {seed} PASSED" in out, out[-3000:]
    assert LEAKS_ZERO in out
    m = SUMMARY_RE.search(out)
    assert m, out[-2000:]
    failed, injected, _, checks, violations, corruptions = map(int, m.groups())
    assert violations == 0 and corruptions == 0
    assert checks >= STRESS_OPS // 50_000
    ms = MS_RE.search(out)
    record_property(f"{tag}_ops", STRESS_OPS)
    record_property(f"{tag}_failed_allocations", failed)
    record_property(f"{tag}_injected", injected)
    if ms:
        record_property(f"{tag}_ms", ms.group(1))
    return failed, injected


def test_stress_million_ops_no_leak(booted, record_property):
    _, injected = _stress(booted, 1_000_001, record_property, "stress")
    assert injected == 0


def test_stress_million_ops_with_injection_no_leak(booted, record_property):
    out = booted.cmd("failinject random 100 7")
    assert "failinject: random 100 seed 7" in out
    failed, injected = _stress(booted, 1_000_002, record_property, "stress_injected")
    assert injected > 10_000 and failed >= injected
    out = booted.cmd("failinject off")
    m = re.search(r"(\d+) page allocations \((\d+) failed\), (\d+) object allocations \((\d+) failed\)", out)
    assert m and int(m.group(2)) > 0 and int(m.group(4)) > 0, out
    mp.assert_mm_clean(booted, timeout=CHECK_TIMEOUT)


def test_injected_failures_reach_the_user(booted):
    """With every allocation failing, commands fail with a message, return to the prompt and leak nothing."""
    before = booted.cmd("meminfo")
    booted.cmd("failinject nth 1")
    out = booted.cmd("vmalloc 64K")
    assert "failure" in out or "no memory" in out, out
    out = booted.cmd("ioremap 0xfebf0000 8K")
    assert "failure" in out or "no memory" in out, out
    booted.cmd("failinject off")
    mp.assert_mm_clean(booted, timeout=CHECK_TIMEOUT)
    free = lambda text: int(re.search(r"MemFree:\s+(\d+) kB", text).group(1))  # noqa: E731
    assert free(booted.cmd("meminfo")) == free(before)
    _no_oops(booted)


@pytest.mark.parametrize("cpu", ["qemu32", "max"])
def test_user_program_cannot_touch_kernel_memory(hil, cpu):
    """A ring-3 program writing kernel memory, or handing kernel pointers to system calls, is stopped with a
    report and the firmware carries on; on `max` with SMEP and SMAP on, and the checkers stay clean."""
    import os
    proctest = os.path.join(os.path.dirname(hil.image), "user", "proctest")
    if not os.path.isfile(proctest):
        pytest.skip(f"user program not built: {proctest}")
    t = hil.new_target(f"user-kernel-{cpu}", memory="1G", cpu=cpu, extra_args=f"-initrd {proctest}")
    try:
        t.boot()
        out = t.cmd("run proctest bad kernel", timeout=60)
        assert "page fault at 0xc0100000" in out and "killed by signal 11" in out, out
        out = t.cmd("run proctest bad syscalls", timeout=60)
        assert "syscalls: pass" in out, out
        prot = next(l for l in t.cmd("ptcheck", timeout=CHECK_TIMEOUT).splitlines() if l.startswith("protections:"))
        assert ("SMEP on, SMAP on" in prot) == (cpu == "max"), prot
        mp.assert_mm_clean(t, timeout=CHECK_TIMEOUT)
        assert t.json("stress 9 20000", timeout=CHECK_TIMEOUT)["result"] == "PASSED"
    finally:
        hil.release(t)
