#!/usr/bin/python3
"""check_decls.py on a small tree holding one of each violation, and on a clean one."""
import os
import subprocess
import sys
import tempfile

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check_decls.py')

TREE = {
    'a/include/a.h': 'int shared(void);\nint twice(int x);\n#define M(x) f(x)\n'
                     'static inline int helper(void) { return 0; }\n',
    'b/include/b.h': 'int twice(int x);\n',
    'hal/include/hal/h.h': 'void hal_callback(void);\n',
    'a/a.c': '#include <a.h>\nint shared(void) { return 1; }\nint twice(int x) { return x; }\n'
             'static int local(void) { return 2; }\nint (*fnptr)(void);\n'
             'int undeclared(int a,\n               int b)\n{\n\treturn a + b;\n}\n'
             'void other(void);\n',
    'a/own.c': 'void own(void);\nvoid own(void) { }\n',
    'fw/cb.c': 'void hal_callback(void) { }\nint main(void) { return 0; }\n',
    'c/other.c': 'void other(void) { }\n',
}
EXPECTED = {
    'a/a.c:6: undeclared() is not static and no header declares it',
    'a/a.c:11: declares other(), defined elsewhere (include its header)',
    'a/own.c:1: declares its own own() (the declaration belongs in a header)',
    'a/own.c:2: own() is not static and no header declares it',
    'b/include/b.h:1: twice() is declared again (first in a/include/a.h:2)',
    'c/other.c:1: other() is not static and no header declares it',
    'hal/include/hal/h.h:1: hal header declares hal_callback(), which only fw/cb.c implements',
}


def run(root, *prefixes):
    r = subprocess.run([sys.executable, CHECK, root, *prefixes], capture_output=True, text=True)
    return r.returncode, [line for line in r.stdout.splitlines() if not line.startswith('check_decls:')]


def main():
    with tempfile.TemporaryDirectory() as root:
        for rel, text in TREE.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), 'w') as f:
                f.write(text)
        rc, lines = run(root)
        ok = rc == 1 and set(lines) == EXPECTED
        rc_fw, lines_fw = run(root, 'fw')
        ok = ok and rc_fw == 0 and not lines_fw
    print('\n'.join(sorted(lines)))
    print('test_check_decls: %s' % ('ok' if ok else 'FAILED; expected:\n' + '\n'.join(sorted(EXPECTED))))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
