#!/usr/bin/python3
"""Draw a highmem target's virtual address map as SVG (and PNG through rsvg-convert).

The map comes from four shell reports: `layout` (the virtual kernel memory layout),
`vmallocinfo`, `pkmap` and `fixmap`, read live over the serial console (any pyserial port
or URL: /dev/ttyUSB0, /dev/pts/N, socket://host:port, rfc2217://host:port) or from a saved
transcript (a serial log holding the four commands after `highmem> ` prompts; the last of
each counts).  The picture has five columns, each to scale within itself:

  4 GiB        user space, low memory, the VMALLOC_OFFSET gap, vmalloc, PKMAP, fixmaps
  kernel 1 GiB PAGE_OFFSET to 4 GiB: low memory with .text/.data/.init, the gaps, the
               vmalloc range, the 2-page gap, PKMAP, the unused space and the fixmaps
  vmalloc      from VMALLOC_START to past the last area: every vm_struct area with its
               guard page, and the free gaps between them
  PKMAP        the LAST_PKMAP slots, those in use (or awaiting a flush) marked
  fixmaps      every fixmap slot by index, name and what it maps, and the guard page above

Where something is smaller than a pixel in its column it is drawn one pixel high.
The layout follows "Understanding the Linux Virtual Memory Manager", §4.1 (Linear Address
Space) and §9.1 (vmalloc), and "Professional Linux Kernel Architecture", ch. 3.

usage: address_map.py (--transcript FILE | --port URL [--baud N] [--save-transcript FILE])
                      -o OUT.svg [--png OUT.png] [--title TEXT]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

PROMPT = "highmem> "
COMMANDS = ("layout", "vmallocinfo", "pkmap", "fixmap")
PAGE_SIZE = 4096
PAGE_OFFSET = 0xC0000000
FOUR_G = 1 << 32
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class MapError(Exception):
    """A transcript or a console that does not give the four reports, said plainly."""


@dataclass
class VmArea:
    start: int
    end: int  # end of the area including its guard page, as vmallocinfo prints it
    size: int
    caller: str
    kind: str

    @property
    def guard(self) -> tuple[int, int]:
        return self.end - PAGE_SIZE, self.end


@dataclass
class AddressMap:
    layout: dict[str, tuple[int, int]]
    areas: list[VmArea]
    pkmap_range: tuple[int, int]
    pkmap_slots: list[tuple[int, int, int, str]]  # (slot, address, count, state)
    fixmap_range: tuple[int, int]
    fixmaps: list[tuple[int, str, int, str]]  # (index, name, address, physical or "-")
    title: str = ""
    notes: list[str] = field(default_factory=list)


# -- parsing -------------------------------------------------------------------------


def clean(text: str) -> str:
    """A serial transcript as lines: no CRs, no terminal escapes, backspaces applied."""
    text = ANSI.sub("", text.replace("\r\n", "\n").replace("\r", ""))
    out: list[str] = []
    for ch in text:
        if ch == "\b":
            if out and out[-1] != "\n":
                out.pop()
        else:
            out.append(ch)
    return "".join(out)


def sections(text: str) -> dict[str, str]:
    """The output of the last run of each command in a transcript."""
    out: dict[str, str] = {}
    parts = clean(text).split(PROMPT)
    for part in parts[1:]:
        line, _, rest = part.partition("\n")
        cmd = line.strip()
        if cmd in COMMANDS:
            out[cmd] = rest
    return out


LAYOUT_RE = re.compile(
    r"^\s*(fixmap|pkmap|vmalloc|lowmem|\.init|\.data|\.text)\s*:\s*0x([0-9a-f]{8})\s*-\s*"
    r"0x([0-9a-f]{8})",
    re.MULTILINE,
)
VM_RE = re.compile(r"^0x([0-9a-f]{8})-0x([0-9a-f]{8})\s+(\d+)\s*(.*)$", re.MULTILINE)
PKMAP_HEAD_RE = re.compile(r"^pkmap: 0x([0-9a-f]{8})-0x([0-9a-f]{8}), (\d+) slots", re.MULTILINE)
PKMAP_SLOT_RE = re.compile(
    r"^\s+slot\s+(\d+) 0x([0-9a-f]{8}) count (\d+) \(([^)]*)\)", re.MULTILINE
)
FIXMAP_HEAD_RE = re.compile(r"^fixmap: 0x([0-9a-f]{8})-0x([0-9a-f]{8}), (\d+) slots", re.MULTILINE)
FIXMAP_ROW_RE = re.compile(
    r"^\s*(\d+)\s+(\S+)\s+0x([0-9a-f]{8})\s+(0x[0-9a-f]+|-)\s*$", re.MULTILINE
)


def parse(text: str, title: str = "") -> AddressMap:
    """The address map from a transcript holding layout, vmallocinfo, pkmap and fixmap."""
    sec = sections(text)
    missing = [c for c in COMMANDS if c not in sec]
    if missing:
        raise MapError(
            "no output of "
            + ", ".join(f"`{c}`" for c in missing)
            + " after a '"
            + PROMPT.strip()
            + "' prompt in the transcript (run the four commands: "
            + ", ".join(COMMANDS)
            + ")"
        )
    layout = {
        m.group(1): (int(m.group(2), 16), int(m.group(3), 16))
        for m in LAYOUT_RE.finditer(sec["layout"])
    }
    for need in ("fixmap", "pkmap", "vmalloc", "lowmem"):
        if need not in layout:
            raise MapError(f"`layout` gave no '{need}' line")
    areas = []
    for m in VM_RE.finditer(sec["vmallocinfo"]):
        rest = m.group(4).split()
        kind = next((w for w in reversed(rest) if w in ("vmalloc", "ioremap", "vmap")), "area")
        caller = rest[0] if rest and "+0x" in rest[0] else ""
        areas.append(
            VmArea(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3)), caller, kind)
        )
    head = PKMAP_HEAD_RE.search(sec["pkmap"])
    if not head:
        raise MapError("`pkmap` gave no 'pkmap: START-END, N slots' line")
    slots = [
        (int(m.group(1)), int(m.group(2), 16), int(m.group(3)), m.group(4))
        for m in PKMAP_SLOT_RE.finditer(sec["pkmap"])
    ]
    fhead = FIXMAP_HEAD_RE.search(sec["fixmap"])
    if not fhead:
        raise MapError("`fixmap` gave no 'fixmap: START-END, N slots' line")
    fix = [
        (int(m.group(1)), m.group(2), int(m.group(3), 16), m.group(4))
        for m in FIXMAP_ROW_RE.finditer(sec["fixmap"])
    ]
    if len(fix) != int(fhead.group(3)):
        raise MapError(f"`fixmap` announced {fhead.group(3)} slots but listed {len(fix)}")
    return AddressMap(
        layout,
        sorted(areas, key=lambda a: a.start),
        (int(head.group(1), 16), int(head.group(2), 16)),
        slots,
        (int(fhead.group(1), 16), int(fhead.group(2), 16)),
        fix,
        title,
    )


# -- capture -------------------------------------------------------------------------


def transcript_from(run) -> str:
    """The four reports through run(command) -> output, as a transcript parse() reads."""
    return "".join(f"{PROMPT}{c}\n{run(c).rstrip()}\n" for c in COMMANDS) + PROMPT


def serial_runner(url: str, baud: int = 115200, timeout: float = 30.0):
    """run(command) -> output over a pyserial port or URL (Debian's python3-serial)."""
    import serial  # imported here: reading a transcript needs no pyserial

    port = serial.serial_for_url(url, baudrate=baud, timeout=0.1)

    def until_prompt() -> str:
        buf = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            buf += port.read(4096)
            if buf.endswith(PROMPT.encode()) or buf.endswith(b"\n" + PROMPT.encode()):
                return buf.decode("latin-1")
        raise MapError(
            f"no '{PROMPT.strip()}' prompt on {url} within {timeout:.0f} s; got {buf[-200:]!r}"
        )

    port.reset_input_buffer()
    port.write(b"\r")
    until_prompt()

    def run(cmd: str) -> str:
        port.reset_input_buffer()
        port.write(cmd.encode() + b"\r")
        text = clean(until_prompt())
        first, _, rest = text.partition("\n")
        return rest[: -len(PROMPT)] if rest.endswith(PROMPT) else rest

    run.close = port.close
    return run


# -- drawing -------------------------------------------------------------------------

COL_W, BAR_W, TOP, H, LEFT = 300, 70, 70, 860, 90
ZOOM_AT = 2  # zoom lines go right after the background, under everything else
COLORS = {
    "user": "#dfe8f5",
    "lowmem": "#9cc3e6",
    "text": "#3c78b4",
    "data": "#5b93c7",
    "init": "#7aa9d6",
    "gap": "#f4f4f4",
    "vmalloc-range": "#fbe3b5",
    "vmalloc": "#e8a33d",
    "area": "#e8a33d",
    "ioremap": "#c9742a",
    "vmap": "#d8923a",
    "guard": "#c0392b",
    "free": "#fdf3e0",
    "pkmap": "#cfe8c8",
    "slot": "#2f8f3a",
    "pending": "#9bd08f",
    "unused": "#ececec",
    "fixmap": "#e3d3ef",
    "fixmap-used": "#7d4fa3",
    "fixguard": "#c0392b",
}


class Column:
    """One bar: addresses lo..hi drawn from the bottom (lo) to the top (hi) at x."""

    def __init__(self, svg: list[str], x: int, lo: int, hi: int, title: str):
        self.svg, self.x, self.lo, self.hi = svg, x, lo, hi
        svg.append(
            f'<text class="column-title" x="{x}" y="{TOP - 30}" font-size="14" font-weight="bold">'
            f"{escape(title)}</text>"
        )
        svg.append(
            f'<text x="{x}" y="{TOP - 14}" font-size="11">'
            f"0x{lo:08x} - 0x{(hi - 1) & 0xFFFFFFFF:08x} ({human(hi - lo)})</text>"
        )

    def y(self, addr: int) -> float:
        return TOP + H - (addr - self.lo) * H / (self.hi - self.lo)

    def rect(
        self, cls: str, lo: int, hi: int, color: str, label: str = "", tip: str = "", **data
    ) -> None:
        lo, hi = max(lo, self.lo), min(hi, self.hi)
        if hi <= lo:
            return
        y0, y1 = self.y(hi), self.y(lo)
        h = max(y1 - y0, 1.0)
        attrs = "".join(f' data-{k}="{escape(str(v))}"' for k, v in data.items())
        tip = tip or f"{label} 0x{lo:08x}-0x{hi & 0xFFFFFFFF:08x} ({human(hi - lo)})"
        self.svg.append(
            f'<rect class="{cls}" x="{self.x}" y="{y0:.2f}" width="{BAR_W}" height="{h:.2f}" '
            f'fill="{color}" stroke="#555" stroke-width="0.3" data-start="0x{lo:08x}" '
            f'data-end="0x{hi & 0xFFFFFFFF:08x}"{attrs}><title>{escape(tip)}</title></rect>'
        )

    def label(self, lo: int, hi: int, text: str, min_h: float = 11.0, force: bool = False) -> None:
        y0, y1 = self.y(min(hi, self.hi)), self.y(max(lo, self.lo))
        if y1 - y0 < min_h and not force:
            return
        self.svg.append(
            f'<text x="{self.x + BAR_W + 6}" y="{(y0 + y1) / 2 + 4:.1f}" font-size="11">'
            f"{escape(text)}</text>"
        )

    def stacked_labels(self, items: list[tuple[int, int, str]], limit: int = 40) -> None:
        """Labels for (lo, hi, text) items, moved up where they would overlap, with leader lines."""
        items = sorted(items)
        shown = items[:limit]
        last_y = TOP + H + 12.0
        for lo, hi, text in shown:
            want = (self.y(min(hi, self.hi)) + self.y(max(lo, self.lo))) / 2
            y = min(want, last_y - 12.0)
            last_y = y
            x = self.x + BAR_W
            self.svg.append(
                f'<line class="leader" x1="{x}" y1="{want:.2f}" x2="{x + 14}" y2="{y:.2f}" '
                f'stroke="#999" stroke-width="0.6"/>'
            )
            self.svg.append(
                f'<text x="{x + 16}" y="{y + 4:.1f}" font-size="11">{escape(text)}</text>'
            )
        if len(items) > limit:
            self.svg.append(
                f'<text x="{self.x + BAR_W + 16}" y="{last_y - 12 + 4:.1f}" font-size="11">'
                f"... and {len(items) - limit} more</text>"
            )

    def tick(self, addr: int, text: str) -> None:
        y = self.y(addr)
        self.svg.append(
            f'<line x1="{self.x - 4}" y1="{y:.2f}" x2="{self.x}" y2="{y:.2f}" stroke="#333"/>'
        )
        self.svg.append(
            f'<text x="{self.x - 6}" y="{y + 3:.2f}" font-size="9" text-anchor="end">'
            f"{escape(text)}</text>"
        )


def human(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            v = n / size
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{n} B"


def zoom(svg: list[str], a: Column, lo: int, hi: int, b: Column) -> None:
    """Dashed lines from lo..hi on column a to the whole of column b (behind the bars)."""
    for addr, yb in ((hi, TOP), (lo, TOP + H)):
        svg.insert(
            ZOOM_AT,
            f'<line class="zoom" x1="{a.x + BAR_W}" y1="{a.y(addr):.2f}" x2="{b.x}" y2="{yb}" '
            f'stroke="#888" stroke-dasharray="4,3"/>',
        )


def pkmap_runs(slots: list[tuple[int, int, int, str]]) -> list[tuple[int, int, str]]:
    """Labels for runs of neighbouring PKMAP slots in the same state: (lo, hi, text)."""
    runs: list[list] = []
    for slot, addr, count, state in slots:
        if (
            runs
            and runs[-1][1] == slot - 1
            and runs[-1][4] == state
            and (count == 1) == (runs[-1][5] == 1)
        ):
            runs[-1][1] = slot
            runs[-1][3] = addr + PAGE_SIZE
        else:
            runs.append([slot, slot, addr, addr + PAGE_SIZE, state, count])
    out = []
    for first, last, lo, hi, state, count in runs:
        if first == last:
            out.append((lo, hi, f"slot {first} count {count} ({state})"))
        else:
            out.append((lo, hi, f"slots {first}-{last} ({last - first + 1}): {state}"))
    return out


def render_svg(m: AddressMap) -> str:
    """The five-column picture of m as an SVG document."""
    lay = m.layout
    low_lo, low_hi = lay["lowmem"]
    vm_lo, vm_hi = lay["vmalloc"]
    pk_lo, pk_hi = lay["pkmap"]
    fx_lo, fx_hi = lay["fixmap"]
    width = LEFT + 5 * COL_W + 80
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{TOP + H + 60}" '
        f'viewBox="0 0 {width} {TOP + H + 60}" font-family="DejaVu Sans, sans-serif">',
        f'<rect width="{width}" height="{TOP + H + 60}" fill="white"/>',
        f'<text class="title" x="20" y="22" font-size="16" font-weight="bold">'
        f'{escape(m.title or "highmem virtual address map")}</text>',
    ]

    def kernel_regions(c: Column, detail: bool) -> None:
        c.rect("region", low_lo, low_hi, COLORS["lowmem"], "lowmem", name="lowmem")
        c.label(low_lo, low_hi, f"lowmem (linear map) {human(low_hi - low_lo)}")
        if detail:
            for sec, color in ((".text", "text"), (".data", "data"), (".init", "init")):
                if sec in lay:
                    s, e = lay[sec]
                    c.rect("region", s, e, COLORS[color], sec, name=sec)
        c.rect("gap", low_hi, vm_lo, COLORS["gap"], "VMALLOC_OFFSET gap", name="vmalloc-offset")
        if detail:
            c.label(low_hi, vm_lo, f"gap {human(vm_lo - low_hi)} (VMALLOC_OFFSET)", force=True)
        c.rect("region", vm_lo, vm_hi, COLORS["vmalloc-range"], "vmalloc", name="vmalloc")
        c.label(vm_lo, vm_hi, f"vmalloc {human(vm_hi - vm_lo)}, {len(m.areas)} areas", force=detail)
        c.rect("gap", vm_hi, pk_lo, COLORS["gap"], "2-page gap", name="pkmap-gap")
        c.rect("region", pk_lo, pk_hi, COLORS["pkmap"], "PKMAP", name="pkmap")
        c.rect("gap", pk_hi, fx_lo, COLORS["unused"], "unused", name="unused")
        c.rect("region", fx_lo, fx_hi, COLORS["fixmap"], "fixmap", name="fixmap")
        c.rect("guard", fx_hi, FOUR_G, COLORS["fixguard"], "guard page", name="top-guard")
        for area in m.areas:
            c.rect(
                "vm-area",
                area.start,
                area.guard[0],
                COLORS.get(area.kind, COLORS["area"]),
                area.kind,
            )
        if detail:
            c.label(pk_lo, FOUR_G, "PKMAP, fixmaps", force=True)

    # 1: the whole 4 GiB.
    c1 = Column(svg, LEFT, 0, FOUR_G, "4 GiB")
    c1.rect("region", 0, PAGE_OFFSET, COLORS["user"], "user space", name="user")
    c1.label(0, PAGE_OFFSET, "user space 3 GiB")
    kernel_regions(c1, False)
    for a in (0, PAGE_OFFSET, FOUR_G):
        c1.tick(a, f"0x{a & 0xFFFFFFFF:08x}" if a < FOUR_G else "4G")

    # 2: the kernel's gigabyte.
    c2 = Column(svg, LEFT + COL_W, PAGE_OFFSET, FOUR_G, "kernel 1 GiB")
    kernel_regions(c2, True)
    for a in (PAGE_OFFSET, vm_lo, vm_hi):
        c2.tick(a, f"0x{a:08x}")
    zoom(svg, c1, PAGE_OFFSET, FOUR_G, c2)

    # 3: vmalloc in use, to scale: areas, guard pages and the free gaps between them.
    used_end = max([a.end for a in m.areas] + [vm_lo + 16 * PAGE_SIZE])
    span = used_end - vm_lo
    hi3 = min(
        vm_hi,
        vm_lo + (max(span + span // 8, 16 * PAGE_SIZE) + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE,
    )
    c3 = Column(svg, LEFT + 2 * COL_W, vm_lo, hi3, "vmalloc (in use)")
    cursor = vm_lo
    labels = []
    for area in m.areas:
        if area.start > cursor:
            c3.rect("gap", cursor, area.start, COLORS["free"], "free", name="free")
            labels.append((cursor, area.start, f"free {human(area.start - cursor)}"))
        c3.rect(
            "vm-area",
            area.start,
            area.guard[0],
            COLORS.get(area.kind, COLORS["area"]),
            area.kind,
            tip=f"{area.kind} 0x{area.start:08x}-0x{area.guard[0]:08x} {area.caller}",
            kind=area.kind,
            caller=area.caller,
        )
        c3.rect("guard", area.guard[0], area.guard[1], COLORS["guard"], "guard page", name="guard")
        name = area.caller.split("+")[0] if area.caller else ""
        labels.append(
            (area.start, area.end, f"{area.kind} {human(area.size - PAGE_SIZE)} {name} + guard")
        )
        cursor = area.end
    c3.stacked_labels(labels)
    if cursor < hi3:
        c3.rect("gap", cursor, hi3, COLORS["free"], "free", name="free")
        c3.label(cursor, hi3, f"free (to 0x{vm_hi:08x}: {human(vm_hi - cursor)})", force=True)
    c3.tick(vm_lo, f"0x{vm_lo:08x}")
    c3.tick(hi3, f"0x{hi3:08x}")
    zoom(svg, c2, vm_lo, hi3, c3)

    # 4: PKMAP slots.
    p_lo, p_hi = m.pkmap_range
    c4 = Column(svg, LEFT + 3 * COL_W, p_lo, p_hi, f"PKMAP ({(p_hi - p_lo) // PAGE_SIZE} slots)")
    c4.rect("region", p_lo, p_hi, COLORS["pkmap"], "PKMAP", name="pkmap")
    for slot, addr, count, state in m.pkmap_slots:
        color = COLORS["slot"] if count > 1 else COLORS["pending"]
        c4.rect(
            "pkmap-slot",
            addr,
            addr + PAGE_SIZE,
            color,
            f"slot {slot}",
            tip=f"slot {slot} 0x{addr:08x} count {count} ({state})",
            slot=slot,
            count=count,
        )
    c4.stacked_labels(pkmap_runs(m.pkmap_slots))
    if not m.pkmap_slots:
        c4.label(p_lo, p_hi, "no slots in use", force=True)
    c4.tick(p_lo, f"0x{p_lo:08x}")
    c4.tick(p_hi, f"0x{p_hi:08x}")
    zoom(svg, c2, p_lo, p_hi, c4)

    # 5: the fixmaps and the guard page above them.
    f_lo, f_hi = m.fixmap_range
    c5 = Column(svg, LEFT + 4 * COL_W, f_lo, FOUR_G, f"fixmaps ({len(m.fixmaps)})")
    for idx, name, addr, phys in m.fixmaps:
        used = phys != "-"
        c5.rect(
            "fixmap",
            addr,
            addr + PAGE_SIZE,
            COLORS["fixmap-used" if used else "fixmap"],
            name,
            tip=f"{idx} {name} 0x{addr:08x} -> {phys}",
            index=idx,
            name=name,
            phys=phys,
        )
        c5.label(addr, addr + PAGE_SIZE, f"{idx} {name}" + (f" -> {phys}" if used else ""), min_h=9)
    c5.rect("guard", f_hi, FOUR_G, COLORS["fixguard"], "unused page (guard)", name="top-guard")
    c5.label(f_hi, FOUR_G, "guard page", min_h=9)
    c5.tick(f_lo, f"0x{f_lo:08x}")
    c5.tick(f_hi, f"0x{f_hi:08x}")
    zoom(svg, c2, f_lo, FOUR_G, c5)

    svg.append(
        f'<text x="20" y="{TOP + H + 40}" font-size="11">Each column is to scale within itself; '
        "what is under a pixel is drawn one pixel high. Red: guard pages. vmallocinfo sizes "
        "include the guard page.</text>"
    )
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def write_png(svg_path: str, png_path: str) -> None:
    exe = shutil.which("rsvg-convert")
    if not exe:
        raise MapError(
            "rsvg-convert not found (apt-get install librsvg2-bin; cmake/setup.sh installs it)"
        )
    subprocess.run([exe, "-o", png_path, svg_path], check=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--transcript", help="a saved serial transcript with layout, vmallocinfo, pkmap, fixmap"
    )
    src.add_argument("--port", help="pyserial port or URL of a live target at its prompt")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--save-transcript", help="with --port: write what was read here")
    ap.add_argument("-o", "--output", required=True, help="the SVG to write")
    ap.add_argument("--png", help="also write this PNG (rsvg-convert)")
    ap.add_argument("--title", default="")
    a = ap.parse_args(argv)
    try:
        if a.transcript:
            with open(a.transcript, encoding="latin-1") as f:
                text = f.read()
        else:
            run = serial_runner(a.port, a.baud)
            try:
                text = transcript_from(run)
            finally:
                run.close()
            if a.save_transcript:
                with open(a.save_transcript, "w") as f:
                    f.write(text)
        m = parse(text, a.title)
        with open(a.output, "w") as f:
            f.write(render_svg(m))
        if a.png:
            write_png(a.output, a.png)
    except (MapError, OSError) as e:
        print(f"address_map: {e}", file=sys.stderr)
        return 1
    busy = sum(1 for s in m.pkmap_slots if s[2] > 1)
    print(
        f"address_map: {a.output}: {len(m.areas)} vmalloc areas, {busy} PKMAP slots in use, "
        f"{len(m.pkmap_slots) - busy} awaiting a flush, "
        f"{sum(1 for f in m.fixmaps if f[3] != '-')} of {len(m.fixmaps)} fixmaps mapped"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
