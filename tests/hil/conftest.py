"""pytest wiring for the highmem HIL suite.

Options:  --target FILE|NAME   a targets/*.ini description (NAME = file stem)
          --image PATH         highmem.elf (default: $HIGHMEM_IMAGE_ELF or build/image/highmem.elf)
          --hil-log-dir DIR    where every serial transcript goes (default: beside the
                               --junitxml file, in a folder named after it)
          --lg-env FILE        a labgrid environment: the target is that labgrid target
                               (kind labgrid; with --target, overrides its lg_env)
Markers:  qemu_only   needs a QEMU the harness spawns (memory sizes, CPU models,
                      exit status of -no-reboot, Multiboot modules); skipped on other
                      targets, with the marker's reason if it gives one
          boot_matrix the memory-size / CPU-model boots (ctest runs them as a
                      separate test so the two halves run in parallel)
On a board (kind serial or labgrid) the port is opened once for the whole session and
every fixture sees the same board (board_session.py).  On a failing test the serial log
of every target it used is attached to the report (pytest prints it with the failure).
The JUnit file's suite is named after the board and carries its identity as properties
(junit_identity.py).
"""

from __future__ import annotations

import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import address_map_hook  # noqa: E402
import board_session  # noqa: E402
import highmem_target as ht  # noqa: E402
import junit_identity  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
MAX_LOG_IN_REPORT = 24000


def pytest_addoption(parser):
    g = parser.getgroup("highmem", "highmem hardware-in-the-loop")
    g.addoption("--target", default=None,
                help="target description (targets/*.ini path or its stem, e.g. 'qemu-pty'); default qemu")
    g.addoption("--image", default=os.environ.get(
        "HIGHMEM_IMAGE_ELF", os.path.join(REPO, "build", "image", "highmem.elf")),
        help="the highmem.elf to boot (on a board: the one it runs, for the JUnit identity)")
    g.addoption("--hil-log-dir", default=None, help="write each serial transcript here")
    # labgrid's own pytest plugin is disabled in pytest.ini (-p no:labgrid): it would
    # claim --lg-env and drive its strategies; the labgrid kind here reads it instead.
    g.addoption("--lg-env", dest="hil_lg_env", default=None,
                help="labgrid environment YAML: run against its target (kind labgrid)")


def pytest_configure(config):
    config.addinivalue_line("markers", "qemu_only(reason=None): needs a harness-spawned QEMU; skipped on "
                            "other targets")
    config.addinivalue_line("markers", "boot_matrix: the memory-size / CPU-model boot matrix")
    load_config(config)


def pytest_sessionstart(session):
    junit_identity.configure(session.config, load_config(session.config))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    """The board's identity into the JUnit file (before the junitxml plugin writes it)."""
    config = session.config
    h = getattr(config, "_hil", None)
    ident = h.identity if h else junit_identity.Identity(load_config(config),
                                                         os.path.abspath(config.getoption("--image")))
    junit_identity.write_properties(config, ident)


def _resolve_target(value: str | None) -> str:
    if value is None:
        return os.path.join(HERE, "targets", "qemu.ini")
    if os.path.exists(value):
        return value
    cand = os.path.join(HERE, "targets", value if value.endswith(".ini") else value + ".ini")
    if os.path.exists(cand):
        return cand
    raise pytest.UsageError(f"--target {value}: no such file (nor {cand})")


def load_config(config) -> ht.TargetConfig:
    """The target description the options name (--lg-env alone means a labgrid target)."""
    cached = getattr(config, "_hil_tcfg", None)
    if cached is not None:
        return cached
    lg_env = config.getoption("hil_lg_env")
    if lg_env and config.getoption("--target") is None:
        tcfg = ht.TargetConfig({"kind": "labgrid", "lg_env": lg_env}, None)
    else:
        try:
            tcfg = ht.load_target(_resolve_target(config.getoption("--target")))
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
        if lg_env:
            tcfg = tcfg.with_overrides(lg_env=lg_env)
    if tcfg.kind == "labgrid" and tcfg.get("lg_env"):
        tcfg = tcfg.with_overrides(lg_env=os.path.abspath(tcfg.get("lg_env")))
    config._hil_tcfg = tcfg
    return tcfg


def pytest_collection_modifyitems(config, items):
    tcfg = load_config(config)
    if tcfg.kind == "qemu":
        return
    for item in items:
        m = item.get_closest_marker("qemu_only")
        if m is not None:
            why = m.kwargs.get("reason") or "needs a harness-spawned QEMU"
            item.add_marker(pytest.mark.skip(reason=f"{why}; target is {tcfg.kind}"))


class Hil:
    """Session state: the target description, the image, every target booted.

    On a board there is one target for the whole session (``self.board``) and
    new_target() hands out views of it.
    """

    def __init__(self, config):
        self.pyconfig = config
        self.tcfg = load_config(config)
        self.target_path = self.tcfg.path
        self.image = os.path.abspath(config.getoption("--image"))
        self.log_dir = junit_identity.log_dir(config)
        self.targets: list = []
        self.board = None
        self._open_views: list = []
        self._n = 0
        self.identity = junit_identity.Identity(self.tcfg, self.image)
        #: One address-map picture per board and memory size, into the transcript directory.
        self.maps = address_map_hook.MapSaver(self.log_dir, self.tcfg, self.image)

    @property
    def can_reset(self) -> bool:
        """Can the harness bring the target back from a halt (a fresh QEMU, or reset commands)?"""
        if not self.tcfg.is_board:
            return True
        if self.tcfg.kind == "labgrid":
            return True  # through its PowerProtocol driver
        return bool(self.tcfg.get("reset_command") or self.tcfg.get("power_on_command"))

    def check_image(self):
        if self.tcfg.is_qemu_backed and not os.path.isfile(self.image):
            pytest.fail(f"image not found: {self.image} (build it: cmake --build build)", pytrace=False)

    def _label(self, label: str) -> str:
        self._n += 1
        return f"{self._n:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}"

    def new_target(self, label: str, image: str | None = None, **overrides):
        """A fresh, not yet booted target (image: another ELF; overrides: memory=, cpu=, ...).

        On a board: a view of the one board; overrides (a memory size, a CPU
        model, QEMU arguments) cannot apply to a board and skip the test.
        """
        if self.tcfg.is_board:
            if overrides or image:
                pytest.skip(f"needs a harness-spawned QEMU ({', '.join(f'{k}={v}' for k, v in overrides.items())}); "
                            f"target is the board {self.tcfg.name}")
            if self.board is None:
                self.board = ht.make_target(self.tcfg, self.image)
                self.board.label = "board-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", self.tcfg.name)
                self.board.boot_hooks.append(self.identity.on_boot)
            t = board_session.BoardView(self.board, self._label(label), self._open_views)
        else:
            self.check_image()
            cfg = self.tcfg.with_overrides(**overrides) if overrides else self.tcfg
            t = ht.make_target(cfg, image or self.image)
            t.label = self._label(label)
            t.boot_hooks.append(self.identity.on_boot)
        self.targets.append(t)
        return t

    def booted(self, label: str, image: str | None = None, **overrides):
        """For fixtures, with ``yield from``: a booted target, released when the fixture ends."""
        t = self.new_target(label, image, **overrides)
        try:
            t.boot()
            yield t
        finally:
            self.release(t)

    def release(self, t) -> None:
        self.maps.save(t)
        t.close()
        self._write_log(t)

    def _write_log(self, t) -> None:
        if not self.log_dir:
            return
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, t.label + ".log"), "wb") as f:
            f.write(t.raw_log)
        with open(os.path.join(self.log_dir, t.label + ".notes"), "w") as f:
            f.write("\n".join(t.notes) + "\n")

    def finish(self) -> None:
        """End of session: release what is still open; leave a board on and at its prompt."""
        for t in self.targets:
            if not getattr(t, "_closed", False):
                self.release(t)
        b = self.board
        if b is None:
            return
        try:
            if not b.powered and self.can_reset:
                b.note("session end: the board was left off; powering it on again")
                b.boot()
        except ht.TargetError as e:
            b.note(f"session end: could not bring the board back: {e}")
        finally:
            b.close()
            self._write_log(b)


@pytest.fixture(scope="session")
def hil(request):
    h = Hil(request.config)
    request.config._hil = h
    yield h
    h.finish()


@pytest.fixture(scope="session")
def target_config(hil):
    return hil.tcfg


@pytest.fixture
def fresh_target(request, hil):
    """Factory: fresh_target(**overrides) boots a new target for this test only."""
    made = []

    def boot(**overrides):
        t = hil.new_target(request.node.name, **overrides)
        made.append(t)
        request.node.stash.setdefault(_USED, []).append((t, 0))
        t.boot()
        return t

    yield boot
    for t in made:
        hil.release(t)


@pytest.fixture(scope="module")
def console(request, hil):
    """One booted target shared by every test in a module."""
    yield from hil.booted(request.module.__name__)


# ---------------------------------------------------------------------------
# serial log on failure
# ---------------------------------------------------------------------------

_USED = pytest.StashKey[list]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    used = item.stash.setdefault(_USED, [])
    for v in getattr(item, "funcargs", {}).values():
        if isinstance(v, (ht.Target, board_session.BoardView)):
            used.append((v, len(v.raw_log)))
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not rep.failed or rep.when not in ("setup", "call"):
        return
    used = list(item.stash.get(_USED, []))
    if rep.when == "setup":
        # A shared fixture that failed to boot: show each such target once.
        h = getattr(item.config, "_hil", None)
        used = [(t, 0) for t in (h.targets if h else [])
                if t.boot_time is None and not getattr(t, "_reported", False)]
    seen = set()
    for t, start in used:
        if id(t) in seen:
            continue
        seen.add(id(t))
        t._reported = True
        log = t.log
        if start:
            body = ("--- boot log ---\n" + ht.printable(t.boot_log)
                    + f"\n--- during this test (from byte {start}) ---\n" + ht.printable(log[start:]))
        else:
            body = ht.printable(log)
        if len(body) > MAX_LOG_IN_REPORT:
            body = (f"[... {len(body) - MAX_LOG_IN_REPORT} characters cut; --hil-log-dir keeps the whole log ...]\n"
                    + body[-MAX_LOG_IN_REPORT:])
        notes = "\n".join(t.notes)
        rep.sections.append((f"serial log: {t.config.describe()} [{getattr(t, 'label', '')}]",
                             notes + "\n" + body))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    h = getattr(config, "_hil", None)
    if not h or not h.targets:
        return
    terminalreporter.section("highmem boots")
    for t in h.targets:
        if t.boot_time is not None:
            bt = f"{t.boot_time:.2f} s to prompt"
        else:
            bt = "already up (no reset)" if not t.boot_log_available else "no prompt"
        st = ", stopped by the harness" if t.killed else (
            f", exit status {t.exit_status}" if t.exit_status is not None else "")
        terminalreporter.write_line(f"{getattr(t, 'label', '?'):32} {t.config.describe():40} {bt}{st}")
