"""ACPI, SMBIOS and the console found on its own, on QEMU machines standing in for real boards.

* `acpi` lists the tables QEMU provides (pc: RSDT, FACP, DSDT, FACS, APIC, HPET, WAET; q35 adds
  MCFG), in Linux's boot-log form, and `acpi dump SIG` prints a table whose bytes sum to 0;
* the local APIC and IO-APIC fixmaps map the addresses the MADT gives, as QEMU's own page
  tables show (HMP `gva2gpa` on a monitor socket), and the boot-time fixmaps are all free;
* `poweroff` turns QEMU off through ACPI S5 when isa-debug-exit is off (`nodebugexit`, and the
  device removed): QEMU exits with status 0; `reboot` resets the machine (a second banner);
* without ACPI (`-machine pc,acpi=off`) each fallback is said in the boot log;
* the console on COM2 only (console=uart,io,0x2f8,115200), on a `pci-serial` with no legacy UART,
  and on the UART an SPCR table (built here, passed with `-acpitable`) names;
* `dmi` prints what `-smbios` told QEMU, in dmidecode's wording.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import tempfile
import time

import pytest

import highmem_target as ht
import mmparse as mp

pytestmark = pytest.mark.qemu_only

BANNER = re.compile(r"^highmem \S+ \(git \S+\) on board \S+, console (\S+) \(([^)]*)\)", re.MULTILINE)
TABLE = re.compile(r"^ACPI: (\w{4}) 0x([0-9A-F]{16}) ([0-9A-F]{6})(?: \(v(\d\d) (.{6}) )?", re.MULTILINE)


def _boot(hil, label, machine="pc", serial=("-serial", "stdio"), extra=(), debug_exit=True, no_reboot=True,
          monitor=None):
    """Boot a QEMU target whose command line is changed as asked; return it booted."""
    t = hil.new_target(label, machine=machine)
    argv = list(t.argv)
    i = argv.index("-serial")
    argv[i:i + 2] = list(serial)
    if not debug_exit:
        j = argv.index("-device")
        assert argv[j + 1].startswith("isa-debug-exit")
        del argv[j:j + 2]
    if not no_reboot:
        argv.remove("-no-reboot")
    if monitor:
        k = argv.index("-monitor")
        argv[k + 1] = f"unix:{monitor},server=on,wait=off"
    argv += list(extra)
    t.argv = argv
    t.boot()
    return t


def _log(t):
    """The boot log with the UART's CR LF turned into LF."""
    return t.boot_log.replace("\r\n", "\n")


def _tables(text):
    return {m.group(1): (int(m.group(2), 16), int(m.group(3), 16)) for m in TABLE.finditer(text)}


def _listed(j):
    """{signature: (address, length)} of `acpi -j`, the RSDP included as the boot log lists it."""
    rsdp = j["rsdp"]
    tables = {"RSDP": (rsdp["pa"], 36 if rsdp["revision"] >= 2 else 20)}
    tables.update({d["sig"]: (d["pa"], d["length"]) for d in j["tables"]})
    return tables


def _dump(t, sig):
    """(address, bytes) of the one table `acpi dump SIG -j` reads whole."""
    j = t.json(f"acpi dump {sig}")
    assert j["sig"] == sig and len(j["tables"]) == 1, j
    d = j["tables"][0]
    assert d["unreadable_from"] is None, d
    data = bytes.fromhex(d["data"])
    assert len(data) == d["length"], d
    return d["pa"], data


def _madt(data):
    """(local APIC address, [IO-APIC addresses]) from the MADT's bytes, override applied."""
    lapic = struct.unpack_from("<I", data, 36)[0]
    ioapics, off = [], 44
    while off + 2 <= len(data):
        typ, length = data[off], data[off + 1]
        assert length >= 2
        if typ == 1:
            ioapics.append(struct.unpack_from("<I", data, off + 4)[0])
        elif typ == 5:
            lapic = struct.unpack_from("<Q", data, off + 4)[0]
        off += length
    return lapic, ioapics


def _hmp(path, command, timeout=10.0):
    """Run one HMP command on QEMU's monitor socket; return its output."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, "no monitor socket"
        time.sleep(0.1)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        buf = b""
        while not buf.endswith(b"(qemu) "):
            buf += s.recv(4096)
        s.sendall(command.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"(qemu) "):
            buf += s.recv(4096)
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", buf.decode("latin-1"))


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_acpi_tables(hil, machine):
    t = _boot(hil, f"acpi-{machine}", machine=machine)
    try:
        boot = _tables(_log(t))
        j = t.json("acpi")
        listed = _listed(j)
        assert listed == boot, "`acpi -j` and the boot log disagree"
        # The human list is the boot log's form of the same tables.
        assert _tables(t.cmd("acpi")) == boot, "`acpi` and the boot log disagree"
        want = {"RSDP", "RSDT", "FACP", "DSDT", "FACS", "APIC", "HPET", "WAET"}
        if machine == "q35":
            want.add("MCFG")
        assert want <= set(listed), f"missing: {want - set(listed)}"
        assert j["warnings"] == [], j["warnings"]
        apic = next(d for d in j["tables"] if d["sig"] == "APIC")
        assert (apic["oem_id"], apic["oem_table_id"], apic["creator_id"]) == ("BOCHS ", "BXPC    ", "BXPC"), apic
        for sig in ("APIC", "FACP", "DSDT"):
            pa, data = _dump(t, sig)
            assert pa == listed[sig][0], (sig, pa, listed[sig])
            assert len(data) == listed[sig][1] and data[:4] == sig.encode(), (len(data), listed[sig])
            assert sum(data) % 256 == 0, f"{sig}: dumped bytes do not sum to 0"
        # What the firmware took from the MADT is what its bytes say.
        lapic, ioapics = _madt(_dump(t, "APIC")[1])
        assert j["madt"]["lapic"] == lapic and [i["pa"] for i in j["madt"]["ioapics"]] == ioapics, j["madt"]
        assert j["s5"] is not None and 0 <= j["s5"]["slp_typa"] <= 7 and 0 <= j["s5"]["slp_typb"] <= 7, j["s5"]
        if machine == "q35":
            assert j["mcfg"] == [{"segment": 0, "bus_start": 0, "bus_end": 0xFF, "base": 0xB0000000}], j["mcfg"]
            reset = j["fadt"]["reset_reg"]
            assert reset["space"] == "io" and reset["address"] == 0xCF9, j["fadt"]
        bad = t.cmd("acpi dump XYZW -j")
        assert bad == "acpi: no table with signature XYZW (see `acpi`)", bad
        assert t.cmd("status").startswith("status 1 "), "a missing table is a failure"
        assert "usage" in t.cmd("acpi dump").lower()
        assert "usage" in t.cmd("acpi dump APIC -x").lower()
    finally:
        hil.release(t)


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_apic_fixmaps_from_madt(hil, machine):
    sock = os.path.join(tempfile.mkdtemp(prefix="highmem-mon-"), "hmp.sock")
    t = _boot(hil, f"madt-{machine}", machine=machine, monitor=sock)
    try:
        lapic, ioapics = _madt(_dump(t, "APIC")[1])
        assert ioapics, "QEMU's MADT lists an IO-APIC"
        _, rows = mp.fixmap_of(t)
        fix = {r["name"]: r for r in rows}
        assert fix["FIX_APIC_BASE"]["phys"] == lapic
        for i, pa in enumerate(ioapics):
            name = "FIX_IO_APIC_BASE_0" + (f"+{i}" if i else "")
            assert fix[name]["phys"] == pa, (name, fix[name])
            # QEMU's own walk of the page tables agrees.
            out = _hmp(sock, f"gva2gpa 0x{fix[name]['virt']:x}")
            assert re.search(rf"gpa: 0x0*{pa:x}\b", out), out
        out = _hmp(sock, f"gva2gpa 0x{fix['FIX_APIC_BASE']['virt']:x}")
        assert re.search(rf"gpa: 0x0*{lapic:x}\b", out), out
        assert re.search(rf"^APIC: 1 CPU and {len(ioapics)} IO-APIC", _log(t), re.MULTILINE), _log(t)
        # The boot-time slots were given back once vmalloc was up.
        bt = [r for r in rows if r["name"].startswith("FIX_BTMAP_BEGIN")]
        assert len(bt) == 16 and all(r["phys"] is None for r in bt), bt
        assert "still mapped" not in _log(t)
    finally:
        hil.release(t)
        try:
            os.unlink(sock)
            os.rmdir(os.path.dirname(sock))
        except OSError:
            pass


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_poweroff_through_acpi(hil, machine):
    t = _boot(hil, f"s5-{machine}", machine=machine, debug_exit=False, extra=("-append", "nodebugexit"))
    try:
        assert re.search(r"^Power: poweroff via ACPI S5 \(PM1a_CNT io 0x[0-9a-f]+, SLP_TYP \d\)", _log(t),
                         re.MULTILINE), _log(t)
        status = t.poweroff(timeout=20)
        assert status == 0, f"QEMU exit status {status} (ACPI S5 ends QEMU with 0)"
        assert "System halted" not in t.log
    finally:
        hil.release(t)


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_reboot_resets(hil, machine):
    t = _boot(hil, f"reset-{machine}", machine=machine, no_reboot=False)
    try:
        if machine == "q35":
            assert "Power: reset via ACPI RESET_REG (io 0xcf9 = 0x0f)" in _log(t)
        t.flush_input_buffer()
        t.send_raw("reboot\r")
        t.expect(r"Restarting system")
        t.expect(r"highmem \S+ \(git \S+\) on board", timeout=t.boot_timeout)
        t.wait_prompt(timeout=t.boot_timeout)
        assert "highmem" in t.cmd("version")
        assert len(BANNER.findall(t.log.replace("\r\n", "\n"))) == 2
    finally:
        hil.release(t)


def test_no_acpi_fallbacks(hil):
    t = _boot(hil, "acpi-off", machine="pc,acpi=off")
    try:
        log = _log(t)
        assert re.search(r"^ACPI: no RSDP \(.*\); using the board file's values$", log, re.MULTILINE), log
        assert "APIC: no ACPI MADT; using the PC default addresses (local APIC 0xfee00000, IO-APIC 0xfec00000)" in log
        assert re.search(r"^Power: poweroff via QEMU isa-debug-exit at port 0xf4, else no ACPI FADT/\\_S5", log,
                         re.MULTILINE), log
        assert re.search(r"^Power: reset via no ACPI RESET_REG, then 0xCF9", log, re.MULTILINE), log
        assert t.cmd("acpi") == "ACPI: no RSDP found"
        assert t.json("acpi") == {"present": False}
        assert t.cmd("status").startswith("status 1 "), "no ACPI is a failure of `acpi -j` too"
    finally:
        hil.release(t)


def test_console_on_com2(hil):
    t = _boot(hil, "com2", serial=("-serial", "null", "-serial", "stdio"),
              extra=("-append", "console=uart,io,0x2f8,115200"))
    try:
        m = BANNER.search(_log(t))
        assert m and m.group(1) == "uart,io,0x2f8,115200" and m.group(2) == "console= boot option", _log(t)
        assert "Command line:" in _log(t)  # the whole boot log came out here
        assert "console=uart,io,0x2f8,115200" in t.cmd("cmdline")
    finally:
        hil.release(t)


def test_console_bad_option_falls_back(hil):
    t = _boot(hil, "console-bad", extra=("-append", "console=uart,io,0x2fz"))
    try:
        assert "console: ignoring console=uart,io,0x2fz: address '0x2fz' is not a number" in _log(t)
        assert BANNER.search(_log(t)).group(2) == "board default"
    finally:
        hil.release(t)


def test_console_on_pci_serial(hil):
    t = _boot(hil, "pci-serial", serial=("-serial", "none", "-chardev", "stdio,id=pcicon",
                                         "-device", "pci-serial,chardev=pcicon"))
    try:
        m = re.search(r"^console: uart,io,0x([0-9a-f]+),115200 \(PCI 16550 1b36:0002 at ([0-9a-f:.]+)\)$",
                      _log(t), re.MULTILINE)
        assert m, _log(t)
        # The same function and I/O BAR in lspci -j.
        j = t.json("lspci")
        fn = next((f for f in j["functions"] if f["slot"] == m.group(2)), None)
        assert fn and (fn["vendor"], fn["device"], fn["class"], fn["subclass"]) == (0x1B36, 0x0002, 7, 0), j
        bar0 = next(b for b in fn["bars"] if b["index"] == 0)
        assert bar0["io"] and bar0["base"] == int(m.group(1), 16), fn
        assert "highmem" in t.cmd("version")
    finally:
        hil.release(t)


def _spcr(port=0x2F8, irq=3, baud_code=7):
    """An SPCR (revision 2, 80 bytes) naming a 16550 at I/O port `port`."""
    t = bytearray(80)
    t[0:4] = b"SPCR"
    struct.pack_into("<I", t, 4, len(t))
    t[8] = 2
    t[10:16] = b"HMTEST"
    t[16:24] = b"HMSPCR  "
    struct.pack_into("<I", t, 24, 1)
    t[28:32] = b"HMT "
    struct.pack_into("<I", t, 32, 1)
    t[36] = 0                                      # full 16550
    struct.pack_into("<BBBBQ", t, 40, 1, 8, 0, 1, port)  # GAS: I/O space, 8 bits, byte access
    t[52] = 1                                      # PC-AT 8259 IRQ
    t[53] = irq
    struct.pack_into("<I", t, 54, irq)
    t[58] = baud_code
    t[60] = 1                                      # 1 stop bit
    struct.pack_into("<HH", t, 64, 0xFFFF, 0xFFFF)  # not a PCI device
    t[9] = (-sum(t)) & 0xFF
    return bytes(t)


def test_console_from_spcr(hil, tmp_path):
    path = tmp_path / "spcr.bin"
    path.write_bytes(_spcr())
    t = _boot(hil, "spcr", serial=("-serial", "null", "-serial", "stdio"), extra=("-acpitable", f"file={path}"))
    try:
        assert re.search(r"^console: uart,io,0x2f8,115200 \(ACPI SPCR\)$", _log(t), re.MULTILINE), _log(t)
        j = t.json("acpi")
        spcr = [d for d in j["tables"] if d["sig"] == "SPCR"]
        assert [{k: d[k] for k in ("length", "revision", "oem_id", "oem_table_id", "oem_revision", "creator_id",
                                   "creator_revision")} for d in spcr] == \
            [{"length": 0x50, "revision": 2, "oem_id": "HMTEST", "oem_table_id": "HMSPCR  ", "oem_revision": 1,
              "creator_id": "HMT ", "creator_revision": 1}], spcr
        assert j["spcr"] == {"interface": 0, "base": {"space": "io", "address": 0x2F8, "bit_width": 8}, "irq": 3,
                             "gsi": 3, "baud": 115200}, j["spcr"]
    finally:
        hil.release(t)


def test_dmi(hil):
    smbios = ("-smbios", "type=0,vendor=HighmemBIOS,version=9.8.7,date=01/02/2025",
              "-smbios", "type=1,manufacturer=Acme Boards,product=Roadrunner 2,serial=SN-42",
              "-smbios", "type=2,manufacturer=Acme,product=RR-Base,serial=BB-7")
    t = _boot(hil, "dmi", extra=smbios)
    try:
        assert "DMI: Acme Boards Roadrunner 2, BIOS 9.8.7 01/02/2025" in _log(t)
        j = t.json("dmi")
        assert j["present"] and re.fullmatch(r"\d\.\d+(\.\d+)?", j["version"]) and j["error"] is None, j
        by_type = {}
        for st in j["structures"]:
            by_type.setdefault(st["type"], []).append(st)
        bios, system, board = by_type[0][0], by_type[1][0], by_type[2][0]
        assert (bios["vendor"], bios["version"], bios["release_date"]) == ("HighmemBIOS", "9.8.7", "01/02/2025"), bios
        assert (system["manufacturer"], system["product_name"], system["serial_number"]) == \
            ("Acme Boards", "Roadrunner 2", "SN-42"), system
        assert (board["manufacturer"], board["product_name"], board["serial_number"]) == ("Acme", "RR-Base", "BB-7"), \
            board
        sizes = [m["size_kb"] for m in by_type.get(17, [])]
        assert sizes and sizes[0] << 10 == ht.parse_size(t.config.get("memory", "1G")), by_type.get(17)
        # dmidecode's wording in the human form.
        assert "BIOS Information\n\tVendor: HighmemBIOS\n\tVersion: 9.8.7\n\tRelease Date: 01/02/2025\n" in t.cmd("dmi")
    finally:
        hil.release(t)


def test_no_pit_calibrates_against_hpet(hil):
    """q35 without its 8254: the TSC is calibrated against the HPET the ACPI tables name."""
    t = _boot(hil, "no-pit", machine="q35,pit=off")
    try:
        log = _log(t)
        assert "timer: no 8254 PIT answers" in log, log
        m = re.search(r"^timer: no PIT; TSC (\d+)\.\d+ MHz calibrated against the HPET at 0xfed00000 \(100000000 Hz\)$",
                      log, re.MULTILINE)
        assert m, log
        # The first calibration, taken before the 8254 was found missing, read 8 MHz here.
        assert int(m.group(1)) >= 100, m.group(0)
        boot_ms = int(re.search(r"^Boot took (\d+) ms", log, re.MULTILINE).group(1))
        assert boot_ms < t.boot_timeout * 1000, f"boot took {boot_ms} ms by the TSC but the prompt came in {t.boot_time:.1f} s"
        assert "HPET" in t.json("cpuinfo")["tsc_reference"]
    finally:
        hil.release(t)


def test_irq_through_ioapic(hil):
    """irq=ioapic on q35: the 8259s are masked and the timer and COM1 arrive through the IO-APIC."""
    t = _boot(hil, "ioapic", machine="q35", extra=("-append", "irq=ioapic"))
    try:
        log = _log(t)
        assert "IRQ: through the IO-APIC and the local APIC (irq=ioapic); 8259s masked" in log, log
        assert "IRQ 0: GSI 2 on IO-APIC 0, vector 0x20, edge, active high" in log, log  # the MADT's override
        assert "IRQ 4: GSI 4 on IO-APIC 0, vector 0x24, edge, active high" in log, log
        first = t.json("uptime")["ticks"]
        time.sleep(1.0)
        assert t.json("uptime")["ticks"] > first + 20
        assert "highmem" in t.cmd("version")  # typed and answered: receive through the IO-APIC
    finally:
        hil.release(t)


def test_board_without_pic_or_pit(hil):
    """QEMU's microvm without 8259s, 8254 and RTC: the console still receives (IO-APIC), each lack is logged."""
    t = hil.new_target("microvm", machine="microvm,pic=off,pit=off,rtc=off,acpi=on", qemu="qemu-system-x86_64")
    try:
        t.boot()
        log = _log(t)
        assert "IRQ: through the IO-APICs and the local APIC (no 8259 answers); 8259s masked" in log, log
        assert "timer: no 8254 PIT answers" in log
        assert "timer: no PIT, HPET or ACPI PM timer; the TSC is not calibrated and delays are rough" in log
        assert "APIC: 1 CPU and 2 IO-APICs from the ACPI MADT" in log
        assert "Power: reset via ACPI RESET_REG (mem 0xfea00202 = 0x42), then 0xCF9, no keyboard controller " \
               "(FADT: no 8042), triple fault" in log, log
        assert "highmem" in t.cmd("version")
    finally:
        hil.release(t)
