#!/usr/bin/python3
"""One declaration per function: check the C sources of the tree.

Every non-static function is declared exactly once, in a header, and no .c file declares a
prototype of a function.  The check reads every .c and .h file under the source root (build
directories and the newlib install excepted) and reports, as file:line: message,

  - a prototype of a non-static function in a .c file (declared where it is not defined, or
    declared again beside its own definition instead of in a header);
  - a function declared in more than one header, or twice in one;
  - a non-static function defined without a declaration in any header;
  - a hal header declaring a function that only code outside hal/ (and the fake hal) defines.

Functions whose contract is someone else's header or none (newlib's system-call stubs, main,
libFuzzer's entry points) are exempt from the header rule and may be declared beside their
definition.

Usage: check_decls.py SOURCE_ROOT [PATH_PREFIX...]
With prefixes, the whole tree is read but only violations in files under one of them are
reported (and decide the exit status).
"""
import os
import re
import sys

SKIP_DIRS = {'build', '.git', 'newlib-prefix', '__pycache__'}
# Defined here, declared by another project's headers (newlib's unistd.h, fcntl.h, signal.h and
# sys/stat.h for the system-call stubs) or by no header at all (main, libFuzzer's entry points,
# which a fuzz target declares itself).
EXTERNAL_CONTRACTS = {
    'main', 'LLVMFuzzerTestOneInput', 'LLVMFuzzerInitialize',
    'write', 'read', 'sbrk', 'close', 'fstat', 'isatty', 'lseek', 'kill', 'getpid', 'open',
    '_exit', '_close', '_fstat', '_isatty', '_lseek', '_read', '_write', '_sbrk', '_kill',
    '_getpid', '_open', '_gettimeofday', '_times', '_unlink', '_link', '_stat', '_wait',
    '_fork', '_execve', '_rename', '_mkdir', '_fini', '_init',
}
KEYWORDS = {'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__',
            '_Static_assert', 'static_assert', '__attribute__', 'asm', '__asm__', 'alignof',
            '_Alignof', '__builtin_offsetof', 'offsetof'}


def strip(text):
    """Blank out comments, string and character literals and preprocessor lines; keep newlines."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c in ' \t':
            out.append(c)
            i += 1
            continue
        if at_line_start and c == '#':
            # Preprocessor directive, with its continuation lines.
            while i < n:
                if text[i] == '\\' and i + 1 < n and text[i + 1] == '\n':
                    out.append(' \n')
                    i += 2
                    continue
                if text[i] == '\n':
                    break
                if text.startswith('/*', i):
                    j = text.find('*/', i + 2)
                    j = n if j < 0 else j + 2
                    out.append(re.sub(r'[^\n]', ' ', text[i:j]))
                    i = j
                    continue
                out.append(' ')
                i += 1
            continue
        at_line_start = False
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c)
            i = j
        else:
            if c == '\n':
                at_line_start = True
            out.append(c)
            i += 1
    return ''.join(out)


def drop_attributes(s):
    """Remove __attribute__((...)) and __asm__("...") groups from a declaration's text."""
    while True:
        m = re.search(r'\b(__attribute__|__asm__|asm)\s*\(', s)
        if not m:
            return s
        depth, j = 0, m.end() - 1
        while j < len(s):
            if s[j] == '(':
                depth += 1
            elif s[j] == ')':
                depth -= 1
                if depth == 0:
                    break
            j += 1
        s = s[:m.start()] + ' ' + s[j + 1:]


def function_of(stmt):
    """(name, is_static) when the top-level statement stmt declares or defines a function."""
    s = drop_attributes(stmt)
    if re.match(r'\s*typedef\b', s):
        return None
    m = re.search(r'([A-Za-z_][A-Za-z_0-9]*)\s*\(', s)
    if not m:
        return None
    name = m.group(1)
    before = s[:m.start()]
    if name in KEYWORDS or '=' in before or not re.search(r'[A-Za-z_0-9*]', before):
        return None
    # The parameter list must close right before the end (attributes are gone already).
    depth, j = 0, m.end() - 1
    while j < len(s):
        if s[j] == '(':
            depth += 1
        elif s[j] == ')':
            depth -= 1
            if depth == 0:
                break
        j += 1
    rest = s[j + 1:].strip()
    if rest and not re.fullmatch(r'(const|volatile|\s)*', rest):
        return None
    words = re.findall(r'[A-Za-z_][A-Za-z_0-9]*', before)
    if not words or words[-1] in ('struct', 'union', 'enum'):
        return None
    return name, 'static' in words


def scan(path):
    """Yield (kind, name, is_static, line) for every top-level function declaration/definition."""
    with open(path, encoding='utf-8', errors='replace') as f:
        text = strip(f.read())
    depth = 0
    start = 0
    paren = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '(':
            paren += 1
        elif c == ')':
            paren -= 1
        elif paren == 0 and c in ';{}':
            if depth == 0 and c in ';{':
                stmt = text[start:i]
                line = text.count('\n', 0, start + len(stmt) - len(stmt.lstrip())) + 1
                fn = function_of(stmt) if stmt.strip() else None
                if c == '{':
                    # Skip the body (function, struct, initializer) to its closing brace.
                    d, j = 0, i
                    while j < n:
                        if text[j] == '{':
                            d += 1
                        elif text[j] == '}':
                            d -= 1
                            if d == 0:
                                break
                        j += 1
                    if fn:
                        yield ('def', fn[0], fn[1], line)
                    i = j + 1
                    # A struct body may be followed by declarators up to ';'.
                    start = i
                    continue
                if fn:
                    yield ('decl', fn[0], fn[1], line)
                start = i + 1
            elif c == '}':
                start = i + 1
        i += 1


def sources(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith('build'))
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                yield os.path.join(d, f)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    prefixes = [p.rstrip('/') + '/' for p in sys.argv[2:]]
    decls, defs = {}, {}
    per_file = {}
    for path in sources(root):
        rel = os.path.relpath(path, root)
        items = list(scan(path))
        per_file[rel] = items
        for kind, name, static, line in items:
            if static:
                continue
            (defs if kind == 'def' else decls).setdefault(name, []).append((rel, line))

    def hal_side(rel):
        return rel.startswith('hal/') or rel.startswith('tests/fake_hal/')

    violations = []
    for rel, items in per_file.items():
        own_defs = {name for kind, name, static, _ in items if kind == 'def'}
        if rel.endswith('.c'):
            for kind, name, static, line in items:
                if kind == 'decl' and not static:
                    if name in own_defs and name in EXTERNAL_CONTRACTS:
                        continue
                    if name in own_defs:
                        msg = 'declares its own %s() (the declaration belongs in a header)' % name
                    else:
                        msg = 'declares %s(), defined elsewhere (include its header)' % name
                    violations.append((rel, line, msg))
                if kind == 'def' and not static and name not in EXTERNAL_CONTRACTS:
                    if not any(h.endswith('.h') for h, _ in decls.get(name, [])):
                        violations.append((rel, line,
                                           '%s() is not static and no header declares it' % name))
    for name, where in decls.items():
        headers = [(h, line) for h, line in where if h.endswith('.h')]
        if len(headers) > 1:
            first = '%s:%d' % headers[0]
            for h, line in headers[1:]:
                violations.append((h, line, '%s() is declared again (first in %s)' % (name, first)))
        for h, line in headers:
            if (h.startswith('hal/include/') and name in defs
                    and not any(hal_side(d) for d, _ in defs[name])):
                violations.append((h, line, 'hal header declares %s(), which only %s implements' %
                                   (name, ', '.join(sorted({d for d, _ in defs[name]})))))
    shown = sorted(v for v in set(violations)
                   if not prefixes or any(v[0].startswith(p) for p in prefixes))
    for rel, line, msg in shown:
        print('%s:%d: %s' % (rel, line, msg))
    if shown:
        print('check_decls: %d violation(s)' % len(shown))
        return 1
    print('check_decls: no violations%s' % (' under ' + ' '.join(prefixes) if prefixes else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
