"""Boot paths x machines: the pc board's flashable image on the QEMU machines that stand in
for real boards.

build/boards/pc/highmem.iso (the hybrid GRUB image cmake/iso.cmake makes and cmake/flash.sh
writes) is attached as a raw *disk*, the way a flashed USB stick or SD card appears, and booted
on ``-machine pc`` and ``q35`` through

  seabios  legacy BIOS -> GRUB i386-pc (MBR)               qemu-system-i386   -cpu qemu32
  ovmf64   64-bit UEFI (Debian's ovmf) -> GRUB x86_64-efi  qemu-system-x86_64 -cpu qemu64
  ovmf32   32-bit UEFI (Debian's ovmf-ia32) -> GRUB i386-efi, q35 only: Debian ships only
           the SMM (secure boot) build of 32-bit OVMF, and OVMF's SMM support needs q35

each time with GRUB's first entry (``multiboot2``).  Each cell checks that the prompt comes,
that the loader handed over Multiboot2 (with the EFI memory map under UEFI), that cpuinfo,
layout, selftest, mmcheck and ptcheck give the results of a ``-kernel`` boot of the same ELF
on the same machine and CPU, that the user programs came as modules (``ls``), that ``reboot``
brings a second banner, and what ``poweroff`` does.

The cells run in parallel (OVMF is slow under TCG), in one module fixture; the tests then
judge each cell.  The boot paths x machines x results table is written to
``<hil-log-dir>/boards-matrix.md`` (and printed), which is where the README's table comes from.
"""

from __future__ import annotations

import concurrent.futures
import fcntl
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import pexpect
import pytest

import highmem_target as ht
import mmparse as mp

pytestmark = pytest.mark.qemu_only

MEMORY = "1G"
MACHINES = ("pc", "q35")
OVMF_DIR = "/usr/share/OVMF"
FIRMWARES = {
    "seabios": dict(qemu="qemu-system-i386", cpu="qemu32", code=None, vars=None, smm=False,
                    path="SeaBIOS -> GRUB i386-pc"),
    "ovmf64": dict(qemu="qemu-system-x86_64", cpu="qemu64", code=f"{OVMF_DIR}/OVMF_CODE_4M.fd",
                   vars=f"{OVMF_DIR}/OVMF_VARS_4M.fd", smm=False, path="OVMF x86_64 -> GRUB x86_64-efi"),
    "ovmf32": dict(qemu="qemu-system-i386", cpu="qemu32", code=f"{OVMF_DIR}/OVMF32_CODE_4M.secboot.fd",
                   vars=f"{OVMF_DIR}/OVMF32_VARS_4M.fd", smm=True, path="OVMF ia32 -> GRUB i386-efi"),
}
# Cells that cannot exist, and why (reported in the table and as a skip with the reason).
IMPOSSIBLE = {
    ("pc", "ovmf32"): "Debian's ovmf-ia32 has only the SMM build of 32-bit OVMF, and OVMF's SMM needs q35",
}
COMMANDS = ("cpuinfo", "layout", "selftest", "mmcheck", "ptcheck")
#: The commands read through their -j form (target.json): a dict in Cell.outputs, not text.
JSON_COMMANDS = {"cpuinfo", "layout", "selftest", "mmcheck", "ptcheck", "acpi", "ls"}
BANNER = re.compile(rb"highmem \S+ \(git \S+\) on board ([^,\s]+)")
BOOT_TIMEOUT = 420.0

# poweroff on the pc board (no isa-debug-exit): ACPI S5 through the FADT's PM1a/PM1b control
# registers with SLP_TYP from the DSDT's \_S5 package, so QEMU exits.
POWEROFF_EXPECTED = "exits"


def cells():
    return [(m, f) for m in MACHINES for f in FIRMWARES]


def cell_id(cell):
    return f"{cell[0]}-{cell[1]}"


def media_path(hil) -> str:
    env = os.environ.get("HIGHMEM_BOARD_MEDIA")
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.dirname(hil.image)), "boards", "pc", "highmem.iso")


def board_elf(media: str) -> str:
    return os.path.join(os.path.dirname(media), "highmem.elf")


def normalise(cmd: str, out):
    """The part of a command's output (text, or the object of its -j form) that must match
    between boot paths."""
    if cmd == "selftest":
        # Test names and verdicts; the counts inside depend on how much RAM the map leaves.
        return out["passed"], out["failed"], [(t["n"], t["name"], t["ok"]) for t in out["tests"]]
    if cmd == "ptcheck":
        # The verdicts and the protections; page counts follow the memory map (how much high
        # memory selftest ran through PKMAP, how many pages are writable: without NX
        # writable_exec counts every writable page).
        return {"wx": out["writable_exec"] if out["wx_enforced"] else None, "wx_enforced": out["wx_enforced"],
                "violations": out["violations"], "protections": out["protections"], "messages": out["messages"]}
    if cmd == "cpuinfo":
        # The TSC is measured against the PIT: its last digits differ from boot to boot.
        return {k: v for k, v in out.items() if k != "tsc_hz"}
    if cmd in JSON_COMMANDS:
        return out
    return out.replace("\r", "")


class Cell:
    """One boot: argv, what came back, and the timings."""

    def __init__(self, name: str, argv: list[str]):
        self.name = name
        self.argv = argv
        self.target: ht.QemuTarget | None = None
        self.boot_time: float | None = None
        self.boot_log = ""
        self.outputs: dict[str, str | dict] = {}  # text, or the -j object of JSON_COMMANDS
        self.reboot = ""          # "banner" when the second banner came
        self.reboot_time: float | None = None
        self.poweroff = ""        # "exits", "halts" or what was seen
        self.error = ""
        self.wall = 0.0


def run_cell(hil, cell: Cell, commands, reboot: bool) -> Cell:
    t0 = time.monotonic()
    t = hil.new_target(cell.name)
    t.argv = cell.argv
    t.boot_timeout = BOOT_TIMEOUT
    t.cmd_timeout = 240.0
    cell.target = t
    try:
        cell.boot_log = t.boot()
        cell.boot_time = t.boot_time
        for c in commands:
            cell.outputs[c] = t.json(c, timeout=240.0) if c in JSON_COMMANDS else t.cmd(c, timeout=240.0)
        if reboot:
            r0 = time.monotonic()
            t.flush_input_buffer()
            t.send_raw("reboot\r")
            t.expect("Restarting system", timeout=30)
            t.expect(BANNER, timeout=BOOT_TIMEOUT)
            t.wait_prompt(BOOT_TIMEOUT)
            cell.reboot = "banner"
            cell.reboot_time = time.monotonic() - r0
            t.flush_input_buffer()
            t.send_raw("poweroff\r")
            i = t.child.expect([pexpect.EOF, r"System halted; it is safe to turn the power off\.",
                                pexpect.TIMEOUT], timeout=30)
            if i == 0:
                t.child.wait()
                t._reap()
                cell.poweroff = f"exits (status {t.exit_status})"
            elif i == 1:
                # Still running 5 s later: the firmware halted, nothing turned the machine off.
                try:
                    t.child.expect(pexpect.EOF, timeout=5)
                    cell.poweroff = "exits (after the halt message)"
                except pexpect.TIMEOUT:
                    cell.poweroff = "halts"
            else:
                cell.poweroff = "no response"
    except (ht.TargetError, pexpect.ExceptionPexpect) as e:
        cell.error = str(e)
    finally:
        hil.release(t)
        cell.wall = time.monotonic() - t0
    return cell


def base_argv(fw: dict, machine: str) -> list[str]:
    qemu = shutil.which(fw["qemu"])
    if not qemu:
        pytest.fail(f"{fw['qemu']} not found (apt-get install qemu-system-x86)", pytrace=False)
    return [qemu, "-machine", machine + (",smm=on" if fw["smm"] else ""), "-accel", "tcg", "-m", MEMORY,
            "-cpu", fw["cpu"], "-serial", "stdio", "-display", "none", "-monitor", "none"]


@pytest.fixture(scope="module")
def matrix(hil, tmp_path_factory):
    """Boot every possible cell and its -kernel reference, in parallel; return the results."""
    media = media_path(hil)
    if not os.path.isfile(media):
        pytest.fail(f"{media} not found: build it with `cmake --build build` (media-pc)", pytrace=False)
    elf = board_elf(media)
    tmp = tmp_path_factory.mktemp("ovmf-vars")
    jobs = {}
    # The -kernel references: one per (QEMU binary, CPU, machine), with the pc board's ELF.
    for m in MACHINES:
        for key in sorted({(f["qemu"], f["cpu"]) for f in FIRMWARES.values()}):
            fw = next(f for f in FIRMWARES.values() if (f["qemu"], f["cpu"]) == key)
            argv = base_argv(dict(fw, smm=False), m) + ["-kernel", elf, "-no-reboot"]
            jobs[("ref", m, key)] = (Cell(f"boards-ref-{m}-{key[0]}-{key[1]}", argv), COMMANDS, False)
    for m, f in cells():
        if (m, f) in IMPOSSIBLE:
            continue
        fw = FIRMWARES[f]
        argv = base_argv(fw, m)
        if fw["code"]:
            for p in (fw["code"], fw["vars"]):
                if not os.path.isfile(p):
                    pytest.fail(f"{p} not found (apt-get install ovmf ovmf-ia32; cmake/setup.sh)", pytrace=False)
            vars_copy = str(tmp / f"{m}-{f}-vars.fd")
            shutil.copyfile(fw["vars"], vars_copy)
            if fw["smm"]:
                argv += ["-global", "driver=cfi.pflash01,property=secure,value=on"]
            argv += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={fw['code']}",
                     "-drive", f"if=pflash,format=raw,unit=1,file={vars_copy}"]
        # The flashed medium: a raw disk; snapshot=on leaves the built image untouched.
        argv += ["-drive", f"file={media},format=raw,if=ide,snapshot=on"]
        jobs[("cell", m, f)] = (Cell(f"boards-{m}-{f}", argv), COMMANDS + ("ls", "acpi"), True)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {k: pool.submit(run_cell, hil, *v) for k, v in jobs.items()}
        results = {k: fut.result() for k, fut in futures.items()}
    wall = time.monotonic() - t0
    table = write_table(hil, results, wall)
    print("\n" + table)
    return results


def reference(results, machine: str, firmware: str) -> Cell:
    fw = FIRMWARES[firmware]
    return results[("ref", machine, (fw["qemu"], fw["cpu"]))]


def write_table(hil, results, wall: float) -> str:
    rows = ["| machine | boot path | prompt (s) | protocol | cpuinfo, layout, selftest, mmcheck, ptcheck "
            "vs -kernel | ls | reboot | poweroff | acpi |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for m, f in cells():
        path = FIRMWARES[f]["path"]
        if (m, f) in IMPOSSIBLE:
            rows.append(f"| {m} | {path} | n/a: {IMPOSSIBLE[(m, f)]} | | | | | | |")
            continue
        c = results[("cell", m, f)]
        ref = reference(results, m, f)
        if c.boot_time is None:
            rows.append(f"| {m} | {path} | FAILED: {c.error[:120]} | | | | | | |")
            continue
        proto = re.search(r"Boot protocol: (Multiboot\S*)[^\n]*?( \(UEFI\))?,", c.boot_log)
        same = [cmd for cmd in COMMANDS if cmd in c.outputs and cmd in ref.outputs
                and normalise(cmd, c.outputs[cmd]) == normalise(cmd, ref.outputs[cmd])]
        verdict = "all match" if len(same) == len(COMMANDS) else "differ: " + ", ".join(
            x for x in COMMANDS if x not in same)
        st = c.outputs.get("selftest")
        if st:
            verdict += f" (selftest {st['passed']} passed, {st['failed']} failed)"
        files = {f["name"] for f in c.outputs.get("ls", {}).get("files", [])}
        mods = " ".join(n for n in ("proctest", "kprobe") if n in files)
        sigs = {d["sig"] for d in c.outputs.get("acpi", {}).get("tables", [])}
        acpi = "FACP, APIC listed" if {"FACP", "APIC"} <= sigs else "not listed"
        reboot = f"second banner ({c.reboot_time:.0f} s)" if c.reboot else (c.error[:60] or "no")
        rows.append(f"| {m} | {path} | {c.boot_time:.0f} | {proto.group(1) if proto else '?'}"
                    f"{' UEFI' if proto and proto.group(2) else ''} | {verdict} | {mods or 'none'} | "
                    f"{reboot} | {c.poweroff or '?'} | {acpi} |")
    rows.append("")
    rows.append(f"All cells and {sum(1 for k in results if k[0] == 'ref')} -kernel references booted in "
                f"parallel: {wall:.0f} s wall.")
    table = "\n".join(rows) + "\n"
    if hil.log_dir:
        os.makedirs(hil.log_dir, exist_ok=True)
        with open(os.path.join(hil.log_dir, "boards-matrix.md"), "w") as f:
            f.write(table)
    return table


@pytest.mark.parametrize("cell", cells(), ids=cell_id)
def test_boot_path(matrix, cell):
    m, f = cell
    if cell in IMPOSSIBLE:
        pytest.skip(f"{m} x {f}: {IMPOSSIBLE[cell]}")
    c = matrix[("cell", m, f)]
    ref = reference(matrix, m, f)
    assert ref.boot_time is not None, f"-kernel reference boot failed: {ref.error}"
    assert c.boot_time is not None, f"no prompt from the flashed image: {c.error}"
    log = c.boot_log
    banner = BANNER.search(log.encode("latin-1"))
    assert banner and banner.group(1) == b"pc", "the pc board's banner did not come"
    assert "Loader: GRUB" in log
    uefi = FIRMWARES[f]["code"] is not None
    m2 = re.search(r"Boot protocol: Multiboot2 at 0x[0-9a-f]+( \(UEFI\))?, memory map from (.*?)\r?\n", log)
    assert m2, "GRUB's first entry did not hand over Multiboot2"
    assert bool(m2.group(1)) == uefi, f"UEFI tag {'missing' if uefi else 'present'}: {m2.group(0)!r}"
    assert m2.group(2) == ("the EFI memory map" if uefi else "the Multiboot2 memory map")
    assert "multiboot:" not in log, "the parser warned about the loader's information"
    for cmd in COMMANDS:
        assert normalise(cmd, c.outputs[cmd]) == normalise(cmd, ref.outputs[cmd]), \
            f"{cmd} differs from the -kernel boot:\n{c.outputs[cmd]}\n--- -kernel:\n{ref.outputs[cmd]}"
    st = c.outputs["selftest"]
    assert st["failed"] == 0 and st["passed"] == st["total"] > 0 and not st["stopped"], st
    assert c.outputs["mmcheck"]["violations"] == 0, c.outputs["mmcheck"]
    assert c.outputs["ptcheck"]["violations"] == 0, c.outputs["ptcheck"]
    files = {f["name"] for f in c.outputs["ls"]["files"]}
    assert {"proctest", "kprobe"} <= files, f"the user programs were not loaded: {files}"
    assert c.reboot == "banner", "reboot did not bring a second banner"
    # See POWEROFF_EXPECTED: asserted, not skipped, so the day it changes this test says so.
    assert c.poweroff.startswith(POWEROFF_EXPECTED), f"poweroff: {c.poweroff}"


@pytest.mark.parametrize("cell", [c for c in cells() if c not in IMPOSSIBLE], ids=cell_id)
def test_acpi_lists_tables(matrix, cell):
    j = matrix[("cell",) + cell].outputs.get("acpi", {})
    sigs = {d["sig"] for d in j.get("tables", [])}
    assert j.get("present") and {"FACP", "APIC"} <= sigs, j
    assert j["fadt"] is not None and j["madt"] is not None and j["madt"]["cpus"] >= 1, j



# -- Loader information above the 8 MiB boot map -----------------------------------------
#
# GRUB and QEMU put their information low on every machine here, so the boot window (the
# path for information anywhere below 4 GiB, as GRUB on real UEFI boards does) is exercised by
# hand: QEMU loads a Multiboot2 block, built below, at 0x30000ff0 (crossing a page boundary, at
# 768 MiB) and a module at 0x31000000 with its generic loader, starts halted, and gdb stops at
# the entry point and sets EAX and EBX as a Multiboot2 loader would.

WINDOW_MBI = 0x30000FF0
WINDOW_MODULE = 0x31000000


def mb2_block(module_len: int) -> bytes:
    """A Multiboot2 information block as GRUB builds it for QEMU pc with 1 GiB (Multiboot2
    Specification, section 3.6): command line, loader name, module, basic memory, memory map."""
    def tag(kind, payload):
        b = struct.pack("<II", kind, 8 + len(payload)) + payload
        return b + bytes(-len(b) % 8)

    ram = 1 << 30
    mmap = [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0xF0000, 0x10000, 2), (0x100000, ram - 0x20000 - 0x100000, 1),
            (ram - 0x20000, 0x20000, 2), (0xFFFC0000, 0x40000, 2)]
    body = b"".join([
        tag(1, b"window-test\0"),
        tag(2, b"gdb (test_boards.py)\0"),
        tag(3, struct.pack("<II", WINDOW_MODULE, WINDOW_MODULE + module_len) + b"proctest\0"),
        tag(4, struct.pack("<II", 639, (ram >> 10) - 1024 - 128)),
        tag(6, struct.pack("<II", 24, 0) + b"".join(struct.pack("<QQII", a, n, t, 0) for a, n, t in mmap)),
        tag(0, b""),
    ])
    return struct.pack("<II", 8 + len(body), 0) + body


def test_loader_information_above_8mib(hil, tmp_path):
    """Multiboot2 information at 768 MiB is read through the boot window (it used to panic)."""
    if not shutil.which("gdb"):
        pytest.fail("gdb not found (apt-get install gdb; cmake/setup.sh)", pytrace=False)
    media = media_path(hil)
    elf = board_elf(media)
    module = os.path.join(os.path.dirname(media), "user", "proctest")
    mbi = tmp_path / "mbi2.bin"
    mbi.write_bytes(mb2_block(os.path.getsize(module)))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fw = FIRMWARES["seabios"]
    argv = base_argv(fw, "pc") + ["-kernel", elf, "-no-reboot", "-S", "-gdb", f"tcp:127.0.0.1:{port}",
                                  "-device", f"loader,file={mbi},addr={WINDOW_MBI:#x},force-raw=on",
                                  "-device", f"loader,file={module},addr={WINDOW_MODULE:#x},force-raw=on"]
    t = hil.new_target("boards-window")
    t.argv = argv
    try:
        fd, t._stderr_path = tempfile.mkstemp(prefix="highmem-qemu-", suffix=".stderr")
        os.close(fd)
        t0 = time.monotonic()
        child = pexpect.spawn("/bin/sh", ["-c", 'exec "$0" "$@" 2>>"$HIGHMEM_QEMU_STDERR"'] + argv,
                              encoding=None, echo=False, preexec_fn=ht._raw_stdin, maxread=65536,
                              env=dict(os.environ, HIGHMEM_QEMU_STDERR=t._stderr_path))
        t._attach(child)
        fcntl.fcntl(child.child_fd, fcntl.F_SETFL, fcntl.fcntl(child.child_fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        entry = int(subprocess.run(["readelf", "-h", elf], capture_output=True, text=True, check=True)
                    .stdout.split("Entry point address:")[1].split()[0], 16)
        gdb = ["gdb", "-batch", "-nx", "-q", "-ex", "set architecture i386",
               "-ex", f"target remote 127.0.0.1:{port}", "-ex", f"hbreak *{entry:#x}", "-ex", "continue",
               "-ex", "set $eax = 0x36d76289", "-ex", f"set $ebx = {WINDOW_MBI:#x}", "-ex", "detach"]
        for _ in range(50):  # QEMU's stub may take a moment to listen
            r = subprocess.run(gdb, capture_output=True, text=True, timeout=60)
            if "Connection refused" not in r.stderr:
                break
            time.sleep(0.2)
        assert "Breakpoint 1" in r.stdout, r.stdout + r.stderr
        log = t._boot_wait(t0)
        assert f"Boot protocol: Multiboot2 at {WINDOW_MBI:#010x}, memory map from the Multiboot2 memory map" in log
        assert "Command line: window-test" in log and "Loader: gdb (test_boards.py)" in log
        assert "multiboot:" not in log
        assert "BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable" in log
        mods = t.cmd("cmdline")
        assert f"module 0: [mem {WINDOW_MODULE:#010x}-" in mods and "proctest" in mods, mods
        assert "proctest" in t.cmd("ls")
        out = t.cmd("run proctest fork", timeout=60)
        assert "fork" in out, out
    finally:
        hil.release(t)


def test_every_loader_range_reserved(hil):
    """Three modules through Multiboot v1 record ten loader ranges (information, map, command
    line, module list, and a name and the bytes of each module); all must reach the memory
    manager.  When only eight did, the third module's pages went to the buddy allocator, and
    after selftest mm_exhaust had written every free page the program no longer ran."""
    media = media_path(hil)
    user = os.path.join(os.path.dirname(media), "user")
    short = tempfile.mkdtemp(prefix="hm")  # module names are kept to 63 bytes: a short path
    third = os.path.join(short, "third")
    shutil.copyfile(os.path.join(user, "proctest"), third)
    modules = ",".join([os.path.join(user, "proctest"), os.path.join(user, "kprobe"), third])
    t = hil.new_target("boards-three-modules", memory="64M", extra_args=f"-initrd {modules}")
    try:
        t.boot()
        assert "third" in t.cmd("ls")
        k = mp.selftest_of(t, "mm_exhaust", timeout=120)
        assert k["ok"] == ["mm_exhaust"] and (k["passed"], k["failed"]) == (1, 0), k["text"]
        out = t.cmd("run third fork", timeout=60)
        assert "fork" in out and "rror" not in out, out
        mp.assert_mm_clean(t)
    finally:
        hil.release(t)
        shutil.rmtree(short, ignore_errors=True)
