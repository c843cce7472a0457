#!/usr/bin/python3
"""The board-like bench: a QEMU that behaves like a board on a lab bench, for CI.

A real board is not started by the test suite: it sits on the bench, its
console on a serial port, its power on a relay.  This script sets up the
closest QEMU can come and then leaves the suite to treat it as a board
(``kind = serial`` in the target description it writes):

* the ``pc`` board's image (no isa-debug-exit: ``poweroff`` halts), booted
  from the flashed disk image (build/boards/pc/highmem.img) through SeaBIOS
  and GRUB, or over the network (``--boot net-bios``: SeaBIOS, the NIC's iPXE
  ROM, GRUB's PXE image from the netboot tree over QEMU's TFTP; ``--boot
  net-efi``: the same under OVMF with GRUB's UEFI image);
* the console on a pty (``-serial pty``) that the suite opens with pyserial,
  or, with ``--ser2net rfc2217|raw``, that pty served by Debian's ser2net on
  a TCP port, as labs export their boards;
* power and reset through QMP on a Unix socket (qmp.py), standing in for a
  relay: power on = ``system_reset`` + ``cont``, power off = ``stop``, reset =
  ``system_reset`` + ``cont``;
* started once, before the suite, with ``-S`` (powered off) and
  ``-no-shutdown``, and stopped after it.

    boardlike.py start RUN_DIR [options]    start; write RUN_DIR/target.ini (and labgrid-env.yaml)
    boardlike.py stop RUN_DIR               stop what start started (QEMU, ser2net)
    boardlike.py run RUN_DIR [options] -- PYTEST_ARGS...
                                            start, run the suite against it, stop;
                                            exit with pytest's status

Options: --disk IMG, --netboot DIR, --boot disk|net-bios|net-efi, --memory SIZE,
--name NAME, --ser2net rfc2217|raw, --labgrid (the target is a labgrid one, driven
through labgrid-env.yaml), --image ELF (for the JUnit identity).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from qmp import Qmp, QmpError  # noqa: E402

OVMF_CODE = ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd")
OVMF_VARS = ("/usr/share/OVMF/OVMF_VARS_4M.fd", "/usr/share/OVMF/OVMF_VARS.fd")
BOOTFILES = {"net-bios": "boot/grub/i386-pc/core.0", "net-efi": "boot/grub/x86_64-efi/core.efi"}


class BenchError(RuntimeError):
    """The bench could not be set up as asked."""


def _first(paths) -> str:
    for p in paths:
        if os.path.isfile(p):
            return p
    raise BenchError(f"none of {', '.join(paths)} exists (Debian: apt-get install ovmf)")


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qemu_argv(a, run: str) -> list[str]:
    efi = a.boot == "net-efi"
    qemu = shutil.which("qemu-system-x86_64" if efi else "qemu-system-i386")
    if not qemu:
        raise BenchError("QEMU not found (Debian: apt-get install qemu-system-x86)")
    argv = [qemu, "-machine", "pc", "-accel", "tcg", "-m", a.memory,
            # OVMF is a 64-bit firmware: the CPU needs long mode; GRUB hands over in 32-bit mode.
            "-cpu", "qemu64" if efi else "qemu32",
            "-display", "none", "-monitor", "none", "-serial", "pty",
            "-qmp", f"unix:{run}/qmp.sock,server=on,wait=off",
            "-S", "-no-shutdown", "-daemonize", "-pidfile", f"{run}/qemu.pid"]
    if a.boot == "disk":
        if not a.disk or not os.path.isfile(a.disk):
            raise BenchError(f"disk image not found: {a.disk} (cmake --build build makes build/boards/pc/highmem.img)")
        # snapshot=on: the stick's image is never written, whatever GRUB does.
        argv += ["-drive", f"file={a.disk},format=raw,if=ide,snapshot=on", "-boot", "c"]
    else:
        if not a.netboot or not os.path.isfile(os.path.join(a.netboot, BOOTFILES[a.boot])):
            raise BenchError(f"netboot tree without {BOOTFILES[a.boot]}: {a.netboot} (cmake --build build makes "
                             f"build/boards/pc/netboot)")
        argv += ["-netdev", f"user,id=n0,tftp={a.netboot},bootfile={BOOTFILES[a.boot]}",
                 "-device", "e1000,netdev=n0,bootindex=0"]
    if efi:
        vars_copy = os.path.join(run, "OVMF_VARS.fd")
        shutil.copyfile(_first(OVMF_VARS), vars_copy)
        argv += ["-drive", f"if=pflash,format=raw,readonly=on,file={_first(OVMF_CODE)}",
                 "-drive", f"if=pflash,format=raw,file={vars_copy}"]
    return argv


def _pty_of(run: str) -> str:
    q = Qmp(os.path.join(run, "qmp.sock"))
    try:
        for c in q.execute("query-chardev"):
            if c["label"] == "serial0" and c["filename"].startswith("pty:"):
                return c["filename"][4:]
    finally:
        q.close()
    raise BenchError("QEMU reports no pty for serial0")


def _start_ser2net(run: str, pty: str, protocol: str) -> str:
    exe = shutil.which("ser2net")
    if not exe:
        raise BenchError("ser2net not found (Debian: apt-get install ser2net)")
    port = free_tcp_port()
    accepter = f"telnet(rfc2217),tcp,127.0.0.1,{port}" if protocol == "rfc2217" else f"tcp,127.0.0.1,{port}"
    conf = os.path.join(run, "ser2net.yaml")
    with open(conf, "w") as f:
        f.write("%YAML 1.1\n---\n"
                "# The board-like target's console as a lab exports a board's (ser2net 4).\n"
                "connection: &boardlike\n"
                f"  accepter: {accepter}\n"
                f"  connector: serialdev,{pty},115200n81,local\n"
                "  options:\n"
                "    kickolduser: true\n")
    log = open(os.path.join(run, "ser2net.log"), "w")
    p = subprocess.Popen([exe, "-n", "-d", "-c", conf, "-P", os.path.join(run, "ser2net.pid")],
                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    with open(os.path.join(run, "ser2net.child"), "w") as f:
        f.write(f"{p.pid}\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise BenchError(f"ser2net exited with status {p.returncode}; see {run}/ser2net.log")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise BenchError(f"ser2net does not listen on {port}")
    # The probe connection above made ser2net open and close the pty; let it settle.
    time.sleep(0.3)
    # ign_set_control: a pty behind ser2net has no modem control lines to set (RFC 2217's
    # SET-CONTROL gets no answer); a USB adapter behind ser2net does not need it.
    url = f"rfc2217://127.0.0.1:{port}?ign_set_control" if protocol == "rfc2217" else f"socket://127.0.0.1:{port}"
    return url, port


def options(run_dir: str, **kw) -> argparse.Namespace:
    """start()'s options with the command line's defaults, for Python callers."""
    d = dict(run_dir=run_dir, disk=None, netboot=None, boot="disk", memory="1G", name="boardlike",
             ser2net=None, labgrid=False)
    d.update(kw)
    return argparse.Namespace(**d)


def start(a) -> str:
    """Start the bench in RUN_DIR; return the target description's path."""
    run = os.path.abspath(a.run_dir)
    os.makedirs(run, exist_ok=True)
    # QEMU's -daemonize changes directory to /: every path it gets must be absolute.
    a.disk = os.path.abspath(a.disk) if a.disk else None
    a.netboot = os.path.abspath(a.netboot) if a.netboot else None
    stop_run(run)  # a bench left over from an interrupted run
    argv = qemu_argv(a, run)
    with open(os.path.join(run, "qemu.argv"), "w") as f:
        f.write(shlex.join(argv) + "\n")
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise BenchError(f"QEMU did not start ({r.returncode}): {r.stderr.strip()}")
    pty = _pty_of(run)
    port, tcp = pty, None
    if a.ser2net:
        port, tcp = _start_ser2net(run, pty, a.ser2net)
    qmp = shlex.join([sys.executable, os.path.join(HERE, "qmp.py"), os.path.join(run, "qmp.sock")])
    on, off = f"{qmp} system_reset cont", f"{qmp} stop"
    boot_timeout = 120 if a.boot == "net-efi" else 90
    lines = [
        f"# Written by boardlike.py: {a.boot} boot of the pc board image, console {port}.",
        "[target]",
        f"name = {a.name}",
        "board = pc",
    ]
    if a.labgrid:
        env = os.path.join(run, "labgrid-env.yaml")
        with open(env, "w") as f:
            f.write("# labgrid environment of the board-like target (boardlike.py).\n"
                    "targets:\n"
                    "  main:\n"
                    "    resources:\n"
                    "      NetworkSerialPort:\n"
                    "        host: 127.0.0.1\n"
                    f"        port: {tcp}\n"
                    "        speed: 115200\n"
                    f"        protocol: {a.ser2net}\n"
                    "    drivers:\n"
                    "      SerialDriver:\n"
                    "        txdelay: 0.0\n"
                    "      ExternalPowerDriver:\n"
                    f"        cmd_on: \"{on}\"\n"
                    f"        cmd_off: \"{off}\"\n"
                    f"        cmd_cycle: \"{on}\"\n")
        lines += ["kind = labgrid", f"lg_env = {env}", "lg_role = main"]
    else:
        lines += ["kind = serial", f"port = {port}", "baud = 115200",
                  f"power_on_command = {on}", f"reset_command = {on}", f"power_off_command = {off}"]
    lines += [f"boot_timeout = {boot_timeout}", "cmd_timeout = 30", "write_chunk = 64", ""]
    path = os.path.join(run, "target.ini")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def _kill_pidfile(path: str) -> None:
    try:
        with open(path) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:
        pass
    try:
        os.unlink(path)
    except OSError:
        pass


def stop_run(run: str) -> None:
    """Stop the QEMU and ser2net this bench started (by their recorded process ids)."""
    _kill_pidfile(os.path.join(run, "ser2net.child"))
    _kill_pidfile(os.path.join(run, "qemu.pid"))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="boardlike.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["start", "stop", "run"])
    ap.add_argument("run_dir")
    ap.add_argument("--disk")
    ap.add_argument("--netboot")
    ap.add_argument("--boot", choices=["disk", "net-bios", "net-efi"], default="disk")
    ap.add_argument("--memory", default="1G")
    ap.add_argument("--name", default="boardlike")
    ap.add_argument("--ser2net", choices=["rfc2217", "raw"])
    ap.add_argument("--labgrid", action="store_true")
    if "--" in argv:
        i = argv.index("--")
        argv, pytest_args = argv[:i], argv[i + 1:]
    else:
        pytest_args = []
    a = ap.parse_args(argv)
    if a.labgrid and not a.ser2net:
        ap.error("--labgrid needs --ser2net (labgrid reaches the port as a NetworkSerialPort)")
    if a.action == "stop":
        stop_run(os.path.abspath(a.run_dir))
        return 0
    try:
        target = start(a)
    except (BenchError, QmpError, OSError, subprocess.TimeoutExpired) as e:
        print(f"boardlike.py: {e}", file=sys.stderr)
        stop_run(os.path.abspath(a.run_dir))
        return 1
    print(f"boardlike.py: bench up, target description {target}", flush=True)
    if a.action == "start":
        return 0
    try:
        return subprocess.call([sys.executable, "-m", "pytest", f"--target={target}"] + pytest_args)
    finally:
        stop_run(os.path.abspath(a.run_dir))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
