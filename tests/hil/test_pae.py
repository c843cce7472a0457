"""The PAE image (highmem-pae.elf: 3-level page tables, 64-bit entries) on QEMU.

Boots at -m 6G, where QEMU's pc machine puts 3 GiB of RAM above 4 GiB
(e820 0x100000000-0x1bfffffff), and at -m 1G, with -cpu qemu32 (PAE, no NX)
and -cpu max (PAE and NX).  QEMU gives qemu32 a 32-bit physical address
width (no PSE-36, no CPUID leaf 0x80000008; an entry naming a frame above
4 GiB faults with the reserved-bit error), so on plain qemu32 the RAM above
4 GiB is ignored with a boot message, and qemu32,+pse36 (36 bits) is the
no-NX model that reaches it.  Checks: the boot log says PAE (and NX on
max); the layout has the 512-page PKMAP window 0xfe000000-0xfe200000;
HighTotal is all RAM above 896 MiB, above 4 GiB included; selftest passes
with highmem_every_page reaching every high page, above 4 GiB too, through
kmap and kmap_atomic; mmcheck and ptcheck are clean (no W+X mapping where
NX exists); kmap of a frame above 4 GiB and mdp of a physical address above
4 GiB work; a user program forks and runs with NX on.

The image is found next to the 2-level one the suite was given:
<dir of --image>/../image-pae/highmem-pae.elf (build/image-pae/, made by
`cmake --build build`).  Targets are built through the harness's own
make_target() with the usual memory/cpu/extra_args overrides, only with
that image, and are registered with the session so their logs are kept and
checked like every other.

Timing under TCG (2 shared cores): boot at 6G under 1 s; selftest at 6G
(1,343,456 high pages through kmap and kmap_atomic, plus mm_exhaust over
every zone) about 1-2 minutes per CPU model.
"""

from __future__ import annotations

import os
import re

import pytest

import highmem_target as ht
import mmparse as mp
from checks import STRESS_KERNEL_LEAKS, STRESS_PROC_LEAKS

pytestmark = pytest.mark.qemu_only(reason="boots highmem-pae.elf at -m 6G and 1G on several CPU models")

SELFTEST_TIMEOUT = 600
CHECK_TIMEOUT = 120
LOWMEM_END = 896 << 20
FOUR_G = 1 << 32

CONFIGS = [("6G", "max"), ("6G", "qemu32,+pse36"), ("6G", "qemu32"), ("1G", "qemu32"), ("1G", "max")]


def _pae_image(hil) -> str:
    path = os.path.normpath(os.path.join(os.path.dirname(hil.image), "..", "image-pae", "highmem-pae.elf"))
    if not os.path.isfile(path):
        pytest.skip(f"PAE image not built: {path} (cmake --build build makes it as image-pae)")
    return path


def _pae(hil, memory: str, cpu: str) -> dict:
    """new_target()'s arguments for the PAE image (with the user programs when they were built)."""
    image = _pae_image(hil)
    proctest = os.path.join(os.path.dirname(image), "user", "proctest")
    extra = f"-initrd {proctest}" if os.path.isfile(proctest) else ""
    return {"image": image, "memory": memory, "cpu": cpu, "extra_args": extra}


@pytest.fixture(scope="module", params=CONFIGS, ids=[f"m{m}-{c}" for m, c in CONFIGS])
def pae(request, hil):
    memory, cpu = request.param
    for t in hil.booted(f"pae-m{memory}-{cpu}", **_pae(hil, memory, cpu)):
        t.pae_memory, t.pae_nx = memory, cpu == "max"
        # RAM above 4 GiB is reachable where the CPU has more than 32 physical address bits.
        t.pae_phys32 = cpu == "qemu32"
        t.pae_above4g = memory == "6G" and not t.pae_phys32
        yield t


def _e820(t) -> list[tuple[int, int, str]]:
    """The loader's map from the boot log as (start, end exclusive, type)."""
    return [(s, last + 1, k) for s, last, k in ht.parse_e820(t.boot_log)]


def _high_ram_kb(t) -> int:
    """Usable RAM above the 896 MiB linear map (below 4 GiB unless the CPU reaches past it), in kB."""
    total, limit = 0, (1 << 64) if t.pae_above4g else FOUR_G
    for start, end, kind in _e820(t):
        end = min(end, limit)
        if kind == "usable" and end > LOWMEM_END:
            total += end - max(start, LOWMEM_END)
    return total // 1024


def test_boot_log_says_pae_and_nx(pae):
    log = pae.boot_log
    assert re.search(r"^Paging: PAE 64-bit entries", log, re.M), log[-3000:]
    assert "PAE: paging switched to 3-level tables" in log
    if pae.pae_nx:
        assert "NX in use" in log
        assert "NX on data (EFER.NXE)" in log
    else:
        assert "NX not on this CPU" in log
    assert "paging_init: swapper_pg_dir at" in log and "2 MiB pages (PAE)" in log
    if pae.pae_memory == "6G":
        # QEMU's map for 6G: RAM from 4 GiB up.
        assert any(s == FOUR_G and e == 0x1C0000000 and k == "usable" for s, e, k in _e820(pae)), _e820(pae)
    if pae.pae_above4g:
        # All of it in ZONE_HIGHMEM.
        assert re.search(r"HighMem\s+\[mem 0x0000000038000000-0x00000001bfffffff\]", log), log[-3000:]
        assert "ignored" not in log
    elif pae.pae_memory == "6G":
        assert ("3072MB of RAM at or above 4 GiB ignored: the CPU's physical address width ends there (CPUID)"
                in log), log[-3000:]
    else:
        assert "ignored" not in log


def test_layout_has_512_pkmap_slots(pae):
    j = pae.json("layout")
    assert j["pkmap"] == [0xFE000000, 0xFE200000] and j["check"] == "ok" and j["violations"] == 0, j
    head, _ = mp.pkmap_of(pae)
    assert (head["start"], head["end"], head["slots"]) == (0xFE000000, 0xFE200000, 512), head


def test_meminfo_hightotal_covers_ram_above_4g(pae):
    high = mp.meminfo_of(pae)["HighTotal"]
    assert high == _high_ram_kb(pae), (high, _e820(pae))
    if pae.pae_above4g:
        assert high > (4 << 20), "HighTotal must include the 3 GiB above 4 GiB"


def test_selftest_passes_every_high_page(pae):
    k = mp.selftest_of(pae, timeout=SELFTEST_TIMEOUT)
    assert k["failed"] == 0 and k["passed"] > 0, k["not_ok"]
    m = re.search(r"# (\d+) high pages checked through kmap and kmap_atomic, (\d+) failed", "\n".join(k["lines"]))
    assert m and int(m.group(2)) == 0, k["lines"]
    # Every free high frame: HighTotal in pages (nothing else holds high memory after boot).
    assert int(m.group(1)) == _high_ram_kb(pae) // 4, k["lines"]


def test_checkers_clean_and_no_wx(pae):
    mp.assert_mm_clean(pae, timeout=CHECK_TIMEOUT)
    j = mp.assert_pt_clean(pae, timeout=CHECK_TIMEOUT)
    if pae.pae_nx:
        assert j["wx_enforced"] and j["writable_exec"] == 0 and j["protections"]["nx"] == "on", j
    else:
        assert not j["wx_enforced"], j


def test_mdp_above_the_cpu_width_is_refused(pae):
    if not pae.pae_phys32:
        pytest.skip("this CPU has more than 32 physical address bits")
    out = pae.cmd("mdp 0x150000000 4")
    assert "mdp: phys 0x150000000 is above 4 GiB, which PAE paging on this CPU cannot map" in out, out


def test_kmap_and_mdp_above_4g(pae):
    if not pae.pae_above4g:
        pytest.skip("needs RAM above 4 GiB (-m 6G) and a CPU with more than 32 physical address bits")
    pfn = 0x150000
    k = pae.json(f"kmap {pfn:#x}")
    assert k["pfn"] == pfn and k["region"].startswith("PKMAP slot"), k
    va = k["addr"]
    assert 0xFE000000 <= va < 0xFE200000
    pt = mp.pt_of(pae, va)
    assert pt["mapped"] and pt["phys"] == 0x150000000, pt["text"]
    if pae.pae_nx:
        assert "NX" in pt["pte"]["flags"], pt["text"]
    assert "error" not in pae.cmd(f"mw.l {va:#x} 0x5eed1234").lower()
    out = pae.cmd("mdp 0x150000000 4")
    assert re.search(r"^150000000: 5eed1234 ", out, re.M), out
    pae.cmd(f"mw.l {va:#x} 0")
    pae.cmd(f"kunmap {pfn:#x}")
    # The last frame of RAM, 7 GiB - 4 KiB, through kmap_atomic.
    out = pae.cmd("mdp 0x1bffffff0 4")
    assert re.search(r"^1bffffff0: [0-9a-f]{8} ", out, re.M), out


def test_ioremap_span_over_4g_is_refused(pae):
    """An unaligned ioremap of 0xffffffff bytes spans 2^20 + 1 pages (more than 2^32 bytes): it is
    refused with a message, never built as the one page the span's low 32 bits describe."""
    before = pae.cmd("vmallocinfo")
    out = pae.cmd("ioremap 0x200000800 0xffffffff -j")
    assert out.strip() and not out.startswith("{"), out
    assert pae.cmd("status").startswith("status 1 "), out
    assert pae.cmd("vmallocinfo") == before


def test_user_program_forks(pae):
    if "proctest" not in pae.cmd("ls"):
        pytest.skip("proctest not built next to the PAE image")
    out = pae.cmd("run proctest fork", timeout=60)
    assert "fork: pass" in out and re.search(r"\[\d+\] proctest exited with status 0", out), out
    mp.assert_mm_clean(pae, timeout=CHECK_TIMEOUT)


def test_nopse_builds_the_linear_map_from_page_tables(hil):
    """Boot option nopse on PAE: 2 MiB tables everywhere (512 for the 1 GiB above PAGE_OFFSET), still clean."""
    t = hil.new_target("pae-m1G-max-nopse", image=_pae_image(hil), memory="1G", cpu="max",
                       extra_args="-append nopse")
    try:
        log = t.boot()
        assert "4 KiB pages (no PSE)" in log
        j = mp.assert_pt_clean(t, timeout=CHECK_TIMEOUT)
        assert (j["tables"], j["large_pages"]) == (512, 0), j
        assert j["wx_enforced"], j
        k = mp.selftest_of(t, "highmem_every_page", timeout=SELFTEST_TIMEOUT)
        assert (k["ok"], k["failed"]) == (["highmem_every_page"], 0), k["text"]
    finally:
        hil.release(t)


def test_nx_exec_of_user_data_kills_the_program(hil):
    """With NX, a user program executing its own data dies of SIGSEGV (it used to fault forever).

    The fetch from the present NX page is refused as Linux's access_error() refuses PF_INSTR on a
    region without VM_EXEC; before, the fault handler took the page for a stale TLB entry and
    returned to the same fetch, and `run` never came back.
    """
    image = _pae_image(hil)
    kprobe = os.path.join(os.path.dirname(image), "user", "kprobe")
    if not os.path.isfile(kprobe):
        pytest.skip("kprobe not built next to the PAE image")
    cfg = hil.tcfg.with_overrides(memory="1G", cpu="max", extra_args=f"-initrd {kprobe}")
    t = ht.make_target(cfg, image)
    hil._n += 1
    t.label = f"{hil._n:02d}-pae-m1G-max-nxdata"
    hil.targets.append(t)
    try:
        t.boot()
        out = t.cmd("run kprobe nxdata", timeout=30)
        m = re.search(r"kprobe: pid \d+: exec of 0x([0-9a-f]{8}) \(own data\)", out)
        assert m, out
        assert re.search(rf"kprobe\[\d+\]: page fault at 0x{m.group(1)} \(exec\).*region is not executable.*"
                         r"killed \(signal 11\)", out), out
        assert "kprobe: FAIL" not in out, out
        mp.assert_mm_clean(t, timeout=CHECK_TIMEOUT)
    finally:
        hil.release(t)


# The same stress run as the 2-level hardening suites, on the PAE image where RAM above 4 GiB is in
# play: every operation kind including the process mix, with and without failure injection.
PAE_STRESS_OPS = 1_000_000


@pytest.mark.parametrize("inject", [False, True], ids=["plain", "injected"])
def test_stress_with_processes_leaves_nothing_behind(pae, inject):
    if not pae.pae_above4g:
        pytest.skip("stress on PAE runs where the CPU reaches RAM above 4 GiB")
    if inject:
        assert "failinject: random 100 seed 5" in pae.cmd("failinject random 100 5")
    try:
        j = pae.json(f"stress --procs {31 + inject} {PAE_STRESS_OPS}", timeout=CHECK_TIMEOUT * 2)
    finally:
        if inject:
            pae.cmd("failinject off")
    assert j["seed"] == 31 + inject and j["result"] == "PASSED", j
    leaks = STRESS_KERNEL_LEAKS + STRESS_PROC_LEAKS
    assert {k: j["leaks"][k] for k in leaks} == dict.fromkeys(leaks, 0), j["leaks"]
    mp.assert_mm_clean(pae, timeout=CHECK_TIMEOUT)
    mp.assert_pt_clean(pae, timeout=CHECK_TIMEOUT)
