"""pytest wiring for the highmem HIL suite.

Options:  --target FILE|NAME   a targets/*.ini description (NAME = file stem)
          --image PATH         highmem.elf (default: $HIGHMEM_IMAGE_ELF or build/image/highmem.elf)
          --hil-log-dir DIR    also write every serial transcript to DIR
Markers:  qemu_only   needs a QEMU the harness spawns (memory sizes, CPU models,
                      exit status of -no-reboot); skipped on serial targets
          boot_matrix the memory-size / CPU-model boots (ctest runs them as a
                      separate test so the two halves run in parallel)
On a failing test the serial log of every target it used is attached to the
report (pytest prints it with the failure).
"""

from __future__ import annotations

import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import highmem_target as ht  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
MAX_LOG_IN_REPORT = 24000

def pytest_addoption(parser):
    g = parser.getgroup("highmem", "highmem hardware-in-the-loop")
    g.addoption("--target", default=os.path.join(HERE, "targets", "qemu.ini"),
                help="target description (targets/*.ini path or its stem, e.g. 'qemu-pty')")
    g.addoption("--image", default=os.environ.get(
        "HIGHMEM_IMAGE_ELF", os.path.join(REPO, "build", "image", "highmem.elf")),
        help="the highmem.elf to boot")
    g.addoption("--hil-log-dir", default=None, help="write each serial transcript here")


def pytest_configure(config):
    config.addinivalue_line("markers", "qemu_only: needs a harness-spawned QEMU; skipped on serial targets")
    config.addinivalue_line("markers", "boot_matrix: the memory-size / CPU-model boot matrix")


def _resolve_target(value: str) -> str:
    if os.path.exists(value):
        return value
    cand = os.path.join(HERE, "targets", value if value.endswith(".ini") else value + ".ini")
    if os.path.exists(cand):
        return cand
    raise pytest.UsageError(f"--target {value}: no such file (nor {cand})")


def pytest_collection_modifyitems(config, items):
    tcfg = ht.load_target(_resolve_target(config.getoption("--target")))
    skip = pytest.mark.skip(reason=f"needs a harness-spawned QEMU; target is {tcfg.kind}")
    for item in items:
        if "qemu_only" in item.keywords and tcfg.kind != "qemu":
            item.add_marker(skip)


class Hil:
    """Session state: the target description, the image, every target booted."""

    def __init__(self, config):
        self.pyconfig = config
        self.target_path = _resolve_target(config.getoption("--target"))
        self.tcfg = ht.load_target(self.target_path)
        self.image = os.path.abspath(config.getoption("--image"))
        self.log_dir = config.getoption("--hil-log-dir")
        self.targets: list[ht.Target] = []
        self._n = 0

    def check_image(self):
        if self.tcfg.is_qemu_backed and not os.path.isfile(self.image):
            pytest.fail(f"image not found: {self.image} (build it: cmake --build build)", pytrace=False)

    def new_target(self, label: str, **overrides) -> ht.Target:
        """A fresh, not yet booted target (overrides: memory=, cpu=, ...)."""
        self.check_image()
        cfg = self.tcfg.with_overrides(**overrides) if overrides else self.tcfg
        t = ht.make_target(cfg, self.image)
        self._n += 1
        t.label = f"{self._n:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}"
        self.targets.append(t)
        return t

    def release(self, t: ht.Target) -> None:
        t.close()
        if self.log_dir:
            os.makedirs(self.log_dir, exist_ok=True)
            with open(os.path.join(self.log_dir, t.label + ".log"), "wb") as f:
                f.write(t.raw_log)
            with open(os.path.join(self.log_dir, t.label + ".notes"), "w") as f:
                f.write("\n".join(t.notes) + "\n")


@pytest.fixture(scope="session")
def hil(request):
    h = Hil(request.config)
    request.config._hil = h
    yield h
    for t in h.targets:
        if not getattr(t, "_closed", False):
            h.release(t)


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
    t = hil.new_target(request.module.__name__)
    t.boot()
    yield t
    hil.release(t)


# ---------------------------------------------------------------------------
# serial log on failure
# ---------------------------------------------------------------------------

_USED = pytest.StashKey[list]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    used = item.stash.setdefault(_USED, [])
    for v in getattr(item, "funcargs", {}).values():
        if isinstance(v, ht.Target):
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
