"""Boots at several memory sizes and CPU models (QEMU only).

Each combination boots once (a module-scoped, parametrized fixture) and the
tests below run against that boot in order; the last one powers it off.
"""

import re

import pytest

import highmem_target as ht
from checks import (COMMANDS, cpu_features, help_commands, paging_line)

pytestmark = [pytest.mark.qemu_only(reason="boots each QEMU memory size and CPU model"), pytest.mark.boot_matrix]

MEMORY_SIZES = ["32M", "512M", "1G", "3G"]
CPU_MODELS = ["486", "pentium", "qemu32"]
CPU_MEMORY = "128M"

#: What CPUID reports under QEMU 7.2 TCG for each model, for the flags the
#: firmware must detect (probed with a throwaway Multiboot kernel).  Note that
#: QEMU's 486 does report PSE; none of the three has PGE except qemu32.
CPU_TRUTH = {
    "486": {"pse"},
    "pentium": {"pse", "tsc", "apic"},
    "qemu32": {"pse", "tsc", "apic", "pae", "pge"},
}
CHECKED_FLAGS = {"pse", "pge", "pae", "nx", "tsc", "apic", "smep"}

COMBOS = [(m, "qemu32") for m in MEMORY_SIZES] + [(CPU_MEMORY, c) for c in CPU_MODELS]


@pytest.fixture(scope="module", params=COMBOS, ids=[f"m{m}-cpu{c}" for m, c in COMBOS])
def booted(request, hil):
    mem, cpu = request.param
    yield from hil.booted(f"m{mem}-cpu{cpu}", memory=mem, cpu=cpu)


def test_prompt(booted, record_property):
    assert booted.boot_log.endswith(ht.PROMPT)
    record_property("time_to_prompt_s", f"{booted.boot_time:.3f}")


def test_boot_e820_matches_qemu(booted):
    mem = ht.parse_size(booted.config.get("memory"))
    want = ht.format_e820(ht.qemu_pc_e820(mem))
    got = [m.group(0).rstrip("\r") for m in ht.E820_ANY_RE.finditer(booted.boot_log)]
    assert got == want


def test_e820_command_matches_qemu(booted):
    mem = ht.parse_size(booted.config.get("memory"))
    assert ht.e820(booted) == ht.qemu_pc_e820(mem)


def test_memory_layout(booted):
    """The boot 'virtual kernel memory layout' block follows DESIGN.md for this size."""
    got = ht.parse_layout(booted.boot_log)
    if not got:
        pytest.skip("the firmware does not print the virtual kernel memory layout yet")
    want = ht.expected_layout(ht.parse_e820(booted.boot_log))
    assert got.get("lowmem") == want["lowmem"]
    assert got.get("vmalloc") == want["vmalloc"]
    assert got.get("pkmap", (None,))[0] == want["pkmap_start"][0]


def test_cpu_features_match_model(booted):
    cpu = booted.config.get("cpu")
    feats = cpu_features(booted.boot_log)
    assert feats is not None, "no 'CPU: ... features: ...' line at boot"
    assert feats & CHECKED_FLAGS == CPU_TRUTH[cpu]


def test_paging_features_supported(booted):
    """The paging line may only claim features this CPU model has."""
    cpu = booted.config.get("cpu")
    line = paging_line(booted.boot_log)
    assert line is not None, "no line saying which paging features are in use"
    low = line.lower()
    mentioned = set(re.findall(r"\b(pse|pge|pae|nx)\b", low))
    negated = set(re.findall(r"(?:\bno\s+|\bwithout\s+|-|!)(pse|pge|pae|nx)\b", low))
    claimed = (mentioned - negated) - CPU_TRUTH[cpu]
    assert not claimed, f"paging line claims {sorted(claimed)} on -cpu {cpu}: {line!r}"


def test_help_lists_commands(booted):
    listed = help_commands(booted.cmd("help"))
    missing = [c for c in COMMANDS if c not in listed]
    assert not missing, f"help does not list {missing}; it lists {sorted(listed)}"


def test_poweroff_exit_status(booted):
    assert booted.poweroff() == ht.POWEROFF_STATUS
