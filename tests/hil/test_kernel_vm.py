"""Issue 4, the kernel virtual areas above high_memory: the layout, the
vmalloc list with its guard pages, ioremap, PKMAP kmap, the fixmaps and the
local APIC mapped through FIX_APIC_BASE.

One boot per configuration (module-scoped, parametrized); the tests run in file
order against it and free whatever they create.  On QEMU the configurations
are -m 32M, 1G and 3G with -cpu qemu32 and -cpu 486 (qemu_only); on a serial
target the same checks run once against the target as configured.
"""

from __future__ import annotations

import re

import pytest

import highmem_target as ht
import mmparse as mp
from mmparse import target_kind
from checks import cpu_features, help_commands

CONFIGS = [(m, c) for c in ("qemu32", "486") for m in ("32M", "1G", "3G")]

#: The literal numbers of the layout's worked examples (Understanding the Linux Virtual Memory
#: Manager, §5.1: 32 MiB gives VMALLOC_START 0xC2800000).
SEED_LAYOUT = {
    32 << 20: {"vmalloc": (0xC2800000, 0xFDFFE000)},
    3 << 30: {"lowmem": (0xC0000000, 0xF8000000), "vmalloc": (0xF8800000, 0xFDFFE000),
              "pkmap": (0xFE000000, 0xFE400000)},
}

#: QEMU 7.2's local APIC: version 0x14, 6 LVT entries (APIC_LVT_NB), so the
#: version register (offset 0x30) reads 0x00050014.  Its IO-APIC: version 0x20,
#: 24 pins, so IOAPIC_VER reads 0x00170020.
QEMU_LAPIC_VERSION = 0x14
QEMU_LAPIC_VERSION_REG = 0x00050014
QEMU_IOAPIC_VERSION_REG = 0x00170020
LAPIC_PHYS = 0xFEE00000
IOAPIC_PHYS = 0xFEC00000

SLOW_SELFTEST_TIMEOUT = 600  # highmem_every_page over 2 GiB of high memory under TCG


def _id(c):
    return f"m{c[0]}-cpu{c[1]}"


def pytest_generate_tests(metafunc):
    """On a harness-spawned QEMU: one boot per configuration of the matrix (qemu_only);
    on any other target: one boot of the target as its description configures it."""
    if "kvm" in metafunc.fixturenames:
        if target_kind(metafunc.config) == "qemu":
            params = [pytest.param(c, id=_id(c), marks=pytest.mark.qemu_only) for c in CONFIGS]
        else:
            params = [pytest.param(None, id="configured-target")]
        metafunc.parametrize("kvm", params, indirect=True, scope="module")


@pytest.fixture(scope="module")
def kvm(request, hil):
    """A booted target with its e820 map and the boundaries it must have (high_memory,
    VMALLOC_START/END, max_pfn) worked out from that map."""
    cfg = request.param
    if cfg is None:
        label, over = "kernel_vm-configured", {}
    else:
        label, over = "kernel_vm-" + _id(cfg), {"memory": cfg[0], "cpu": cfg[1]}
    for t in hil.booted(label, **over):
        if t.config.memory_bytes:
            t.e820 = ht.qemu_pc_e820(t.config.memory_bytes)
        else:
            t.e820 = ht.e820(t)
        top = mp.top_of_ram(t.e820)
        t.high_memory = mp.PAGE_OFFSET + min(top, mp.MAXMEM)
        t.vstart = mp.expected_vmalloc_start(t.high_memory)
        t.vend = mp.PKMAP_BASE - 2 * mp.PAGE
        t.max_pfn = top // mp.PAGE
        t.has_md = None
        yield t


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _need_boot_log(t):
    if not t.boot_log_available:
        pytest.skip("no reset command: the boot log was not captured")


def has_highmem(t):
    return t.max_pfn > mp.MAXMEM // mp.PAGE


def has_md(t):
    """md/mw (U-Boot style memory display) are optional here; use them when present."""
    if t.has_md is None:
        t.has_md = "md" in help_commands(t.cmd("help")) and "mw" in help_commands(t.cmd("help"))
    return t.has_md


def md_word(t, va):
    out = t.cmd(f"md 0x{va:08x} 1")
    m = re.search(rf"^{va:08x}:\s+([0-9a-f]{{8}})", out, re.MULTILINE)
    assert m, f"cannot read md output:\n{out}"
    return int(m.group(1), 16)


def vmi(t):
    return mp.vmallocinfo_of(t)


def vm_meminfo(t):
    mi = mp.meminfo_of(t)
    return {k: mi.get(k) for k in ("VmallocTotal", "VmallocUsed", "VmallocChunk", "HighFree")}


def vmalloc(t, size_arg):
    """`vmalloc SIZE -j`: (address, size in whole pages, guard page)."""
    j = t.json(f"vmalloc {size_arg}")
    return j["addr"], j["size"], j["guard"]


def status(t) -> int:
    """The exit status of the previous command (`status` prints "status N (...)")."""
    return int(t.cmd("status").split()[1])


def refused(t, line):
    """Run line (a failing command); its output, after checking that it printed something other
    than a JSON object (what success prints with -j) and that its status is nonzero."""
    out = t.cmd(line)
    assert out.strip() and not out.startswith("{"), f"{line!r} succeeded or printed nothing:\n{out}"
    assert status(t) != 0, f"{line!r} printed an error but its status is 0:\n{out}"
    return out


def vfree(t, addr):
    out = t.cmd(f"vfree 0x{addr:08x}")
    assert "nothing freed" not in out and "bad" not in out.lower(), out
    return out


def ioremap(t, phys, size):
    """`ioremap PHYS SIZE -j`: the virtual address."""
    j = t.json(f"ioremap 0x{phys:x} 0x{size:x}")
    assert (j["phys"], j["size"]) == (phys, size), j
    return j["addr"]


def page_up(n):
    return (n + mp.PAGE - 1) & ~(mp.PAGE - 1)


def largest_gap(t, entries):
    """The largest free stretch of [VMALLOC_START, VMALLOC_END) between the listed areas."""
    edges = [t.vstart] + [x for e in entries for x in (e["start"], e["end"])] + [t.vend]
    return max(edges[i + 1] - edges[i] for i in range(0, len(edges), 2))


def check_vm_counters(t, entries):
    """meminfo: VmallocUsed = the listed sizes (guard pages included, as Linux counts them),
    VmallocChunk = the largest free stretch."""
    vi = vm_meminfo(t)
    assert vi["VmallocUsed"] == sum(e["size"] for e in entries) // 1024, (vi, [e["line"] for e in entries])
    assert vi["VmallocChunk"] == largest_gap(t, entries) // 1024, (vi, [e["line"] for e in entries])


def check_vmlist(t, entries):
    """Address order, no overlap, inside [VMALLOC_START, VMALLOC_END), sizes in whole pages."""
    for e in entries:
        assert e["end"] - e["start"] == e["size"], e["line"]
        assert e["start"] % mp.PAGE == 0 and e["size"] % mp.PAGE == 0 and e["size"] >= 2 * mp.PAGE, e["line"]
        assert t.vstart <= e["start"] and e["end"] <= t.vend, f"outside the vmalloc area: {e['line']}"
    for a, b in zip(entries, entries[1:]):
        assert b["start"] >= a["end"], f"not in address order / overlapping:\n{a['line']}\n{b['line']}"


# ---------------------------------------------------------------------------
# the layout
# ---------------------------------------------------------------------------

def test_layout_matches_design(kvm):
    """`layout` (and the boot block) derive every boundary from the anchors and the real
    high_memory; `layout` checks itself."""
    j = kvm.json("layout")
    lay = mp.layout_of(kvm)
    assert j["check"] == "ok" and j["violations"] == 0, j
    assert lay["lowmem"] == (mp.PAGE_OFFSET, kvm.high_memory)
    assert lay["vmalloc"] == (kvm.vstart, kvm.vend)
    assert lay["pkmap"] == (mp.PKMAP_BASE, mp.PKMAP_BASE + mp.LAST_PKMAP * mp.PAGE)
    assert lay["fixmap"][1] == 0xFFFFF000, "the fixmaps must end at 0xfffff000 (last page unmapped)"
    assert lay["pkmap"][1] <= lay["fixmap"][0], "PKMAP overlaps the fixmaps"
    assert kvm.vstart - kvm.high_memory >= mp.VMALLOC_OFFSET
    for sec in (".text", ".data", ".init"):
        if sec in lay:
            assert mp.PAGE_OFFSET <= lay[sec][0] <= lay[sec][1] <= kvm.high_memory, sec
    if kvm.boot_log_available:
        boot = mp.layout(kvm.boot_log)
        assert boot == lay, "the boot-time layout block differs from `layout`"


def test_layout_seed_values(kvm):
    """-m 32M: VMALLOC_START 0xc2800000 (the seed's worked example); -m 3G: lowmem
    0xc0000000-0xf8000000, vmalloc 0xf8800000-0xfdffe000, pkmap 0xfe000000-0xfe400000."""
    want = SEED_LAYOUT.get(kvm.config.memory_bytes or 0)
    if want is None:
        pytest.skip("literal layout numbers are known for -m 32M and -m 3G only")
    lay = mp.layout_of(kvm)
    for k, v in want.items():
        assert lay[k] == v, f"{k}: 0x{lay[k][0]:08x}-0x{lay[k][1]:08x}, want 0x{v[0]:08x}-0x{v[1]:08x}"
    assert lay["fixmap"][1] == 0xFFFFF000


def test_meminfo_vmalloc_total(kvm):
    vi = vm_meminfo(kvm)
    total = (kvm.vend - kvm.vstart) // 1024
    assert vi["VmallocTotal"] == total
    assert 0 <= vi["VmallocChunk"] <= total
    assert 0 <= vi["VmallocUsed"] <= total


# ---------------------------------------------------------------------------
# vmalloc / vfree
# ---------------------------------------------------------------------------

def test_vmalloc_list_in_order_with_guard_pages(kvm):
    """Several `vmalloc`s: vmallocinfo lists them in address order, each size = pages + one
    guard page, each guard page unmapped and named by `pt`; data pages are mapped (from
    ZONE_HIGHMEM when there is one); `vfree` removes exactly the area it names."""
    base = vmi(kvm)
    mi0 = vm_meminfo(kvm)
    requests = ["8192", "1", "100K", "12289", "64K"]
    made = []  # (addr, data_bytes)
    try:
        for req in requests:
            want = page_up(ht.parse_size(req) if req[-1] in "KMG" else int(req, 0))
            addr, nbytes, guard = vmalloc(kvm, req)
            assert addr % mp.PAGE == 0
            assert guard == addr + want, f"vmalloc {req}: guard page at 0x{guard:08x}, want 0x{addr + want:08x}"
            made.append((addr, want))
        if not base:
            assert made[0][0] == kvm.vstart, "the first area of an empty list starts at VMALLOC_START"
        entries = vmi(kvm)
        check_vmlist(kvm, entries)
        check_vm_counters(kvm, entries)
        assert [e for e in entries if e["start"] not in {a for a, _ in made}] == base
        by_start = {e["start"]: e for e in entries}
        for addr, want in made:
            e = by_start.get(addr)
            assert e, f"area 0x{addr:08x} missing from vmallocinfo"
            assert e["size"] == want + mp.GUARD, f"size must include the guard page: {e['line']}"
            assert e["pages"] == want // mp.PAGE, e["line"]
            assert e["kind"] == "vmalloc", e["line"]
            g = mp.pt_of(kvm, addr + want)
            assert not g["mapped"], f"guard page mapped:\n{g['text']}"
            assert re.search(r"guard page", g["region"], re.I) and f"0x{addr:08x}" in g["region"], g["text"]
            for va in (addr, addr + want - mp.PAGE):
                p = mp.pt_of(kvm, va)
                assert p["mapped"] and p["writable"], p["text"]
                if has_highmem(kvm):
                    assert p["phys"] >= mp.MAXMEM, f"vmalloc should take ZONE_HIGHMEM pages first:\n{p['text']}"
        mi1 = vm_meminfo(kvm)
        data = sum(w for _, w in made)
        assert mi1["VmallocUsed"] - mi0["VmallocUsed"] >= data // 1024
        if has_highmem(kvm):
            assert mi0["HighFree"] - mi1["HighFree"] == data // 1024, "vmalloc pages should come from HighMem"

        # vfree of the first area; a smaller area then fits its hole (first fit).
        first, fw = made.pop(0)
        vfree(kvm, first)
        entries = vmi(kvm)
        assert first not in {e["start"] for e in entries}
        assert len(entries) == len(base) + len(made)
        check_vmlist(kvm, entries)
        hole_fits = fw >= mp.PAGE and all(not (first <= e["start"] < first + fw + mp.GUARD) for e in entries)
        addr, _, _ = vmalloc(kvm, "4096")
        made.insert(0, (addr, mp.PAGE))
        if hole_fits and not [e for e in base if e["start"] < first]:
            assert addr == first, f"first fit: expected the freed hole at 0x{first:08x}, got 0x{addr:08x}"
        check_vmlist(kvm, vmi(kvm))
        check_vm_counters(kvm, vmi(kvm))
    finally:
        for addr, _ in made:
            vfree(kvm, addr)
    assert vmi(kvm) == base, "vmallocinfo not back to its start after vfree of every area"
    mi2 = vm_meminfo(kvm)
    assert mi2["VmallocUsed"] == mi0["VmallocUsed"]
    assert mi2["HighFree"] == mi0["HighFree"], "vfree did not give the pages back"


def test_vmalloc_vfree_errors_change_nothing(kvm):
    """vfree of a non-area address, vmalloc 0, vmalloc 4G, sizes that wrap or cannot fit,
    ioremap/iounmap nonsense: each prints an error, and the vmalloc list, the Vmalloc*
    counters and the free memory stay exactly as they were."""
    addr, _, guard = vmalloc(kvm, "8192")
    try:
        base = kvm.cmd("vmallocinfo")
        mi0 = mp.meminfo_of(kvm)
        total = (kvm.vend - kvm.vstart)
        bad = [
            f"vfree 0x{addr + mp.PAGE:08x}",            # inside an area
            f"vfree 0x{guard:08x}",                     # its guard page
            f"vfree 0x{addr + 0x10:08x}",               # not page aligned
            f"vfree 0x{kvm.vstart - mp.PAGE:08x}",      # the VMALLOC_OFFSET gap
            f"vfree 0x{kvm.vend - 0x100000:08x}",       # unused vmalloc space
            "vfree 0xc0001000",                         # low memory
            "vfree 0xfffff000",
            "vfree xyz",
            "vfree",
            # With -j a failure is the same message and status, not a JSON object.
            "vmalloc 0 -j",
            "vmalloc 4G -j",
            "vmalloc 3G -j",
            f"vmalloc {total + mp.PAGE} -j",            # larger than the whole area
            "vmalloc 0xfffff001 -j",                    # rounds up past 4 GiB
            "vmalloc 0xffffffff -j",
            "vmalloc abc -j",
            "vmalloc 8K -x",
            "vmalloc 8K -j -j",
            "vmalloc",
            "ioremap 0xfec00000 0 -j",
            "ioremap 0xffffffff 2 -j",                  # wraps past 4 GiB
            "ioremap 0xfffff000 0x2000 -j",
            "ioremap 0xfec00000 -j",
            f"iounmap 0x{addr + mp.PAGE:08x}",
            "iounmap 0xc0001000",
        ]
        for line in bad:
            out = refused(kvm, line)
            now = kvm.cmd("vmallocinfo")
            assert now == base, f"{line!r} changed vmallocinfo:\n{out}\n--- before\n{base}\n--- after\n{now}"
            mi = mp.meminfo_of(kvm)
            changed = {k: (mi0[k], mi[k]) for k in mi0 if mi0[k] != mi.get(k)}
            assert not changed, f"{line!r} changed meminfo (before, after): {changed}"
    finally:
        vfree(kvm, addr)


def test_vfree_leaves_no_stale_alias(kvm):
    """vmalloc 4K, write through it, vfree, take a page (the allocator gives the frame vfree
    returned): a write through the old address must fault, not land in the new owner's page
    through a stale global TLB entry."""
    addr, _, _ = vmalloc(kvm, "4K")
    p = mp.pt_of(kvm, addr)
    assert p["mapped"], p["text"]
    phys = p["phys"] & ~0xFFF
    assert kvm.cmd(f"mw 0x{addr:08x} 0x11111111") == ""
    vfree(kvm, addr)
    pfn = kvm.json("pages alloc 0 any")["pfn"]
    try:
        out = kvm.cmd(f"mw 0x{addr:08x} 0x22222222")
        assert re.search(r"page fault writing", out), f"mw through the freed address went through:\n{out}"
        if pfn == phys >> 12 and has_md(kvm):
            dump = kvm.cmd(f"mdp 0x{phys:x} 1")
            assert "22222222" not in dump, dump
    finally:
        out = kvm.cmd(f"pages free 0x{pfn:x} 0")
        assert "bad" not in out.lower(), out


def test_vmalloc_largest_area_and_exhaustion(kvm):
    """The largest free stretch less its guard page can be vmalloc'ed (when RAM allows) and
    then nothing more fits; one byte more than that is refused; a request larger than the
    free memory fails cleanly and gives back the pages it took."""
    base = vmi(kvm)
    mi0 = mp.meminfo_of(kvm)
    chunk = largest_gap(kvm, base)
    assert mi0["VmallocChunk"] * 1024 == chunk
    biggest = chunk - mp.GUARD

    refused(kvm, f"vmalloc {biggest + 1} -j")
    assert vmi(kvm) == base

    free_bytes = mi0["MemFree"] * 1024
    if free_bytes < biggest:
        # Runs out of pages part way: an error, and every page taken is given back.
        req = page_up(free_bytes + (1 << 20))
        out = kvm.cmd(f"vmalloc {req} -j", timeout=120)
        assert out.strip() and not out.startswith("{"), out
        assert status(kvm) != 0, out
        assert vmi(kvm) == base
        mi1 = mp.meminfo_of(kvm)
        assert (mi1["MemFree"], mi1["VmallocUsed"]) == (mi0["MemFree"], mi0["VmallocUsed"]), \
            f"a failed vmalloc of {req} bytes leaked memory: MemFree {mi0['MemFree']} -> {mi1['MemFree']} kB"
        return
    addr, _, guard = vmalloc(kvm, str(biggest))
    try:
        assert guard + mp.GUARD <= kvm.vend
        if not base:
            assert (addr, guard + mp.GUARD) == (kvm.vstart, kvm.vend), "the area should fill the whole space"
            assert vm_meminfo(kvm)["VmallocChunk"] == 0
            refused(kvm, "vmalloc 1 -j")  # into a full area
    finally:
        vfree(kvm, addr)
    assert vmi(kvm) == base
    mi2 = mp.meminfo_of(kvm)
    assert (mi2["VmallocUsed"], mi2["VmallocChunk"], mi2["HighFree"]) == \
        (mi0["VmallocUsed"], mi0["VmallocChunk"], mi0["HighFree"])


# ---------------------------------------------------------------------------
# pt on the unmapped regions
# ---------------------------------------------------------------------------

def _unmapped_regions(t):
    return [
        (t.high_memory, r"VMALLOC_OFFSET gap"),
        (t.vstart - mp.PAGE, r"VMALLOC_OFFSET gap"),
        (t.vend, r"2-page gap"),
        (t.vend + mp.PAGE, r"2-page gap"),
        (t.vend - mp.PAGE, r"unused vmalloc"),
        (0xFE400000, r"unused|between PKMAP"),
        (0xFFFFF000, r"FIXADDR_TOP"),
    ]


@pytest.mark.parametrize("which", range(7), ids=["high_memory", "gap_end", "vmalloc_end", "vmalloc_end+1p",
                                                 "vmalloc_last_page", "above_pkmap", "fffff000"])
def test_pt_unmapped_regions(kvm, which):
    """`pt` on the VMALLOC_OFFSET gap, the 2-page gap, unused space and 0xfffff000:
    not mapped, and the region is named."""
    va, region = _unmapped_regions(kvm)[which]
    r = mp.pt_of(kvm, va)
    assert r["mapped"] is False, r["text"]
    assert re.search(region, r["region"], re.I), f"region for 0x{va:08x} should match {region!r}:\n{r['text']}"


# ---------------------------------------------------------------------------
# ioremap
# ---------------------------------------------------------------------------

def test_ioremap_unaligned(kvm):
    """ioremap keeps the offset within the page; an area covers every page the range
    touches plus a guard page; iounmap of the returned address removes it."""
    base = vmi(kvm)
    a = ioremap(kvm, IOAPIC_PHYS + 0x10, 0x20)
    b = ioremap(kvm, IOAPIC_PHYS + 0xFF0, 0x20)  # crosses into the next page
    try:
        assert a & 0xFFF == 0x010 and b & 0xFFF == 0xFF0
        entries = vmi(kvm)
        check_vmlist(kvm, entries)
        by_start = {e["start"]: e for e in entries}
        ea, eb = by_start.get(a & ~0xFFF), by_start.get(b & ~0xFFF)
        assert ea and eb, f"ioremap areas missing from vmallocinfo: {[e['line'] for e in entries]}"
        assert ea["kind"] == "ioremap" and ea["phys"] == IOAPIC_PHYS and ea["size"] == 2 * mp.PAGE, ea["line"]
        assert eb["kind"] == "ioremap" and eb["phys"] == IOAPIC_PHYS and eb["size"] == 3 * mp.PAGE, eb["line"]
        p = mp.pt_of(kvm, a)
        assert p["mapped"] and p["phys"] == IOAPIC_PHYS + 0x10 and p["uncached"], p["text"]
        p = mp.pt_of(kvm, (b & ~0xFFF) + mp.PAGE)
        assert p["mapped"] and p["phys"] == IOAPIC_PHYS + mp.PAGE, p["text"]
        g = mp.pt_of(kvm, eb["end"] - mp.PAGE)
        assert not g["mapped"] and re.search("guard page", g["region"], re.I), g["text"]
        if has_md(kvm) and kvm.config.kind in ("qemu", "qemu-pty"):
            # The IO-APIC through the unaligned mapping: IOREGSEL at a-0x10, IOWIN at a.
            kvm.cmd(f"mw 0x{a - 0x10:08x} 1")
            assert md_word(kvm, a) == QEMU_IOAPIC_VERSION_REG
    finally:
        for va in (a, b):
            out = kvm.cmd(f"iounmap 0x{va:08x}")
            assert "nothing freed" not in out, out
    assert vmi(kvm) == base


# ---------------------------------------------------------------------------
# kmap / pkmap
# ---------------------------------------------------------------------------

def kmap(t, pfn):
    """`kmap PFN -j`: the virtual address (its region's name checked against `pt`)."""
    j = t.json(f"kmap 0x{pfn:x}")
    assert j["pfn"] == pfn, j
    assert j["region"] == mp.pt_of(t, j["addr"])["region"], j
    return j["addr"]


def test_kmap_low_pfn_is_linear(kvm):
    pk0 = mp.pkmap_of(kvm)[0]
    assert kmap(kvm, 0x100) == mp.PAGE_OFFSET + 0x100000
    kvm.cmd("kunmap 0x100")
    assert mp.pkmap_of(kvm)[0]["in_use"] == pk0["in_use"]


def test_kmap_high_pfn_shows_in_pkmap(kvm):
    """kmap of a high frame takes a PKMAP slot (shown by `pkmap` and `pt`); a second kmap of
    the same frame raises its count instead of taking a second slot; kunmap drops it."""
    if not has_highmem(kvm):
        pytest.skip("no high memory in this configuration")
    zi = mp.zoneinfo_of(kvm)
    first, last = zi["HighMem"]["start_pfn"], kvm.max_pfn - 1
    pk0 = mp.pkmap_of(kvm)[0]
    assert (pk0["start"], pk0["end"], pk0["slots"]) == (mp.PKMAP_BASE, 0xFE400000, mp.LAST_PKMAP)
    mapped = []
    try:
        va = kmap(kvm, first)
        mapped.append(first)
        assert mp.PKMAP_BASE <= va < 0xFE400000 and va % mp.PAGE == 0
        slot = (va - mp.PKMAP_BASE) // mp.PAGE
        head, slots = mp.pkmap_of(kvm)
        s = slots.get(slot)
        assert s and s["pfn"] == first and s["count"] == 2 and "in use" in s["state"], head
        assert head["in_use"] == pk0["in_use"] + 1
        p = mp.pt_of(kvm, va)
        assert p["mapped"] and p["phys"] == first << 12 and re.search("PKMAP", p["region"]), p["text"]

        assert kmap(kvm, first) == va, "a mapped high page must reuse its slot"
        mapped.append(first)
        assert mp.pkmap_of(kvm)[1][slot]["count"] == 3

        va2 = kmap(kvm, last)
        mapped.append(last)
        assert va2 != va and mp.PKMAP_BASE <= va2 < 0xFE400000
        p = mp.pt_of(kvm, va2)
        assert p["mapped"] and p["phys"] == last << 12, p["text"]

        for pfn in (first, first):
            kvm.cmd(f"kunmap 0x{pfn:x}")
            mapped.remove(pfn)
        head, slots = mp.pkmap_of(kvm)
        s = slots.get(slot)
        assert s is None or (s["count"] == 1 and "in use" not in s["state"]), head
        assert head["in_use"] == pk0["in_use"] + 1  # `last` is still mapped
        bad = kvm.cmd(f"kunmap 0x{first:x}")
        assert re.search(r"not kmapped", bad), f"kunmap of an unmapped frame must say so:\n{bad}"
        refused(kvm, f"kmap 0x{kvm.max_pfn:x} -j")
    finally:
        for pfn in mapped:
            kvm.cmd(f"kunmap 0x{pfn:x}")
    assert mp.pkmap_of(kvm)[0]["in_use"] == pk0["in_use"]


def test_kmap_out_of_slots_is_an_error(kvm):
    """With every PKMAP slot held, one more kmap of a new frame is a reported error (with a
    counter), not a hang; a frame already mapped still gets its slot; after kunmap of all
    of them the slots are free again."""
    if not has_highmem(kvm):
        pytest.skip("no high memory in this configuration")
    zi = mp.zoneinfo_of(kvm)
    first = zi["HighMem"]["start_pfn"]
    assert kvm.max_pfn - first > mp.LAST_PKMAP
    pk0, _ = mp.pkmap_of(kvm)
    errs0 = pk0["out_of_slots"]
    need = mp.LAST_PKMAP - pk0["in_use"]
    pfns = [first + i for i in range(need)]
    done = []
    try:
        for pfn in pfns:
            kmap(kvm, pfn)
            done.append(pfn)
        pk, _ = mp.pkmap_of(kvm)
        assert pk["in_use"] == mp.LAST_PKMAP, {k: v for k, v in pk.items() if k != "used"}
        extra = first + need
        refused(kvm, f"kmap 0x{extra:x} -j")  # no free slot
        assert mp.pkmap_of(kvm)[0]["out_of_slots"] == errs0 + 1
        assert kmap(kvm, pfns[0]) > 0, "an already mapped frame must still map"
        done.append(pfns[0])
    finally:
        for pfn in done:
            kvm.cmd(f"kunmap 0x{pfn:x}")
    assert mp.pkmap_of(kvm)[0]["in_use"] == pk0["in_use"]


def test_highmem_every_page(kvm):
    """selftest highmem_every_page: a pattern written and read back in every free high
    page through kmap and through kmap_atomic; free counts back afterwards."""
    zi = mp.zoneinfo_of(kvm)
    mi0 = mp.meminfo_of(kvm)
    k = mp.selftest_of(kvm, "highmem_every_page", timeout=SLOW_SELFTEST_TIMEOUT)
    assert k["ok"] == ["highmem_every_page"] and (k["passed"], k["failed"]) == (1, 0), k["text"]
    m = re.search(r"^# (\d+) high pages checked through kmap and kmap_atomic, (\d+) failed",
                  "\n".join(k["lines"]), re.MULTILINE)
    assert m, k["text"]
    n = int(m.group(1))
    high = zi.get("HighMem", {})
    assert high.get("free", 0) <= n <= high.get("present", 0), \
        f"{n} pages checked; HighMem has {high.get('free')} free of {high.get('present')}"
    if has_highmem(kvm):
        assert n > 0
    assert int(m.group(2)) == 0
    mi1 = mp.meminfo_of(kvm)
    assert (mi1["MemFree"], mi1["HighFree"]) == (mi0["MemFree"], mi0["HighFree"])


# ---------------------------------------------------------------------------
# fixmaps and the APIC
# ---------------------------------------------------------------------------

def test_fixmap_listing(kvm):
    """`fixmap`: index i at FIXADDR_TOP - i*4K, FIX_APIC_BASE first, IO-APIC and KMAP slots,
    the range ending at 0xfffff000 and matching the layout."""
    head, rows = mp.fixmap_of(kvm)
    assert head["top"] == mp.FIXADDR_TOP and head["end"] == 0xFFFFF000
    assert head["start"] == 0xFFFFF000 - head["slots"] * mp.PAGE
    assert [r["index"] for r in rows] == list(range(head["slots"]))
    for r in rows:
        assert r["virt"] == mp.FIXADDR_TOP - r["index"] * mp.PAGE, r
    names = [r["name"] for r in rows]
    assert names[0] == "FIX_APIC_BASE"
    assert "FIX_IO_APIC_BASE_0" in names
    assert any(n.startswith("FIX_KMAP_BEGIN") for n in names)
    assert mp.layout_of(kvm)["fixmap"] == (head["start"], head["end"])


def test_local_apic(kvm):
    """With an APIC (qemu32) the local APIC and IO-APIC are mapped through their fixmaps and
    the version register reads what QEMU's APIC reports; without one (486) nothing is."""
    feats = cpu_features(kvm.boot_log) if kvm.boot_log_available else set(kvm.json("cpuinfo")["features"])
    _, rows = mp.fixmap_of(kvm)
    fix = {r["name"]: r for r in rows}
    lapic_va = fix["FIX_APIC_BASE"]["virt"]
    ioapic_va = fix["FIX_IO_APIC_BASE_0"]["virt"]
    p = mp.pt_of(kvm, lapic_va)
    boot_apic = None
    if kvm.boot_log_available:
        boot_apic = re.search(r"^APIC: local APIC at phys 0x([0-9a-f]+) -> fixmap 0x([0-9a-f]+): "
                              r"ID (\d+), version 0x([0-9a-f]+)", kvm.boot_log, re.MULTILINE)
    if "apic" not in feats:
        assert fix["FIX_APIC_BASE"]["phys"] is None and fix["FIX_IO_APIC_BASE_0"]["phys"] is None
        assert not p["mapped"] and "FIX_APIC_BASE" in p["region"], p["text"]
        if kvm.boot_log_available:
            assert not re.search(r"^(IO-)?APIC: .* at phys", kvm.boot_log, re.MULTILINE), \
                "an APIC was mapped on a CPU without one"
        return
    assert fix["FIX_APIC_BASE"]["phys"] == LAPIC_PHYS
    assert fix["FIX_IO_APIC_BASE_0"]["phys"] == IOAPIC_PHYS
    assert p["mapped"] and p["phys"] == LAPIC_PHYS and p["uncached"], p["text"]
    q = mp.pt_of(kvm, ioapic_va)
    assert q["mapped"] and q["phys"] == IOAPIC_PHYS and q["uncached"], q["text"]
    if kvm.boot_log_available:
        assert boot_apic, "CPU has an APIC but the boot log does not print its ID and version"
        assert int(boot_apic.group(1), 16) == LAPIC_PHYS and int(boot_apic.group(2), 16) == lapic_va
        if kvm.config.kind in ("qemu", "qemu-pty"):
            assert int(boot_apic.group(4), 16) == QEMU_LAPIC_VERSION
    if has_md(kvm):
        reg = md_word(kvm, lapic_va + 0x30)
        if kvm.config.kind in ("qemu", "qemu-pty"):
            assert reg == QEMU_LAPIC_VERSION_REG, f"APIC version register reads 0x{reg:08x}"
        if boot_apic:
            assert reg & 0xFF == int(boot_apic.group(4), 16)


@pytest.mark.parametrize("name", ["vmalloc_order_and_guards", "fixmap_round_trip", "pkmap_flush_per_wrap"])
def test_vm_selftest(kvm, name):
    k = mp.selftest_of(kvm, name, timeout=120)
    assert k["ok"] == [name] and (k["passed"], k["failed"]) == (1, 0), k["text"]
