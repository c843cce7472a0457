#!/usr/bin/python3
"""build/compile_commands.json covers host and image sources (cmake/compile_commands.cmake).

usage: check_compile_commands.py SOURCE_DIR BUILD_DIR

Checks that the build root's compile_commands.json has: mm/vmalloc.c and firmware/boot/main.c
compiled for the image (in BUILD_DIR/image, with the cross flags -m32 -march=i486
-ffreestanding -nostdinc and newlib's headers); mm/vmalloc.c and a tests/unit/test_*.c file
compiled for the host (with the sanitizers); no entry twice; and that merging again
(cmake/merge_compile_commands.py) leaves the file as it is.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

IMAGE_FLAGS = ("-m32", "-march=i486", "-ffreestanding", "-nostdinc")


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    source, build = os.path.realpath(argv[1]), os.path.realpath(argv[2])
    top = os.path.join(build, "compile_commands.json")
    entries = json.load(open(top, encoding="utf-8"))
    image_dir = os.path.join(build, "image")
    errors = []

    def in_image(e):
        return os.path.realpath(e["directory"]).startswith(image_dir + os.sep)

    def words(e):
        return e["command"].split() if "command" in e else e["arguments"]

    def find(rel, image):
        path = os.path.join(source, rel)
        return [e for e in entries if os.path.realpath(e["file"]) == path and in_image(e) == image]

    for rel in ("mm/vmalloc.c", "firmware/boot/main.c"):
        hits = find(rel, True)
        if not hits:
            errors.append(f"no entry compiling {rel} for the image (in {image_dir})")
        for e in hits:
            w = words(e)
            missing = [f for f in IMAGE_FLAGS if f not in w]
            if missing or not any("i686-elf/include" in x for x in w):
                errors.append(f"{rel} (image): missing {missing or 'newlib headers'} "
                              f"in {' '.join(w)}")
    host_mm = find("mm/vmalloc.c", False)
    if not host_mm or not all(any(x.startswith("-fsanitize=") for x in words(e)) for e in host_mm):
        errors.append("no host entry for mm/vmalloc.c built with the sanitizers")
    unit_dir = os.path.join(source, "tests", "unit")
    host_tests = [e for e in entries if not in_image(e) and
                  os.path.basename(e["file"]).startswith("test_") and
                  os.path.dirname(os.path.realpath(e["file"])) == unit_dir]
    if not host_tests:
        errors.append("no host entry for a tests/unit/test_*.c file")
    keys = [(e["directory"], e["file"], e.get("output", " ".join(words(e)))) for e in entries]
    if len(keys) != len(set(keys)):
        errors.append(f"{len(keys) - len(set(keys))} entries appear twice")
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "compile_commands.json")
        shutil.copy(top, copy)
        merge = os.path.join(source, "cmake", "merge_compile_commands.py")
        subprocess.run(["/usr/bin/python3", merge, copy, image_dir], check=True)
        if open(copy, encoding="utf-8").read() != open(top, encoding="utf-8").read():
            errors.append("merging again changed the file")
    for e in errors:
        print("FAIL: " + e)
    print(f"{len(entries)} entries ({sum(map(in_image, entries))} image, "
          f"{len(host_tests)} host tests/unit files): {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
