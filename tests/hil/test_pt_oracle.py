"""An oracle the firmware does not control: QEMU's view of the kernel page tables.

ptcheck checks the firmware's tables against the firmware's own idea of them; it stayed silent
about a writable alias of kernel text.  QEMU knows what the CPU walks: through QMP
(human-monitor-command `info tlb`, one line per present page or large page with its frame and
PTE flags, and `info mem`, the effective user/write permission in ranges) this test compares
that view with what the firmware says (`layout`, `ptcheck`, `vmallocinfo`, `pkmap`, `fixmap`), at
-m 32M, 1G and 3G with the 2-level image and at -m 6G with the PAE image on -cpu max (NX), after
boot (with a vmalloc area, an ioremap and a kmap made) and again after a stress run:

- nothing is mapped below PAGE_OFFSET, no kernel page is a user page;
- lowmem maps phys = virt - PAGE_OFFSET, every page of it, read-only exactly over one run that
  covers .text (as many pages as ptcheck counts read-only), writable elsewhere; with NX,
  executable only inside that run;
- the VMALLOC_OFFSET gap, the 2 pages below PKMAP_BASE, the space between PKMAP and the fixmaps
  and the page above FIXADDR_TOP are unmapped; vmalloc pages lie in a vmallocinfo area, never in
  its guard page, every page of every area is present, an ioremap maps its phys= uncached;
- each present PKMAP page is a slot `pkmap` lists with that frame, and each listed slot is present;
  each present fixmap page is a slot `fixmap` gives that physical address, and each such slot is
  present;
- no writable mapping anywhere reaches a frame of the kernel's read-only run (the firmware is asked
  for one: `ioremap 0x101000 0x1000`, which must be refused); outside lowmem a frame that is not
  RAM in the e820 map is mapped only uncached, and PKMAP and kmap_atomic slots map only RAM (the
  firmware is asked to `kmap 0xfee00`, the local APIC, which must be refused);
- ptcheck's page counts per region equal QEMU's, and ptcheck reports 0 violations.

Ranges are compared, not pages printed one by one: `info tlb` prints a large page as one line,
and the checks work on (virt, size, phys, flags) runs.  Runtime: four boots and four short stress
runs, about 25 s under TCG (info tlb at 3G: about 1,300 lines, parsed in milliseconds).
"""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import time

import pytest

import highmem_target as ht
import mmparse

pytestmark = pytest.mark.qemu_only

PAGE = 4096
PAGE_OFFSET = 0xC0000000
CHECK_TIMEOUT = 180
STRESS_OPS = 30000

CONFIGS = [("32M", "qemu32", False), ("1G", "qemu32", False), ("3G", "qemu32", False), ("6G", "max", True)]


class Qmp:
    """A minimal QMP client on a unix socket (newline-delimited JSON, events skipped)."""

    def __init__(self, path: str, timeout: float = 60.0):
        deadline = time.monotonic() + 30
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.buf = b""
        self._read()  # the greeting
        self.execute("qmp_capabilities")

    def _read(self) -> dict:
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 1:]
                msg = json.loads(line)
                if "event" not in msg:
                    return msg
                continue
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("QMP socket closed")
            self.buf += data

    def execute(self, cmd: str, **args) -> dict:
        req = {"execute": cmd, "arguments": args} if args else {"execute": cmd}
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        r = self._read()
        assert "error" not in r, r
        return r

    def hmp(self, line: str) -> str:
        return self.execute("human-monitor-command", **{"command-line": line})["return"]

    def close(self):
        self.sock.close()


_TLB_RE = re.compile(r"^([0-9a-f]+): ([0-9a-f]+) ([X-])([G-])([P-])([D-])([A-])([C-])([T-])([U-])([W-])\s*$",
                     re.MULTILINE)
_MEM_RE = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) ([0-9a-f]+) ([u-])([r-])([w-])\s*$", re.MULTILINE)


def parse_tlb(text: str, large: int) -> list[dict]:
    """`info tlb`: one run per line, {va, size, pa, nx, user, write, pcd} (a 'P' line is a large page)."""
    out = []
    for m in _TLB_RE.finditer(text):
        size = large if m.group(5) == "P" else PAGE
        out.append({"va": int(m.group(1), 16) & 0xFFFFFFFF, "size": size, "pa": int(m.group(2), 16) & 0x000FFFFFFFFFF000,
                    "nx": m.group(3) == "X", "user": m.group(10) == "U", "write": m.group(11) == "W",
                    "pcd": m.group(8) == "C"})
    n = sum(1 for line in text.splitlines() if line.strip())
    assert len(out) == n, f"unparsed info tlb lines: {n - len(out)} of {n}\n{text[:2000]}"
    return out


def parse_mem(text: str) -> list[tuple[int, int, bool, bool]]:
    """`info mem`: [(start, end, user, write)], effective permissions of the whole walk."""
    return [(int(m.group(1), 16) & 0xFFFFFFFF, ((int(m.group(2), 16) - 1) & 0xFFFFFFFF) + 1,
             m.group(4) == "u", m.group(6) == "w") for m in _MEM_RE.finditer(text)]


def overlaps(a0, a1, b0, b1) -> bool:
    return a0 < b1 and b0 < a1


def ptcheck_counts(j: dict) -> dict:
    """The pages mapped per region of `ptcheck -j`."""
    return {"linear": j["linear"], "ro": j["linear_ro"], "vmalloc": j["vmalloc"], "pkmap": j["pkmap"],
            "fixmap": j["fixmap"]}


def merge_runs(runs: list[dict]) -> list[dict]:
    """Adjacent runs with consecutive frames and the same flags, merged (lowmem becomes one or few runs)."""
    out = []
    for r in sorted(runs, key=lambda r: r["va"]):
        p = out[-1] if out else None
        if (p and p["va"] + p["size"] == r["va"] and p["pa"] + p["size"] == r["pa"] and
                all(p[k] == r[k] for k in ("nx", "user", "write", "pcd"))):
            p["size"] += r["size"]
        else:
            out.append(dict(r))
    return out


def compare(t: ht.Target, qmp: Qmp, nx: bool, large: int, when: str) -> dict:
    """Compare QEMU's page tables with the firmware's account of them; returns figures for the report."""
    ram = [(s, e + 1) for s, e, kind in ht.parse_e820(t.boot_log) if kind == "usable"]
    assert ram, "no usable e820 entry in the boot log"

    def is_ram(pa0, pa1):
        return any(overlaps(pa0, pa1, s, e) for s, e in ram)
    lay = mmparse.layout(t.cmd("layout"))
    counts = ptcheck_counts(mmparse.assert_pt_clean(t, timeout=CHECK_TIMEOUT))
    vmi = mmparse.vmallocinfo(t.cmd("vmallocinfo"))
    pk_text = t.cmd("pkmap")
    pk_head, pk_slots = mmparse.pkmap_header(pk_text), mmparse.pkmap_slots(pk_text)
    fx_head, fx_rows = mmparse.fixmap(t.cmd("fixmap"))
    t0 = time.monotonic()
    tlb = parse_tlb(qmp.hmp("info tlb"), large)
    mem = parse_mem(qmp.hmp("info mem"))
    qmp_s = time.monotonic() - t0

    low0, low1 = lay["lowmem"]
    vm0, vm1 = lay["vmalloc"]
    pk0, pk1 = pk_head["start"], pk_head["end"]
    fx0, fx1 = fx_head["start"], fx_head["end"]
    text0, text1 = lay[".text"]
    assert low0 == PAGE_OFFSET and pk0 == lay["pkmap"][0] and fx0 == lay["fixmap"][0]
    assert fx1 == fx_head["top"] + PAGE, f"{when}: the fixmap ends one page above FIXADDR_TOP"

    # The effective permissions: info mem's runs, with nothing user-accessible and nothing below PAGE_OFFSET.
    for s, e, user, _ in mem:
        assert s >= PAGE_OFFSET, f"{when}: 0x{s:08x}-0x{e:08x} below PAGE_OFFSET is mapped"
        assert not user, f"{when}: 0x{s:08x}-0x{e:08x} is a user mapping in the kernel page tables"
    ro = [(s, e) for s, e, _, w in mem if not w]
    # The kernel's read-only run (text and rodata): in lowmem, covering .text, the only one there.
    ro_low = [(s, e) for s, e in ro if s < low1]
    assert len(ro_low) == 1, f"{when}: read-only runs in lowmem {[(hex(s), hex(e)) for s, e in ro_low]}"
    ro0, ro1 = ro_low[0]
    assert ro0 <= text0 and text1 <= ro1, f"{when}: .text 0x{text0:08x}-0x{text1:08x} not inside read-only run"
    assert (ro1 - ro0) // PAGE == counts["ro"], f"{when}: QEMU read-only pages {(ro1 - ro0) // PAGE}, ptcheck {counts['ro']}"
    ro_pa0, ro_pa1 = ro0 - PAGE_OFFSET, ro1 - PAGE_OFFSET

    def eff_write(va0, va1):
        return any(w and overlaps(va0, va1, s, e) for s, e, _, w in mem)

    seen = {"linear": 0, "vmalloc": 0, "pkmap": 0, "fixmap": 0}
    vm_pages = {}
    pk_seen, fx_seen = set(), set()
    fx_by_va = {r["virt"]: r for r in fx_rows}
    for r in tlb:
        va, size, pa = r["va"], r["size"], r["pa"]
        end = va + size
        where = f"{when}: 0x{va:08x}-0x{end:08x} -> 0x{pa:x}"
        assert not r["user"], f"{where} is a user page"
        if r["write"] and eff_write(va, end):
            assert not overlaps(pa, pa + size, ro_pa0, ro_pa1), f"{where} is a writable alias of kernel text/rodata"
        if va < PAGE_OFFSET:
            raise AssertionError(f"{where} below PAGE_OFFSET")
        if va >= low1 and not is_ram(pa, pa + size):
            assert r["pcd"], f"{where}: a frame that is not RAM (MMIO) is mapped cacheable"
        if va < low1:
            assert end <= low1, f"{where} runs past the end of lowmem 0x{low1:08x}"
            assert pa == va - PAGE_OFFSET, f"{where}: lowmem must map phys = virt - PAGE_OFFSET"
            if nx and not r["nx"]:
                assert text0 & ~(PAGE - 1) <= va and end <= ro1, f"{where}: executable outside the kernel text"
            if nx and va >= text0 & ~(PAGE - 1) and end <= (text1 + PAGE - 1) & ~(PAGE - 1):
                assert not r["nx"], f"{where}: kernel text must be executable"
            seen["linear"] += size // PAGE
        elif va < vm0:
            raise AssertionError(f"{where} is in the VMALLOC_OFFSET gap")
        elif va < vm1:
            assert size == PAGE, f"{where}: a large page in the vmalloc range"
            area = next((a for a in vmi if a["start"] <= va < a["end"]), None)
            assert area, f"{where} is in no vmallocinfo area"
            assert va < area["end"] - PAGE, f"{where} is the guard page of {area['line']}"
            if area["phys"] is not None:
                assert pa == area["phys"] + (va - area["start"]), f"{where}: not the phys of {area['line']}"
                assert r["pcd"], f"{where}: an ioremap must be uncached"
            if nx:
                assert r["nx"], f"{where}: a vmalloc page must be NX"
            vm_pages[va] = area
            seen["vmalloc"] += 1
        elif va < pk0:
            raise AssertionError(f"{where} is in the gap below PKMAP_BASE")
        elif va < pk1:
            slot = (va - pk0) // PAGE
            assert slot in pk_slots, f"{where}: PKMAP slot {slot} is not listed by pkmap"
            assert pa == pk_slots[slot]["pfn"] * PAGE, f"{where}: pkmap says slot {slot} maps pfn 0x{pk_slots[slot]['pfn']:x}"
            assert is_ram(pa, pa + PAGE), f"{where}: PKMAP slot {slot} maps a frame that is not RAM"
            pk_seen.add(slot)
            seen["pkmap"] += 1
        elif va < fx0:
            raise AssertionError(f"{where} is between PKMAP and the fixmaps")
        elif va < fx1:
            row = fx_by_va.get(va)
            assert row and row["phys"] is not None, f"{where}: fixmap lists nothing at this slot"
            assert pa == row["phys"] & ~(PAGE - 1), f"{where}: fixmap says {row['name']} maps 0x{row['phys']:x}"
            if row["name"].startswith("FIX_KMAP"):
                assert is_ram(pa, pa + PAGE), f"{where}: kmap_atomic slot {row['name']} maps a frame that is not RAM"
            fx_seen.add(va)
            seen["fixmap"] += 1
        else:
            raise AssertionError(f"{where} is above FIXADDR_TOP")

    # Nothing missing: every page the firmware names is present in QEMU's walk.
    assert seen["linear"] == (low1 - low0) // PAGE, f"{when}: lowmem pages present {seen['linear']} of {(low1 - low0) // PAGE}"
    for a in vmi:
        pages = (a["end"] - a["start"]) // PAGE - 1
        got = sum(1 for va in range(a["start"], a["end"] - PAGE, PAGE) if va in vm_pages)
        assert got == pages, f"{when}: {got} of {pages} pages of {a['line']} present"
    listed = {s for s, v in pk_slots.items() if v["count"] >= 1}
    assert listed == pk_seen, f"{when}: pkmap lists slots {sorted(listed)}, QEMU maps {sorted(pk_seen)}"
    named = {r["virt"] for r in fx_rows if r["phys"] is not None}
    assert named == fx_seen, f"{when}: fixmap names {sorted(map(hex, named))}, QEMU maps {sorted(map(hex, fx_seen))}"
    for k in seen:
        assert seen[k] == counts[k], f"{when}: {k} pages: QEMU {seen[k]}, ptcheck {counts[k]}"
    return {"tlb_runs": len(tlb), "qmp_s": round(qmp_s, 2), **{f"{k}_pages": v for k, v in seen.items()}}


def _image(hil, pae: bool) -> str:
    if not pae:
        return hil.image
    path = os.path.normpath(os.path.join(os.path.dirname(hil.image), "..", "image-pae", "highmem-pae.elf"))
    if not os.path.isfile(path):
        pytest.skip(f"PAE image not built: {path}")
    return path


@pytest.fixture(params=CONFIGS, ids=[f"m{m}-{'pae' if p else '2level'}" for m, _, p in CONFIGS])
def oracle(request, hil):
    memory, cpu, pae = request.param
    sockdir = tempfile.mkdtemp(prefix="highmem-qmp-")
    sock = os.path.join(sockdir, "qmp.sock")
    cfg = hil.tcfg.with_overrides(memory=memory, cpu=cpu, extra_args=f"-qmp unix:{sock},server=on,wait=off")
    t = ht.make_target(cfg, _image(hil, pae))
    hil._n += 1
    t.label = f"{hil._n:02d}-pt-oracle-m{memory}-{'pae' if pae else '2level'}"
    hil.targets.append(t)
    t.boot()
    qmp = Qmp(sock)
    t.pt_nx, t.pt_large, t.pt_memory = pae, (2 << 20) if pae else (4 << 20), memory
    try:
        yield t, qmp
    finally:
        qmp.close()
        hil.release(t)
        try:
            os.unlink(sock)
        except FileNotFoundError:
            pass
        os.rmdir(sockdir)


def test_qemu_page_tables_match_the_firmware(oracle, record_property):
    t, qmp = oracle
    nx, large = t.pt_nx, t.pt_large
    if nx:
        assert "NX in use" in t.log, "the PAE image on -cpu max must use NX"
    # Something in every region: a vmalloc area, an ioremap (uncached, phys=), a kmap of a high frame.
    assert t.json("vmalloc 24K")["size"] == 24 << 10
    assert t.json("ioremap 0xfebf0000 0x2000")["phys"] == 0xFEBF0000
    # What must be refused: an ioremap of the kernel image (a writable alias of its text) and a kmap
    # of the local APIC's frame (MMIO in the PCI hole, below max_pfn at 6G).  If either got through,
    # the comparison below names the mapping; the refusals are checked after it.
    bad_ioremap = t.cmd("ioremap 0x101000 0x1000")
    bad_kmap = t.cmd("kmap 0xfee00")
    pfn = None
    if mmparse.zone_ranges(t.log).get("HighMem"):
        pfn = t.json("pages alloc 0 high")["pfn"]
        k = t.json(f"kmap 0x{pfn:x}")
        assert k["pfn"] == pfn and k["addr"] >> 24 == 0xFE and "PKMAP" in k["region"], k
    figs = compare(t, qmp, nx, large, f"m{t.pt_memory} after boot")
    assert "ioremap: refusing" in bad_ioremap, bad_ioremap
    assert re.search(r"kmap: (pfn 0xfee00 is not RAM|no frame 0xfee00)", bad_kmap), bad_kmap
    for k, v in figs.items():
        record_property(f"m{t.pt_memory}_boot_{k}", v)

    if pfn is not None:
        t.cmd(f"kunmap 0x{pfn:x}")
        assert "freed pfn" in t.cmd(f"pages free 0x{pfn:x} 0")
    out = t.cmd(f"stress 11 {STRESS_OPS}", timeout=CHECK_TIMEOUT)
    assert "stress: seed 11 PASSED" in out, out[-2000:]
    figs = compare(t, qmp, nx, large, f"m{t.pt_memory} after stress")
    for k, v in figs.items():
        record_property(f"m{t.pt_memory}_stress_{k}", v)
