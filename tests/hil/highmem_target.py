"""Targets for the highmem hardware-in-the-loop (HIL) suite.

A *target* is something that runs highmem.elf and exposes its COM1 console:

* ``QemuTarget``     spawns ``qemu-system-i386 -machine pc ... -serial stdio``
                     through pexpect (TCG only, never KVM) and owns the process,
                     so it can report QEMU's exit status (isa-debug-exit).
* ``SerialTarget``   a board: its console on a serial port that pyserial opens
                     (a local device or any pyserial URL: ``rfc2217://host:port``
                     from ser2net or a console server, ``socket://host:port``),
                     power and reset through the description's shell commands.
* ``LabgridTarget``  a board that a labgrid environment or place describes:
                     console through its ConsoleProtocol driver, power and reset
                     through its PowerProtocol driver.
* ``QemuPtyTarget``  a ``SerialTarget`` whose device is the pty of a QEMU the
                     harness starts with ``-serial pty`` for each fixture.

All share one small expect engine: pexpect's (``pexpect.spawn`` for the QEMU
child; ``PortSpawn``, a pexpect SpawnBase over read/write functions, for
everything that is a port, so that a port without a local file descriptor
works the same as a tty) and the same API: ``boot()``, ``wait_prompt()``,
``cmd()``, ``send_raw()``, ``send_garbage()``, ``poweroff()``, ``close()`` and
``log`` (the whole serial transcript as text).  On a board the conftest opens
the port once for the session and hands every fixture a view of it
(board_session.py).

labgrid.  Debian bookworm ships labgrid 0.4.1 (python3-labgrid).  The suite
does not depend on it: the board kinds above need only pyserial.  Labs that
run labgrid use the ``labgrid`` kind, which takes their environment file or
place and drives the board through labgrid's ConsoleProtocol and
PowerProtocol, so exporters and coordinators are used unchanged.  What was
found trying it: (1) labgrid's own pytest plugin and its strategies assume a
Linux, barebox or U-Boot shell; this suite keeps its own fixtures and disables
that plugin (``-p no:labgrid``) so that ``--lg-env`` means "this labgrid target";
(2) labgrid's SerialDriver sets the pyserial timeout on every read, which on
an RFC 2217 port is a round of port-setting negotiation (pyserial 3.5 waits at
least 50 ms for it); reads return all that is waiting, so a command costs a few
rounds (5 x ``help``, 4 KB each, on the board-like target through ser2net:
0.35 s over RFC 2217, 0.27 s raw); the ``serial`` kind keeps the timeout at 0;
(3) QEMUDriver reports no isa-debug-exit status, so harness-spawned QEMU
stays this module's; (4) the package pulls ~19 dependencies (autobahn,
pysnmp, paho-mqtt, ...), which is why it stays optional.

The target description is an INI file (configparser) with one ``[target]``
section; see ``load_target`` and ``targets/*.ini``.
"""

from __future__ import annotations

import configparser
import errno
import fcntl
import json
import os
import random
import re
import select
import shlex
import shutil
import subprocess
import tempfile
import termios
import time
import tty

import pexpect
import pexpect.spawnbase

PROMPT = "highmem> "
#: The documented QEMU exit status of ``poweroff``: the firmware writes 0x10 to
#: isa-debug-exit at port 0xf4 and QEMU exits with (0x10 << 1) | 1.
POWEROFF_STATUS = 33
DEFAULT_BOOT_TIMEOUT = 30.0
DEFAULT_CMD_TIMEOUT = 10.0

KINDS = ("qemu", "qemu-pty", "serial", "labgrid")
#: Kinds that are a board the harness does not start: one board, one open port, the whole session.
BOARD_KINDS = ("serial", "labgrid")

_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Parse a QEMU-style size ('512M', '3G', '32768K', '1048576') into bytes.

    A bare number is taken as MiB, as QEMU's -m does.
    """
    m = _SIZE_RE.match(str(text))
    if not m:
        raise ValueError(f"not a size: {text!r}")
    n, unit = int(m.group(1)), m.group(2).upper()
    shift = {"": 20, "K": 10, "M": 20, "G": 30, "T": 40}[unit]
    return n << shift


# --------------------------------------------------------------------------
# The e820 map QEMU 7.2 (pc machine, SeaBIOS 1.16) hands to a Multiboot kernel.
# --------------------------------------------------------------------------

E820_TYPES = ("usable", "reserved", "ACPI data", "ACPI NVS", "unusable")
E820_RE = re.compile(
    r"BIOS-e820: \[mem 0x([0-9a-f]{16})-0x([0-9a-f]{16})\] "
    r"(usable|reserved|ACPI data|ACPI NVS|unusable)\r?$",
    re.MULTILINE,
)
#: Anything that starts like an e820 line; used to catch malformed ones.
E820_ANY_RE = re.compile(r"^.*BIOS-e820:.*$", re.MULTILINE)

PC_MAX_RAM_BELOW_4G = 0xE0000000  # pc-i440fx default max-ram-below-4g (3.5 GiB)
PC_GIGABYTE_SPLIT = 0xC0000000  # gigabyte_align: the split moves down to 3 GiB
SEABIOS_HIGHTABLE = 0x20000  # SeaBIOS keeps its tables in the top 128 KiB of low RAM


def qemu_pc_e820(mem_bytes: int) -> list[tuple[int, int, str]]:
    """The memory map highmem must print for ``qemu-system-i386 -machine pc -m SIZE``.

    Returns (start, end_inclusive, type) tuples in address order.  The map is
    SeaBIOS's int 15h/E820 table, which QEMU's Multiboot option ROM copies into
    the Multiboot mmap:

    * 0x0-0x9fbff usable (639 KiB), 0x9fc00-0x9ffff reserved (the EBDA),
      0xf0000-0xfffff reserved (the BIOS segment);
    * 1 MiB up to the top of RAM below 4 GiB usable, except the top 128 KiB,
      which SeaBIOS reserves for its own tables;
    * 0xfffc0000-0xffffffff reserved (the 256 KiB BIOS ROM);
    * RAM below 4 GiB is all of -m when -m < 3.5 GiB; otherwise the pc machine
      splits at 3 GiB (gigabyte alignment) and the rest is usable from 4 GiB up.

    Verified by booting a throwaway Multiboot kernel that prints its mmap under
    QEMU 7.2 with -m 32M, 128M, 512M, 1G, 2G, 3G, 3584M and 4G (TCG).
    """
    if mem_bytes < 2 << 20:
        raise ValueError("QEMU pc needs at least 2 MiB for this rule")
    if mem_bytes >= PC_MAX_RAM_BELOW_4G:
        below_4g = PC_GIGABYTE_SPLIT
    else:
        below_4g = mem_bytes
    above_4g = mem_bytes - below_4g
    e = [
        (0x0, 0x9FBFF, "usable"),
        (0x9FC00, 0x9FFFF, "reserved"),
        (0xF0000, 0xFFFFF, "reserved"),
        (0x100000, below_4g - SEABIOS_HIGHTABLE - 1, "usable"),
        (below_4g - SEABIOS_HIGHTABLE, below_4g - 1, "reserved"),
        (0xFFFC0000, 0xFFFFFFFF, "reserved"),
    ]
    if above_4g:
        e.append((1 << 32, (1 << 32) + above_4g - 1, "usable"))
    return e


PAGE_OFFSET = 0xC0000000
MAXMEM = 896 << 20
VMALLOC_OFFSET = 8 << 20


def expected_layout(e820) -> dict[str, tuple[int, int]]:
    """The DESIGN.md high map for a memory map: lowmem, vmalloc and pkmap ranges.

    lowmem ends at PAGE_OFFSET + min(top of usable RAM below 4 GiB, 896 MiB);
    VMALLOC_START = (high_memory + 2*VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1);
    VMALLOC_END = PKMAP_BASE - 2 pages; PKMAP_BASE = 0xfe000000.
    """
    top = max(e + 1 for s, e, t in e820 if t == "usable" and e < 1 << 32)
    top &= ~0xFFF
    high_memory = PAGE_OFFSET + min(top, MAXMEM)
    vstart = (high_memory + 2 * VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1)
    return {
        "lowmem": (PAGE_OFFSET, high_memory),
        "vmalloc": (vstart, 0xFE000000 - 2 * 4096),
        "pkmap_start": (0xFE000000, None),
    }


LAYOUT_RE = re.compile(r"^\s*(fixmap|pkmap|vmalloc|lowmem)\s*:\s*0x([0-9a-f]{8})\s*-\s*0x([0-9a-f]{8})", re.MULTILINE)


def parse_layout(text: str) -> dict[str, tuple[int, int]]:
    """The 'virtual kernel memory layout' block, if printed."""
    return {m.group(1): (int(m.group(2), 16), int(m.group(3), 16)) for m in LAYOUT_RE.finditer(text)}


def format_e820(entries) -> list[str]:
    """Format entries exactly as the firmware must print them (Linux's format)."""
    return [f"BIOS-e820: [mem 0x{s:016x}-0x{e:016x}] {t}" for s, e, t in entries]


def parse_e820(text: str) -> list[tuple[int, int, str]]:
    """All well-formed e820 lines in ``text`` (a boot log), in the order printed."""
    return [(int(a, 16), int(b, 16), t) for a, b, t in E820_RE.findall(text)]


def e820(target) -> list[tuple[int, int, str]]:
    """The memory map as ``e820 -j`` reports it: (start, last byte, type), as parse_e820 gives."""
    return [(e["start"], e["last"], e["type"]) for e in target.json("e820")["entries"]]


# --------------------------------------------------------------------------
# Target descriptions
# --------------------------------------------------------------------------


class TargetConfig:
    """A parsed ``targets/*.ini`` file: the ``[target]`` section, typed.

    Keys (all kinds): kind, name, prompt, boot_timeout, cmd_timeout, write_chunk, write_delay.
    qemu / qemu-pty: qemu (binary), machine, memory, cpu, smp (CPUs; multi-threaded TCG when
            set), append (the kernel command line), extra_args.
    serial / qemu-pty: baud.
    serial: port (a device or any pyserial URL: rfc2217://host:port, socket://host:port;
            ``device`` is the older name), reset_command, power_on_command, power_off_command.
    labgrid: lg_env (the environment YAML; --lg-env overrides), lg_role (default main),
            reset_command / power_* only when the labgrid target has no PowerProtocol driver.
    Shell commands may use {image}, {port} (= {device}) and {name}.
    """

    def __init__(self, values: dict, path: str | None = None):
        self.path = path
        self.values = dict(values)
        kind = self.values.get("kind", "")
        if kind not in KINDS:
            raise ValueError(f"{path}: kind must be one of {KINDS}, not {kind!r}")
        self.kind = kind

    def get(self, key, default=None):
        v = self.values.get(key)
        return default if v in (None, "") else v

    def getfloat(self, key, default):
        return float(self.get(key, default))

    def getint(self, key, default):
        return int(str(self.get(key, default)), 0)

    @property
    def is_qemu_backed(self) -> bool:
        """True when the harness starts the QEMU itself (memory size known)."""
        return self.kind in ("qemu", "qemu-pty")

    @property
    def memory_bytes(self) -> int | None:
        return parse_size(self.get("memory", "1G")) if self.is_qemu_backed else None

    def with_overrides(self, **kw) -> "TargetConfig":
        v = dict(self.values)
        v.update({k: str(x) for k, x in kw.items()})
        return TargetConfig(v, self.path)

    @property
    def is_board(self) -> bool:
        """True for a board the harness does not start (serial port, labgrid place)."""
        return self.kind in BOARD_KINDS

    @property
    def name(self) -> str:
        """The board's name: ``name`` in the description, else the file's stem."""
        stem = os.path.splitext(os.path.basename(self.path))[0] if self.path else self.kind
        return self.get("name", stem)

    def describe(self) -> str:
        if self.kind == "serial":
            return f"serial {self.get('port') or self.get('device')} @ {self.get('baud', 115200)}"
        if self.kind == "labgrid":
            return f"labgrid {self.get('lg_env')} role {self.get('lg_role', 'main')}"
        return f"{self.kind} -m {self.get('memory', '1G')} -cpu {self.get('cpu', 'qemu32')}"


def load_target(path: str) -> TargetConfig:
    cp = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";", "#"))
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    if not cp.has_section("target"):
        raise ValueError(f"{path}: needs a [target] section")
    return TargetConfig(dict(cp.items("target")), path)


def make_target(config: TargetConfig, image: str | None):
    """Construct (but do not boot) the target a description asks for."""
    if config.kind == "qemu":
        return QemuTarget(config, image)
    if config.kind == "qemu-pty":
        return QemuPtyTarget(config, image)
    if config.kind == "labgrid":
        return LabgridTarget(config, image)
    return SerialTarget(config, image)


# --------------------------------------------------------------------------
# The common console engine
# --------------------------------------------------------------------------


class TargetError(AssertionError):
    """The target did not do what the console contract says (a test failure)."""


class Target:
    """Shared console logic over a pexpect child (``self.child``)."""

    kind = "?"
    #: True when poweroff() can report an exit status.
    has_exit_status = False

    def __init__(self, config: TargetConfig, image: str | None):
        self.config = config
        self.image = image
        self.prompt = config.get("prompt", PROMPT)
        self.boot_timeout = config.getfloat("boot_timeout", DEFAULT_BOOT_TIMEOUT)
        self.cmd_timeout = config.getfloat("cmd_timeout", DEFAULT_CMD_TIMEOUT)
        self.write_chunk = config.getint("write_chunk", 64)
        self.write_delay = config.getfloat("write_delay", 0.0)
        self.child = None
        self._raw = bytearray()  # every byte received, in order
        self.notes: list[str] = []  # harness events (timings, resets)
        self.boot_log = ""
        self.boot_time: float | None = None
        self.boot_log_available = True
        self.exit_status: int | None = None
        self.killed = False  # stopped by the harness, not by the firmware
        self.got_garbage = False  # its echo may contain anything
        self._closed = False
        #: Called with the target each time it reaches its prompt after a boot or reset.
        self.boot_hooks: list = []

    # -- transcript -------------------------------------------------------

    class _Sink:
        def __init__(self, owner):
            self.owner = owner

        def write(self, data):
            if isinstance(data, str):
                data = data.encode("latin-1", "replace")
            self.owner._raw.extend(data)

        def flush(self):
            pass

    @property
    def raw_log(self) -> bytes:
        return bytes(self._raw)

    @property
    def log(self) -> str:
        """The full serial transcript (bytes as latin-1, so nothing is lost)."""
        return self._raw.decode("latin-1")

    def note(self, text: str) -> None:
        self.notes.append(f"[{time.strftime('%H:%M:%S')}] {text}")

    def _attach(self, child) -> None:
        child.logfile_read = Target._Sink(self)
        self.child = child

    # -- expect primitives ------------------------------------------------

    def expect(self, pattern, timeout=None):
        """pexpect's expect with a failure that says what was seen."""
        timeout = self.cmd_timeout if timeout is None else timeout
        try:
            return self.child.expect(pattern, timeout=timeout)
        except pexpect.TIMEOUT:
            raise TargetError(
                f"{self.kind}: timed out after {timeout:.0f} s waiting for "
                f"{_show_pattern(pattern)}; last output: {tail(self.log, 400)!r}"
            ) from None
        except pexpect.EOF:
            self._reap()
            raise TargetError(
                f"{self.kind}: console closed (exit status {self.exit_status}) while waiting "
                f"for {_show_pattern(pattern)}; last output: {tail(self.log, 400)!r}"
            ) from None

    def wait_prompt(self, timeout=None) -> str:
        """Wait for the prompt; return the text before it."""
        self.expect(re.escape(self.prompt), timeout)
        return _text(self.child.before)

    def send_raw(self, data: bytes | str) -> None:
        """Write bytes to the console, draining its output so neither side blocks.

        Writes go out in ``write_chunk`` pieces; whatever the target sends back
        meanwhile is read into pexpect's buffer (and the transcript), so a
        target that echoes while we flood it never stalls on a full pipe.
        """
        if isinstance(data, str):
            data = data.encode("latin-1")
        view = memoryview(data)
        deadline = time.monotonic() + max(30.0, len(data) / 1000.0)
        while view:
            if time.monotonic() > deadline:
                raise TargetError(f"{self.kind}: console input stalled ({len(view)} bytes left)")
            n = self._write_some(view[: self.write_chunk])
            view = view[n:]
            if n and self.write_delay:
                time.sleep(self.write_delay)

    def _write_some(self, chunk) -> int:
        """Write what the console takes of ``chunk`` now (reading meanwhile); return the count."""
        fd = self.child.child_fd
        r, w, _ = select.select([fd], [fd], [], 1.0)
        if r:
            self._drain_into_buffer()
        if not w:
            return 0
        try:
            return os.write(fd, chunk)
        except BlockingIOError:
            return 0
        except OSError as e:
            if e.errno == errno.EIO:
                self._reap()
                raise TargetError(f"{self.kind}: console went away while writing") from None
            raise

    def _drain_into_buffer(self) -> None:
        """Move whatever is readable now into pexpect's buffer (public API only)."""
        self.child.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0)

    def drain(self, quiet: float = 0.5, limit: float = 10.0) -> str:
        """Read until the console has been quiet for ``quiet`` seconds."""
        out = bytearray()
        end = time.monotonic() + limit
        while time.monotonic() < end:
            try:
                out += _bytes(self.child.read_nonblocking(65536, timeout=quiet))
            except pexpect.TIMEOUT:
                break
            except pexpect.EOF:
                break
        return out.decode("latin-1")

    def flush_input_buffer(self) -> None:
        """Forget output received so far (it stays in the transcript)."""
        while self.child.expect(["(?s).+", pexpect.TIMEOUT, pexpect.EOF], timeout=0) == 0:
            pass

    def cmd(self, line: str, timeout=None, check_echo=True, eol="\r", settle: float = 0.0) -> str:
        """Run one shell command; return its output (between echo and prompt).

        The output has CR LF turned into LF and no trailing newline.  With
        ``check_echo`` the echoed command line must be exactly ``line``.  With
        ``settle`` > 0 the prompt counts only once the console has then been
        quiet that long: for output that itself holds prompts (``dmesg``
        replays the log), which on a 115200-baud line is still arriving when
        the first replayed prompt goes by.
        """
        self.flush_input_buffer()
        self.send_raw(line + eol)
        self.expect("\n" + re.escape(self.prompt), timeout)
        text = _text(self.child.before)
        while settle > 0:
            more = self.drain(quiet=settle, limit=max(settle, timeout or self.cmd_timeout))
            pending = _bytes(self.child.buffer) + more.encode("latin-1")
            if not pending:
                break
            self.child.buffer = pending  # search what came after that prompt for the next one
            text += "\n" + self.prompt
            self.expect("\n" + re.escape(self.prompt), timeout)
            text += _text(self.child.before)
        first, _, rest = text.partition("\n")
        if check_echo and first.rstrip("\r") != line:
            raise TargetError(
                f"{self.kind}: echo of {line!r} was {first.rstrip(chr(13))!r} (console must echo typed characters)"
            )
        return rest.replace("\r\n", "\n").rstrip("\r\n")

    def json(self, line: str, timeout=None) -> dict:
        """Run ``line -j`` (a report's machine-readable form) and return its one JSON object.

        The output must be exactly one line holding one JSON object; anything else (a usage
        error, a stray message) fails with the text that came back.
        """
        out = self.cmd(f"{line} -j", timeout=timeout)
        try:
            if "\n" in out:
                raise ValueError("more than one line")
            obj = json.loads(out)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            raise TargetError(f"{self.kind}: `{line} -j` did not print one JSON object ({e}):\n{out}") from None
        return obj

    def resync(self, timeout=None) -> None:
        """Get back to a clean, quiet prompt after garbage."""
        for _ in range(10):
            self.flush_input_buffer()
            self.send_raw(b"\x03\x15\r")  # Ctrl-C, Ctrl-U, Enter: whatever state the line was in
            self.wait_prompt(timeout)
            # Synced once the console has gone quiet on a prompt.  Those three keys answer with
            # more than one prompt, which over a network port arrive in separate reads.
            rest = _text(self.child.buffer) + self.drain(quiet=0.5, limit=5.0)
            self.child.buffer = b""
            if not rest or rest.endswith(self.prompt):
                return
        raise TargetError(f"{self.kind}: console does not settle after garbage")

    def send_garbage(self, nbytes: int, seed: int, chunk: int = 512) -> None:
        """Send ``nbytes`` seeded random bytes, draining output as we go."""
        self.got_garbage = True
        rng = random.Random(seed)
        left = nbytes
        while left:
            n = min(chunk, left)
            self.send_raw(bytes(rng.getrandbits(8) for _ in range(n)))
            left -= n
            self.drain(quiet=0.02, limit=0.5)
        self.drain(quiet=0.3, limit=10.0)

    # -- boot / power -----------------------------------------------------

    def _boot_wait(self, t0: float) -> str:
        self.wait_prompt(self.boot_timeout)
        self.boot_time = time.monotonic() - t0
        self.boot_log = self.log
        self.note(f"prompt after {self.boot_time:.3f} s ({self.config.describe()})")
        self._booted()
        return self.boot_log

    def _booted(self) -> None:
        for hook in self.boot_hooks:
            hook(self)

    def poweroff(self, timeout=None) -> int | None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _reap(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------
# QEMU, serial on stdio
# --------------------------------------------------------------------------


def _raw_stdin():
    """preexec_fn for QEMU children: raw pty, no ONLCR, no signals.

    QEMU's stdio chardev clears ICANON/ECHO but keeps ISIG and sets OPOST, so
    on a cooked pty a 0x03 in the garbage test would SIGINT QEMU and LF would
    arrive as CR LF, hiding a firmware that forgets the CR.  Starting from a
    raw terminal with ONLCR off keeps every byte exactly as the UART sent it.
    """
    try:
        tty.setraw(0)
        attrs = termios.tcgetattr(0)
        attrs[1] &= ~(termios.ONLCR | termios.OCRNL | termios.ONLRET)
        termios.tcsetattr(0, termios.TCSANOW, attrs)
    except termios.error:
        pass


def qemu_binary(config: TargetConfig) -> str:
    name = config.get("qemu", "qemu-system-i386")
    path = shutil.which(name)
    if not path:
        raise TargetError(f"{name} not found (Debian: apt-get install qemu-system-x86)")
    return path


def qemu_argv(config: TargetConfig, image: str, serial: str, no_reboot=True, extra=()) -> list[str]:
    smp = config.get("smp")
    argv = [
        qemu_binary(config),
        "-machine", config.get("machine", "pc"),
        # With CPUs to spare, one host thread per guest CPU (multi-threaded TCG).
        "-accel", "tcg,thread=multi" if smp else "tcg",
        "-m", config.get("memory", "1G"),
        "-cpu", config.get("cpu", "qemu32"),
        "-kernel", image,
        "-serial", serial,
        "-display", "none",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
    ]
    if smp:
        argv += ["-smp", str(smp)]
    if config.get("append"):
        argv += ["-append", config.get("append")]
    if no_reboot:
        argv.append("-no-reboot")
    argv += list(extra)
    argv += shlex.split(config.get("extra_args", ""))
    return argv


class QemuTarget(Target):
    """QEMU with the serial port on its stdio, spawned through pexpect."""

    kind = "qemu"
    has_exit_status = True

    def __init__(self, config: TargetConfig, image: str):
        super().__init__(config, image)
        if not image or not os.path.isfile(image):
            raise TargetError(f"image not found: {image}")
        self.argv = qemu_argv(config, image, "stdio", extra=("-monitor", "none"))
        self._stderr_path = None
        self.killed = False

    def boot(self) -> str:
        """Start QEMU; return the boot log up to and including the first prompt."""
        self.note("spawn: " + shlex.join(self.argv))
        # QEMU's own messages go to a file, so the transcript holds only UART bytes.
        fd, self._stderr_path = tempfile.mkstemp(prefix="highmem-qemu-", suffix=".stderr")
        os.close(fd)
        env = dict(os.environ, HIGHMEM_QEMU_STDERR=self._stderr_path)
        t0 = time.monotonic()
        child = pexpect.spawn(
            "/bin/sh", ["-c", 'exec "$0" "$@" 2>>"$HIGHMEM_QEMU_STDERR"'] + self.argv,
            encoding=None, echo=False, env=env, preexec_fn=_raw_stdin, maxread=65536,
        )
        self._attach(child)
        fl = fcntl.fcntl(child.child_fd, fcntl.F_GETFL)
        fcntl.fcntl(child.child_fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        return self._boot_wait(t0)

    def _reap(self) -> None:
        if self.child is None or self.exit_status is not None:
            return
        if not self.child.isalive():
            self.exit_status = self.child.exitstatus if self.child.exitstatus is not None else (
                128 + (self.child.signalstatus or 0))

    def wait_exit(self, timeout=None) -> int:
        """Wait for QEMU to exit; return its exit status."""
        timeout = self.cmd_timeout if timeout is None else timeout
        try:
            self.child.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise TargetError(f"QEMU still running {timeout:.0f} s after the console went quiet") from None
        self.child.wait()
        self._reap()
        self.note(f"QEMU exited with status {self.exit_status}")
        return self.exit_status

    def poweroff(self, timeout=None) -> int:
        """Send 'poweroff'; return QEMU's exit status (33 is success)."""
        self.flush_input_buffer()
        self.send_raw("poweroff\r")
        return self.wait_exit(timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.child is not None:
            if self.child.isalive():
                self.killed = True
                self.note("QEMU stopped by the harness")
                self.child.terminate(force=True)
            try:
                self.child.read_nonblocking(65536, timeout=0)
            except (pexpect.TIMEOUT, pexpect.EOF, OSError):
                pass
            self._reap()
            self.child.close(force=True)
        if self._stderr_path:
            with open(self._stderr_path, errors="replace") as f:
                err = f.read().strip()
            os.unlink(self._stderr_path)
            if err:
                self.note("QEMU stderr: " + err)


# --------------------------------------------------------------------------
# A serial port (a USB adapter on a board, a pty, or a port on the network)
# --------------------------------------------------------------------------


def run_shell(command: str, what: str, timeout: float = 120.0, **fmt) -> None:
    cmd = command.format(**fmt)
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise TargetError(f"{what} command failed ({r.returncode}): {cmd}\n{r.stdout}{r.stderr}")


class PortSpawn(pexpect.spawnbase.SpawnBase):
    """pexpect's expect engine over a byte stream that has no local file descriptor.

    ``read(size, timeout)`` returns up to ``size`` bytes, waiting at most
    ``timeout`` seconds for the first (b"" when none came); ``write(data)``
    returns how many bytes it took.  A pyserial port of any URL
    (``/dev/ttyUSB0``, ``rfc2217://host:port``, ``socket://host:port``) and a
    labgrid ConsoleProtocol driver both fit.
    """

    def __init__(self, read, write, name: str, maxread: int = 65536):
        super().__init__(timeout=30, maxread=maxread, encoding=None)
        self._read_fn = read
        self._write_fn = write
        self.name = name
        self.child_fd = -1
        self.closed = False

    def read_nonblocking(self, size=1, timeout=-1):
        if timeout == -1:
            timeout = self.timeout
        data = self._read_fn(size, 1e9 if timeout is None else max(0.0, timeout))
        if not data:
            raise pexpect.TIMEOUT(f"{self.name}: nothing read in {timeout} s")
        self._log(data, "read")
        return data

    def write_some(self, data: bytes) -> int:
        return self._write_fn(bytes(data))

    def isalive(self) -> bool:
        return not self.closed

    def close(self, force=True) -> None:
        self.closed = True


def _pyserial_reader(port):
    """read(size, timeout) for a pyserial port kept at timeout 0.

    Changing a pyserial port's timeout reconfigures the port (for rfc2217:// a
    round of RFC 2217 negotiation), so the timeout stays 0 and the wait is a
    select() on the descriptor where there is one, else a short poll.
    """
    fileno = port.fileno() if type(port).__module__ == "serial.serialposix" else None

    def read(size, timeout):
        import serial

        end = time.monotonic() + timeout
        while True:
            try:
                data = port.read(min(size, max(port.in_waiting, 1)))
            except (serial.SerialException, OSError) as e:
                raise pexpect.EOF(f"{port.portstr}: {e}") from None
            if data:
                return data
            left = end - time.monotonic()
            if left <= 0:
                return b""
            if fileno is not None:
                select.select([fileno], [], [], left)
            else:
                time.sleep(min(left, 0.002))

    return read


def open_port(url: str, baud: int):
    """Open a local device or a pyserial URL at 8N1, no flow control, timeout 0."""
    import serial  # python3-serial

    try:
        port = serial.serial_for_url(url, do_not_open=True)
    except (ValueError, serial.SerialException) as e:
        raise TargetError(f"serial port {url!r}: {e}") from None
    port.baudrate = baud
    port.bytesize, port.parity, port.stopbits = 8, "N", 1
    port.xonxoff = port.rtscts = port.dsrdtr = False
    port.timeout = 0
    if isinstance(port, serial.Serial) and type(port).__module__.startswith("serial.serialposix"):
        port.exclusive = True  # a second opener fails at once instead of stealing bytes
    try:
        port.open()
    except (serial.SerialException, OSError) as e:
        raise TargetError(f"cannot open serial port {url}: {e}") from None
    try:
        port.reset_input_buffer()
    except (serial.SerialException, OSError, NotImplementedError):
        pass
    return port


class SerialTarget(Target):
    """A board's console on a serial port that pyserial opens: a local device
    or any pyserial URL (``rfc2217://host:port`` from ser2net or a console
    server, ``socket://host:port`` for a raw TCP port).

    boot(): open the port (once: it stays open until close()), power the board
    on if the harness powered it off, run reset_command (if any), then wait for
    the prompt.  Without a reset command the board is assumed to be running:
    Enter is sent and the boot log is not available.
    """

    kind = "serial"
    #: A board cannot be asked for its exit status.
    has_exit_status = False

    def __init__(self, config: TargetConfig, image: str | None, device: str | None = None):
        super().__init__(config, image)
        self.device = device or config.get("port") or config.get("device")
        self.baud = config.getint("baud", 115200)
        self.port = None
        #: False after poweroff()/power_off(): the next boot() runs power_on_command first.
        self.powered = True

    # -- the port ---------------------------------------------------------

    def _open(self) -> None:
        if not self.device:
            raise TargetError("serial target without a port (set port = /dev/ttyUSB0 or rfc2217://host:port)")
        self.port = open_port(self.device, self.baud)
        port = self.port
        self._attach(PortSpawn(_pyserial_reader(port), port.write, self.device))

    def _write_some(self, chunk) -> int:
        import serial

        self._drain_into_buffer()
        try:
            n = self.child.write_some(chunk)
        except (serial.SerialException, OSError) as e:
            raise TargetError(f"{self.kind}: console went away while writing: {e}") from None
        return len(chunk) if n is None else n

    # -- power ------------------------------------------------------------

    def _fmt(self) -> dict:
        return {"image": self.image or "", "device": self.device or "", "port": self.device or "",
                "name": self.config.get("name", "")}

    def _run(self, key: str) -> bool:
        c = self.config.get(key)
        if not c:
            return False
        self.note(f"{key}: {c}")
        run_shell(c, key, **self._fmt())
        return True

    def power_on(self) -> bool:
        """Run power_on_command; True if there is one."""
        did = self._run("power_on_command")
        self.powered = True
        return did

    def power_off(self) -> bool:
        """Run power_off_command; True if there is one."""
        self.powered = False
        return self._run("power_off_command")

    def reset(self) -> bool:
        """Start the board; True if anything ran.

        The first time: power_on_command (the relay may already be on), then
        reset_command.  After the harness powered it off: power_on_command
        alone when there is one (powering on is the boot), else reset_command.
        """
        if not self.powered and self.config.get("power_on_command"):
            return self.power_on()
        did = False
        if not getattr(self, "_power_on_done", False):
            did = self.power_on()
            self._power_on_done = True
        self.powered = True
        return self._run("reset_command") or did

    @property
    def can_reset(self) -> bool:
        return bool(self.config.get("reset_command") or self.config.get("power_on_command"))

    def boot(self) -> str:
        if self.port is None:
            self._open()
        self.flush_input_buffer()
        t0 = time.monotonic()
        if self.reset():
            self.boot_log_available = True
            start = len(self._raw)
            self.wait_prompt(self.boot_timeout)
            self.boot_time = time.monotonic() - t0
            self.boot_log = self.log[start:]
            self.note(f"prompt after {self.boot_time:.3f} s ({self.config.describe()})")
            self._booted()
            return self.boot_log
        self.boot_log_available = False
        self.note("no reset command: assuming the board is up; resynchronising on its prompt")
        self.resync(self.boot_timeout)
        self.boot_log = ""
        self._booted()
        return ""

    def poweroff(self, timeout=None) -> int | None:
        """Send 'poweroff', then run power_off_command if configured.

        A board has no exit status: returns None once the console has gone
        quiet without showing the prompt again.  The board counts as off; the
        next boot() powers it on.
        """
        self.flush_input_buffer()
        self.send_raw("poweroff\r")
        out = self.drain(quiet=1.0, limit=timeout or self.cmd_timeout)
        if self.prompt in out:
            raise TargetError("prompt came back after poweroff")
        self.power_off()
        return None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.port is not None:
            try:
                self.port.close()
            except OSError:
                pass
        if self.child is not None:
            self.child.close()


class LabgridTarget(SerialTarget):
    """A labgrid target: the console through its ConsoleProtocol driver
    (SerialDriver on a RawSerialPort or NetworkSerialPort, or whatever the
    lab binds), power and reset through its PowerProtocol driver
    (ExternalPowerDriver, a PDU's NetworkPowerDriver, ...).

    The environment is a labgrid YAML file (``lg_env`` in the description or
    ``--lg-env``); a place on a coordinator is reached the labgrid way, with a
    RemotePlace resource in that file and LG_PLACE / LG_COORDINATOR set.
    ``lg_role`` names the target in the file (default ``main``).  boot()
    power-cycles through PowerProtocol (on() the first time and after
    poweroff); without a PowerProtocol driver the board is taken as up.
    """

    kind = "labgrid"

    def __init__(self, config: TargetConfig, image: str | None):
        super().__init__(config, image, device="labgrid")
        self.env_file = config.get("lg_env")
        self.role = config.get("lg_role", "main")
        self.lg_env = None
        self.lg_target = None
        self.console_drv = None
        self.power_drv = None

    def _open(self) -> None:
        try:
            from labgrid import Environment
        except ImportError:
            raise TargetError("the labgrid kind needs labgrid (Debian: apt-get install python3-labgrid)") from None
        if not self.env_file or not os.path.isfile(self.env_file):
            raise TargetError(f"labgrid environment file not found: {self.env_file!r} (lg_env or --lg-env)")
        self.lg_env = Environment(config_file=self.env_file)
        self.lg_target = self.lg_env.get_target(self.role)
        if self.lg_target is None:
            raise TargetError(f"{self.env_file}: no target {self.role!r}")
        self.console_drv = self.lg_target.get_driver("ConsoleProtocol")
        try:
            self.power_drv = self.lg_target.get_driver("PowerProtocol")
        except Exception:  # labgrid raises NoDriverFoundError
            self.power_drv = None
        self.device = f"labgrid:{self.role}"
        drv = self.console_drv

        def read(size, timeout):
            try:
                return drv.read(size=1, timeout=timeout) + (
                    drv.read(size=size, timeout=0.0) if size > 1 and getattr(
                        getattr(drv, "serial", None), "in_waiting", 0) else b"")
            except pexpect.TIMEOUT:
                return b""

        self._attach(PortSpawn(read, drv.write, self.device))
        self.port = drv

    def _write_some(self, chunk) -> int:
        self._drain_into_buffer()
        n = self.child.write_some(chunk)
        return len(chunk) if n is None else n

    @property
    def can_reset(self) -> bool:
        return self.power_drv is not None or bool(self.config.get("reset_command"))

    def power_on(self) -> bool:
        self.powered = True
        if self.power_drv is None:
            return self._run("power_on_command")
        self.note("labgrid PowerProtocol.on()")
        self.power_drv.on()
        return True

    def power_off(self) -> bool:
        self.powered = False
        if self.power_drv is None:
            return self._run("power_off_command")
        self.note("labgrid PowerProtocol.off()")
        self.power_drv.off()
        return True

    def reset(self) -> bool:
        if self.power_drv is None:
            return super().reset()
        if not self.powered or not getattr(self, "_power_on_done", False):
            self._power_on_done = True
            return self.power_on()
        self.note("labgrid PowerProtocol.cycle()")
        self.power_drv.cycle()
        return True

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.lg_env is not None:
            try:
                self.lg_env.cleanup()
            except Exception as e:  # a failing deactivate must not hide the test result
                self.note(f"labgrid cleanup: {e}")


class QemuPtyTarget(SerialTarget):
    """Serial-device mode over a pty: QEMU runs with ``-serial pty``.

    QEMU starts halted (-S) with its monitor on stdio; the harness parses
    "char device redirected to /dev/pts/N", opens that pty with pyserial
    exactly like a USB adapter, and the *reset* is the monitor's ``cont``
    (first boot) or ``system_reset``.  No -no-reboot: a 'reboot' comes back to
    the prompt as on a board.  poweroff() also reports QEMU's exit status.
    """

    kind = "qemu-pty"
    has_exit_status = True

    def __init__(self, config: TargetConfig, image: str):
        super().__init__(config, image, device=None)
        if not image or not os.path.isfile(image):
            raise TargetError(f"image not found: {image}")
        self.argv = qemu_argv(config, image, "pty", no_reboot=False, extra=("-monitor", "stdio", "-S"))
        self.qemu = None
        self._started = False

    def _start_qemu(self) -> None:
        self.note("spawn: " + shlex.join(self.argv))
        self.qemu = pexpect.spawn(self.argv[0], self.argv[1:], encoding="utf-8",
                                  codec_errors="replace", echo=False)
        self.qemu.expect(r"char device redirected to (/dev/pts/\d+)", timeout=30)
        self.device = self.qemu.match.group(1)
        # The monitor prompt may come before or after that line: resync on a fresh one.
        self._monitor("")
        self.note(f"QEMU serial port is {self.device}")

    def _monitor(self, command: str) -> None:
        try:
            self.qemu.read_nonblocking(65536, timeout=0)
        except pexpect.TIMEOUT:
            pass
        self.qemu.sendline(command)
        self.qemu.expect(r"\(qemu\) ", timeout=10)

    def reset(self) -> bool:
        if self.qemu is None:
            self._start_qemu()
        if self.port is None:
            self._open()
        if not self._started:
            self.note("monitor: cont")
            self._monitor("cont")
            self._started = True
        else:
            self.note("monitor: system_reset")
            self._monitor("system_reset")
        return True

    def boot(self) -> str:
        if self.qemu is None:
            self._start_qemu()
        return super().boot()

    def _reap(self) -> None:
        if self.qemu is not None and self.exit_status is None and not self.qemu.isalive():
            self.exit_status = self.qemu.exitstatus if self.qemu.exitstatus is not None else (
                128 + (self.qemu.signalstatus or 0))

    def poweroff(self, timeout=None) -> int:
        self.flush_input_buffer()
        self.send_raw("poweroff\r")
        timeout = self.cmd_timeout if timeout is None else timeout
        try:
            self.qemu.expect(pexpect.EOF, timeout=timeout)
        except pexpect.TIMEOUT:
            raise TargetError(f"QEMU still running {timeout:.0f} s after poweroff") from None
        self.drain(quiet=0.1, limit=1.0)
        self.qemu.wait()
        self._reap()
        self.note(f"QEMU exited with status {self.exit_status}")
        return self.exit_status

    def close(self) -> None:
        if self._closed:
            return
        super().close()
        if self.qemu is not None:
            if self.qemu.isalive():
                self.killed = True
                self.note("QEMU stopped by the harness")
                self.qemu.terminate(force=True)
            self._reap()
            self.qemu.close(force=True)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _bytes(x) -> bytes:
    return x if isinstance(x, bytes) else x.encode("latin-1")


def _text(x) -> str:
    return x.decode("latin-1") if isinstance(x, bytes) else x


def _show_pattern(p) -> str:
    return repr(p) if isinstance(p, (str, bytes)) else str(p)


def tail(text: str, n: int) -> str:
    return text[-n:]


def printable(text: str) -> str:
    """Make a transcript safe to print: CR dropped, other controls as \\xNN."""
    out = []
    for ch in text.replace("\r\n", "\n"):
        o = ord(ch)
        if ch in "\n\t" or 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{o:02x}")
    return "".join(out)
