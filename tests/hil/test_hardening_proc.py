"""Hardening with processes (QEMU only): the stress run with the process mix,
ring-3 probes of kernel memory, and the kernel against user pages (SMEP/SMAP).

- `stress --procs SEED 1000000` at -m 1G and 3G, with and without failure
  injection (random 1 in 100): mmap/munmap/mprotect/touch/fork/exit of
  in-kernel address spaces mixed into the kernel-allocation stress; zero
  leaks of pages, slab objects, page tables, mm_struct, vm_area_struct,
  anon_vma and filp; no invariant violation, no word lost from a private
  page.  Under TCG on 2 shared cores one million operations take about
  30 s, so the suite runs the full million four times.
- `run kprobe all ...`: a user program reads, writes and executes kernel
  text (PAGE_OFFSET + 1 MiB), a vmalloc area and the APIC fixmap page; each
  access is stopped with a report (address, access, "killed (signal 11)")
  and the firmware carries on: checkers clean, later programs run.
- `run kprobe ac`: system calls, page faults and fork with EFLAGS.AC set.
- `smep-test` on -cpu max: the kernel calling a user page is stopped by
  SMEP (one expected oops, the command carries on and cleans up), the
  kernel reading or writing a user page without stac is stopped by SMAP;
  on qemu32 the command says the CPU has neither and skips.
"""

from __future__ import annotations

import os
import re

import pytest

import mmparse as mp

from checks import STRESS_LEAKS_ZERO as LEAKS_ZERO
from checks import STRESS_MS_RE as MS_RE
from checks import STRESS_PROC_LEAKS_ZERO as PROC_LEAKS_ZERO
from checks import STRESS_SUMMARY_RE as SUMMARY_RE
from checks import oops_lines

pytestmark = pytest.mark.qemu_only(reason="memory sizes, CPU models and the programs as a Multiboot module")

STRESS_OPS = 1_000_000
STRESS_TIMEOUT = 300
CHECK_TIMEOUT = 120
PROC_RE = re.compile(r"stress: processes \((\d+)% of operations\): mmap (\d+) munmap (\d+) mprotect (\d+) "
                     r"touch (\d+) fork (\d+) exit (\d+); at most (\d+) address spaces and (\d+) user pages; "
                     r"(\d+) words read back")
REPORT_RE = r"kprobe\[\d+\]: page fault at 0x{addr:08x} \({kind}\), eip 0x[0-9a-f]{{8}}, esp 0x[0-9a-f]{{8}}: .*killed \(signal 11\)"


def _programs(hil) -> str:
    user = os.path.join(os.path.dirname(hil.image), "user")
    progs = [os.path.join(user, p) for p in ("proctest", "kprobe")]
    for p in progs:
        if not os.path.isfile(p):
            pytest.fail(f"user program not built: {p} (it is built with the image)", pytrace=False)
    return ",".join(progs)


def _overrides(hil, memory="1G", cpu="qemu32"):
    return {"memory": memory, "cpu": cpu, "extra_args": f"-initrd {_programs(hil)}"}


def _boot(hil, label, memory="1G", cpu="qemu32"):
    t = hil.new_target(label, **_overrides(hil, memory, cpu))
    t.boot()
    return t


def _clean(t):
    mp.assert_mm_clean(t, timeout=CHECK_TIMEOUT)
    mp.assert_pt_clean(t, timeout=CHECK_TIMEOUT)


@pytest.fixture(scope="module", params=["1G", "3G"], ids=["m1G", "m3G"])
def booted(request, hil):
    yield from hil.booted(f"hardening-proc-m{request.param}", **_overrides(hil, memory=request.param))


def _stress(t, seed, record_property, tag):
    out = t.cmd(f"stress --procs {seed} {STRESS_OPS}", timeout=STRESS_TIMEOUT)
    assert f"stress: seed {seed} PASSED" in out, out[-3000:]
    assert LEAKS_ZERO in out and PROC_LEAKS_ZERO in out, out[-2000:]
    m = SUMMARY_RE.search(out)
    assert m, out[-2000:]
    failed, injected, _, checks, violations, corruptions = map(int, m.groups())
    assert violations == 0 and corruptions == 0
    assert checks >= STRESS_OPS // 50_000
    p = PROC_RE.search(out)
    assert p, out[-2000:]
    pct, mmap, munmap, mprotect, touch, fork, exit_, mms, rss, readback = map(int, p.groups())
    assert pct == 30 and min(mmap, munmap, mprotect, touch, fork, exit_) > 1000
    assert mms == 6 and readback > 10_000
    record_property(f"{tag}_ops", STRESS_OPS)
    record_property(f"{tag}_proc_ops", mmap + munmap + mprotect + touch + fork + exit_)
    record_property(f"{tag}_forks", fork)
    record_property(f"{tag}_words_read_back", readback)
    record_property(f"{tag}_failed_allocations", failed)
    record_property(f"{tag}_injected", injected)
    ms = MS_RE.search(out)
    if ms:
        record_property(f"{tag}_ms", ms.group(1))
    return failed, injected


def test_stress_procs_million_ops_no_leak(booted, record_property):
    _, injected = _stress(booted, 2_000_001, record_property, "stress_procs")
    assert injected == 0


def test_stress_procs_million_ops_with_injection_no_leak(booted, record_property):
    out = booted.cmd("failinject random 100 7")
    assert "failinject: random 100 seed 7" in out
    try:
        failed, injected = _stress(booted, 2_000_002, record_property, "stress_procs_injected")
    finally:
        out = booted.cmd("failinject off")
    assert injected > 10_000 and failed >= injected
    m = re.search(r"(\d+) page allocations \((\d+) failed\), (\d+) object allocations \((\d+) failed\)", out)
    assert m and int(m.group(2)) > 0 and int(m.group(4)) > 0, out
    _clean(booted)


def test_user_program_cannot_read_write_execute_kernel_memory(booted):
    out = booted.cmd("vmalloc 8K")
    m = re.search(r"vmalloc: 0x([0-9a-f]{8}), 8192 bytes", out)
    assert m, out
    area = int(m.group(1), 16)
    fix = re.search(r"FIX_APIC_BASE\s+0x([0-9a-f]{8})\s+0x", booted.cmd("fixmap"))
    assert fix
    apic = int(fix.group(1), 16)
    targets = {"text": 0xC0100000, "vmalloc": area, "fixmap": apic}
    args = " ".join(f"{k}=0x{v:08x}" for k, v in targets.items())
    out = booted.cmd(f"run kprobe all {args}", timeout=120)
    assert "kprobe: 9 of 9 kernel accesses stopped" in out and "kprobe: pass" in out, out
    assert re.search(r"\[\d+\] kprobe exited with status 0", out), out
    for name, addr in targets.items():
        for kind in ("read", "write", "exec"):
            assert f"kprobe: {kind} of 0x{addr:08x} ({name}): stopped" in out, out
            assert re.search(REPORT_RE.format(addr=addr, kind=kind), out), (name, kind, out)
    assert not oops_lines(booted.log)
    booted.cmd(f"vfree 0x{area:08x}")
    _clean(booted)
    # The firmware carries on: another program runs, and a short stress stays clean.
    assert "malloc: pass" in booted.cmd("run proctest malloc", timeout=60)
    assert booted.json("stress --procs 9 20000", timeout=CHECK_TIMEOUT)["result"] == "PASSED"


def _forget_expected_oopses(hil, t, expected):
    """Take t off the session's list once its oopses are exactly the expected ones."""
    hil.release(t)
    got = [line for line in oops_lines(t.log) if line.startswith("Oops:")]
    assert len(got) == expected and len(oops_lines(t.log)) == expected, oops_lines(t.log)
    hil.targets.remove(t)


@pytest.mark.parametrize("cpu", ["qemu32", "max"])
def test_kernel_against_user_pages_smep_smap(hil, cpu):
    t = _boot(hil, f"smep-{cpu}", cpu=cpu)
    try:
        out = t.cmd("smep-test", timeout=60)
        assert out.endswith("smep-test: pass"), out
        assert "free pages and mm objects back where they were" in out
        if cpu == "max":
            assert "smep-test: SMEP on, SMAP on" in out
            assert re.search(r"^Oops: Page Fault \(vector 14\), error code 00000011$", out, re.M), out
            assert "  page fault: protection violation, instruction fetch access, kernel mode" in out
            assert ("smep-test: exec: kernel attempted to execute user page 0x10000000 (CR2 0x10000000): "
                    "stopped by SMEP") in out
            for kind in ("read", "write"):
                assert re.search(rf"smep-test: {kind}: kernel {kind} of user page 0x10000100 without stac .*"
                                 rf"protection violation, {kind} access, kernel mode\): stopped by SMAP", out), out
                assert f"smep-test: {kind}: the same {kind} inside hal_user_access_begin/end" in out
        else:
            assert "smep-test: SMEP off (CPU lacks it), SMAP off (CPU lacks it)" in out
            assert "exec: this CPU has no SMEP" in out and "skipped" in out
            assert not oops_lines(t.log)
        # EFLAGS.AC from ring 3 through every kind of kernel entry; then ring 3 against the kernel again.
        out = t.cmd("run kprobe ac", timeout=60)
        assert "kprobe: pass" in out, out
        out = t.cmd("run kprobe all", timeout=60)
        assert "kprobe: 3 of 3 kernel accesses stopped" in out, out
        assert "highmem" in t.cmd("version")
        _clean(t)
    finally:
        if cpu == "max":
            _forget_expected_oopses(hil, t, 1)
        else:
            hil.release(t)
