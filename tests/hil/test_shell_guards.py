"""The shell refuses what would hurt the firmware and stops what runs too long.

- `pages free` frees only what `pages alloc` handed out (never a vmalloc page or a page table);
- `vfree 0`, `iounmap 0`, `kunmap` of a low frame: a message and a failing `status`;
- `memtest START 2^64-1` does not wrap while rounding END, and ranges below 1 MiB print KiB;
- `stress` bounds its operation count, and `stress`, `bench` and `selftest` stop on Ctrl-C;
- every self test survives allocation failures (`failinject nth N`, `failinject random N`);
- `mw` refuses the IDT, the kernel page directory, the canary and the stack unless given -f.
"""

import os
import re
import subprocess
import time

import pytest

import mmparse as mp
from checks import oops_lines

def status(t):
    out = t.cmd("status")
    m = re.match(r"status (\d+) ", out)
    assert m, f"status: {out!r}"
    return int(m.group(1))


def memfree(t):
    return mp.meminfo_of(t)["MemFree"]


def frames_of(walk):
    """The frame of the page table and of the page that a walk of `pt -j`/`upt -j` shows."""
    assert walk["pde"]["present"] and walk["mapped"], walk["text"]
    return (walk["pde"]["raw"] & ~(1 << 63)) >> 12, walk["phys"] >> 12


def pfn_of(t, va):
    """The frame the kernel address va maps to, from `pt -j`."""
    return frames_of(mp.pt_of(t, va))[1]


def test_status_reports_success_and_failure(console):
    console.cmd("version")
    assert status(console) == 0
    console.cmd("no-such-command")
    assert status(console) == 127  # as POSIX sh says for a command not found
    assert status(console) == 127  # status repeats the status it reports
    console.cmd("md 0 1")
    assert status(console) == 1  # failed
    console.cmd("md 1 2 3")
    assert status(console) == 2  # usage


def test_pages_free_takes_only_what_pages_alloc_handed_out(console):
    before = memfree(console)
    va = console.json("vmalloc 4K")["addr"]
    pfn = pfn_of(console, va)
    bad = console.cmd(f"pages free 0x{pfn:x} 0")
    assert "was not handed out by 'pages alloc'" in bad, bad
    assert status(console) == 1
    # The vmalloc page still has one owner.
    mp.assert_mm_clean(console)
    console.cmd(f"vfree 0x{va:x}")

    got = console.json("pages alloc 1")
    assert got["order"] == 1, got
    mine = got["pfn"]
    wrong = console.cmd(f"pages free 0x{mine:x} 0")
    assert "was allocated with order 1, not 0" in wrong, wrong
    assert status(console) == 1
    assert f"freed pfn 0x{mine:05x} order 1" in console.cmd(f"pages free 0x{mine:x} 1")
    assert status(console) == 0
    again = console.cmd(f"pages free 0x{mine:x} 1")
    assert "was not handed out" in again, again
    assert status(console) == 1
    assert memfree(console) == before
    mp.assert_mm_clean(console)


@pytest.mark.parametrize("line, says", [
    ("vfree 0", "nothing freed"),
    ("iounmap 0", "nothing unmapped"),
    ("kunmap 0x100", "no kmap to drop"),
    ("rmap 0xffffffff", "rmap: no frame 0xffffffff"),
])
def test_bad_addresses_get_a_message_and_fail(console, line, says):
    out = console.cmd(line)
    assert says in out, out
    assert status(console) == 1


def test_memtest_end_at_the_top_of_the_address_space(console):
    mem = console.config.memory_bytes or (1 << 30)
    start = mem - (8 << 20)
    j = console.json(f"memtest 0x{start:x} 0xffffffffffffffff 1", timeout=300)
    assert j["result"] == "PASSED" and j["bytes"] >= 1 << 20 and j["passes"] == 1, j


def test_memtest_below_one_mib_prints_kib(console):
    mem = console.config.memory_bytes or (1 << 30)
    start = mem - (8 << 20)
    out = console.cmd(f"memtest 0x{start:x} 0x{start + 0x80000:x} 1", timeout=120)
    assert not re.search(r"(?<!\d)0 MiB", out), out  # a whole "0 MiB", not the end of "80 MiB moved"
    assert re.search(r"^memtest: \d+ KiB of free RAM", out, re.MULTILINE), out
    assert re.search(r"^memtest: PASSED: \d+ KiB, 1 pass", out, re.MULTILINE), out


def test_stress_bounds_its_operation_count(console):
    out = console.cmd("stress 1 1000000000")
    assert "OPS must be 1 to 10000000" in out, out
    assert status(console) == 2  # a usage error


def _start_and_interrupt(t, line, started, stopped, timeout=120):
    """Start line, send Ctrl-C once started shows; the whole transcript of the command and the time
    from Ctrl-C to the prompt."""
    t.flush_input_buffer()
    start = len(t.log)
    t.send_raw(line + "\r")
    t.expect(started, timeout=timeout)
    time.sleep(1)
    t0 = time.monotonic()
    t.send_raw(b"\x03")
    t.expect(stopped, timeout=60)
    t.wait_prompt(timeout=120)
    return t.log[start:].replace("\r\n", "\n"), time.monotonic() - t0


def test_stress_stops_on_ctrl_c(console):
    before = memfree(console)
    out, took = _start_and_interrupt(console, "stress 7 10000000", r"stress: seed 7, 10000000 operations",
                                     r"stress: stopped by Ctrl-C")
    assert took < 30, out
    assert "stress: leaks: free pages 0, slab objects 0, slab pages 0, vmalloc bytes 0" in out, out
    assert "stress: seed 7 STOPPED" in out, out
    assert status(console) == 1
    assert memfree(console) == before
    mp.assert_mm_clean(console)


def test_bench_stops_on_ctrl_c(console):
    out, _ = _start_and_interrupt(console, "bench", r"BENCH name=", r"bench: stopped by Ctrl-C")
    assert status(console) == 1


@pytest.mark.qemu_only
def test_selftest_mm_exhaust_stops_on_ctrl_c(fresh_target):
    # -m 3G: the walk over every free page takes well over the second before Ctrl-C.
    console = fresh_target(memory="3G")
    before = memfree(console)
    out, _ = _start_and_interrupt(console, "selftest mm_exhaust", r"# mm_exhaust",
                                  r"stopped by Ctrl-C; giving the pages back")
    assert "0 passed, 1 failed" in out, out
    assert status(console) == 1
    assert memfree(console) == before
    mp.assert_mm_clean(console)


# ---------------------------------------------------------------------------
# self tests under allocation-failure injection
# ---------------------------------------------------------------------------

INJECTIONS = ["nth 1", "nth 2", "nth 3", "nth 7", "random 4 11", "random 9 12345"]


@pytest.fixture(scope="module")
def small(hil):
    """-m 128M: no high memory, so each full selftest run is quick."""
    t = hil.new_target("shell-guards-128M", memory="128M")
    t.boot()
    yield t
    hil.release(t)


def test_every_selftest_survives_allocation_failures(small):
    names = [t["name"] for t in mp.selftest_of(small, timeout=300)["tests"]]
    assert "mm_kmalloc" in names and len(names) >= 10, names
    for inj in INJECTIONS:
        small.cmd(f"failinject {inj}")
        try:
            k = mp.selftest_of(small, timeout=300)
        finally:
            small.cmd("failinject off")
        assert not oops_lines(k["text"]), f"failinject {inj}:\n{k['text']}"
        assert k["passed"] + k["failed"] == k["total"] == len(names) and not k["stopped"], k["text"]
        assert [t["name"] for t in k["tests"]] == names, k["text"]
    # Nothing leaked and nothing broke: a clean run afterwards passes everything.
    k = mp.selftest_of(small, timeout=300)
    assert (k["passed"], k["failed"]) == (len(names), 0), k["text"]
    mp.assert_mm_clean(small)


# ---------------------------------------------------------------------------
# mw and the firmware's critical structures
# ---------------------------------------------------------------------------


def _symbols(image):
    out = subprocess.run(["nm", image], check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms.setdefault(parts[2], int(parts[0], 16))
    return syms


@pytest.mark.qemu_only
def test_mw_refuses_critical_structures_without_f(console):
    syms = _symbols(console.image)
    cr3 = console.json("cpuinfo")["cr3"]
    pgd = 0xC0000000 + (cr3 & ~0xfff)
    cases = [
        (syms["idt"] + 14 * 8, "the IDT"),
        (syms["gdt"] + 8, "the GDT"),
        (syms["tss"] + 4, "the TSS"),
        (syms["__stack_chk_guard"], "the stack-protector canary"),
        (pgd + 0xC00, "the kernel page directory"),
        (syms["boot_stack_top"] - 64, "the stack the shell is running on"),
    ]
    for addr, what in cases:
        out = console.cmd(f"mw 0x{addr:08x} 0")
        assert what in out and "refused (add -f to write anyway)" in out, (hex(addr), out)
        assert status(console) == 1
    # A kernel page table, found through the directory entry of a vmalloc address.
    assert "refused" in console.cmd(f"mw 0x{pgd + 0xC00:08x} 0 4")
    # -f writes anyway: put the canary's own value back.
    canary = syms["__stack_chk_guard"]
    value = int(console.cmd(f"md 0x{canary:08x} 1").split()[1], 16)
    out = console.cmd(f"mw -f 0x{canary:08x} 0x{value:08x}")
    assert "-f: " in out and "writing it anyway" in out, out
    assert status(console) == 0
    # Ordinary memory is written as before.
    buf = console.json("vmalloc 4K")["addr"]
    assert console.cmd(f"mw 0x{buf:08x} 0x12345678") == ""
    assert "12345678" in console.cmd(f"md 0x{buf:08x} 1")
    console.cmd(f"vfree 0x{buf:x}")
    assert "gcc" in console.cmd("version").lower()


def test_mw_usage_names_f(console):
    out = console.cmd("help mw")
    assert "[-f] ADDR VALUE [COUNT]" in out, out
    out = console.cmd("mw 0 1 2 3")
    assert "too many arguments" in out, out


@pytest.mark.qemu_only
def test_mmcheck_walks_live_user_page_tables(hil, fresh_target):
    proctest = os.path.join(os.path.dirname(hil.image), "user", "proctest")
    console = fresh_target(extra_args=f"-initrd {proctest}")
    started = len(console.log)
    console.cmd("run proctest munmap &")
    deadline = time.monotonic() + 20
    while not (m := re.search(r"munmap: pid (\d+) has 0x([0-9a-f]+)-", console.log[started:])):
        assert time.monotonic() < deadline, console.log[started:]
        console.drain(quiet=0.5, limit=2.0)
    pid, start = m.group(1), m.group(2)
    assert mp.assert_mm_clean(console, "pgtable")["parts"] == {"pgtable": 0}
    # The frame behind a live user page is not the shell's to free.
    table, page = frames_of(mp.pt_of(console, int(start, 16), pid=pid))
    for pfn in (table, page):
        bad = console.cmd(f"pages free 0x{pfn:x} 0")
        assert "was not handed out by 'pages alloc'" in bad, bad
    deadline = time.monotonic() + 20
    while "munmap: pass" not in console.log[started:]:
        assert time.monotonic() < deadline, console.log[started:]
        console.drain(quiet=0.5, limit=2.0)
    console.resync()
    mp.assert_mm_clean(console)
