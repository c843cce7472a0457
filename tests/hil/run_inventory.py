#!/usr/bin/python3
"""Run the HIL suite on every board of an inventory at once: one pytest process per board.

    run_inventory.py INVENTORY.ini --out DIR [--tags T,...] [--image ELF] [-j N] [-- PYTEST_ARGS...]

The inventory is an INI file with one section per board; the section name is
the board's name and its keys are a target description's (targets/serial.ini):

    [DEFAULT]
    boot_timeout = 60

    [apu2-bench1]
    kind = serial
    board = pc
    port = /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0
    reset_command = usbrelay RELAY1_1=0 && sleep 1 && usbrelay RELAY1_1=1
    tags = bios apu2

    [minnow-rack2]
    kind = serial
    port = rfc2217://ts-rack2.lab:4002
    power_on_command = pdu-ctl rack2 7 on
    power_off_command = pdu-ctl rack2 7 off
    reset_command = pdu-ctl rack2 7 cycle
    tags = uefi

    [up-place]
    kind = labgrid
    lg_env = /etc/labgrid/up-place.yaml

Each board gets DIR/NAME.xml (JUnit; the suite is named NAME and carries the
firmware's identity), DIR/NAME-transcripts/ (every serial transcript) and
DIR/NAME.out (pytest's output).  Boards run in separate processes, so one that
dies mid-run fails its own tests and nobody else's.  The exit status is 0 when
every board passed, 1 when any failed, 2 for a bad inventory or bad options.
PYTEST_ARGS default to the whole suite (tests/hil).
"""

from __future__ import annotations

import argparse
import configparser
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import highmem_target as ht  # noqa: E402


class InventoryError(ValueError):
    """The inventory file cannot be used as it is."""


def load_inventory(path: str) -> dict[str, dict[str, str]]:
    """{board name: target description keys}, in file order; every entry checked."""
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        with open(path, encoding="utf-8") as f:
            cp.read_file(f)
    except OSError as e:
        raise InventoryError(f"{path}: {e.strerror}") from None
    except configparser.Error as e:
        raise InventoryError(f"{path}: {e}") from None
    boards = {}
    for name in cp.sections():
        if not name or any(c in name for c in "/\\ \t") or name.startswith("."):
            raise InventoryError(f"{path}: board name {name!r} must be usable as a file name (no /, spaces)")
        keys = dict(cp.items(name))
        keys.setdefault("name", name)
        try:
            cfg = ht.TargetConfig(keys, path)
        except ValueError as e:
            raise InventoryError(f"{path}: [{name}]: {e}") from None
        if cfg.kind == "serial" and not (keys.get("port") or keys.get("device")):
            raise InventoryError(f"{path}: [{name}]: a serial board needs port = DEVICE or URL")
        if cfg.kind == "labgrid" and not keys.get("lg_env"):
            raise InventoryError(f"{path}: [{name}]: a labgrid board needs lg_env = ENV.yaml")
        boards[name] = keys
    if not boards:
        raise InventoryError(f"{path}: no boards (one [name] section per board)")
    return boards


def select(boards: dict, tags: list[str]) -> dict:
    """The boards that carry every one of ``tags`` (all boards without tags)."""
    if not tags:
        return boards
    return {n: k for n, k in boards.items() if set(tags) <= set(k.get("tags", "").split())}


def write_target(keys: dict, path: str) -> None:
    with open(path, "w") as f:
        f.write("# Written by run_inventory.py from the inventory entry of this board.\n[target]\n")
        for k, v in keys.items():
            if k != "tags":
                f.write(f"{k} = {v}\n")


def junit_counts(path: str) -> dict | None:
    """tests/failures/errors/skipped and the suite name of a JUnit file, or None."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        return None
    out = {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}
    out["name"] = suite.get("name", "")
    props = suite.find("properties")
    out["properties"] = {p.get("name"): p.get("value") for p in props} if props is not None else {}
    return out


def run(boards: dict, out: str, image: str | None, pytest_args: list[str], jobs: int) -> dict:
    """Start one pytest per board (at most ``jobs`` at a time); {name: (returncode, counts)}."""
    os.makedirs(out, exist_ok=True)
    pending = list(boards.items())
    running: dict[str, subprocess.Popen] = {}
    results = {}
    while pending or running:
        while pending and len(running) < jobs:
            name, keys = pending.pop(0)
            tdir = os.path.join(out, name)
            os.makedirs(tdir, exist_ok=True)
            target = os.path.join(tdir, "target.ini")
            write_target(keys, target)
            # OPTION=VALUE: pytest's first pass over the command line does not know the suite's
            # own options yet, and would take a separate value for a file to collect.
            argv = [sys.executable, "-m", "pytest", f"--target={target}",
                    f"--junitxml={os.path.join(out, name + '.xml')}",
                    f"--hil-log-dir={os.path.join(out, name + '-transcripts')}"]
            if image:
                argv.append(f"--image={image}")
            argv += pytest_args or [HERE]
            with open(os.path.join(out, f"{name}.out"), "w") as log:
                log.write("$ " + " ".join(argv) + "\n")
                log.flush()
                running[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                                 env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        for name, p in list(running.items()):
            if p.poll() is not None:
                results[name] = (p.returncode, junit_counts(os.path.join(out, f"{name}.xml")))
                del running[name]
        time.sleep(0.2)
    return results


def main(argv: list[str]) -> int:
    if "--" in argv:
        i = argv.index("--")
        argv, pytest_args = argv[:i], argv[i + 1:]
    else:
        pytest_args = []
    ap = argparse.ArgumentParser(prog="run_inventory.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("inventory")
    ap.add_argument("--out", required=True, help="directory for the JUnit files, transcripts and outputs")
    ap.add_argument("--tags", default="", help="only boards with all these tags (comma-separated)")
    ap.add_argument("--image", help="the highmem.elf the boards run (for the JUnit identity)")
    ap.add_argument("-j", "--jobs", type=int, default=0, help="boards at a time (default: all)")
    a = ap.parse_args(argv)
    try:
        boards = select(load_inventory(a.inventory), [t for t in a.tags.split(",") if t])
    except InventoryError as e:
        print(f"run_inventory.py: {e}", file=sys.stderr)
        return 2
    if not boards:
        print(f"run_inventory.py: no board in {a.inventory} has the tags {a.tags}", file=sys.stderr)
        return 2
    if a.jobs < 0:
        print("run_inventory.py: --jobs must be positive", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    results = run(boards, a.out, a.image, pytest_args, a.jobs or len(boards))
    ok = True
    print(f"{'board':24} {'status':8} {'tests':>5} {'fail':>5} {'error':>5} {'skip':>5}  junit")
    for name in boards:
        rc, c = results[name]
        passed = rc == 0 and c is not None and c["failures"] == 0 and c["errors"] == 0
        ok &= passed
        if c is None:
            print(f"{name:24} {'FAILED':8} {'-':>5} {'-':>5} {'-':>5} {'-':>5}  (no JUnit file; see {name}.out)")
        else:
            print(f"{name:24} {'passed' if passed else 'FAILED':8} {c['tests']:5} {c['failures']:5} "
                  f"{c['errors']:5} {c['skipped']:5}  {os.path.join(a.out, name + '.xml')}")
    print(f"{len(boards)} boards in {time.monotonic() - t0:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
