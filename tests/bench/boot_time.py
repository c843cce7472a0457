#!/usr/bin/python3
"""Boot-to-prompt time of the image under QEMU (TCG), for the benchmark page.

For each memory size, start QEMU, read the serial console until the
`highmem> ` prompt, and take the wall time from starting QEMU to the prompt
(the host's view, BIOS and loader included) and the image's own
"Boot took N ms from kmain to the prompt." line.  Runs are interleaved
(32M, 1G, 3G, 32M, ...) so that load on the shared machine hits every size
alike, and the median of the runs is printed as

    BENCH name=boot_to_prompt n=<MiB> ops=<runs> cycles_per_op=<wall ms> unit=ms image_ms=<median Boot took>

followed by the target ratio 3G/32M (at most 1.5) with PASS or MISS.

usage: boot_time.py IMAGE [--runs N] [--mem 32M,1G,3G] [--qemu qemu-system-i386]
"""
import argparse
import os
import re
import select
import statistics
import subprocess
import sys
import time


def boot_once(qemu, image, mem, timeout=120.0):
    """Boot once; return (wall seconds to the prompt, in-image ms or None)."""
    cmd = [qemu, "-machine", "pc", "-m", mem, "-cpu", "qemu32", "-kernel", image,
           "-serial", "stdio", "-display", "none", "-monitor", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    buf = b""
    wall = None
    try:
        while time.monotonic() - t0 < timeout:
            r, _, _ = select.select([p.stdout], [], [], 0.5)
            if not r:
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            if b"highmem> " in buf:
                wall = time.monotonic() - t0
                break
        if wall is not None:
            p.stdin.write(b"poweroff\r")
            p.stdin.flush()
        p.wait(timeout=30)
    except Exception:
        pass
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    m = re.search(rb"Boot took (\d+) ms", buf)
    return wall, int(m.group(1)) if m else None


def mib(mem):
    n = int(mem[:-1])
    return n * 1024 if mem[-1] in "Gg" else n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mem", default="32M,1G,3G")
    ap.add_argument("--qemu", default="qemu-system-i386")
    a = ap.parse_args()
    mems = a.mem.split(",")
    walls = {m: [] for m in mems}
    image_ms = {m: [] for m in mems}
    for _ in range(a.runs):
        for m in mems:
            w, ims = boot_once(a.qemu, a.image, m)
            if w is None:
                print(f"BENCH name=boot_to_prompt n={mib(m)} skipped=no-prompt", flush=True)
                continue
            walls[m].append(w * 1000.0)
            if ims is not None:
                image_ms[m].append(ims)
    med = {}
    for m in mems:
        if not walls[m]:
            continue
        med[m] = statistics.median(walls[m])
        ims = statistics.median(image_ms[m]) if image_ms[m] else -1
        print(f"BENCH name=boot_to_prompt n={mib(m)} ops={len(walls[m])} cycles_per_op={med[m]:.0f} unit=ms "
              f"min_ms={min(walls[m]):.0f} image_ms={ims:.0f} image_min_ms={min(image_ms[m], default=-1):.0f} "
              f"runs_ms={','.join(f'{w:.0f}' for w in walls[m])}")
    small = min(med, key=mib, default=None)
    big = max(med, key=mib, default=None)
    if small and big and small != big:
        ratio = med[big] / med[small]
        print(f"TARGET boot_to_prompt {big}/{small} = {ratio:.2f} (want <= 1.50) {'PASS' if ratio <= 1.5 else 'MISS'}")
        if image_ms[big] and image_ms[small]:
            r2 = min(image_ms[big]) / min(image_ms[small])
            print(f"TARGET image Boot-took {big}/{small} (fastest runs) = {r2:.2f} (want <= 1.50) "
                  f"{'PASS' if r2 <= 1.5 else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
