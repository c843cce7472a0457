"""Escape sequences at the shell, end to end: the ESC timeout and control keys after ESC."""

import time


def test_lone_escape_is_dropped_after_the_timeout(console):
    """ESC, a pause, then typing: the ESC is forgotten, nothing typed after it is eaten."""
    console.resync()
    console.send_raw(b"ver\x1b")
    time.sleep(1.0)  # the firmware's ESC timeout is 500 ms
    out = console.cmd("sion", check_echo=False)
    assert "gcc" in out, out


def test_enter_and_ctrl_c_right_after_escape(console):
    """ESC then Enter runs the line; ESC then Ctrl-C cancels it."""
    console.resync()
    out = console.cmd("version\x1b", check_echo=False)
    assert "gcc" in out, out
    console.flush_input_buffer()
    console.send_raw(b"reboot\x1b\x03")
    console.expect(r"\^C")
    console.wait_prompt()
    assert "gcc" in console.cmd("version")


def test_application_cursor_keys_leave_no_letter(console):
    """ESC O D moves left like ESC [ D: 'vrsion', Left x5, 'e' is 'version'."""
    console.resync()
    out = console.cmd("vrsion\x1bOD\x1bOD\x1bOD\x1bOD\x1bODe", check_echo=False)
    assert "gcc" in out, out
