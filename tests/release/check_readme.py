#!/usr/bin/python3
"""README.md says what the build has: every shell command, and the HIL entries as ctest lists them.

usage: check_readme.py SOURCE_DIR BUILD_DIR

- Every command the firmware registers (SHELL_CMD / SHELL_CMD_DESC names under firmware/) is
  named in README.md as `NAME`, `NAME ...`, `NAME[` or `NAME.` (the command table).
- The block after "ctest --test-dir build -N -L hil` lists them" in README.md holds exactly the
  names `ctest -N -L hil` prints for BUILD_DIR, in its order (hil.board.labgrid may be absent
  from ctest's list when python3-labgrid is not installed).
- tests/hil/README.md has a table row for each of those entries.
"""
import glob
import os
import re
import subprocess
import sys

CMD_RE = re.compile(r'SHELL_CMD\(\s*\w+,\s*"([^"]+)"'
                    r'|SHELL_CMD_DESC\(\s*\w+,\s*\.name\s*=\s*"([^"]+)"')


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    source, build = argv[1], argv[2]
    readme = open(os.path.join(source, "README.md"), encoding="utf-8").read()
    errors = []

    names = set()
    for path in glob.glob(os.path.join(source, "firmware", "**", "*.c"), recursive=True):
        for m in CMD_RE.finditer(open(path, encoding="utf-8").read()):
            names.add(m.group(1) or m.group(2))
    if len(names) < 10:
        errors.append(f"found only {len(names)} command registrations under firmware/")
    for name in sorted(names):
        if not re.search("`" + re.escape(name) + r"[`\s\[.]", readme):
            errors.append(f"README.md does not name the command `{name}`")

    m = re.search(r"`ctest --test-dir build -N -L hil` lists them:\n\n```\n(.*?)```", readme, re.S)
    if not m:
        errors.append("README.md has no block of the HIL entries after "
                      "'`ctest --test-dir build -N -L hil` lists them:'")
        listed = []
    else:
        listed = m.group(1).split()
    out = subprocess.run(["ctest", "--test-dir", build, "-N", "-L", "hil"], capture_output=True,
                         text=True, check=True).stdout
    actual = re.findall(r"Test +#\d+: (\S+)", out)
    have_labgrid = subprocess.run(["/usr/bin/python3", "-c", "import labgrid"],
                                  capture_output=True).returncode == 0
    expected_listed = [n for n in listed if have_labgrid or n != "hil.board.labgrid"]
    if expected_listed != actual:
        errors.append(f"README.md lists the HIL entries {listed}, ctest -N -L hil {actual}")
    hil_readme = open(os.path.join(source, "tests", "hil", "README.md"), encoding="utf-8").read()
    for name in actual:
        if not re.search(r"^\| `" + re.escape(name) + "` \\|", hil_readme, re.M):
            errors.append(f"tests/hil/README.md has no row for {name}")

    for e in errors:
        print("FAIL: " + e)
    print(f"{len(names)} commands, {len(actual)} HIL entries: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
