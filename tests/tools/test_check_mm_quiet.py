#!/usr/bin/python3
"""check_mm_quiet.py on a small tree: core files that print, and the places that may."""
import os
import subprocess
import sys
import tempfile

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check_mm_quiet.py')

TREE = {
    'mm/loud.c': '#include <stdio.h>\nvoid a(void)\n{\n\tprintf("x\\n");\n'
                 '\tfprintf (stderr, "y");\n\tputs("z");\n}\n',
    'mm/quiet.c': '/* printf("in a comment") */\n#include <mm/printk.h>\n'
                  'void b(char *s) { printk("puts(\\"in a string\\")"); snprintf(s, 4, "%d", 1); }\n'
                  '// fprintf(stdout, "line comment")\n',
    'mm/report/show.c': '#include <stdio.h>\nvoid c(FILE *f) { fprintf(f, "ok"); }\n',
    'mm/debug/check.c': '#include <stdio.h>\nvoid d(void) { puts("ok"); }\n',
}
EXPECTED = ['mm/loud.c:4: printf', 'mm/loud.c:5: fprintf', 'mm/loud.c:5: stderr', 'mm/loud.c:6: puts']


def run(root):
    r = subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)
    return r.returncode, [line for line in r.stdout.splitlines() if not line.startswith('check_mm_quiet:')]


def main():
    with tempfile.TemporaryDirectory() as root:
        for path, text in TREE.items():
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            with open(os.path.join(root, path), 'w', encoding='utf-8') as f:
                f.write(text)
        code, lines = run(root)
        if code != 1 or lines != EXPECTED:
            sys.exit('check_mm_quiet: expected exit 1 and\n  %s\ngot exit %d and\n  %s' %
                     ('\n  '.join(EXPECTED), code, '\n  '.join(lines)))
        os.remove(os.path.join(root, 'mm/loud.c'))
        code, lines = run(root)
        if code != 0 or lines:
            sys.exit('check_mm_quiet: a quiet tree gave exit %d and %s' % (code, lines))
    print('check_mm_quiet: finds the core calls and only them')


if __name__ == '__main__':
    main()
