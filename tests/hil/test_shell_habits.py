"""The habits a U-Boot user brings to the shell, and the machine-readable reports.

- addresses, physical addresses and frame numbers are hex with or without 0x (`md c0100000`,
  `md 100` reads 0x100); counts and sizes decimal with K/M/G; what could be read either way is
  refused with a message that says how to write it;
- Enter on an empty line right after `md`/`mdp` continues the dump (U-Boot's repeat); anything
  else in between cancels it;
- `md.b` that runs into a fault shows the bytes it read before the fault line;
- `echo`, `history`, `;` between commands, `status` and `$?`; exit statuses 0 (success),
  1 (failure), 2 (usage), 127 (no such command);
- after Tab lists the candidates, the prompt and the line are drawn again;
- `-j` on the reports prints one JSON object on one line that agrees with the human report.
"""

import re

import pytest

import highmem_target as ht

LINE_RE = re.compile(r"^([0-9a-f]{8}):((?: [0-9a-f]+)+)\s{4}(.*)$")


def _rows(out):
    rows = []
    for line in out.splitlines():
        m = LINE_RE.match(line)
        assert m, f"not an md line: {line!r} in:\n{out}"
        rows.append((int(m.group(1), 16), m.group(2).split()))
    return rows


def _status(t):
    return int(t.cmd("echo $?"))


# ---------------------------------------------------------------------------
# hex addresses
# ---------------------------------------------------------------------------

def test_addresses_are_hex_with_or_without_0x(console):
    with_0x = console.cmd("md 0xc0100000 8")
    assert console.cmd("md c0100000 8") == with_0x
    assert console.cmd("md C0100000 8") == with_0x
    assert _rows(console.cmd("mdp 100000 4")) == _rows(console.cmd("mdp 0x100000 4"))
    # `md 100` reads 0x100, not 0x64: in a U-Boot user's hands 100 is an address.
    out = console.cmd("md 100 1")
    assert out.startswith("md: page fault reading 0x00000100"), out
    # A count stays decimal: 16 words are 4 lines.
    assert [a for a, _ in _rows(console.cmd("md c0100000 16"))] == [0xC0100000 + 16 * i for i in range(4)]
    # A frame number too: kmap of frame 100 is frame 0x100.
    assert "pfn 0x100 at 0xc0100000" in console.cmd("kmap 100")
    assert console.cmd("pt c0100000") == console.cmd("pt 0xc0100000")


@pytest.mark.parametrize("line, message", [
    ("md 16K", "md: ADDR '16K' has a size suffix: addresses are hex, 0x optional, without K/M/G (write 0x4000)"),
    ("md zz", "md: ADDR 'zz' is not a hex number: addresses are hex, 0x optional (f8800000 or 0xf8800000)"),
    ("md 100000000", "md: ADDR '100000000' is too large (at most 0xffffffff)"),
    ("md c0100000 1f", "md: COUNT '1f' is decimal here: write 0x1f for hex"),
    ("md c0100000 0x10K", "md: COUNT '0x10K' mixes 0x-hex and a K/M/G suffix: write 16K or 0x4000"),
    ("mdp 1M", "mdp: PHYS '1M' has a size suffix"),
    ("vmalloc 0x10K", "vmalloc: SIZE '0x10K' mixes 0x-hex and a K/M/G suffix: write 16K or 0x4000"),
    ("vmalloc 1f", "vmalloc: SIZE '1f' is decimal here: write 0x1f for hex"),
    ("kmap 4K", "kmap: PFN '4K' has a size suffix"),
    ("memtest 2M 3M", "memtest: START '2M' has a size suffix"),
    ("pages free 1G 0", "pages: PFN '1G' has a size suffix"),
])
def test_ambiguous_numbers_are_refused_with_how_to_write_them(console, line, message):
    out = console.cmd(line)
    assert out.startswith(message), out
    assert "usage: " in out, out
    assert _status(console) == 2


def test_help_says_how_numbers_are_written(console):
    head = console.cmd("help").splitlines()[:4]
    assert any("ADDR, PHYS and PFN are hex, 0x optional" in line for line in head), head
    assert any("COUNT and SIZE are decimal with K/M/G" in line for line in head), head
    assert "  ADDR hex, 0x optional; COUNT decimal with K/M/G, or 0x-hex" in console.cmd("help md").splitlines()
    assert "  PFN hex, 0x optional" in console.cmd("help kmap").splitlines()


# ---------------------------------------------------------------------------
# md repeat, md.b at a fault
# ---------------------------------------------------------------------------

def test_enter_after_md_continues_the_dump(console):
    first = _rows(console.cmd("md c0100000 8"))
    assert [a for a, _ in first] == [0xC0100000, 0xC0100010]
    again = _rows(console.cmd(""))
    assert [a for a, _ in again] == [0xC0100020, 0xC0100030]
    assert again == _rows(console.cmd("md c0100020 8"))
    assert [a for a, _ in _rows(console.cmd(""))] == [0xC0100040, 0xC0100050]
    # The width carries over: md.b continues in bytes.
    console.cmd("md.b c0100000 16")
    assert _rows(console.cmd(""))[0] == (0xC0100010, _rows(console.cmd("md.b c0100010 16"))[0][1])
    # mdp too.
    console.cmd("mdp 100000 4")
    assert [a for a, _ in _rows(console.cmd(""))] == [0x100010]


def test_anything_else_cancels_the_repeat(console):
    console.cmd("md c0100000 4")
    assert console.cmd("version").startswith("highmem ")
    assert console.cmd("") == ""
    console.cmd("md c0100000 4")
    console.send_raw("junk\x03")  # Ctrl-C drops the line and the repeat
    console.wait_prompt()
    assert console.cmd("") == ""
    console.cmd("md c0100000 4; echo done")  # the last command of the line was not md
    assert console.cmd("") == ""
    assert console.cmd("md 0").startswith("md: page fault")  # a failed md is not repeated
    assert console.cmd("") == ""


def test_md_b_shows_the_bytes_before_the_fault(console):
    j = console.json("vmalloc 4K")
    addr, size = j["addr"], j["size"]
    guard = addr + size
    try:
        lines = console.cmd(f"md.b {guard - 5:x} 16").splitlines()
        assert len(lines) == 2, lines
        assert LINE_RE.match(lines[0]) and lines[0].startswith(f"{guard - 5:08x}:"), lines
        assert len(LINE_RE.match(lines[0]).group(2).split()) == 5, lines
        assert lines[1].startswith(f"md.b: page fault reading 0x{guard:08x} (page not present): guard page"), lines
        assert _status(console) == 1
    finally:
        console.cmd(f"vfree {addr:x}")


# ---------------------------------------------------------------------------
# echo, history, ;, status, $?
# ---------------------------------------------------------------------------

def test_echo_semicolons_and_status(console):
    assert console.cmd("echo hello   world") == "hello world"
    assert console.cmd("echo") == ""
    assert console.cmd("echo a; echo b;echo c") == "a\nb\nc"
    assert console.cmd("version; echo $?").splitlines()[-1] == "0"
    assert console.cmd("md 0 1; echo $?").splitlines()[-1] == "1"
    assert console.cmd("md 1 2 3; echo $?").splitlines()[-1] == "2"
    assert console.cmd("nosuchcommand; echo $?").splitlines()[-1] == "127"
    assert console.cmd("md 0 1; status").splitlines()[-1] == "status 1 (failed)"
    assert console.cmd("status") == "status 1 (failed)"  # status returns the status it prints
    assert console.cmd("echo $?") == "1"
    assert console.cmd("echo $?") == "0"
    # ; and $? on one line: each command sees the status of the one before it.
    assert console.cmd("md zz; echo $?; echo $?") == console.cmd("md zz") + "\n2\n0"
    # Empty commands between ; run nothing and keep the status.
    assert console.cmd("md 0 1;; ;echo $?").splitlines()[-1] == "1"


def test_history_lists_the_lines_numbered(console):
    console.cmd("echo one")
    console.cmd("echo two; echo three")
    out = console.cmd("history").splitlines()
    rows = [re.match(r"^\s*(\d+)  (.*)$", line) for line in out]
    assert all(rows), out
    numbers = [int(r.group(1)) for r in rows]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), out
    assert [r.group(2) for r in rows[-3:]] == ["echo one", "echo two; echo three", "history"], out
    assert len(rows) <= 16


def test_tab_list_redraws_prompt_and_line(console):
    console.flush_input_buffer()
    console.send_raw("m\t")  # md, mdp, meminfo, ...: nothing to add, so the list
    console.expect(r"meminfo\s.*\r?\n" + re.escape(console.prompt) + "m")
    console.send_raw("eminfo\r")
    console.expect("\n" + re.escape(console.prompt))
    assert re.search(r"^MemTotal:", ht._text(console.child.before), re.M)


# ---------------------------------------------------------------------------
# -j: one JSON object on one line that agrees with the human report
# ---------------------------------------------------------------------------

import mmparse as mp  # noqa: E402


def test_meminfo_zoneinfo_buddyinfo_json_agree(console):
    j = console.json("meminfo")
    assert j == mp.meminfo(console.cmd("meminfo"))
    assert list(j) == ["MemTotal", "MemFree", "HighTotal", "HighFree", "LowTotal", "LowFree", "Slab",
                       "PageTables", "VmallocTotal", "VmallocUsed", "VmallocChunk"]
    z = console.json("zoneinfo")
    text = mp.zoneinfo(console.cmd("zoneinfo"))
    assert set(z["zones"]) == set(text)
    for name, fields in text.items():
        for k, v in fields.items():
            assert z["zones"][name][k] == v, (name, k)
        assert len(z["zones"][name]["protection"]) == 3
    b = console.json("buddyinfo")
    assert b["zones"] == mp.buddyinfo(console.cmd("buddyinfo"))
    assert all(len(v) == mp.MAX_ORDER for v in b["zones"].values())


def test_slabinfo_json_agrees(console):
    j = console.json("slabinfo")
    names = [c["name"] for c in j["caches"]]
    assert len(names) == len(set(names)) and {"kmem_cache", "kmalloc-32"} <= set(names), names
    assert mp.slabinfo_of(console) == mp.slabinfo(console.cmd("slabinfo"))
    for c in j["caches"]:
        assert c["num_objs"] == c["num_slabs"] * c["objperslab"] >= c["active_objs"], c
    assert "usage: slabinfo" in console.cmd("slabinfo -x")


def test_vmalloc_ioremap_kmap_results_json_agree(console):
    """The one-line results and their -j forms name the same area: a freed area's hole is taken
    again by the same request (first fit), a second kmap of a frame returns its slot."""
    text = console.cmd("vmalloc 8K")
    m = re.fullmatch(r"vmalloc: 0x([0-9a-f]{8}), (\d+) bytes, guard page at 0x([0-9a-f]{8})", text)
    assert m, text
    console.cmd(f"vfree 0x{m.group(1)}")
    j = console.json("vmalloc 8K")
    try:
        assert (j["addr"], j["size"], j["guard"]) == (int(m.group(1), 16), int(m.group(2)), int(m.group(3), 16))
    finally:
        console.cmd(f"vfree 0x{j['addr']:x}")
    text = console.cmd("ioremap fec00010 0x20")
    m = re.fullmatch(r"ioremap: phys 0x([0-9a-f]{8}) at 0x([0-9a-f]{8})", text)
    assert m, text
    console.cmd(f"iounmap 0x{m.group(2)}")
    j = console.json("ioremap fec00010 0x20")
    try:
        assert (j["phys"], j["size"], j["addr"]) == (int(m.group(1), 16), 0x20, int(m.group(2), 16))
    finally:
        console.cmd(f"iounmap 0x{j['addr']:x}")
    text = console.cmd("kmap 100")
    m = re.fullmatch(r"kmap: pfn 0x([0-9a-f]+) at 0x([0-9a-f]{8}): (.*)", text)
    assert m, text
    assert console.json("kmap 100") == {"pfn": int(m.group(1), 16), "addr": int(m.group(2), 16),
                                        "region": m.group(3)}


def test_layout_vmallocinfo_pkmap_fixmap_json_agree(console):
    addr = console.json("vmalloc 8K")["addr"]
    io_addr = console.json("ioremap fec00000 4K")["addr"]
    try:
        lay = console.json("layout")
        assert {k: tuple(lay[k]) for k in mp.LAYOUT_NAMES} == mp.layout(console.cmd("layout"))
        assert lay["check"] == "ok" and lay["violations"] == 0 and lay["messages"] == []

        areas = console.json("vmallocinfo")["areas"]
        text = mp.vmallocinfo(console.cmd("vmallocinfo"))
        assert len(areas) == len(text)
        for a, t in zip(areas, text):
            for k in ("start", "end", "size", "caller", "pages", "phys", "kind"):
                assert a[k] == t[k], (k, a, t["line"])
            assert a["flags"] == t["line"].split()[-len(a["flags"]):]
        mine = [a for a in areas if a["start"] == addr][0]
        assert mine["kind"] == "vmalloc" and mine["pages"] == 2 and mine["size"] == 3 * mp.PAGE
        ioa = [a for a in areas if a["start"] == io_addr][0]
        assert ioa["kind"] == "ioremap" and ioa["phys"] == 0xFEC00000

        pk = console.json("pkmap")
        text = console.cmd("pkmap")
        head = mp.pkmap_header(text)
        assert {k: pk[k] for k in head} == head
        assert {s["slot"]: {k: s[k] for k in ("virt", "count", "state", "pfn")} for s in pk["used"]} \
            == mp.pkmap_slots(text)
        assert pk["in_use"] + pk["pending"] + pk["free"] == pk["slots"] == mp.LAST_PKMAP

        fx = console.json("fixmap")
        head, rows = mp.fixmap(console.cmd("fixmap"))
        assert {k: fx[k] for k in head} == head
        assert fx["entries"] == rows
        assert set(fx["kmap_atomic"]) == {"high_maps", "nested", "unbalanced", "in_use"}
    finally:
        console.cmd(f"iounmap {io_addr:x}")
        console.cmd(f"vfree {addr:x}")


def test_mmcheck_and_ptcheck_json_agree(console):
    text = console.cmd("mmcheck")
    j = console.json("mmcheck")
    parts = dict(re.findall(r"^mmcheck: (\S+)\s+(ok|FAILED)$", text, re.M))
    assert {k: "FAILED" if v else "ok" for k, v in j["parts"].items()} == parts
    assert j["violations"] == int(re.search(r"^mmcheck: (\d+) violations$", text, re.M).group(1)) == 0
    assert j["messages"] == []
    assert console.json("mmcheck buddy")["parts"] == {"buddy": 0}
    assert console.cmd("mmcheck nothing -j").startswith("mmcheck: no such part")
    assert _status(console) == 2

    text = console.cmd("ptcheck")
    p = console.json("ptcheck")
    m = re.search(r"^ptcheck: (\d+) page tables, (\d+) large pages", text, re.M)
    assert m and (p["tables"], p["large_pages"]) == (int(m.group(1)), int(m.group(2))), text
    assert p["violations"] == int(re.search(r"^ptcheck: (\d+) violations$", text, re.M).group(1)) == 0
    assert f"CR0.WP {p['protections']['cr0_wp']}, SMEP {p['protections']['smep']}," in text


CPU_ROW_RE = re.compile(r"^\s*(\d+)\s+(\d+) (online|parked|not responding|offline|absent)\s+(.*?)\s+"
                        r"(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)(?:  \((.*)\))?$")


def test_cpus_json_agrees(console):
    text = console.cmd("cpus")
    j = console.json("cpus")
    m = re.search(r"^cpus: (\d+) found \(([^)]*)\), (\d+) online, (\d+) parked, (\d+) not responding, "
                  r"(\d+) offline$", text, re.M)
    assert m, text
    assert [j[k] for k in ("found", "source", "online", "parked", "not_responding", "offline")] == \
        [int(m.group(1)), m.group(2)] + [int(m.group(i)) for i in range(3, 7)]
    rows = [CPU_ROW_RE.match(l) for l in text.splitlines()[1:-1]]
    assert all(rows) and len(rows) == len(j["cpus"]) == j["found"] >= 1, text
    for r, c in zip(rows, j["cpus"]):
        assert (c["cpu"], c["apic_id"], c["state"], c["features"], c["why"]) == \
            (int(r.group(1)), int(r.group(2)), r.group(3), r.group(4).split(), r.group(10)), (c, r.group(0))
        # ticks run on between the two commands; the IPI and shootdown counts of an idle shell do not
        assert c["ticks"] >= int(r.group(5)), (c, r.group(0))
        assert [c["ipis"]["call"], c["ipis"]["tlb"], c["ipis"]["nmi"], c["shootdowns"]] == \
            [int(r.group(i)) for i in range(6, 10)], (c, r.group(0))


def test_e820_and_uptime_json_agree(console):
    j = console.json("e820")
    assert list(j) == ["source", "entries"]
    assert ht.e820(console) == ht.parse_e820(console.cmd("e820")) != []
    assert all(e["last"] - e["start"] + 1 == e["size"] for e in j["entries"])
    assert j["source"] is None or j["source"] in console.boot_log, j["source"]

    text = console.cmd("uptime")
    u = console.json("uptime")
    m = re.fullmatch(r"up (\d+)\.(\d\d) s \((\d+) timer ticks at (\d+) Hz\)", text)
    assert m, text
    assert list(u) == ["ticks", "hz", "ms"] and u["hz"] == int(m.group(4))
    assert u["ticks"] >= int(m.group(3)) and u["ms"] == u["ticks"] * 1000 // u["hz"], (u, text)


def _pde_flags(line):
    """The flag names after '= 0x...' on a PDE/PTE line of `pt`."""
    words = line.split("=", 1)[1].split()[1:]
    return [w for w in words if re.fullmatch(r"[A-Z]+", w)]


def test_pt_and_upt_json_agree(console):
    lay = console.json("layout")
    for va in (lay["lowmem"][0], lay["lowmem"][0] + 0x1234, lay["vmalloc"][0], lay["fixmap"][1]):
        text = mp.pt(console.cmd(f"pt 0x{va:08x}"))
        j = mp.pt_of(console, va)
        assert list(j)[:4] == ["va", "pgd", "pde", "large"] and j["va"] == va
        for k in ("mapped", "phys", "region", "large", "writable", "uncached"):
            assert j[k] == text[k], (k, j, text["text"])
        assert re.search(rf"PDE #{j['pde']['index']} += 0x{j['pde']['raw']:08x}", text["pde"]), text["text"]
        if j["pde"]["present"]:
            assert j["pde"]["flags"] == _pde_flags(text["pde"]), text["text"]
        if j["pte"] is None:
            assert text["pte"] is None, text["text"]
        else:
            assert re.search(rf"PTE #{j['pte']['index']} += 0x{j['pte']['raw']:08x}", text["pte"]), text["text"]
            if j["pte"]["present"]:
                assert j["pte"]["flags"] == _pde_flags(text["pte"]), text["text"]
    assert console.cmd(f"pt {lay['lowmem'][0]:x} -x").startswith("pt: ") and _status(console) == 2
    assert console.cmd(f"upt 1 {lay['lowmem'][0]:x} -x").startswith("upt: ") and _status(console) == 2


@pytest.mark.parametrize("name", ["meminfo", "zoneinfo", "buddyinfo", "layout", "vmallocinfo", "pkmap",
                                  "fixmap", "mmcheck", "ptcheck", "cpus", "e820", "uptime"])
def test_every_json_report_is_one_line_and_refuses_other_options(console, name):
    out = console.cmd(f"{name} -j")
    assert "\n" not in out and out.startswith("{") and out.endswith("}"), out
    assert _status(console) == 0
    bad = console.cmd(f"{name} -x")
    assert bad.startswith(f"{name}: ") and "usage: " in bad, bad
    assert _status(console) == 2


def test_memtest_json_agrees(console):
    mem = console.config.memory_bytes or (1 << 30)
    start = mem - (8 << 20)
    phys = start + 0x1234
    line = f"memtest --inject-at={phys:x} {start:x} {start + 0x80000:x} 1"
    text = console.cmd(line, timeout=120)
    if "that word is not under test" in text:
        pytest.skip(f"0x{phys:x} is in use on this target")
    j = console.json(line, timeout=120)
    assert _status(console) == 1  # the injected errors fail the run, as without -j
    m = re.search(r"^memtest: (\w+): (\d+) KiB, (\d+) pass, (\d+) errors", text, re.M)
    assert m, text
    assert (j["result"], j["bytes"] >> 10, j["passes"], j["errors"]) == \
        (m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))
    # Every test of the default selection that reads the word back counts the flipped bit.
    assert j["result"] == "FAILED" and j["errors"] > 0 and not j["leaked"]
    bad = re.findall(r"^memtest: bad word at phys 0x([0-9a-f]+): expected ([0-9a-f]{8}), read ([0-9a-f]{8}) "
                     r"\(bits [0-9a-f]{8} differ\) \[([^]]+)\]$", text, re.M)
    assert [(b["phys"], b["pattern"]) for b in j["bad"]] == [(int(p, 16), n) for p, _, _, n in bad]
    assert all(b["expected"] ^ b["actual"] == 0x10 for b in j["bad"])
    clean = console.json(f"memtest {start:x} {start + 0x80000:x} 1", timeout=120)
    assert clean["result"] == "PASSED" and clean["errors"] == 0 and clean["bad"] == [], clean


def test_stress_json_agrees(console):
    text = console.cmd("stress 5 3000 1000", timeout=300)
    j = console.json("stress 5 3000 1000", timeout=300)
    assert _status(console) == 0
    assert re.search(r"^stress: seed 5 PASSED", text, re.M), text
    assert j["seed"] == 5 and j["result"] == "PASSED" and j["ok"] and j["ops_done"] == j["ops"] == 3000
    m = re.search(r"stress: (\d+) allocations failed \((\d+) injected\), most pages held (\d+); "
                  r"(\d+) checks, (\d+) violations, (\d+) corruptions", text)
    assert m, text
    assert (j["injected"], j["checks"], j["violations"], j["corruptions"]) == \
        (int(m.group(2)), int(m.group(4)), int(m.group(5)), int(m.group(6)))
    assert all(v == 0 for v in j["leaks"].values()), j["leaks"]
    assert "stress: leaks: free pages 0, slab objects 0" in text


def _ktap_blocks(text):
    """{name: the lines a test printed between '# NAME' and its result line} of a `selftest` run."""
    blocks, name = {}, None
    for line in text.splitlines():
        m = re.match(r"^(?:not )?ok \d+ (\S+)$", line)
        if m:
            name = None
        elif name is None and (h := re.match(r"^# (\w+)$", line)):
            name = h.group(1)
            blocks[name] = []
        elif name is not None:
            blocks[name].append(line)
    return blocks


def test_selftest_json_agrees(console):
    text = console.cmd("selftest", timeout=300)
    j = console.json("selftest", timeout=300)
    k = mp.ktap(text)
    assert list(j) == ["total", "passed", "failed", "stopped", "truncated", "tests"]
    assert (j["passed"], j["failed"], j["stopped"], j["truncated"]) == (k["passed"], k["failed"], False, False)
    assert j["total"] == len(j["tests"]) == j["passed"] + j["failed"]
    assert [t["n"] for t in j["tests"]] == list(range(1, j["total"] + 1))
    assert [t["name"] for t in j["tests"] if t["ok"]] == k["ok"]
    assert [t["name"] for t in j["tests"] if not t["ok"]] == k["not_ok"]
    blocks = _ktap_blocks(text)
    assert [t["name"] for t in j["tests"]] == list(blocks)
    for t in j["tests"]:  # the same diagnostics, lines with numbers that vary between runs aside
        assert len(t["diagnostics"]) == len([l for l in blocks[t["name"]] if l.strip()]), t
    one = console.json("selftest mm_free_lists", timeout=120)
    assert [(t["name"], t["ok"]) for t in one["tests"]] == [("mm_free_lists", True)] and one["total"] == 1
    assert console.cmd("selftest mm_free_lists -x").startswith("selftest: ") and _status(console) == 2
    assert console.cmd("selftest nosuch -j").startswith("selftest: no test called 'nosuch'")
    assert _status(console) == 1
