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

from checks import STRESS_KERNEL_LEAKS, STRESS_PROC_LEAKS, oops_lines

pytestmark = pytest.mark.qemu_only(reason="memory sizes, CPU models and the programs as a Multiboot module")

STRESS_OPS = 1_000_000
STRESS_TIMEOUT = 300
CHECK_TIMEOUT = 120
PROC_OPS = ("mmap", "munmap", "mprotect", "touch", "fork", "exit")
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
    j = t.json(f"stress --procs {seed} {STRESS_OPS}", timeout=STRESS_TIMEOUT)
    assert j["seed"] == seed and j["result"] == "PASSED" and j["ops_done"] == STRESS_OPS, j
    leaks = STRESS_KERNEL_LEAKS + STRESS_PROC_LEAKS
    assert {k: j["leaks"][k] for k in leaks} == dict.fromkeys(leaks, 0), j["leaks"]
    assert j["violations"] == 0 and j["corruptions"] == 0, j
    assert j["checks"] >= STRESS_OPS // 50_000, j
    ops = j["proc_op_counts"]
    assert sorted(ops) == sorted(PROC_OPS), ops
    assert j["proc_percent"] == 30 and min(ops.values()) > 1000, j
    assert j["max_mms"] == 6 and j["cow_checks"] > 10_000, j
    record_property(f"{tag}_ops", STRESS_OPS)
    record_property(f"{tag}_proc_ops", sum(ops.values()))
    record_property(f"{tag}_forks", ops["fork"])
    record_property(f"{tag}_words_read_back", j["cow_checks"])
    record_property(f"{tag}_failed_allocations", j["failures"])
    record_property(f"{tag}_injected", j["injected"])
    record_property(f"{tag}_ms", j["ms"])
    return j["failures"], j["injected"]


def test_stress_procs_million_ops_no_leak(booted, record_property):
    _, injected = _stress(booted, 2_000_001, record_property, "stress_procs")
    assert injected == 0


def test_stress_procs_million_ops_with_injection_no_leak(booted, record_property):
    out = booted.cmd("failinject random 100 7")
    assert "failinject: random 100 seed 7" in out
    try:
        failed, injected = _stress(booted, 2_000_002, record_property, "stress_procs_injected")
    finally:
        fi = booted.json("failinject off")
    assert injected > 10_000 and failed >= injected
    assert fi["mode"] == "random" and fi["page_injected"] > 0 and fi["slab_injected"] > 0, fi
    _clean(booted)


def test_user_program_cannot_read_write_execute_kernel_memory(booted):
    v = booted.json("vmalloc 8K")
    assert v["size"] == 8192, v
    area = v["addr"]
    apic = next(r for r in mp.fixmap_of(booted)[1] if r["name"] == "FIX_APIC_BASE")
    assert apic["phys"] is not None, apic
    apic = apic["virt"]
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
