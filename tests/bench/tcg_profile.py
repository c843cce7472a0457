#!/usr/bin/python3
"""Guest instructions per function of the image under QEMU TCG, from an exec trace.

Sampling through the gdb stub does not work well under TCG (the stops
cluster at a few translation blocks), so this counts instead: run QEMU
with `-d in_asm,exec,nochain -D LOG` (every translated block is printed
once with its instructions, and every execution of a block is one
"Trace" line), then this script weighs each block's executions by its
length and sums them per symbol of the image.  Divide by the number of
operations the traced command ran.  Boot and set-up are in the log too;
their functions (free_area_init, fill loops) are easy to tell apart.

    (sleep 5; printf 'bench vmalloc_vfree 10\r'; sleep 90; printf 'poweroff\r') | \\
        qemu-system-i386 -machine pc -m 3G -cpu qemu32 -kernel IMAGE -serial stdio -display none \\
        -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \\
        -d in_asm,exec,nochain -D /tmp/qexec.log
    tcg_profile.py IMAGE /tmp/qexec.log --ops 21000

usage: tcg_profile.py IMAGE LOG [--ops N] [--top N]
"""
import argparse
import bisect
import collections
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("log")
    ap.add_argument("--ops", type=float, default=1.0)
    ap.add_argument("--top", type=int, default=40)
    a = ap.parse_args()
    syms = []
    for line in subprocess.run(["nm", "-n", a.image], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16), p[2]))
    addrs = [s[0] for s in syms]
    size, execs = {}, collections.Counter()
    cur, n = None, 0
    with open(a.log, "rb") as f:
        for line in f:
            if line.startswith(b"Trace"):
                execs[int(line[line.index(b"[") + 1:].split(b"/")[1], 16)] += 1
                cur = None
            elif line.startswith(b"IN:"):
                cur, n = -1, 0
            elif cur is not None and line.startswith(b"0x"):
                addr = int(line.split(b":")[0], 16)
                if cur == -1:
                    cur = addr
                n += 1
                size[cur] = n
    insns, blocks = collections.Counter(), collections.Counter()
    for pc, c in execs.items():
        k = bisect.bisect_right(addrs, pc) - 1
        name = syms[k][1] if k >= 0 else hex(pc)
        insns[name] += c * size.get(pc, 1)
        blocks[name] += c
    total = sum(insns.values())
    for name, v in insns.most_common(a.top):
        print(f"{v / a.ops:10.1f} insns/op {blocks[name] / a.ops:8.1f} blocks/op {100.0 * v / total:5.1f}% {name}")
    print(f"total {total / a.ops:.1f} insns/op")
    return 0


if __name__ == "__main__":
    sys.exit(main())
