"""reboot, then poweroff, each on a fresh boot.

On a board, poweroff is followed by power_on_command (or the reset) and a
boot to the prompt: the board is never left off for whatever comes next.
"""

import pytest

import highmem_target as ht


def test_reboot(fresh_target):
    t = fresh_target()
    t.flush_input_buffer()
    t.send_raw("reboot\r")
    if t.kind == "qemu":
        # -no-reboot turns the reset into a QEMU exit with status 0.
        assert t.wait_exit(timeout=30) == 0
    else:
        t.expect(r"BIOS-e820", timeout=t.boot_timeout)
        t.wait_prompt(timeout=t.boot_timeout)
        assert t.cmd("version")


def test_poweroff(fresh_target, hil):
    t = fresh_target()
    status = t.poweroff()
    if t.has_exit_status:
        assert status == ht.POWEROFF_STATUS, f"QEMU exit status {status}, documented {ht.POWEROFF_STATUS}"
        return
    assert not t.powered
    if not hil.can_reset:
        pytest.skip("powered off; no power_on_command or reset_command to bring the board back")
    t.boot()  # power_on_command, then the reset: the board must come back for what follows
    assert t.powered and "highmem" in t.cmd("version")
