"""The `debug` target's script (cmake/qemu-debug.sh) as a person at a terminal uses it.

The script runs in a pseudo-terminal (pexpect), as `cmake --build build --target debug` runs it
on the user's terminal: QEMU halted with its gdb stub on a free port, gdb attached with
cmake/gdbinit, the serial console on the pty the script names and links.  The test boots to the
prompt on that pty, then types Ctrl-C at gdb's terminal, which the kernel delivers to the
terminal's foreground process group: that must be gdb's alone, so gdb stops the guest and
QEMU, the script and its parents live on.  A line typed on the console while the guest is
stopped gets no answer; after `continue` it does, and `ls` lists the same Multiboot modules as
the `run` target boots with.  `quit` ends QEMU and removes the link.  Before the kernel runs
(paging off) the gdb helpers say so rather than print the image's initial data.
"""

from __future__ import annotations

import os
import shutil
import socket
import time

import pexpect
import pytest
import serial

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCRIPT = os.path.join(REPO, "cmake", "qemu-debug.sh")
GDBINIT = os.path.join(REPO, "cmake", "gdbinit")
QEMU_FLAGS = ["-machine", "pc", "-display", "none", "-no-reboot"]
GDB_PROMPT = r"\(gdb\) "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def read_until(port: serial.Serial, needle: bytes, timeout: float) -> bytes:
    buf = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        buf += port.read(4096)
        if needle in buf:
            return buf
    raise AssertionError(f"no {needle!r} on the console within {timeout} s; got {buf[-2000:]!r}")


def quiet_for(port: serial.Serial, seconds: float) -> bytes:
    buf = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        buf += port.read(4096)
    return buf


@pytest.fixture
def debug_session(hil, tmp_path):
    if not hil.tcfg.is_qemu_backed:
        pytest.skip("starts its own QEMU")
    if not shutil.which("gdb"):
        pytest.skip("gdb not installed")
    hil.check_image()
    link = str(tmp_path / "serial.pty")
    env = dict(os.environ, HIGHMEM_GDB_PORT=str(free_port()), HIGHMEM_MEM="256M", TERM="dumb")
    child = pexpect.spawn(
        "/bin/bash",
        [SCRIPT, hil.image, GDBINIT, link] + QEMU_FLAGS,
        env=env,
        encoding="utf-8",
        codec_errors="replace",
        timeout=60,
        dimensions=(40, 200),
    )
    log = open(tmp_path / "gdb-terminal.log", "w")
    child.logfile_read = log
    qemu_pid = None
    try:
        child.expect(r"QEMU \(pid (\d+)\) halted")
        qemu_pid = int(child.match.group(1))
        child.expect(GDB_PROMPT)
        yield child, qemu_pid, link
    finally:
        if child.isalive():
            child.sendcontrol("c")
            child.sendline("quit")
            try:
                child.expect(pexpect.EOF, timeout=20)
            except pexpect.TIMEOUT:
                child.terminate(force=True)
        if qemu_pid is not None:
            for _ in range(50):
                if not alive(qemu_pid):
                    break
                time.sleep(0.1)
            if alive(qemu_pid):
                os.kill(qemu_pid, 9)
        log.close()


def test_ctrl_c_in_gdb_stops_the_guest_not_qemu(hil, debug_session):
    child, qemu_pid, link = debug_session
    assert os.path.islink(link), "the script did not link the serial pty"
    pty = os.readlink(link)
    assert pty.startswith("/dev/pts/"), pty
    con = serial.Serial(link, 115200, timeout=0.2)
    try:
        # Halted at the reset vector: the helpers are loaded but have nothing to read yet.
        child.sendline("highmem-vmallocinfo")
        child.expect(r"highmem: the CPU runs without paging .*`continue` to kmain first")
        child.expect(GDB_PROMPT)
        child.sendline("continue")
        child.expect(r"Breakpoint 1, kmain")
        child.expect(GDB_PROMPT)
        # At kmain: paging is on (boot.S's tables) but mm has not built its own yet.
        child.sendline("highmem-pkmap")
        child.expect(r"highmem: paging_init has not built swapper_pg_dir yet")
        child.expect(GDB_PROMPT)
        child.sendline("continue")
        child.expect("Continuing.")
        read_until(con, b"highmem> ", 120)

        # Who gets the terminal's Ctrl-C: gdb's process group, not the script's (nor make's
        # above it); QEMU is in a session of its own.
        gdb_pids = [p for p in children(child.pid) if p != qemu_pid]
        assert gdb_pids, "no gdb under the script"
        fg = os.tcgetpgrp(child.child_fd)
        assert fg == os.getpgid(gdb_pids[0]), "gdb is not the terminal's foreground process group"
        assert fg != os.getpgid(
            child.pid
        ), "the script shares gdb's process group: Ctrl-C would reach it"
        assert os.getsid(qemu_pid) != os.getsid(child.pid), "QEMU is in the terminal's session"

        child.sendcontrol("c")
        child.expect(r"received signal SIGINT")
        child.expect(GDB_PROMPT)
        time.sleep(0.5)
        assert alive(qemu_pid), "Ctrl-C in gdb ended QEMU"
        assert child.isalive(), "Ctrl-C in gdb ended the debug script"

        # Stopped: the registers are readable and typed input gets no answer.
        child.sendline("info registers eip")
        child.expect(r"eip\s+0x[0-9a-f]+")
        child.expect(GDB_PROMPT)
        con.reset_input_buffer()
        con.write(b"help\r")
        silent = quiet_for(con, 3)
        assert (
            b"highmem> " not in silent
        ), f"the guest answered while gdb had it stopped: {silent!r}"

        child.sendline("continue")
        child.expect("Continuing.")
        answer = read_until(con, b"highmem> ", 30)
        assert b"help" in answer, answer
        con.write(b"ls\r")
        listing = read_until(con, b"highmem> ", 30).decode(errors="replace")
        for prog in sorted(os.listdir(os.path.join(os.path.dirname(hil.image), "user"))):
            assert prog in listing, f"Multiboot module {prog} missing from `ls`:\n{listing}"

        child.sendcontrol("c")
        child.expect(GDB_PROMPT)
        child.sendline("quit")
        child.expect(pexpect.EOF, timeout=20)
    finally:
        con.close()
    for _ in range(50):
        if not alive(qemu_pid):
            break
        time.sleep(0.1)
    assert not alive(qemu_pid), "gdb's quit left QEMU running"
    assert not os.path.lexists(link), "the serial link outlived the session"


def test_ctrl_c_does_not_end_the_build_tool(hil, tmp_path):
    """The whole path a user takes: `cmake --build BUILD --target debug` (make, the script, gdb)."""
    if not hil.tcfg.is_qemu_backed:
        pytest.skip("starts its own QEMU")
    if not shutil.which("gdb"):
        pytest.skip("gdb not installed")
    build = os.path.dirname(os.path.dirname(hil.image))
    if not os.path.isfile(os.path.join(build, "CMakeCache.txt")):
        pytest.skip(f"{hil.image} is not in a CMake build tree")
    env = dict(os.environ, HIGHMEM_GDB_PORT=str(free_port()), HIGHMEM_MEM="256M", TERM="dumb")
    child = pexpect.spawn(
        "cmake",
        ["--build", build, "--target", "debug"],
        env=env,
        encoding="utf-8",
        codec_errors="replace",
        timeout=300,
        dimensions=(40, 200),
    )
    child.logfile_read = open(tmp_path / "cmake-debug.log", "w")
    qemu_pid = None
    try:
        child.expect(r"QEMU \(pid (\d+)\) halted")
        qemu_pid = int(child.match.group(1))
        child.expect(GDB_PROMPT, timeout=60)
        child.sendline("continue")
        child.expect(r"Breakpoint 1, kmain", timeout=60)
        child.expect(GDB_PROMPT)
        child.sendline("continue")
        child.expect("Continuing.")
        time.sleep(2)
        child.sendcontrol("c")
        child.expect(r"received signal SIGINT", timeout=30)
        child.expect(GDB_PROMPT)
        time.sleep(0.5)
        assert child.isalive(), "Ctrl-C in gdb ended cmake --build"
        assert alive(qemu_pid), "Ctrl-C in gdb ended QEMU"
        child.sendline("highmem-dmesg 2")
        child.expect(r"highmem> ")
        child.expect(GDB_PROMPT)
        child.sendline("quit")
        child.expect(pexpect.EOF, timeout=60)
        child.close()
        assert (
            child.exitstatus == 0
        ), f"cmake --build ended with {child.exitstatus}/{child.signalstatus}"
    finally:
        if child.isalive():
            child.terminate(force=True)
        if qemu_pid is not None and alive(qemu_pid):
            time.sleep(2)
            if alive(qemu_pid):
                os.kill(qemu_pid, 9)
                pytest.fail("QEMU outlived the debug session")
        child.logfile_read.close()
