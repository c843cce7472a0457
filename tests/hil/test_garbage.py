"""Binary garbage on the console must never take the firmware down."""

import pytest

import highmem_target as ht

GARBAGE_BYTES = 64 * 1024
GARBAGE_SEED = 20240601


def test_random_bytes_then_version(console):
    console.send_garbage(GARBAGE_BYTES, seed=GARBAGE_SEED)
    console.resync(timeout=30)
    assert "gcc" in console.cmd("version").lower()


def test_10k_line_then_version(console):
    console.flush_input_buffer()
    console.send_raw(b"A" * 10 * 1024 + b"\r")
    out = console.wait_prompt(timeout=30)
    assert "too long" in out
    assert "gcc" in console.cmd("version").lower()


def test_many_empty_and_overlong_lines(console):
    for _ in range(20):
        console.send_raw(b"\r" + b"z" * 400 + b"\n")
        console.drain(quiet=0.05, limit=1.0)
    console.resync(timeout=30)
    assert "gcc" in console.cmd("version").lower()
