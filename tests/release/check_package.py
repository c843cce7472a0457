#!/usr/bin/python3
"""The release tarball: build it with CPack in the build tree, unpack it, check what is in it.

usage: check_package.py SOURCE_DIR BUILD_DIR

Runs cpack (which first builds what is out of date) into BUILD_DIR/release-test, then checks that
the one tarball it wrote is highmem-<version>.tar.gz with every file under highmem-<version>/;
that the files are exactly the expected list (README.md, CHANGELOG.md, SHA256SUMS; for every
board under board/ its highmem.elf, highmem.iso and user programs; the pc board's highmem.img and
netboot tree; the Galileo's microSD image; the PAE image; cmake/gdbinit and cmake/gdb/; flash.sh;
the HIL suite's files, without its CMakeLists.txt and caches); that the images are the
build's, byte for byte; that SHA256SUMS lists every other file once; and that
`sha256sum -c SHA256SUMS` passes in the unpacked tree. The tarball and CPack's staging tree
are removed afterwards when everything passed.
"""
import filecmp
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

errors = []


def fail(msg):
    errors.append(msg)
    print("FAIL: " + msg)


def files_under(root):
    """Every file below root, as paths relative to it."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".pytest_cache")]
        for name in filenames:
            out.add(os.path.relpath(os.path.join(dirpath, name), root))
    return out


def expected_files(source, build):
    exp = {"README.md", "CHANGELOG.md", "SHA256SUMS"}
    boards = sorted(os.path.basename(os.path.dirname(p))
                    for p in glob.glob(os.path.join(source, "board", "*", "board.c")))
    if not boards:
        fail("no boards under board/")
    for b in boards:
        exp |= {f"boards/{b}/highmem.elf", f"boards/{b}/highmem.iso"}
        users = files_under(os.path.join(build, "boards", b, "user"))
        if not users:
            fail(f"build/boards/{b}/user holds no user programs")
        exp |= {f"boards/{b}/user/{u}" for u in users}
    exp.add("boards/pc/highmem.img")
    netboot = files_under(os.path.join(build, "boards", "pc", "netboot"))
    for need in ("highmem.elf", "boot/grub/grub.cfg", "boot/grub/i386-pc/core.0",
                 "boot/grub/x86_64-efi/core.efi"):
        if need not in netboot:
            fail(f"build/boards/pc/netboot has no {need}")
    exp |= {f"boards/pc/netboot/{f}" for f in netboot}
    if os.path.exists(os.path.join(build, "boards", "galileo", "galileo-sd.img")):
        exp.add("boards/galileo/galileo-sd.img")   # built when grub-mkstandalone and mkfs.vfat are
    cache = re.search(r"^HIGHMEM_BOARD:\w+=(.*)$",
                      open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8").read(),
                      re.MULTILINE)
    exp.add(f"boards/{cache.group(1)}/highmem-pae.elf")
    for p in glob.glob(os.path.join(source, "cmake", "gdb*")):
        rel = os.path.relpath(p, source)
        if os.path.isdir(p):
            exp |= {os.path.join(rel, f) for f in files_under(p) if not f.endswith(".pyc")}
        else:
            exp.add(rel)
    exp.add("cmake/flash.sh")
    hil = ["tests/hil/" + f for f in files_under(os.path.join(source, "tests", "hil"))]
    exp |= {f for f in hil if f != "tests/hil/CMakeLists.txt" and not f.endswith(".pyc")}
    for need in ("tests/hil/conftest.py", "tests/hil/inventory.example.ini",
                 "tests/hil/targets/serial.ini", "tests/hil/README.md"):
        if need not in exp:
            fail(f"the source tree has no {need}")
    return exp, boards


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    source, build = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    out = os.path.join(build, "release-test")
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(["cpack", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", out],
                       cwd=build, capture_output=True, text=True)
    print(r.stdout[-3000:])
    if r.returncode != 0:
        print(r.stderr[-3000:])
        fail(f"cpack failed with status {r.returncode}")
        return 1
    tarballs = glob.glob(os.path.join(out, "*.tar.gz"))
    if len(tarballs) != 1:
        fail(f"cpack wrote {tarballs}, not one tarball")
        return 1
    tarball = tarballs[0]
    name = os.path.basename(tarball)[:-len(".tar.gz")]
    m = re.fullmatch(r"highmem-(\d+\.\d+\.\d+(-\d+-g[0-9a-f]{12})?(-dirty)?)", name)
    if not m:
        fail(f"{name}.tar.gz is not highmem-<version>.tar.gz")
    exp, boards = expected_files(source, build)
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(tarball) as tf:
            for member in tf.getmembers():
                if not (member.name == name or member.name.startswith(name + "/")):
                    fail(f"{member.name} is outside {name}/")
            if hasattr(tarfile, "data_filter"):
                tf.extractall(tmp, filter="tar")
            else:
                tf.extractall(tmp)
        os.remove(tarball)
        root = os.path.join(tmp, name)
        got = files_under(root)
        for f in sorted(exp - got):
            fail(f"missing from the package: {f}")
        for f in sorted(got - exp):
            fail(f"not expected in the package: {f}")
        for b in boards:
            for f in ("highmem.elf", "highmem.iso"):
                p = os.path.join(root, "boards", b, f)
                if os.path.exists(p) and not filecmp.cmp(p, os.path.join(build, "boards", b, f),
                                                         shallow=False):
                    fail(f"boards/{b}/{f} differs from the build's")
        if not os.access(os.path.join(root, "cmake", "flash.sh"), os.X_OK):
            fail("cmake/flash.sh is not executable in the package")
        sums = {}
        for line in open(os.path.join(root, "SHA256SUMS"), encoding="utf-8"):
            mm = re.fullmatch(r"([0-9a-f]{64})  (.+)\n", line)
            if not mm:
                fail(f"SHA256SUMS line {line!r} is not '<sha256>  <path>'")
                continue
            if mm.group(2) in sums:
                fail(f"SHA256SUMS lists {mm.group(2)} twice")
            sums[mm.group(2)] = mm.group(1)
        listed, present = set(sums), got - {"SHA256SUMS"}
        for f in sorted(present - listed):
            fail(f"SHA256SUMS does not cover {f}")
        for f in sorted(listed - present):
            fail(f"SHA256SUMS lists {f}, which is not in the package")
        c = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=root,
                           capture_output=True, text=True)
        if c.returncode != 0:
            fail(f"sha256sum -c SHA256SUMS failed:\n{c.stdout}{c.stderr}")
        print(f"{name}.tar.gz: {len(got)} files, {len(sums)} in SHA256SUMS, "
              f"sha256sum -c status {c.returncode}")
    if not errors:
        shutil.rmtree(out, ignore_errors=True)   # CPack's staging tree, about 100 MB
    print(f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
