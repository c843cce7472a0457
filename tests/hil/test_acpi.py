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


def _dump_bytes(text):
    """The bytes of an `acpi dump` (acpidump's layout)."""
    data = bytearray()
    for m in re.finditer(r"^    ([0-9A-F]{4}):((?: [0-9A-F]{2}){1,16})", text, re.MULTILINE):
        assert int(m.group(1), 16) == len(data), text
        data += bytes(int(b, 16) for b in m.group(2).split())
    return bytes(data)


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
        out = t.cmd("acpi")
        listed = _tables(out)
        assert listed == boot, "`acpi` and the boot log disagree"
        want = {"RSDP", "RSDT", "FACP", "DSDT", "FACS", "APIC", "HPET", "WAET"}
        if machine == "q35":
            want.add("MCFG")
        assert want <= set(listed), f"missing: {want - set(listed)}"
        assert not re.search(r"^warning:", out, re.MULTILINE), out
        assert re.search(r"^ACPI: APIC 0x[0-9A-F]{16} [0-9A-F]{6} \(v\d\d BOCHS  BXPC     [0-9A-F]{8} BXPC [0-9A-F]{8}\)$",
                         out, re.MULTILINE), out
        for sig in ("APIC", "FACP", "DSDT"):
            dump = t.cmd(f"acpi dump {sig}")
            assert dump.startswith(f"{sig} @ 0x{listed[sig][0]:016X}\n"), dump[:80]
            data = _dump_bytes(dump)
            assert len(data) == listed[sig][1] and data[:4] == sig.encode(), (len(data), listed[sig])
            assert sum(data) % 256 == 0, f"{sig}: dumped bytes do not sum to 0"
        assert re.search(r"^\\_S5: SLP_TYPa \d, SLP_TYPb \d$", out, re.MULTILINE), out
        if machine == "q35":
            assert re.search(r"^MCFG: segment 0, buses 00-ff at 0xb0000000$", out, re.MULTILINE), out
            assert re.search(r"^  RESET_REG  io  0xcf9", out, re.MULTILINE), out
        bad = t.cmd("acpi dump XYZW")
        assert "no table with signature XYZW" in bad
        assert "usage" in t.cmd("acpi dump").lower()
    finally:
        hil.release(t)


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_apic_fixmaps_from_madt(hil, machine):
    sock = os.path.join(tempfile.mkdtemp(prefix="highmem-mon-"), "hmp.sock")
    t = _boot(hil, f"madt-{machine}", machine=machine, monitor=sock)
    try:
        lapic, ioapics = _madt(_dump_bytes(t.cmd("acpi dump APIC")))
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
        # The same function and I/O BAR in lspci -v.
        out = t.cmd("lspci -v")
        assert re.search(rf"^{re.escape(m.group(2))} 1b36:0002 class 0700", out, re.MULTILINE), out
        assert re.search(rf"BAR0: io  0x0*{m.group(1)}\b", out), out
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
        out = t.cmd("acpi")
        assert re.search(r"^ACPI: SPCR 0x[0-9A-F]{16} 000050 \(v02 HMTEST HMSPCR   00000001 HMT  00000001\)$",
                         out, re.MULTILINE), out
        assert "SPCR: interface 0, io 0x2f8, IRQ 3, GSI 3, 115200 baud" in out
    finally:
        hil.release(t)


def test_dmi(hil):
    smbios = ("-smbios", "type=0,vendor=HighmemBIOS,version=9.8.7,date=01/02/2025",
              "-smbios", "type=1,manufacturer=Acme Boards,product=Roadrunner 2,serial=SN-42",
              "-smbios", "type=2,manufacturer=Acme,product=RR-Base,serial=BB-7")
    t = _boot(hil, "dmi", extra=smbios)
    try:
        assert "DMI: Acme Boards Roadrunner 2, BIOS 9.8.7 01/02/2025" in _log(t)
        out = t.cmd("dmi")
        assert re.search(r"^SMBIOS \d\.\d+(\.\d+)? present\.$", out, re.MULTILINE), out
        assert "BIOS Information\n\tVendor: HighmemBIOS\n\tVersion: 9.8.7\n\tRelease Date: 01/02/2025\n" in out
        assert ("System Information\n\tManufacturer: Acme Boards\n\tProduct Name: Roadrunner 2\n"
                in out), out
        assert "\tSerial Number: SN-42\n" in out
        assert "Base Board Information\n\tManufacturer: Acme\n\tProduct Name: RR-Base\n" in out
        assert "\tSerial Number: BB-7\n" in out
        mem = re.search(r"^Memory Device\n\tSize: (\d+) (GB|MB)\n", out, re.MULTILINE)
        assert mem, out
        size_mb = int(mem.group(1)) * (1024 if mem.group(2) == "GB" else 1)
        assert size_mb == ht.parse_size(t.config.get("memory", "1G")) >> 20
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
        assert "measured against the HPET" in t.cmd("cpuinfo")
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
        first = int(re.search(r"\((\d+) timer ticks", t.cmd("uptime")).group(1))
        time.sleep(1.0)
        assert int(re.search(r"\((\d+) timer ticks", t.cmd("uptime")).group(1)) > first + 20
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
