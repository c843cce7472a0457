"""What a JUnit file says about the board and the firmware it tested.

The testsuite is named after the board (``name`` in the target description,
else the description's file stem) and carries, as testsuite properties:

  board, target_kind, board_port       which board, how it was reached
  firmware_version, firmware_git,      from the boot banner ("highmem V (git H) on
  firmware_board                       board B"), else from the `version` command
  dmi                                  the `dmi` command's identity lines where the
                                       firmware has one, else why not
  image, image_sha256                  the highmem.elf given with --image
  boot_time_s, boots                   the first boot's time to the prompt, how many boots
  host, started_utc                    the machine that ran the suite, and when

Transcripts go beside the JUnit file when --hil-log-dir is not given.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import socket

BANNER_RE = re.compile(r"^highmem (\S+) \(git ([^)]+)\) on board ([^,\s]+)", re.MULTILINE)
VERSION_RE = re.compile(r"^highmem (\S+) \(git ([^)]+)\),.*\bboard (\S+)", re.MULTILINE)
#: dmidecode-style identity lines worth a property (vendor, product, version, serial, date).
DMI_LINE_RE = re.compile(r"^\s*(?:BIOS|System|Board|Base Board)?\s*(Vendor|Product Name|Version|Release Date|"
                         r"Serial Number|Manufacturer)\s*:\s*\S", re.IGNORECASE)


def _xml(config):
    try:
        from _pytest.junitxml import xml_key
    except ImportError:
        return None
    return config.stash.get(xml_key, None)


def log_dir(config) -> str | None:
    """--hil-log-dir, else DIR/STEM-transcripts beside --junitxml DIR/STEM.xml, else None."""
    d = config.getoption("--hil-log-dir")
    if d:
        return d
    xml = getattr(config.option, "xmlpath", None)
    if xml:
        return os.path.splitext(os.path.abspath(xml))[0] + "-transcripts"
    return None


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Identity:
    """Collects the identity once, from the first target that reaches its prompt."""

    def __init__(self, tcfg, image: str):
        self.tcfg = tcfg
        self.image = image
        self.props: dict[str, str] = {
            "board": tcfg.name,
            "target_kind": tcfg.kind,
            "board_port": tcfg.get("port") or tcfg.get("device") or tcfg.get("lg_env") or "",
            "host": socket.gethostname(),
            "started_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if os.path.isfile(image):
            self.props["image"] = image
            self.props["image_sha256"] = sha256(image)
        else:
            self.props["image"] = f"{image} (not found)"
        self.boots = 0
        self._firmware_known = False

    def on_boot(self, t) -> None:
        """Boot hook of every target: count it, and identify the firmware the first time."""
        self.boots += 1
        self.props["boots"] = str(self.boots)
        if t.boot_time is not None and "boot_time_s" not in self.props:
            self.props["boot_time_s"] = f"{t.boot_time:.3f}"
        if self._firmware_known:
            return
        self._firmware_known = True
        m = BANNER_RE.search(t.boot_log or "")
        if not m:
            m = VERSION_RE.search(t.cmd("version"))
        if m:
            self.props["firmware_version"], self.props["firmware_git"], self.props["firmware_board"] = m.groups()
        else:
            self.props["firmware_version"] = "unknown (no banner, version did not parse)"
        self.props["dmi"] = self._dmi(t)[:1000]

    @staticmethod
    def _dmi(t) -> str:
        """The identity fields of `dmi -j` (BIOS, system, base board), or of the human `dmi` lines
        when the firmware has no -j form of it."""
        try:
            j = t.json("dmi")
        except Exception:  # an older firmware, or no dmi at all: the human lines
            out = t.cmd("dmi")
            if out.startswith("unknown command"):
                return "not printed: this firmware has no dmi command"
            lines = [ln.strip() for ln in out.splitlines() if DMI_LINE_RE.match(ln)]
            return "; ".join(lines or [ln.strip() for ln in out.splitlines() if ln.strip()])
        if not j.get("present"):
            return "no SMBIOS table"
        fields = ("vendor", "manufacturer", "product_name", "version", "release_date", "serial_number")
        return "; ".join(f"{st['name']}: " + ", ".join(f"{k} {st[k]}" for k in fields if k in st)
                         for st in j["structures"] if st["type"] in (0, 1, 2))


def configure(config, tcfg) -> None:
    """Name the JUnit testsuite after the board."""
    xml = _xml(config)
    if xml is not None:
        xml.suite_name = tcfg.name


def write_properties(config, identity: Identity | None) -> None:
    """Add the identity as testsuite properties (called before the JUnit file is written)."""
    xml = _xml(config)
    if xml is None or identity is None:
        return
    for k, v in identity.props.items():
        xml.add_global_property(k, v)
