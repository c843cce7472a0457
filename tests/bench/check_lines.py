#!/usr/bin/python3
"""Run a benchmark program and check only that its output is well formed.

Every line starting with BENCH must be `BENCH name=<case> n=<int> ops=<int>
cycles_per_op=<int>` (optionally more key=value fields) or `BENCH name=<case>
n=<int> skipped=<why>`; every TARGET line must end in PASS or MISS; at least
one BENCH line must be present.  A MISS does not fail: the figures are
reported, not judged here.  usage: check_lines.py PROGRAM [ARGS...]
"""
import re
import subprocess
import sys

BENCH = re.compile(r"^BENCH name=[a-z0-9_]+ n=\d+ (ops=\d+ cycles_per_op=\d+( [a-z_]+=[^ ]+)*|skipped=[a-z0-9-]+)$")
TARGET = re.compile(r"^TARGET .* (PASS|MISS)$")


def main():
    out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True, check=True).stdout
    sys.stdout.write(out)
    bad = [l for l in out.splitlines()
           if (l.startswith("BENCH") and not BENCH.match(l)) or (l.startswith("TARGET") and not TARGET.match(l))]
    n = sum(1 for l in out.splitlines() if l.startswith("BENCH") and "ops=" in l)
    for l in bad:
        print("malformed:", l)
    if bad or n == 0:
        print(f"check_lines: {len(bad)} malformed lines, {n} measured cases")
        return 1
    print(f"check_lines: {n} measured cases, all lines well formed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
