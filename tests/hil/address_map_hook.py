"""One address-map picture per board and memory size the HIL suite runs.

When the suite lets go of a target that still sits at its prompt, and no picture of that board,
memory size and image has been saved yet, the target is asked for `layout`, `vmallocinfo`, `pkmap`
and `fixmap` (read-only reports) and tests/tools/address_map.py draws them: the transcript of the
four reports, the SVG and, where rsvg-convert is installed, the PNG go into the run's transcript
directory (--hil-log-dir) as address-map-BOARD-MEMORY[-IMAGE].{txt,svg,png}.  Taking the picture at
release, after the fixture's tests, shows the vmalloc areas and kmaps they left, and changes
nothing a test sees.  A target that does not answer is left alone (noted in its .notes file); the
next target of the same kind gets a second and last try.
"""

from __future__ import annotations

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))

import address_map  # noqa: E402

TRIES = 2
CMD_TIMEOUT = 15


def _mib(n: int) -> str:
    return f"{n >> 30}G" if n % (1 << 30) == 0 else f"{n >> 20}M"


class MapSaver:
    """Saves the first picture of each (board, memory size, image) into log_dir."""

    def __init__(self, log_dir: str | None, tcfg, default_image: str):
        self.log_dir = log_dir
        self.tcfg = tcfg
        self.default_image = os.path.abspath(default_image)
        self.done: set[str] = set()
        self.tries: dict[str, int] = {}
        self.saved: list[str] = []

    def _ready(self, t) -> bool:
        child = getattr(t, "child", None)
        return (
            child is not None
            and child.isalive()
            and getattr(t, "boot_time", None) is not None
            and not getattr(t, "got_garbage", False)
            and getattr(t, "exit_status", None) is None
            and not getattr(t, "_closed", False)
        )

    def _key(self, t) -> str | None:
        board = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.tcfg.name or self.tcfg.kind)
        cfg = getattr(t, "config", self.tcfg)
        mem = cfg.memory_bytes if self.tcfg.is_qemu_backed else None
        if mem is None:
            try:
                mem = t.json("meminfo", timeout=CMD_TIMEOUT)["MemTotal"] << 10
            except Exception:  # no -j form or no MemTotal: no key, no picture
                return None
            memory = f"{round(mem / (1 << 20))}M"
        else:
            memory = _mib(mem)
        key = f"{board}-{memory}"
        image = getattr(t, "image", None)
        if image and os.path.abspath(image) != self.default_image:
            key += "-" + re.sub(r"\.elf$", "", os.path.basename(image))
        return key

    def save(self, t) -> None:
        """Take t's picture if it is at its prompt and its kind has none yet; never raises."""
        if not self.log_dir or not self._ready(t):
            return
        try:
            key = self._key(t)
            if key is None or key in self.done or self.tries.get(key, 0) >= TRIES:
                return
            self.tries[key] = self.tries.get(key, 0) + 1
            text = address_map.transcript_from(lambda c: t.cmd(c, timeout=CMD_TIMEOUT))
            m = address_map.parse(text, f"{key}: highmem virtual address map")
            os.makedirs(self.log_dir, exist_ok=True)
            base = os.path.join(self.log_dir, f"address-map-{key}")
            with open(base + ".txt", "w") as f:
                f.write(text)
            with open(base + ".svg", "w") as f:
                f.write(address_map.render_svg(m))
            try:
                address_map.write_png(base + ".svg", base + ".png")
            except address_map.MapError as e:
                t.note(f"address map: no PNG: {e}")
            self.done.add(key)
            self.saved.append(base + ".svg")
            t.note(f"address map saved: {base}.svg")
        except Exception as e:  # a picture is a by-product: it must never fail a test
            try:
                t.note(f"address map not taken: {type(e).__name__}: {e}")
            except Exception:
                pass
