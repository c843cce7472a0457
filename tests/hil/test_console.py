"""The serial console contract, on any target (QEMU, pty or a board).

One boot is shared by the whole module; no test here powers it off.
"""

import re

import pytest

import highmem_target as ht
from checks import COMMANDS, SUMMARY_RE, cpu_features, help_commands, paging_line


def _need_boot_log(t):
    if not t.boot_log_available:
        pytest.skip("no reset command: the boot log was not captured")


def test_boot_reaches_prompt(console, record_property):
    _need_boot_log(console)
    assert console.boot_log.endswith(ht.PROMPT)
    record_property("time_to_prompt_s", f"{console.boot_time:.3f}")


def test_boot_prints_cpu_and_paging_features(console):
    _need_boot_log(console)
    feats = cpu_features(console.boot_log)
    assert feats, "no 'CPU: ... features: ...' line"
    assert paging_line(console.boot_log), "no line saying which paging features are in use"


def test_boot_e820_lines(console, target_config):
    """Every e820 line is in Linux's exact format; the map is sane (exact on QEMU)."""
    _need_boot_log(console)
    raw = [m.group(0).rstrip("\r") for m in ht.E820_ANY_RE.finditer(console.boot_log)]
    entries = ht.parse_e820(console.boot_log)
    assert raw, "no BIOS-e820 lines at boot"
    assert ht.format_e820(entries) == raw, "malformed BIOS-e820 line(s)"
    for (s0, e0, _), (s1, _, _) in zip(entries, entries[1:]):
        assert e0 < s1, "e820 entries overlap or are out of order"
    assert all(s <= e for s, e, _ in entries)
    assert any(t == "usable" and e >= 0x100000 for s, e, t in entries), "no usable RAM above 1 MiB"
    if target_config.memory_bytes:
        assert entries == ht.qemu_pc_e820(target_config.memory_bytes)


def test_e820_command_matches_boot(console):
    _need_boot_log(console)
    assert ht.parse_e820(console.cmd("e820")) == ht.parse_e820(console.boot_log)


def test_help_lists_every_command_with_a_summary(console):
    listed = help_commands(console.cmd("help"))
    missing = [c for c in COMMANDS if c not in listed]
    assert not missing, f"help does not list {missing}"
    assert all(listed[c] for c in COMMANDS)


def test_version(console):
    out = console.cmd("version")
    assert re.search(r"\b\d+\.\d+(\.\d+)?\b", out), "no version number"
    assert re.search(r"\b(gcc|GCC|clang)\b", out), "no compiler"
    assert re.search(r"\b(19|20)\d\d\b", out), "no build date"
    assert re.search(r"\b[0-9a-f]{7,40}\b|\bunknown\b", out), "no git revision"


def test_cpuinfo(console):
    out = console.cmd("cpuinfo")
    assert out.strip(), "cpuinfo printed nothing"
    j = console.json("cpuinfo")
    assert j["vendor"] and j["family"] > 0 and j["cr0"] & (1 << 31), j  # CR0.PG: paging is on
    assert cpu_features(out) == set(j["features"]), (out, j)
    boot = cpu_features(console.boot_log) if console.boot_log_available else None
    if boot:
        assert boot <= set(j["features"]), f"cpuinfo lacks boot features {sorted(boot - set(j['features']))}"


def test_unknown_command(console):
    out = console.cmd("foo")
    assert out == "unknown command 'foo': type 'help' for a list"


def test_unknown_command_with_arguments(console):
    out = console.cmd("frobnicate 1 2 3")
    assert len(out.splitlines()) == 1 and "frobnicate" in out and "help" in out


# The shell checks the arguments against each command's descriptor before the command runs.


def test_width_suffix_selects_the_unit(console):
    """md.w is md with 16-bit units: the same bytes as md.b, paired little-endian."""
    b = console.cmd("md.b 0xc0100000 4").split()[1:5]
    w = console.cmd("md.w 0xc0100000 2").split()[1:3]
    assert w == [b[1] + b[0], b[3] + b[2]], (b, w)


def test_unknown_width_suffix(console):
    out = console.cmd("md.q 0xc0100000")
    assert out.splitlines() == ["md.q: unknown width suffix '.q'", "usage: md[.b|.w|.l] ADDR [COUNT]"], out


@pytest.mark.parametrize("line, first", [
    ("version now", "version: takes no arguments"),
    ("uptime now", "uptime: the only option is -j (one JSON object on one line)"),
    ("kill 1 2", "kill: too many arguments (takes 1)"),
    ("mw.b 0x1000", "mw.b: too few arguments (takes at least 2)"),
    ("upt 1", "upt: too few arguments (takes at least 2)"),
    ("md 1 2 3", "md: too many arguments (takes at most 2)"),
])
def test_argument_counts_are_checked(console, line, first):
    lines = console.cmd(line).splitlines()
    assert lines[0] == first, lines
    assert len(lines) == 2 and lines[1].startswith("usage: " + line.split()[0].split(".")[0]), lines


def test_unknown_subcommand(console):
    lines = console.cmd("pages grab 3").splitlines()
    assert lines[0] == "pages: unknown subcommand 'grab'", lines
    assert lines[1] == "usage: pages [-j]", lines
    assert "       pages alloc ORDER [dma|normal|high|any] [-j]" in lines


def test_subcommand_usage_is_the_subcommands(console):
    assert console.cmd("pages alloc").splitlines() == [
        "pages: too few arguments (takes at least 1)", "usage: pages alloc ORDER [dma|normal|high|any] [-j]"]


def test_help_shows_subcommands_and_suffixes(console):
    md = console.cmd("help md")
    assert md.startswith("usage: md[.b|.w|.l] ADDR [COUNT]"), md
    assert "suffixes: .b 8-bit bytes, .w 16-bit words, .l 32-bit words" in md
    assert console.cmd("help md.w") == md
    pages = console.cmd("help pages").splitlines()
    for sub in ("list", "alloc", "free", "check"):
        assert any(re.match(rf"^    {sub}\s+\S", line) for line in pages), pages


def test_empty_line_reprompts(console):
    assert console.cmd("") == ""
    assert console.cmd("   ") == ""


def test_enter_is_cr_or_lf(console):
    assert console.cmd("version", eol="\n") == console.cmd("version", eol="\r")


def test_output_lines_end_with_crlf(console):
    console.cmd("help")
    raw = console.raw_log
    # From the firmware's banner on: a board's loader (GRUB's menu) is not held to the contract.
    banner = raw.rfind(b"\nhighmem ")
    raw = raw[banner + 1:] if banner >= 0 else raw
    bare = [i for i in range(len(raw)) if raw[i] == 0x0A and (i == 0 or raw[i - 1] != 0x0D)]
    assert not bare, f"{len(bare)} LF without CR, first near {raw[max(0, bare[0] - 40):bare[0] + 1]!r}"


def test_longest_line_is_accepted(console):
    name = "x" * 255
    out = console.cmd(name)
    assert "too long" not in out
    assert out.startswith("unknown command")


def test_overlong_line_rejected(console):
    out = console.cmd("y" * 300, check_echo=False)
    assert "too long" in out
    assert "unknown command" not in out
    assert console.cmd("version")


@pytest.mark.parametrize("ctl", [b"\x00", b"\x1c", b"\x1f", b"\x07"], ids=["NUL", "FS", "US", "BEL"])
def test_control_bytes_rejected(console, ctl):
    """A line with a NUL or a control byte that means nothing is refused, with a message."""
    console.flush_input_buffer()
    console.send_raw(b"ver" + ctl + b"sion\r")
    out = console.wait_prompt().replace("\r\n", "\n")
    reply = out.split("\n", 1)[1].strip() if "\n" in out else ""
    assert reply, "no message for a line with a control byte"
    assert not re.search(r"\b(gcc|GCC)\b", reply), "control byte silently dropped: version ran"
    assert console.cmd("version")


def test_backspace_edits_the_line(console):
    for bs in ("\x7f", "\x08"):
        out = console.cmd(f"versiox{bs}n", check_echo=False)
        assert out == console.cmd("version")


def test_ctrl_u_kills_the_line(console):
    assert console.cmd("garbage\x15version", check_echo=False) == console.cmd("version")


def test_ctrl_c_drops_the_line(console):
    console.flush_input_buffer()
    console.send_raw("foo\x03")
    out = console.wait_prompt()
    assert "unknown command" not in out
    assert console.cmd("version")


def test_selftest(console):
    out = console.cmd("selftest", timeout=120)
    m = SUMMARY_RE.search(out)
    assert m, "selftest did not end with 'N passed, N failed'"
    passed, failed = int(m.group(1)), int(m.group(2))
    oks = re.findall(r"^\s*ok \d+", out, re.MULTILINE)
    not_oks = re.findall(r"^\s*not ok \d+", out, re.MULTILINE)
    assert passed >= 1 and failed == 0, out
    assert len(not_oks) == 0 and len(oks) >= passed
