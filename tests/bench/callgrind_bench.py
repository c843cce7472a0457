#!/usr/bin/python3
"""Instructions per operation of each host benchmark case, counted by callgrind.

perf's hardware counters are not available on this machine (perf stat -e
instructions says <not supported>), so every case runs on its own under
valgrind --tool=callgrind with collection on only inside bench_timed() (the
timed loop; set-up is not counted), once (--reps 1), and the count is
divided by the case's ops.  Instruction counts do not depend on the load of
a shared machine.  Prints each BENCH line with insns_per_op= added, then the
targets recomputed from instructions.

usage: callgrind_bench.py BENCH_MM [--quick]
"""
import re
import subprocess
import sys
import tempfile
import os

CASES = [("vmalloc_vfree", n) for n in (10, 100, 1000, 10000)] + \
        [("vmalloc_vfree_linear", n) for n in (10, 100, 1000, 10000)] + \
        [("fix_size", 0), ("full_fit", 1000), ("long_busy_list", 15000), ("long_busy_list_linear", 15000),
         ("random_size", 0), ("vfree_batch", 10000),
         ("kmap_kunmap", 1), ("kmap_kunmap", 100), ("kmap_kunmap", 1000),
         ("kmap_fresh", 1), ("kmap_fresh", 100), ("kmap_fresh", 1000), ("kmap_atomic", 1)]
# The page-allocator cases (bench_page_alloc.c) time their loops inline, not through bench_timed(): no count.


def run_case(prog, name, n, extra):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        args = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--toggle-collect=bench_timed*",
                prog, "--reps", "1", "--exact", name] + ([str(n)] if n else []) + extra
        text = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
        ir = 0
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    ir = max(ir, int(line.split()[1]))
    for line in text.splitlines():
        m = re.match(r"^BENCH name=(\S+) n=(\d+) ops=(\d+) ", line)
        if m and m.group(1) == name and (not n or int(m.group(2)) == n or name.startswith("long_busy")):
            return line, int(m.group(3)), ir
    return None, 0, ir


def main():
    prog = sys.argv[1]
    extra = sys.argv[2:]
    insns = {}
    for name, n in CASES:
        line, ops, ir = run_case(prog, name, n, extra)
        if not line:
            print(f"# {name} n={n}: no BENCH line")
            continue
        per = ir / ops if ops else 0
        insns[(name, n)] = per
        print(f"{line} insns_per_op={per:.0f}", flush=True)

    def target(what, value, limit, at_most):
        ok = value <= limit if at_most else value >= limit
        print(f"TARGET {what} (instructions) = {value:.2f} (want {'<=' if at_most else '>='} {limit:.2f}) "
              f"{'PASS' if ok else 'MISS'}")

    g = insns.get
    if g(("vmalloc_vfree", 10)) and g(("vmalloc_vfree", 10000)):
        target("vmalloc_vfree n=10000 / n=10", g(("vmalloc_vfree", 10000)) / g(("vmalloc_vfree", 10)), 2.0, True)
    if g(("vmalloc_vfree_linear", 10000)) and g(("vmalloc_vfree", 10000)):
        target("vmalloc_vfree linear / indexed at n=10000",
               g(("vmalloc_vfree_linear", 10000)) / g(("vmalloc_vfree", 10000)), 50.0, False)
    if g(("kmap_kunmap", 1)) and g(("kmap_kunmap", 1000)):
        target("kmap_kunmap 1000 slots / 1 slot", g(("kmap_kunmap", 1000)) / g(("kmap_kunmap", 1)), 1.5, True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
