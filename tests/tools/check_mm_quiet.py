#!/usr/bin/python3
"""The core of mm/ does not talk to the operator.

Usage: check_mm_quiet.py ROOT

Every C file directly in ROOT/mm/ (the core; mm/report/ and mm/debug/ are where the text a person
reads is printed) is read with its comments and string literals blanked out, and any call of a
stdio output function (printf, fprintf, vprintf, puts, putchar, fwrite, perror, ...) or use of
stdout/stderr is reported as FILE:LINE: NAME.  The core reports through printk()
(mm/include/mm/printk.h); formatting into a buffer (snprintf) is not output and is allowed.
Exit status 1 when anything is found, 0 otherwise.
"""
import glob
import os
import re
import sys

OUTPUT = ('printf', 'fprintf', 'vprintf', 'vfprintf', 'dprintf', 'vdprintf', 'puts', 'fputs',
          'putchar', 'putc', 'fputc', 'fwrite', 'perror', 'fflush')
CALL = re.compile(r'\b(' + '|'.join(OUTPUT) + r')\s*\(|\b(stdout|stderr)\b')


def blank(src):
    """src with comments and string and character literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(src)
    while i < n:
        if src.startswith('/*', i):
            j = src.find('*/', i + 2)
            j = n if j < 0 else j + 2
        elif src.startswith('//', i):
            j = src.find('\n', i)
            j = n if j < 0 else j
        elif src[i] in '"\'':
            j = i + 1
            while j < n and src[j] != src[i]:
                j += 2 if src[j] == '\\' else 1
            j += 1
        else:
            out.append(src[i])
            i += 1
            continue
        out.append(re.sub(r'[^\n]', ' ', src[i:j]))
        i = j
    return ''.join(out)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    found = []
    for path in sorted(glob.glob(os.path.join(root, 'mm', '*.c'))):
        text = blank(open(path, encoding='utf-8').read())
        for no, line in enumerate(text.split('\n'), 1):
            for m in CALL.finditer(line):
                found.append('%s:%d: %s' % (os.path.relpath(path, root), no, m.group(1) or m.group(2)))
    for line in found:
        print(line)
    print('check_mm_quiet: %d core files, %d uses of stdio output' %
          (len(glob.glob(os.path.join(root, 'mm', '*.c'))), len(found)))
    sys.exit(1 if found else 0)


if __name__ == '__main__':
    main()
