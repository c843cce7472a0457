#!/usr/bin/python3
"""memtest against memtest86+ 6.10 on the same QEMU machine, one after the other.

Boots Debian's memtest86+ (/boot/memtest86+ia32.bin, serial console) on
`-M pc -m 1G`, reads its screen updates from the serial line and takes the
host's wall time from each test number appearing to the next, for each pass
it reaches within --mt86-limit seconds; then boots highmem on the same
machine and runs `memtest -t all --fade=F`, whose "test N (name) done in S s"
lines give its own times; then `memtest -t TESTS` at -smp 1 and -smp 2
in one run for the MB/s comparison.  Times are turned into seconds per GiB
(each tool's own count of the memory it tested) and printed as a Markdown
table for tests/BENCHMARKS.md.

usage: memtest_vs_memtest86.py IMAGE [--mt86-limit S] [--fade S] [--smp-tests TESTS] [--window 'START END']
       memtest_vs_memtest86.py IMAGE --cmd "memtest list" [--smp N]   (run commands, print output)
"""
import argparse
import re
import sys
import time

import pexpect

PROMPT = "highmem> "
NAMES = ["address walking ones", "own address (per range)", "own address + window",
         "moving inversions 1s/0s", "moving inversions 8-bit", "moving inversions random",
         "moving inversions 32-bit", "block move", "random number sequence", "modulo 20",
         "bit fade", "data walking bits (highmem only)"]


def qemu_args(kernel, smp=1, append=None):
    args = ["-machine", "pc", "-accel", "tcg,thread=multi" if smp > 1 else "tcg", "-m", "1G",
            "-cpu", "qemu32", "-smp", str(smp), "-kernel", kernel, "-serial", "stdio",
            "-display", "none", "-monitor", "none", "-no-reboot"]
    if append:
        args += ["-append", append]
    return args


def highmem_session(image, cmds, smp=1, timeout=7200):
    """Boot highmem; run each command; return [(cmd, output, wall seconds)]."""
    child = pexpect.spawn("qemu-system-i386", qemu_args(image, smp), encoding="latin-1",
                          timeout=timeout, maxread=65536)
    out = []
    try:
        child.expect_exact(PROMPT, timeout=120)
        for cmd in cmds:
            child.sendline(cmd)
            t0 = time.monotonic()
            child.expect_exact(PROMPT)
            out.append((cmd, child.before, time.monotonic() - t0))
    finally:
        child.terminate(force=True)
    return out


SCREEN_RE = re.compile(r"#(\d+)\s+\[([^\]]*)\]|Pass:\s+(\d+)|ing: \S+ - \S+ \[(\d+)MB of")


def memtest86_session(limit):
    """Boot memtest86+; return ({(pass, test): seconds}, MiB tested per test, title per test)."""
    child = pexpect.spawn("qemu-system-i386", qemu_args("/boot/memtest86+ia32.bin",
                          append="console=ttyS0,115200"), encoding="latin-1", timeout=5, maxread=65536)
    times, mib, titles = {}, {}, {}
    cur, t_cur, passno = None, None, 0
    t_end = time.monotonic() + limit
    try:
        while time.monotonic() < t_end:
            try:
                child.expect(SCREEN_RE)
            except pexpect.TIMEOUT:
                continue
            now = time.monotonic()
            m = child.match
            if m.group(3) is not None:
                p = int(m.group(3))
                if p != passno and cur is not None:
                    times[(passno, cur)] = now - t_cur
                    cur, t_cur = None, None
                passno = p
            elif m.group(4) is not None:
                if cur is not None:
                    mib[cur] = max(mib.get(cur, 0), int(m.group(4)))
            else:
                t = int(m.group(1))
                if t != cur:
                    if cur is not None:
                        times[(passno, cur)] = now - t_cur
                    cur, t_cur = t, now
                    titles[t] = m.group(2).strip()
                    print(f"memtest86+: pass {passno} test {t} [{titles[t]}] at {now:.0f}", file=sys.stderr)
    finally:
        child.terminate(force=True)
    return times, mib, titles


DONE_RE = re.compile(r"^memtest: test (\d+) \((\w+)\) done in (\d+)\.(\d+) s", re.MULTILINE)
HEAD_RE = re.compile(r"^memtest: (\d+) MiB of free RAM", re.MULTILINE)
TPUT_RE = re.compile(r"^memtest: throughput (\d+) MB/s on (\d+) CPU", re.MULTILINE)


def highmem_times(text):
    mib = int(HEAD_RE.search(text).group(1))
    return {int(m.group(1)): int(m.group(3)) + int(m.group(4)) / 1000 for m in DONE_RE.finditer(text)}, mib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    ap.add_argument("--cmd", action="append", help="run these commands and print the output")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mt86-limit", type=float, default=1800, help="seconds of memtest86+ to watch")
    ap.add_argument("--fade", type=int, default=0, help="highmem's bit fade wait (s)")
    ap.add_argument("--smp-tests", default="mi,mi8,randseq", help="tests of the -smp 1 vs 2 run")
    ap.add_argument("--skip-mt86", action="store_true")
    ap.add_argument("--window", default="", help="START END for highmem's runs (hex, e.g. '0x1000000 0x5000000'); "
                    "times are scaled to 1 GiB from the MiB it reports")
    ap.add_argument("--mt86-only", action="store_true", help="only watch memtest86+ and print its times")
    a = ap.parse_args()

    if a.mt86_only:
        times, mib, titles = memtest86_session(a.mt86_limit)
        for (p, t), s in sorted(times.items()):
            print(f"memtest86+ pass {p} test {t} [{titles[t]}] {s:.1f} s over {mib.get(t, '?')} MB")
        return 0

    if a.cmd:
        for cmd, text, wall in highmem_session(a.image, a.cmd, a.smp):
            print(f"### {cmd} ({wall:.1f} s)\n{text}")
        return 0

    mt_times, mt_mib, titles = ({}, {}, {}) if a.skip_mt86 else memtest86_session(a.mt86_limit)
    (_, text, wall), = highmem_session(a.image, [f"memtest -t all --fade={a.fade} --no-low {a.window}"])
    print(text, file=sys.stderr)
    hm_times, hm_mib = highmem_times(text)

    print(f"memtest86+ 6.10 watched for {a.mt86_limit:.0f} s; highmem `memtest -t all --fade={a.fade} --no-low "
          f"{a.window}` over {hm_mib} MiB ({wall:.0f} s wall)\n")
    passes = sorted({p for p, _ in mt_times})
    hdr = "| test | " + " | ".join(f"memtest86+ pass {p} s/GiB" for p in passes) + " | highmem s/GiB | ratio |"
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    tot_hm = 0.0
    tot_mt = {p: 0.0 for p in passes}
    complete = {p: True for p in passes}
    for t in range(12):
        hm = hm_times.get(t)
        hm_g = hm / (hm_mib / 1024) if hm is not None else None
        cells, best = [], None
        for p in passes:
            s = mt_times.get((p, t))
            g = s / (mt_mib.get(t, 1019) / 1024) if s is not None else None
            if g is not None:
                tot_mt[p] += g
            elif t <= 10:
                complete[p] = False
            cells.append(f"{g:.1f}" if g is not None else "-")
            best = g if g is not None else best
        if hm_g is not None:
            tot_hm += hm_g
        ratio = f"{best / hm_g:.2f}x" if best and hm_g else "-"
        print(f"| {t} {NAMES[t]} | " + " | ".join(cells) + f" | {hm_g:.1f} | {ratio} |" if hm_g is not None
              else f"| {t} {NAMES[t]} | " + " | ".join(cells) + " | - | - |")
    print("| full pass | " + " | ".join(f"{tot_mt[p]:.1f}{'' if complete[p] else ' (incomplete)'}" for p in passes)
          + f" | {tot_hm:.1f} | |")

    out = []
    for smp in (1, 2):
        (_, text, wall), = highmem_session(a.image, [f"memtest -t {a.smp_tests} --no-low {a.window}"], smp)
        m = TPUT_RE.search(text)
        cpu_lines = re.findall(r"^memtest: cpu \d+: .*$", text, re.MULTILINE)
        out.append((smp, int(m.group(1)) if m else None, cpu_lines))
    print()
    for smp, mbs, lines in out:
        print(f"-smp {smp}: memtest -t {a.smp_tests}: {mbs} MB/s total; " + "; ".join(lines))
    if out[0][1] and out[1][1]:
        print(f"-smp 2 / -smp 1 = {out[1][1] / out[0][1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
