#!/usr/bin/python3
"""Merge the image builds' compile_commands.json into the host build's, for clangd.

usage: merge_compile_commands.py TOP IMAGE_BUILD_DIR...

TOP is the build root's compile_commands.json, which CMake writes for the host build (unit tests,
fuzzers, benchmarks, mm/ against the fake hal). Each IMAGE_BUILD_DIR is an ExternalProject's
binary directory holding its own compile_commands.json (the image: the cross flags, newlib's
headers). Entries TOP already holds from an earlier merge (those whose directory lies in an
IMAGE_BUILD_DIR) are replaced, so running it again after every build changes nothing unless a
compile command did. TOP is rewritten only when its text changes.
"""
import json
import os
import sys


def under(path, root):
    """True when path is root or lies below it."""
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root + os.sep)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    top, image_dirs = argv[1], argv[2:]
    with open(top, encoding="utf-8") as f:
        entries = json.load(f)
    merged = [e for e in entries if not any(under(e["directory"], d) for d in image_dirs)]
    for d in image_dirs:
        path = os.path.join(d, "compile_commands.json")
        if not os.path.exists(path):
            sys.stderr.write(f"merge_compile_commands: {path} does not exist "
                             "(the image is not configured yet)\n")
            return 1
        with open(path, encoding="utf-8") as f:
            merged.extend(json.load(f))
    text = json.dumps(merged, indent=2) + "\n"
    with open(top, encoding="utf-8") as f:
        old = f.read()
    if text != old:
        tmp = top + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
