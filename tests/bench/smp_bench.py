#!/usr/bin/python3
"""The SMP benchmarks of tests/BENCHMARKS.md: one build booted at -smp 1, 2 and 4 in one run.

Each boot is `qemu-system-i386 -M pc -accel tcg,thread=multi -m 1G -cpu qemu32 -smp N` and runs,
at the highmem> prompt:

    cpus                                  online CPUs
    memtest -t TESTS --no-low START END   MB/s in total and per CPU (each CPU tests its own share)
    tlbinfo -j; bench kmap_atomic; tlbinfo -j
                                          kmap_atomic+kunmap_atomic on the calling CPU (the others
                                          idle), fastest of 3; IPIs sent meanwhile, from tlbinfo
    bench smp OPS                         kmap_atomic+kunmap_atomic, then vmalloc+vfree of one page,
                                          on every online CPU at once: cycles/op per CPU, IPIs,
                                          vmlist_lock write holds (count, longest, mean)
    bench kmap_fresh_flushes              1,000,000 fresh kmaps: global flushes and shootdown IPIs

and prints one table with the ratios the SMP benchmarks ask for:

    memtest MB/s, -smp 2 / -smp 1                     target >= 1.8
    kmap_atomic cycles/op, -smp 4 / -smp 1            target <= 1.1, and no IPIs at -smp 4
    IPIs per 1,000,000 fresh kmaps                    = flushes x (online CPUs - 1), exactly
    vmalloc+vfree throughput with 4 CPUs vs 1, and vmlist_lock hold times

Cycles are hal_cycles() (the TSC, which follows the host clock under TCG); every vCPU is a host
thread, so at -smp 4 on a host with fewer cores the CPUs take turns and per-CPU cycles include
the time a vCPU waited for the host.

With --accel tcg,thread=single (one host thread takes the vCPUs in turn) QEMU translates the
guest's code for a single vCPU thread whatever -smp is, which separates the cost of QEMU's
multi-threaded mode from the firmware's; --kmap-atomic-only boots, runs `cpus` and the
kmap_atomic rows alone (a few seconds a boot).  The kmap_atomic figure moves between two levels
from one boot to the next (about 3,900 and 6,500 cycles here, at any -smp), so --boots N boots
each CPU count N times and takes the fastest.

usage: smp_bench.py IMAGE [--smp 1,2,4] [--tests mi] [--range '0x20000000 0x40000000'] [--ops N]
                    [--accel tcg,thread=multi] [--kmap-atomic-only] [--boots N]
"""
import argparse
import json
import re
import sys
import time

import pexpect

PROMPT = "highmem> "

CPUS_RE = re.compile(r"^cpus: (\d+) found \([^)]*\), (\d+) online", re.M)
MT_CPU_RE = re.compile(r"^memtest: cpu (\d+): (.*) share, (\d+) MiB moved in (\d+)\.(\d+) s, (\d+) MB/s", re.M)
MT_TPUT_RE = re.compile(r"^memtest: throughput (\d+) MB/s on (\d+) CPU", re.M)
MT_RESULT_RE = re.compile(r"^memtest: (PASSED|FAILED|INTERRUPTED): ([^,]*), [^\r\n]*?(\d+) errors?", re.M)
BENCH_RE = re.compile(r"^BENCH name=(\S+) n=(\d+)(?: cpu=(\d+))? ops=(\d+) cycles_per_op=(\d+)(?: ipis=(\d+))?",
                      re.M)
SMP_SUM_RE = re.compile(r"^# (\w+)_smp: (\d+) CPUs x (\d+) ops in (\d+) cycles \(slowest CPU\): (\d+) ops per "
                        r"million cycles, (\d+) IPIs, (\d+) failures", re.M)
VMLIST_RE = re.compile(r"^# vmlist_lock: (\d+) write holds, longest (\d+) cycles(?:, mean (\d+) cycles)?", re.M)
FRESH_RE = re.compile(r"^# kmap_fresh_flushes: (\d+) global flushes for (\d+) fresh kmaps", re.M)
FRESH_IPI_RE = re.compile(r"^# kmap_fresh_ipis: (\d+) shootdown IPIs at (\d+) online CPUs; flushes x \(CPUs - 1\) "
                          r"= (\d+) \((\w+)\)", re.M)


class Boot:
    """One QEMU boot of the image, commands run at the prompt."""

    def __init__(self, image, smp, qemu="qemu-system-i386", mem="1G", accel="tcg,thread=multi"):
        args = ["-machine", "pc", "-accel", accel, "-m", mem, "-cpu", "qemu32", "-smp", str(smp),
                "-kernel", image, "-serial", "stdio", "-display", "none", "-monitor", "none", "-no-reboot"]
        self.child = pexpect.spawn(qemu, args, encoding="latin-1", timeout=120, maxread=65536)
        self.child.expect_exact(PROMPT)

    def run(self, cmd, timeout=1800):
        self.child.sendline(cmd)
        self.child.expect_exact(PROMPT, timeout=timeout)
        out = self.child.before
        # The echo of the command line comes first.
        return out.split("\n", 1)[1] if "\n" in out else out

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close(force=True)


def tlb_ipis(text):
    """Shootdown IPIs sent per CPU, from `tlbinfo -j`."""
    start = text.index("{") if "{" in text else text.index("[")
    data = json.loads(text[start:text.rindex("}" if text[start] == "{" else "]") + 1])
    rows = data.get("cpus", data) if isinstance(data, dict) else data
    return {r["cpu"]: r["ipis_sent"] for r in rows}


def kmap_atomic_alone(boot, smp, r, log):
    """kmap_atomic+kunmap_atomic on CPU 0 with the others idle, and the IPIs sent meanwhile."""
    before = tlb_ipis(boot.run("tlbinfo -j"))
    out = boot.run("bench kmap_atomic")
    after = tlb_ipis(boot.run("tlbinfo -j"))
    log.write(f"### -smp {smp}: bench kmap_atomic\n{out}\n")
    b = [x for x in BENCH_RE.finditer(out) if x.group(1) == "kmap_atomic"]
    r["ka_one"] = int(b[0].group(5)) if b else None
    r["ka_one_ipis"] = sum(after.get(c, 0) - before.get(c, 0) for c in after)


def measure(image, smp, a, log):
    boot = Boot(image, smp, accel=a.accel)
    r = {"smp": smp, "mt_total": None, "mt_cpus": [], "mt_result": "-", "smp_bench": {}, "smp_sum": {},
         "vmlist": None, "fresh": None, "fresh_ipis": None}
    try:
        out = boot.run("cpus")
        log.write(f"### -smp {smp}: cpus\n{out}\n")
        m = CPUS_RE.search(out)
        r["online"] = int(m.group(2)) if m else None
        if a.kmap_atomic_only:
            kmap_atomic_alone(boot, smp, r, log)
            return r

        cmd = f"memtest -t {a.tests} --no-low {a.range}"
        t0 = time.monotonic()
        out = boot.run(cmd)
        r["memtest_wall"] = time.monotonic() - t0
        log.write(f"### -smp {smp}: {cmd}\n{out}\n")
        m = MT_TPUT_RE.search(out)
        r["mt_total"] = int(m.group(1)) if m else None
        r["mt_cpus"] = [(int(c.group(1)), c.group(2), int(c.group(6))) for c in MT_CPU_RE.finditer(out)]
        m = MT_RESULT_RE.search(out)
        r["mt_result"] = f"{m.group(1)}, {m.group(2)}, {m.group(3)} errors" if m else "no summary"

        kmap_atomic_alone(boot, smp, r, log)

        cmd = f"bench smp {a.ops}"
        out = boot.run(cmd)
        log.write(f"### -smp {smp}: {cmd}\n{out}\n")
        r["smp_bench"] = {}
        for x in BENCH_RE.finditer(out):
            if x.group(3) is not None:
                r["smp_bench"].setdefault(x.group(1), []).append((int(x.group(3)), int(x.group(5)), int(x.group(6))))
        r["smp_sum"] = {x.group(1): dict(cpus=int(x.group(2)), ops=int(x.group(3)), slowest=int(x.group(4)),
                                         per_mcycle=int(x.group(5)), ipis=int(x.group(6)), failures=int(x.group(7)))
                        for x in SMP_SUM_RE.finditer(out)}
        m = VMLIST_RE.search(out)
        r["vmlist"] = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None

        out = boot.run("bench kmap_fresh_flushes")
        log.write(f"### -smp {smp}: bench kmap_fresh_flushes\n{out}\n")
        m, n = FRESH_RE.search(out), FRESH_IPI_RE.search(out)
        r["fresh"] = (int(m.group(1)), int(m.group(2))) if m else None
        r["fresh_ipis"] = (int(n.group(1)), int(n.group(2)), int(n.group(3)), n.group(4)) if n else None
        log.flush()
    finally:
        boot.close()
    return r


def fmt(v, spec=","):
    return "-" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    ap.add_argument("--smp", default="1,2,4", help="CPU counts to boot, comma separated")
    ap.add_argument("--tests", default="mi", help="memtest -t selection (every CPU runs its share)")
    ap.add_argument("--range", default="0x20000000 0x40000000", help="memtest START END (hex)")
    ap.add_argument("--ops", type=int, default=100000, help="bench smp OPS per CPU")
    ap.add_argument("--log", default="smp_bench.log", help="the full output of every command")
    ap.add_argument("--accel", default="tcg,thread=multi", help="QEMU -accel (tcg,thread=single: one host thread)")
    ap.add_argument("--kmap-atomic-only", action="store_true", help="boot, `cpus` and the kmap_atomic rows only")
    ap.add_argument("--boots", type=int, default=1,
                    help="boots per CPU count; the kmap_atomic row takes the fastest (boot to boot it is bimodal)")
    a = ap.parse_args()

    res = {}
    with open(a.log, "w") as log:
        for n in (int(x) for x in a.smp.split(",")):
            print(f"smp_bench: -smp {n} ...", file=sys.stderr, flush=True)
            runs = [measure(a.image, n, a, log) for _ in range(a.boots)]
            res[n] = runs[0]
            res[n]["ka_all"] = [x["ka_one"] for x in runs]
            if all(res[n]["ka_all"]):
                res[n]["ka_one"] = min(res[n]["ka_all"])
                res[n]["ka_one_ipis"] = sum(x["ka_one_ipis"] for x in runs)

    sizes = sorted(res)
    base = res[sizes[0]]
    print(f"smp_bench: {a.image}; qemu -M pc -accel {a.accel} -m 1G -cpu qemu32; "
          f"memtest -t {a.tests} --no-low {a.range}; bench smp {a.ops}\n")
    print("| figure | " + " | ".join(f"-smp {n}" for n in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))

    def row(name, cells):
        print(f"| {name} | " + " | ".join(cells) + " |")

    row("CPUs online (`cpus`)", [fmt(res[n]["online"]) for n in sizes])
    row("memtest result", [res[n]["mt_result"] for n in sizes])
    row("memtest MB/s, total", [fmt(res[n]["mt_total"]) for n in sizes])
    row("memtest MB/s per CPU", [" / ".join(f"{c}: {mbs:,}" for c, _, mbs in res[n]["mt_cpus"]) or "-"
                                 for n in sizes])
    row("memtest ratio to -smp 1", [f"{res[n]['mt_total'] / base['mt_total']:.2f}x"
                                    if res[n]["mt_total"] and base["mt_total"] else "-" for n in sizes])
    row("kmap_atomic+kunmap_atomic, CPU 0 alone, cycles/op", [fmt(res[n]["ka_one"]) for n in sizes])
    if a.boots > 1:
        row("  each boot", [" / ".join(fmt(x) for x in res[n]["ka_all"]) for n in sizes])
    row("  IPIs sent meanwhile (tlbinfo)", [fmt(res[n]["ka_one_ipis"]) for n in sizes])
    row("  ratio to -smp 1", [f"{res[n]['ka_one'] / base['ka_one']:.2f}x" if res[n]["ka_one"] and base["ka_one"]
                              else "-" for n in sizes])
    for case, label in (("kmap_atomic", "kmap_atomic+kunmap_atomic"), ("vmalloc_vfree", "vmalloc+vfree (1 page)")):
        row(f"{label}, every CPU at once, cycles/op per CPU",
            [" / ".join(f"{c}: {cy:,}" for c, cy, _ in res[n]["smp_bench"].get(case + "_smp", [])) or "-"
             for n in sizes])
        row("  mean over CPUs, ratio to -smp 1", [mean_ratio(res[n], base, case) for n in sizes])
        row("  ops per million cycles (all CPUs, slowest CPU's time)",
            [fmt(res[n]["smp_sum"].get(case, {}).get("per_mcycle")) for n in sizes])
        row("  IPIs / failures", [f"{s['ipis']} / {s['failures']}" if (s := res[n]["smp_sum"].get(case)) else "-"
                                  for n in sizes])
    row("vmlist_lock write holds; longest, mean hold (cycles)",
        [f"{v[0]:,}; {v[1]:,}, {v[2]:,}" if (v := res[n]["vmlist"]) else "-" for n in sizes])
    row("fresh kmaps: global flushes", [f"{f[0]:,} for {f[1]:,}" if (f := res[n]["fresh"]) else "-" for n in sizes])
    row("  IPIs sent; flushes x (online - 1)",
        [f"{f[0]:,}; {f[2]:,} ({f[3]})" if (f := res[n]["fresh_ipis"]) else "-" for n in sizes])

    print()
    if 2 in res and 1 in res and res[1]["mt_total"] and res[2]["mt_total"]:
        x = res[2]["mt_total"] / res[1]["mt_total"]
        print(f"TARGET memtest MB/s -smp 2 / -smp 1 >= 1.8: {x:.2f} {'PASS' if x >= 1.8 else 'MISS'}")
    if 4 in res and 1 in res and res[1]["ka_one"] and res[4]["ka_one"]:
        x = res[4]["ka_one"] / res[1]["ka_one"]
        ipis = res[4]["ka_one_ipis"] + res[4]["smp_sum"].get("kmap_atomic", {}).get("ipis", 0)
        print(f"TARGET kmap_atomic -smp 4 / -smp 1 <= 1.1 (CPU 0 alone): {x:.2f} {'PASS' if x <= 1.1 else 'MISS'}; "
              f"IPIs at -smp 4: {ipis} {'PASS' if ipis == 0 else 'MISS'}")
        y = mean_ratio(res[4], res[1], "kmap_atomic")
        print(f"       kmap_atomic -smp 4 / -smp 1, every CPU at once (mean cycles/op): {y}")
    for n in sizes:
        f = res[n]["fresh_ipis"]
        if f:
            print(f"TARGET -smp {n}: IPIs per 1,000,000 fresh kmaps = flushes x (online - 1): {f[0]} vs {f[2]} "
                  f"{'PASS' if f[3] == 'exact' else 'MISS'}")
    return 0


def mean_ratio(r, base, case):
    def mean(x):
        rows = x["smp_bench"].get(case + "_smp", [])
        return sum(cy for _, cy, _ in rows) / len(rows) if rows else None
    m, b = mean(r), mean(base)
    return f"{m / b:.2f}x" if m and b else "-"


if __name__ == "__main__":
    sys.exit(main())
