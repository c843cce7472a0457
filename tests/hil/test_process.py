"""Processes on QEMU: user programs (tests/user/proctest) booted as a Multiboot
module with -initrd, run from the shell.

One boot at -m 1G is shared by most tests; a second boot at -m 3G (high
memory in use for user pages) runs a few of the programs again.  The
harness's targets take extra QEMU arguments through the ``extra_args``
override, which is how -initrd gets in without touching the harness.
"""

from __future__ import annotations

import os
import re

import pytest

import highmem_target as ht
import mmparse as mp

pytestmark = pytest.mark.qemu_only(reason="the user programs come as a Multiboot module (-initrd)")


def _proctest(hil) -> str:
    path = os.path.join(os.path.dirname(hil.image), "user", "proctest")
    if not os.path.isfile(path):
        pytest.fail(f"user program not built: {path} (it is built with the image)", pytrace=False)
    return path


def _boot(hil, label, memory="1G"):
    t = hil.new_target(label, memory=memory, extra_args=f"-initrd {_proctest(hil)}")
    t.boot()
    return t


@pytest.fixture(scope="module")
def proc(hil):
    yield from hil.booted("process-1G", memory="1G", extra_args=f"-initrd {_proctest(hil)}")


def run(t, args, timeout=60) -> str:
    """`run proctest ARGS` in the foreground; its whole output."""
    return t.cmd(f"run proctest {args}", timeout=timeout)


def assert_pass(out: str, mode: str):
    assert f"{mode}: pass" in out, out
    assert re.search(r"\[\d+\] proctest exited with status 0", out), out


def meminfo_free_kb(t) -> int:
    return mp.meminfo_of(t)["MemFree"]


def maps_of(t, pid) -> list[dict]:
    """`maps PID -j`'s regions, each also checked against its line of the human `maps PID` (the
    /proc/PID/maps format: the first six columns, padded to 48 characters before a name)."""
    rows = t.json(f"maps {pid}")["regions"]
    lines = t.cmd(f"maps {pid}").splitlines()
    want = []
    for r in rows:
        line = (f"{r['start']:08x}-{r['end']:08x} {r['perms']} {r['offset']:08x} "
                f"{r['major']:02x}:{r['minor']:02x} {r['inode']}")
        want.append(f"{line:<48} {r['name']}" if r["name"] is not None else line)
    assert lines == want, (lines, rows)
    return rows


def slab_active(t) -> dict[str, int]:
    return {name: c["active_objs"] for name, c in mp.slabinfo_of(t).items()}


def test_ls_shows_the_module(hil, proc):
    files = {f["name"]: f for f in proc.json("ls")["files"]}
    assert "proctest" in files, files
    assert files["proctest"]["size"] == os.path.getsize(_proctest(hil)), files["proctest"]
    assert "usage: ls [-j]" in proc.cmd("ls -x")


def test_malloc_through_brk(proc):
    out = run(proc, "malloc")
    assert_pass(out, "malloc")
    m = re.search(r"from (0x[0-9a-f]+) to (0x[0-9a-f]+) \((\d+) KB\)", out)
    assert m and int(m.group(3)) >= 3 * 1024, out


def test_anon_and_file_mmap_share_page_cache(proc):
    out = run(proc, "mmap")
    assert_pass(out, "mmap")
    pfns = re.findall(r"pfn (0x[0-9a-f]+)", out)
    assert len(pfns) == 2 and pfns[0] == pfns[1], out


def test_mprotect_then_write_kills_only_that_task(proc):
    out = run(proc, "mprotect")
    assert re.search(r"proctest\[\d+\]: page fault at 0x[0-9a-f]{8} \(write\).*region [0-9a-f]{8}-[0-9a-f]{8} r--p: "
                     r"region is not writable; killed \(signal 11\)", out), out
    assert re.search(r"proctest killed by signal 11", out), out
    # The shell carries on.
    assert "[shell]" in proc.cmd("ps")  # the shell carries on


def test_munmap_middle_leaves_two_regions_in_maps(proc):
    proc.cmd("run proctest munmap &")
    proc.expect(r"munmap: pid (\d+) has 0x([0-9a-f]+)-0x([0-9a-f]+) and 0x([0-9a-f]+)-0x([0-9a-f]+)\r?\n",
                timeout=20)
    pid, a0, a1, b0, b1 = (proc.child.match.group(i).decode() for i in range(1, 6))
    maps = maps_of(proc, pid)
    anon = [(r["start"], r["end"]) for r in maps
            if (r["perms"], r["offset"], r["major"], r["minor"], r["inode"]) == ("rw-p", 0, 0, 0, 0)]
    assert (int(a0, 16), int(a1, 16)) in anon and (int(b0, 16), int(b1, 16)) in anon, maps
    # Linux's layout: text r-xp and data rw-p of the file, heap, stack.
    text = [r for r in maps if r["name"] == "/proctest" and r["perms"] == "r-xp"]
    assert len(text) == 1 and text[0]["start"] == 0x08049000 and text[0]["offset"] == 0x1000, maps
    assert (text[0]["major"], text[0]["minor"]) == (0, 1) and text[0]["inode"] > 0, maps
    assert any(r["name"] == "/proctest" and r["perms"] == "rw-p" and (r["major"], r["minor"]) == (0, 1)
               for r in maps), maps
    assert any(r["name"] == "[stack]" for r in maps), maps
    starts = [r["start"] for r in maps]
    assert starts == sorted(starts) and all(r["start"] < r["end"] for r in maps), maps
    proc.expect(r"munmap: pass", timeout=20)
    proc.expect(r"exited, status 0x0\r?\n", timeout=20)


def test_maps_bad_pid(proc):
    """`maps` of no process, with -j too: the message and status 1, no JSON."""
    for line, msg in (("maps 9999 -j", "maps: no process 9999"), ("maps xyz -j", "maps: bad pid 'xyz'"),
                      ("maps 0 -j", "maps: no process 0")):
        assert proc.cmd(line) == msg
        assert proc.cmd("status").startswith("status 1 "), line
    assert "usage: maps PID [-j]" in proc.cmd("maps 1 -x")


def test_mremap_grow_and_move(proc):
    out = run(proc, "mremap")
    assert_pass(out, "mremap")
    assert "grew in place" in out and "moved to" in out


def test_execve_replaces_the_program(proc):
    out = run(proc, "exec")
    m = re.search(r"exec: pid (\d+) becomes", out)
    assert m, out
    assert_pass(out, "malloc")
    assert re.search(rf"\[{m.group(1)}\] proctest exited with status 0", out), out


def test_fork_copy_on_write(proc):
    out = run(proc, "fork")
    assert_pass(out, "fork")
    m = re.search(r"shares (\d+) anonymous pages, (\d+) after writing 128, (\d+) after writing 256", out)
    assert m, out
    before, mid, after = map(int, m.groups())
    assert before >= 256 and before - mid >= 124 and mid - after >= 124, out


def test_stack_grows(proc):
    out = run(proc, "stack 1024")
    assert "stack: recursed through 1024 KB" in out and "pass" in out, out


def test_stack_overflow_is_killed_at_the_limit(proc):
    out = run(proc, "bad stackoverflow", timeout=120)
    assert "stack cannot grow" in out and "killed by signal 11" in out, out


def test_clone_threads_share_maps(proc):
    proc.cmd("run proctest clone &")
    proc.expect(r"threads (\d+) and (\d+) share one mm\r?\n", timeout=20)
    a, b = proc.child.match.group(1).decode(), proc.child.match.group(2).decode()
    ma, mb = maps_of(proc, a), maps_of(proc, b)
    assert ma and ma == mb
    ps = proc.json("ps")["tasks"]
    assert any(t["pid"] == int(b) and t["ppid"] == int(a) and t["thread"] for t in ps), ps
    assert "(thread)" in next(l for l in proc.cmd("ps").splitlines() if l.split()[0] == b)
    proc.expect(r"clone: pass", timeout=20)
    proc.expect(r"\[\d+\] proctest exited, status 0x0\r?\n", timeout=20)


def test_shm_one_set_of_pages_and_freed_after_last_detach(proc):
    proc.cmd("run proctest shm &")
    proc.expect(r"shm: parent (\d+) attached at 0x[0-9a-f]+, pfn (0x[0-9a-f]+), segment \d+\r?\n", timeout=20)
    pfn = proc.child.match.group(2).decode()
    r = proc.json(f"rmap {pfn}")
    assert r["kind"] == "file" and r["file"].startswith("SYSV") and len(r["mappings"]) == 2, r
    assert all(m["perms"] == "rw-s" and m["file"] == "/" + r["file"] for m in r["mappings"]), r
    assert len({m["pid"] for m in r["mappings"]}) == 2, r
    assert "2 mappings" in proc.cmd(f"rmap {pfn}")
    segs = proc.json("ipcs")["segments"]
    assert [(s["key"], s["size"], s["nattch"], s["deleted"]) for s in segs] == [(0, 12288, 2, False)], segs
    proc.expect(r"shm: pass", timeout=20)
    proc.expect(r"exited, status 0x0\r?\n", timeout=20)
    assert proc.json("ipcs")["segments"] == []  # the segment is gone
    assert len(proc.cmd("ipcs").splitlines()) == 1  # only the header


def test_bad_pointers_and_syscalls_do_not_hurt_the_kernel(proc):
    out = run(proc, "bad syscalls")
    assert "syscalls: pass" in out, out
    for what, addr in (("null", "0x00000000"), ("kernel", "0xc0100000")):
        out = run(proc, f"bad {what}")
        assert f"page fault at {addr}" in out and "killed by signal 11" in out, out
    out = run(proc, "bad forkbomb", timeout=120)
    assert "forkbomb: pass" in out, out
    assert "[shell]" in proc.cmd("ps")  # the shell carries on


def test_ctrl_c_kills_foreground(proc):
    proc.flush_input_buffer()
    proc.send_raw("run proctest sleep 20000\r")
    proc.expect(r"sleep: pid \d+", timeout=20)
    proc.send_raw("\x03")
    proc.expect(r"killed by signal 2", timeout=20)
    proc.wait_prompt(10)


def test_hundred_fork_exit_cycles_exact(proc):
    free0, slab0 = meminfo_free_kb(proc), slab_active(proc)
    out = run(proc, "forkloop 100", timeout=120)
    assert_pass(out, "forkloop")
    # After the program is gone too, the machine is where it was.
    assert meminfo_free_kb(proc) == free0
    assert slab_active(proc) == slab0


def test_zz_no_task_left(proc):
    ps = proc.cmd("ps")
    assert len(ps.splitlines()) == 2, ps  # header and the shell


@pytest.mark.parametrize("mode", ["fork", "mmap", "malloc"])
def test_programs_at_3g(hil, mode, request):
    t = getattr(request.config, "_proc3g", None)
    if t is None:
        t = _boot(hil, "process-3G", memory="3G")
        request.config._proc3g = t
    out = run(t, mode)
    assert_pass(out, mode)
