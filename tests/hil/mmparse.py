"""Readers of the memory-management reports the firmware prints, and the
values they must take for a given e820 map.

Used by test_physmem.py and test_kernel_vm.py.  The live reports are read in
their machine-readable form (``CMD -j``: one JSON object) by the *_of(target)
functions; the text parsers remain for the boot log (which has no -j form)
and for checking that the two forms agree.  Every text parser raises
AssertionError with the text it could not read, so a changed format fails
loudly instead of being read as zeros.
"""

from __future__ import annotations

import json
import re


PAGE = 4096
KiB = 1024
MiB = 1 << 20
PAGE_OFFSET = 0xC0000000
MAXMEM = 896 * MiB  # 4 GiB - PAGE_OFFSET - VMALLOC_RESERVE (128 MiB)
DMA_LIMIT = 16 * MiB
VMALLOC_OFFSET = 8 * MiB
PKMAP_BASE = 0xFE000000
LAST_PKMAP = 1024
FIXADDR_TOP = 0xFFFFE000
ZONES = ("DMA", "Normal", "HighMem")
MAX_ORDER = 11  # orders 0..10

#: One page of a vmalloc area is its guard page (reported in vmallocinfo's size).
GUARD = PAGE


def _need(cond, what, text):
    if not cond:
        raise AssertionError(f"cannot parse {what} from:\n{text}")


# ---------------------------------------------------------------------------
# /proc-style reports
# ---------------------------------------------------------------------------

_MEMINFO_RE = re.compile(r"^([A-Za-z_()0-9]+):\s+(\d+) kB\s*$", re.MULTILINE)


def meminfo(text: str) -> dict[str, int]:
    """{field: kB} of `meminfo` output (/proc/meminfo lines)."""
    d = {k: int(v) for k, v in _MEMINFO_RE.findall(text)}
    _need("MemTotal" in d and "MemFree" in d, "meminfo", text)
    return d


def zoneinfo(text: str) -> dict[str, dict[str, int]]:
    """{zone: {field: value}} of `zoneinfo` output (/proc/zoneinfo style).

    Fields: 'pages free' is stored as 'free'; the others under their names
    (min, low, high, spanned, present, managed, nr_free_pages, start_pfn ...).
    """
    zones: dict[str, dict[str, int]] = {}
    cur = None
    for line in text.splitlines():
        m = re.match(r"^Node\s+(\d+),\s+zone\s+(\S+)\s*$", line)
        if m:
            cur = zones.setdefault(m.group(2), {})
            continue
        if cur is None:
            continue
        m = re.match(r"^\s+pages free\s+(\d+)\s*$", line)
        if m:
            cur["free"] = int(m.group(1))
            continue
        m = re.match(r"^\s+([a-z_]+):?\s+(\d+)\s*$", line)
        if m:
            cur[m.group(1)] = int(m.group(2))
    _need(zones and all("free" in z for z in zones.values()), "zoneinfo", text)
    return zones


def buddyinfo(text: str) -> dict[str, list[int]]:
    """{zone: [count of free blocks of order 0..10]} of `buddyinfo` output."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^Node\s+\d+,\s+zone\s+(\S+)((?:\s+\d+)+)\s*$", line)
        if m:
            out[m.group(1)] = [int(x) for x in m.group(2).split()]
    _need(out, "buddyinfo", text)
    return out


SLABINFO_FIELDS = ("active_objs", "num_objs", "objsize", "objperslab", "pagesperslab",
                   "active_slabs", "num_slabs")


def slabinfo(text: str) -> dict[str, dict[str, int]]:
    """{cache: {active_objs, num_objs, objsize, objperslab, pagesperslab, active_slabs,
    num_slabs}} of `slabinfo` output (version 2.1; the tunables are all 0 here)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+: tunables(?:\s+\d+){3}"
                     r"\s+: slabdata\s+(\d+)\s+(\d+)\s+\d+\s*$", line)
        if m:
            out[m.group(1)] = dict(zip(SLABINFO_FIELDS, (int(x) for x in m.groups()[1:])))
    _need(out and text.startswith("slabinfo - version: 2.1"), "slabinfo", text)
    return out


def buddy_pages(counts: list[int]) -> int:
    """Free pages described by one buddyinfo line: sum of count << order."""
    return sum(c << order for order, c in enumerate(counts))


def zone_ranges(log: str) -> dict[str, tuple[int, int] | None]:
    """The boot log's 'Zone ranges:' block: {zone: (start, end_inclusive) or None if empty}."""
    i = log.find("Zone ranges:")
    _need(i >= 0, "'Zone ranges:'", log[-2000:])
    out: dict[str, tuple[int, int] | None] = {}
    for line in log[i:].splitlines()[1:]:
        m = re.match(r"^\s+(\S+)\s+\[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]\s*$", line)
        if m:
            out[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
            continue
        m = re.match(r"^\s+(\S+)\s+empty\s*$", line)
        if m:
            out[m.group(1)] = None
            continue
        break
    return out


def available_mb(log: str) -> dict[str, int]:
    """{'HIGHMEM': N, 'LOWMEM': N} from the 'N MB HIGHMEM/LOWMEM available.' lines."""
    return {k: int(n) for n, k in re.findall(r"^(\d+)MB (HIGHMEM|LOWMEM) available\.", log, re.MULTILINE)}


_MEMORY_LINE_RE = re.compile(
    r"^Memory: (\d+)K/(\d+)K available \((.*?)\)\s*$", re.MULTILINE)


def memory_line(log: str) -> dict[str, int] | None:
    """The boot 'Memory: AK/TK available (... NK reserved, NK highmem)' line."""
    m = _MEMORY_LINE_RE.search(log)
    if not m:
        return None
    d = {"available": int(m.group(1)), "total": int(m.group(2))}
    for n, what in re.findall(r"(\d+)K ([a-z]+)", m.group(3)):
        d[what] = int(n)
    return d


_MEM_MAP_RE = re.compile(
    r"^mem_map: (\d+) struct pages of (\d+) bytes = (\d+) KiB at \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]",
    re.MULTILINE)


def mem_map_line(log: str) -> dict[str, int] | None:
    m = _MEM_MAP_RE.search(log)
    if not m:
        return None
    return {"pages": int(m.group(1)), "size": int(m.group(2)), "kib": int(m.group(3)),
            "start": int(m.group(4), 16), "end": int(m.group(5), 16)}


# ---------------------------------------------------------------------------
# The expected physical picture for an e820 map
# ---------------------------------------------------------------------------

def _usable(e820):
    return [(s, e + 1) for s, e, t in e820 if t == "usable"]


def usable_pages_in(e820, lo: int, hi: int) -> int:
    """Whole usable pages inside [lo, hi) (ranges rounded inwards to pages)."""
    n = 0
    for s, e in _usable(e820):
        s, e = max(s, lo), min(e, hi)
        s = (s + PAGE - 1) & ~(PAGE - 1)
        e &= ~(PAGE - 1)
        if e > s:
            n += (e - s) // PAGE
    return n


def top_of_ram(e820) -> int:
    """End (exclusive, page-aligned) of the highest usable RAM below 4 GiB: max_pfn << 12."""
    return max(e for s, e in _usable(e820) if s < 1 << 32 and e <= 1 << 32) & ~(PAGE - 1)


def expected_zone_ranges(e820) -> dict[str, tuple[int, int] | None]:
    """What 'Zone ranges:' must say: DMA below 16 MiB, Normal to 896 MiB, HighMem above."""
    top = top_of_ram(e820)
    low_top = min(top, MAXMEM)
    return {
        "DMA": (0, min(top, DMA_LIMIT) - 1),
        "Normal": (DMA_LIMIT, low_top - 1) if low_top > DMA_LIMIT else None,
        "HighMem": (MAXMEM, top - 1) if top > MAXMEM else None,
    }


def expected_high_kb(e820) -> int:
    """Usable RAM above 896 MiB that 32-bit page tables can reach, in kB."""
    return usable_pages_in(e820, MAXMEM, 1 << 32) * PAGE // KiB


def expected_low_usable_kb(e820) -> int:
    return usable_pages_in(e820, 0, MAXMEM) * PAGE // KiB


# ---------------------------------------------------------------------------
# Kernel virtual areas
# ---------------------------------------------------------------------------

LAYOUT_LINE_RE = re.compile(
    r"^\s*(fixmap|pkmap|vmalloc|lowmem|\.init|\.data|\.text)\s*:\s*0x([0-9a-f]{8})\s*-\s*0x([0-9a-f]{8})",
    re.MULTILINE)


def layout(text: str) -> dict[str, tuple[int, int]]:
    """The 'virtual kernel memory layout' block: {name: (start, end)}."""
    i = text.find("virtual kernel memory layout:")
    _need(i >= 0, "'virtual kernel memory layout:'", text[-2000:])
    out = {}
    for m in LAYOUT_LINE_RE.finditer(text, i):
        if m.group(1) in out:
            break
        out[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
    return out


def expected_vmalloc_start(high_memory: int) -> int:
    return (high_memory + 2 * VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1)


_VMI_RE = re.compile(
    r"^0x([0-9a-f]{8})-0x([0-9a-f]{8})\s+(\d+)\s+(\S+)((?:\s+\S+)*?)\s*$")


def vmallocinfo(text: str) -> list[dict]:
    """Entries of `vmallocinfo` (/proc/vmallocinfo format), in the order printed.

    Each: start, end, size, caller, pages (or None), phys (or None), kind
    (the last word: vmalloc / ioremap / vmap ...).
    """
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _VMI_RE.match(line)
        _need(m, "a vmallocinfo line", line)
        words = m.group(5).split()
        ent = {"start": int(m.group(1), 16), "end": int(m.group(2), 16), "size": int(m.group(3)),
               "caller": m.group(4), "pages": None, "phys": None,
               "kind": words[-1] if words else None, "line": line}
        for w in words:
            if w.startswith("pages="):
                ent["pages"] = int(w[6:])
            elif w.startswith("phys="):
                ent["phys"] = int(w[5:], 16)
        out.append(ent)
    return out


def pt(text: str) -> dict:
    """`pt ADDR`: {'mapped': bool, 'phys': int|None, 'region': str, 'pde': str, 'pte': str|None,
    'large': bool, 'writable': bool|None, 'text': text}."""
    d = {"text": text, "mapped": None, "phys": None, "region": None, "pde": None,
         "pte": None, "large": False, "writable": None, "uncached": False}
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("PDE"):
            d["pde"] = s
            d["large"] = "large page" in s
        elif s.startswith("PTE"):
            d["pte"] = s
        elif s == "not mapped":
            d["mapped"] = False
        elif s.startswith("mapped:"):
            d["mapped"] = True
            m = re.search(r"phys 0x([0-9a-f]+)", s)
            d["phys"] = int(m.group(1), 16) if m else None
            d["writable"] = "writable" in s and "read-only" not in s
            d["uncached"] = "uncached" in s
        elif s.startswith("region:"):
            d["region"] = s[len("region:"):].strip()
    _need(d["mapped"] is not None and d["region"] is not None, "pt output", text)
    return d


def pt_of(target, va: int, pid: int | None = None) -> dict:
    """The walk of ``va`` by ``pt ADDR -j`` (``upt PID ADDR -j`` with pid): the keys of pt() from
    the JSON report ('text' is its line, for messages), plus 'pde'/'pte' as the report's objects."""
    line = f"pt 0x{va:08x}" if pid is None else f"upt {pid} 0x{va:08x}"
    j = target.json(line)
    return dict(j, text=json.dumps(j))


def selftest_of(target, name: str | None = None, timeout=None) -> dict:
    """A ``selftest [NAME] -j`` run: the report's keys, plus 'ok'/'not_ok' (names, as ktap() gives),
    'lines' (every test's diagnostics in order) and 'text' (the JSON line, for messages)."""
    j = target.json("selftest" if name is None else f"selftest {name}", timeout=timeout)
    return dict(j, ok=[t["name"] for t in j["tests"] if t["ok"]],
                not_ok=[t["name"] for t in j["tests"] if not t["ok"]],
                lines=[l for t in j["tests"] for l in t["diagnostics"]], text=json.dumps(j))


def pkmap_slots(text: str) -> dict[int, dict]:
    """`pkmap` slot lines: {slot: {'virt', 'count', 'state', 'pfn'}}."""
    out = {}
    for m in re.finditer(
            r"^\s*slot\s+(\d+)\s+0x([0-9a-f]+)\s+count\s+(\d+)\s+\(([^)]*)\)\s+pfn\s+0x([0-9a-f]+)",
            text, re.MULTILINE):
        out[int(m.group(1))] = {"virt": int(m.group(2), 16), "count": int(m.group(3)),
                                "state": m.group(4), "pfn": int(m.group(5), 16)}
    return out


def pkmap_header(text: str) -> dict[str, int]:
    m = re.search(r"pkmap: 0x([0-9a-f]+)-0x([0-9a-f]+), (\d+) slots: (\d+) in use", text)
    _need(m, "the pkmap header", text)
    return {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
            "slots": int(m.group(3)), "in_use": int(m.group(4))}


def fixmap(text: str) -> tuple[dict, list[dict]]:
    """`fixmap`: (header {start, end, slots, top}, [{'index', 'name', 'virt', 'phys' or None}])."""
    m = re.search(r"fixmap: 0x([0-9a-f]+)-0x([0-9a-f]+), (\d+) slots, FIXADDR_TOP 0x([0-9a-f]+)", text)
    _need(m, "the fixmap header", text)
    head = {"start": int(m.group(1), 16), "end": int(m.group(2), 16),
            "slots": int(m.group(3)), "top": int(m.group(4), 16)}
    rows = []
    for m in re.finditer(r"^\s*(\d+)\s+(FIX_\S+)\s+0x([0-9a-f]{8})\s+(0x[0-9a-f]+|-)\s*$", text, re.MULTILINE):
        rows.append({"index": int(m.group(1)), "name": m.group(2), "virt": int(m.group(3), 16),
                     "phys": None if m.group(4) == "-" else int(m.group(4), 16)})
    return head, rows


def ktap(text: str) -> dict:
    """A `selftest` run: {'passed', 'failed', 'ok': [names], 'not_ok': [names]}."""
    m = re.search(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$", text, re.MULTILINE)
    _need(m, "the 'N passed, N failed' line", text)
    return {"passed": int(m.group(1)), "failed": int(m.group(2)),
            "ok": re.findall(r"^ok \d+ (\S+)", text, re.MULTILINE),
            "not_ok": re.findall(r"^not ok \d+ (\S+)", text, re.MULTILINE)}


# ---------------------------------------------------------------------------
# The -j forms, read from a live target
# ---------------------------------------------------------------------------

def meminfo_of(t) -> dict[str, int]:
    """{field: kB} as meminfo() returns, from `meminfo -j`."""
    return t.json("meminfo")


def zoneinfo_of(t) -> dict[str, dict[str, int]]:
    """{zone: {field: value}} as zoneinfo() returns, from `zoneinfo -j`."""
    return t.json("zoneinfo")["zones"]


def buddyinfo_of(t) -> dict[str, list[int]]:
    """{zone: [free blocks of order 0..10]} as buddyinfo() returns, from `buddyinfo -j`."""
    return t.json("buddyinfo")["zones"]


def slabinfo_of(t) -> dict[str, dict[str, int]]:
    """{cache: {field: value}} as slabinfo() returns, from `slabinfo -j` (in its order)."""
    return {c["name"]: {k: c[k] for k in SLABINFO_FIELDS} for c in t.json("slabinfo")["caches"]}


LAYOUT_NAMES = ("fixmap", "pkmap", "vmalloc", "lowmem", ".init", ".data", ".text")


def layout_of(t) -> dict[str, tuple[int, int]]:
    """{name: (start, end)} as layout() returns, from `layout -j`."""
    j = t.json("layout")
    return {k: tuple(j[k]) for k in LAYOUT_NAMES}


def vmallocinfo_of(t) -> list[dict]:
    """The areas as vmallocinfo() returns them, from `vmallocinfo -j` ('line' is the JSON of the
    area, for assertion messages)."""
    import json
    areas = t.json("vmallocinfo")["areas"]
    for a in areas:
        a["line"] = json.dumps(a)
    return areas


def pkmap_of(t) -> tuple[dict, dict[int, dict]]:
    """`pkmap -j`: (header as pkmap_header() returns plus the counters, slots as pkmap_slots())."""
    j = t.json("pkmap")
    return j, {s["slot"]: {k: s[k] for k in ("virt", "count", "state", "pfn")} for s in j["used"]}


def fixmap_of(t) -> tuple[dict, list[dict]]:
    """`fixmap -j`: (header, rows) as fixmap() returns them."""
    j = t.json("fixmap")
    return {k: j[k] for k in ("start", "end", "slots", "top")}, j["entries"]


def assert_mm_clean(t, part: str | None = None, timeout=None) -> dict:
    """Run `mmcheck [PART] -j` and fail with its messages unless it found no violation."""
    j = t.json("mmcheck" + (f" {part}" if part else ""), timeout=timeout)
    assert j["violations"] == 0, "mmcheck: " + "\n".join(j["messages"]) + f"\n{j['parts']}"
    return j


def assert_pt_clean(t, timeout=None) -> dict:
    """Run `ptcheck -j` and fail with its messages unless it found no violation."""
    j = t.json("ptcheck", timeout=timeout)
    assert j["violations"] == 0, "ptcheck: " + "\n".join(j["messages"])
    return j


def hexnum(word: str) -> int:
    return int(word, 0)


def target_kind(config) -> str:
    """The kind of the target description conftest.py loaded (available at collection time)."""
    return config._hil_tcfg.kind
