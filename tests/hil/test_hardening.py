"""Hardening on the image (QEMU only): the invariant checkers, the stress run
with exact leak accounting, allocation-failure injection, the protections
(a ring-3 program against kernel memory, with and without SMEP/SMAP).

Timing under TCG (measured on 2 shared cores, QEMU 7.2): one stress run of
1,000,000 operations with checks every 50,000 takes 17-35 s at -m 1G and
-m 3G, with or without injection, so the suite runs the full million four
times (1G and 3G, with and without injection) on one boot per memory size;
each run gets a 300 s timeout to survive a loaded machine.
"""


import pytest

import highmem_target as ht
import mmparse as mp
from checks import STRESS_KERNEL_LEAKS, oops_lines

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
    j = mp.assert_pt_clean(booted, timeout=CHECK_TIMEOUT)
    assert j["linear_ro"] > 0, "kernel text/rodata must be mapped read-only"
    lowmem_pages = min(ht.parse_size(booted.config.get("memory")), 896 << 20) // 4096
    assert abs(j["linear"] - lowmem_pages) < 64, j
    # qemu32 has no NX: the W+X rule cannot be enforced on 2-level paging, and says so.
    assert not j["wx_enforced"] and j["protections"]["nx"] == "not on this CPU", j


def _stress(t, seed, record_property, tag):
    j = t.json(f"stress {seed} {STRESS_OPS}", timeout=STRESS_TIMEOUT)
    assert j["seed"] == seed and j["result"] == "PASSED" and j["ops_done"] == STRESS_OPS, j
    assert {k: j["leaks"][k] for k in STRESS_KERNEL_LEAKS} == dict.fromkeys(STRESS_KERNEL_LEAKS, 0), j["leaks"]
    assert j["violations"] == 0 and j["corruptions"] == 0, j
    assert j["checks"] >= STRESS_OPS // 50_000, j
    record_property(f"{tag}_ops", STRESS_OPS)
    record_property(f"{tag}_failed_allocations", j["failures"])
    record_property(f"{tag}_injected", j["injected"])
    record_property(f"{tag}_ms", j["ms"])
    return j["failures"], j["injected"]


def test_stress_million_ops_no_leak(booted, record_property):
    _, injected = _stress(booted, 1_000_001, record_property, "stress")
    assert injected == 0


def test_stress_million_ops_with_injection_no_leak(booted, record_property):
    out = booted.cmd("failinject random 100 7")
    assert "failinject: random 100 seed 7" in out
    failed, injected = _stress(booted, 1_000_002, record_property, "stress_injected")
    assert injected > 10_000 and failed >= injected
    fi = booted.json("failinject off")
    assert fi["mode"] == "random" and fi["page_injected"] > 0 and fi["slab_injected"] > 0, fi
    assert booted.json("failinject")["mode"] == "off"
    mp.assert_mm_clean(booted, timeout=CHECK_TIMEOUT)


def test_injected_failures_reach_the_user(booted):
    """With every allocation failing, commands fail with a message, return to the prompt and leak nothing."""
    before = mp.meminfo_of(booted)["MemFree"]
    booted.cmd("failinject nth 1")
    out = booted.cmd("vmalloc 64K")
    assert "failure" in out or "no memory" in out, out
    out = booted.cmd("ioremap 0xfebf0000 8K")
    assert "failure" in out or "no memory" in out, out
    booted.cmd("failinject off")
    mp.assert_mm_clean(booted, timeout=CHECK_TIMEOUT)
    assert mp.meminfo_of(booted)["MemFree"] == before
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
        prot = mp.assert_pt_clean(t, timeout=CHECK_TIMEOUT)["protections"]
        assert (prot["smep"] == prot["smap"] == "on") == (cpu == "max"), prot
        mp.assert_mm_clean(t, timeout=CHECK_TIMEOUT)
        assert t.json("stress 9 20000", timeout=CHECK_TIMEOUT)["result"] == "PASSED"
    finally:
        hil.release(t)
