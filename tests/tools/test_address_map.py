#!/usr/bin/python3
"""address_map.py on a saved serial transcript (address_map.transcript: highmem.elf at -m 3G after
vmalloc 16K, vmalloc 64K, ioremap 4K, vmalloc 8K, vfree of the first area, three kmaps and one
kunmap): the areas, guard pages, gaps, PKMAP slots and fixmaps it finds, the SVG it draws
(well-formed XML with one element of each kind per item), the PNG, and refusals of bad input."""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "address_map.py")
TRANSCRIPT = os.path.join(HERE, "address_map.transcript")
SVG = "{http://www.w3.org/2000/svg}"
sys.path.insert(0, HERE)

import address_map  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)


with open(TRANSCRIPT, encoding="latin-1") as f:
    text = f.read()

m = address_map.parse(text, "test")
check(m.layout["vmalloc"] == (0xF8800000, 0xFDFFE000), f"vmalloc range {m.layout['vmalloc']}")
check(m.layout["lowmem"] == (0xC0000000, 0xF8000000), f"lowmem range {m.layout['lowmem']}")
check(m.layout["fixmap"] == (0xFFFE0000, 0xFFFFF000), f"fixmap range {m.layout['fixmap']}")
areas = [(a.start, a.end, a.kind) for a in m.areas]
check(
    areas
    == [
        (0xF8805000, 0xF8816000, "vmalloc"),
        (0xF8816000, 0xF8818000, "ioremap"),
        (0xF8818000, 0xF881B000, "vmalloc"),
    ],
    f"areas {areas}",
)
check(
    [a.guard for a in m.areas]
    == [(0xF8815000, 0xF8816000), (0xF8817000, 0xF8818000), (0xF881A000, 0xF881B000)],
    "guard pages",
)
check(
    [(s, c) for s, _, c, _ in m.pkmap_slots] == [(1, 2), (2, 1), (3, 2)],
    f"pkmap slots {m.pkmap_slots}",
)
check(len(m.fixmaps) == 31, f"{len(m.fixmaps)} fixmaps")
check(
    [f[1] for f in m.fixmaps if f[3] != "-"] == ["FIX_APIC_BASE", "FIX_IO_APIC_BASE_0"],
    "mapped fixmaps",
)

with tempfile.TemporaryDirectory() as tmp:
    svg, png = os.path.join(tmp, "map.svg"), os.path.join(tmp, "map.png")
    r = run(
        "--transcript",
        TRANSCRIPT,
        "-o",
        svg,
        *(["--png", png] if shutil.which("rsvg-convert") else []),
    )
    check(r.returncode == 0, f"tool failed: {r.stderr}")
    check(
        "3 vmalloc areas, 2 PKMAP slots in use, 1 awaiting a flush, 2 of 31 fixmaps mapped"
        in r.stdout,
        r.stdout,
    )
    root = ET.parse(svg).getroot()  # raises on malformed XML
    check(root.tag == SVG + "svg", f"root element {root.tag}")
    rects = root.iter(SVG + "rect")
    by_class = {}
    for e in rects:
        by_class.setdefault(e.get("class"), []).append(e)
    zoomed = [e for e in by_class.get("vm-area", []) if e.get("data-kind")]
    check(
        [(e.get("data-start"), e.get("data-end")) for e in zoomed]
        == [
            ("0xf8805000", "0xf8815000"),
            ("0xf8816000", "0xf8817000"),
            ("0xf8818000", "0xf881a000"),
        ],
        "vmalloc column areas without their guard pages",
    )
    guards = [e for e in by_class.get("guard", []) if e.get("data-name") == "guard"]
    check(
        [e.get("data-start") for e in guards] == ["0xf8815000", "0xf8817000", "0xf881a000"],
        "guard rects",
    )
    free = [
        (e.get("data-start"), e.get("data-end"))
        for e in by_class.get("gap", [])
        if e.get("data-name") == "free"
    ]
    check(("0xf8800000", "0xf8805000") in free, f"the freed area's gap {free}")
    check(len(by_class.get("pkmap-slot", [])) == 3, "pkmap slot rects")
    check(len(by_class.get("fixmap", [])) == 31, "fixmap rects")
    names = {e.get("data-name") for e in by_class.get("region", [])}
    check({"user", "lowmem", "vmalloc", "pkmap", "fixmap", ".text"} <= names, f"regions {names}")
    for e in root.iter(SVG + "rect"):
        if e.get("class") in ("vm-area", "guard", "pkmap-slot", "fixmap"):
            check(
                float(e.get("height")) >= 1.0,
                f"{e.get('class')} at {e.get('data-start')} under a pixel",
            )
    titles = [t.text for t in root.iter(SVG + "text") if t.get("class") == "column-title"]
    check(
        titles
        == ["4 GiB", "kernel 1 GiB", "vmalloc (in use)", "PKMAP (1024 slots)", "fixmaps (31)"],
        f"columns {titles}",
    )
    if shutil.which("rsvg-convert"):
        with open(png, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", "PNG signature")

    # Bad input: a clear message, exit status 1, nothing written.
    cut = os.path.join(tmp, "cut.transcript")
    with open(cut, "w") as f:
        f.write(text[: text.rindex("highmem> fixmap")])
    out = os.path.join(tmp, "none.svg")
    r = run("--transcript", cut, "-o", out)
    check(
        r.returncode == 1 and "no output of `fixmap`" in r.stderr,
        f"cut transcript: {r.returncode} {r.stderr}",
    )
    check(not os.path.exists(out), "an SVG was written from a cut transcript")
    r = run("--transcript", os.path.join(tmp, "missing"), "-o", out)
    check(r.returncode == 1 and "No such file" in r.stderr, f"missing transcript: {r.stderr}")

# Live capture through transcript_from(): a fake console answering from the saved transcript.
sec = address_map.sections(text)
again = address_map.parse(address_map.transcript_from(lambda c: sec[c]))
check(
    [(a.start, a.end) for a in again.areas] == [(a.start, a.end) for a in m.areas],
    "transcript_from round trip",
)

print(f"{'FAILED' if failures else 'ok'}: address_map on {os.path.basename(TRANSCRIPT)}")
sys.exit(1 if failures else 0)
