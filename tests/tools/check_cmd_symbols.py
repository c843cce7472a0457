#!/usr/bin/python3
"""The shell commands export nothing: every firmware/cmd object defines no global symbol but
command (or self-test) registrations, so no other file can call into a command file.

Usage: check_cmd_symbols.py NM OBJECT_DIR
Runs `NM -g --defined-only` over every object under OBJECT_DIR (the image build's
firmware/CMakeFiles/highmem.dir/cmd) and prints object: symbol for each other global.
"""
import os
import re
import subprocess
import sys

ALLOWED = re.compile(r'^(__shell_cmd_entry_|__selftest_entry_)')


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    nm, top = sys.argv[1], sys.argv[2]
    objs = sorted(os.path.join(d, f) for d, _, files in os.walk(top) for f in files
                  if f.endswith(('.o', '.obj')))
    if not objs:
        print('check_cmd_symbols: no objects under %s (build the image first)' % top)
        return 1
    bad = 0
    for obj in objs:
        out = subprocess.run([nm, '-g', '--defined-only', obj], check=True, capture_output=True,
                             text=True).stdout
        syms = [line.split()[-1] for line in out.splitlines() if line.strip()]
        extra = [s for s in syms if not ALLOWED.match(s)]
        name = os.path.relpath(obj, top)
        print('%s: %s' % (name, ' '.join(syms) if syms else '(no global symbols)'))
        for s in extra:
            print('%s: %s is global; only command registrations may be (move it to its room)'
                  % (name, s))
        bad += len(extra)
    print('check_cmd_symbols: %d object(s), %d stray global symbol(s)' % (len(objs), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
