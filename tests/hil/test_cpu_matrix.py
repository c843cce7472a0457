"""The CPU-model matrix (QEMU only): the image boots on every model from a
486 to `max`, picks its paging features and protections from CPUID at run
time, and the core of the suite passes on each: the self tests, mmcheck and
ptcheck.

What QEMU 7.2's TCG reports through CPUID for the flags the firmware uses
(probed by booting each model; the 486 has PSE but no TSC, PGE or APIC):
"""

import re

import pytest

import highmem_target as ht
import mmparse as mp
from checks import cpu_features, oops_lines

pytestmark = pytest.mark.qemu_only(reason="boots each QEMU CPU model")

MEMORY = "1G"
CPUID_TRUTH = {
    "486": {"fpu", "pse"},
    "pentium": {"fpu", "pse", "tsc", "apic"},
    "pentium2": {"fpu", "pse", "tsc", "pae", "apic", "pge"},
    "qemu32": {"fpu", "pse", "tsc", "pae", "apic", "pge"},
    "coreduo": {"fpu", "pse", "tsc", "pae", "apic", "pge", "nx"},
    "max": {"fpu", "pse", "tsc", "pae", "apic", "pge", "nx", "smep", "smap"},
}
FLAGS = {"fpu", "pse", "tsc", "pae", "apic", "pge", "nx", "smep", "smap"}
SELFTEST_TIMEOUT = 240
CHECK_TIMEOUT = 120


@pytest.fixture(scope="module", params=list(CPUID_TRUTH), ids=[f"cpu{c}" for c in CPUID_TRUTH])
def booted(request, hil):
    yield from hil.booted(f"cpu-{request.param}", memory=MEMORY, cpu=request.param)


def test_cpuid_features(booted):
    feats = cpu_features(booted.boot_log)
    assert feats is not None, "no 'CPU features:' line at boot"
    assert feats & FLAGS == CPUID_TRUTH[booted.config.get("cpu")]


def test_paging_follows_cpuid(booted):
    want = CPUID_TRUTH[booted.config.get("cpu")]
    line = next(l for l in booted.boot_log.splitlines() if l.startswith("Paging:"))
    assert ("4 MiB pages (PSE)" in line) == ("pse" in want), line
    assert ("global kernel pages (PGE)" in line) == ("pge" in want), line


def test_selftest(booted):
    k = mp.selftest_of(booted, timeout=SELFTEST_TIMEOUT)
    assert k["failed"] == 0 and k["passed"] > 0, k["not_ok"]


def test_mmcheck(booted):
    mp.assert_mm_clean(booted, timeout=CHECK_TIMEOUT)


def test_ptcheck_and_protections(booted):
    want = CPUID_TRUTH[booted.config.get("cpu")]
    out = booted.cmd("ptcheck", timeout=CHECK_TIMEOUT)
    assert "ptcheck: 0 violations" in out
    prot = next(l for l in out.splitlines() if l.startswith("protections:"))
    assert "CR0.WP on" in prot
    assert ("SMEP on" in prot) == ("smep" in want), prot
    assert ("SMAP on" in prot) == ("smap" in want), prot
    assert "stack protector on (canary set)" in prot
    assert "OFF" not in prot


def test_short_stress(booted):
    out = booted.cmd("stress 7 50000 10000", timeout=CHECK_TIMEOUT)
    assert "stress: seed 7 PASSED" in out, out[-2000:]


def test_no_oops(booted):
    assert not oops_lines(booted.log)


@pytest.mark.parametrize("cpu", ["486", "max"])
def test_stack_protector_fires(hil, cpu):
    """`smash` overflows a stack buffer: the canary (random per boot, from the PIT on a 486) stops it."""
    t = hil.new_target(f"smash-{cpu}", memory="128M", cpu=cpu)
    try:
        t.boot()
        t.send_raw("smash\r")
        t.expect(r"Kernel panic: stack-protector: Kernel stack is corrupted in: smash_victim", timeout=30)
        t.expect(r"end Kernel panic", timeout=10)
        canaries = re.findall(r"canary 0x([0-9a-f]{8})", t.log)
        assert canaries and canaries[0] != "00000000" and canaries[0].endswith("00")
    finally:
        hil.release(t)
