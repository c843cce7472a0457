#!/usr/bin/python3
"""`cmake --build BUILD --target run` (cmake/qemu-run.sh): poweroff ends it without an error.

usage: check_run_target.py status SOURCE_DIR
       check_run_target.py boot BUILD_DIR

status: qemu-run.sh with HIGHMEM_QEMU pointing at a stand-in that exits with a chosen status:
        0 (Ctrl-A X, ACPI poweroff, reboot under -no-reboot) and 33 (isa-debug-exit after
        `poweroff`) end with 0; 35 (the firmware's failure exit) and 1 (QEMU's own error) are
        passed on; the stand-in sees the image after -kernel and the serial console on stdio.
boot:   the run target on a terminal (a pty): the image boots to the prompt, `poweroff` is
        typed, and make ends with status 0 and no error line.
"""
import os
import stat
import subprocess
import sys
import tempfile

STAND_IN = """#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_ARGS"
exit "$FAKE_STATUS"
"""


def check_status(source):
    errors = 0
    script = os.path.join(source, "cmake", "qemu-run.sh")
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "qemu")
        with open(fake, "w", encoding="utf-8") as f:
            f.write(STAND_IN)
        os.chmod(fake, stat.S_IRWXU)
        image = os.path.join(tmp, "highmem.elf")
        open(image, "wb").close()
        args_file = os.path.join(tmp, "args")
        for status, want in ((0, 0), (33, 0), (35, 35), (1, 1)):
            env = dict(os.environ, HIGHMEM_QEMU=fake, FAKE_STATUS=str(status), FAKE_ARGS=args_file,
                       HIGHMEM_INITRD="")
            r = subprocess.run([script, image, "-machine", "pc"], env=env, capture_output=True,
                               text=True, stdin=subprocess.DEVNULL)
            args = open(args_file, encoding="utf-8").read().split("\n")
            ok = r.returncode == want and "-kernel" in args and \
                args[args.index("-kernel") + 1] == image and "mon:stdio" in args
            print(f"QEMU status {status}: qemu-run.sh status {r.returncode} (want {want}) "
                  f"{r.stderr.strip()!r} {'ok' if ok else 'FAIL'}")
            errors += not ok
    return errors


def check_boot(build):
    import pexpect
    child = pexpect.spawn("cmake", ["--build", build, "--target", "run"], encoding="utf-8",
                          codec_errors="replace", timeout=600, env=dict(os.environ, TERM="dumb"))
    child.logfile_read = sys.stdout
    try:
        child.expect(r"highmem> ", timeout=600)
        child.send("poweroff\r")
        child.expect(pexpect.EOF, timeout=120)
    except (pexpect.TIMEOUT, pexpect.EOF):
        child.close(force=True)
        print("\nFAIL: no prompt, or QEMU did not end after poweroff")
        return 1
    child.close()
    text = child.before or ""
    print(f"\nmake status {child.exitstatus}")
    if child.exitstatus != 0:
        print("FAIL: the run target failed after poweroff")
        return 1
    if "Error" in text or "***" in text:
        print("FAIL: make printed an error line after poweroff")
        return 1
    return 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("status", "boot"):
        sys.stderr.write(__doc__)
        return 2
    errors = check_status(argv[2]) if argv[1] == "status" else check_boot(argv[2])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
