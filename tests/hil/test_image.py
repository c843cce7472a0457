"""Checks on the image file itself."""

import os
import shutil
import subprocess

import pytest


def test_image_is_multiboot(hil):
    if not os.path.isfile(hil.image):
        if hil.tcfg.is_qemu_backed:
            pytest.fail(f"image not found: {hil.image}")
        pytest.skip("no image given")
    grub_file = shutil.which("grub-file")
    assert grub_file, "grub-file not found (Debian: apt-get install grub-common)"
    r = subprocess.run([grub_file, "--is-x86-multiboot", hil.image])
    assert r.returncode == 0, f"grub-file --is-x86-multiboot {hil.image} failed"
