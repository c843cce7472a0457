"""Runs last (file order): checks over every serial log captured in this run."""

import pytest

from checks import format_error_lines, oops_lines


def _targets(hil):
    if not hil.targets:
        pytest.skip("no target was booted in this run")
    return hil.targets


def test_no_oops_in_any_log(hil):
    """No exception reached the oops/panic path during any test."""
    bad = {t.label: oops_lines(t.log) for t in _targets(hil)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"exception/oops lines in serial logs: {bad}"


def test_no_printf_format_leftovers(hil):
    """Nothing printed shows an unsupported printf conversion ('zu', '(null)')."""
    bad = {t.label: format_error_lines(t.log) for t in _targets(hil) if not t.got_garbage}
    bad = {k: v[:5] for k, v in bad.items() if v}
    assert not bad, f"printf conversions the C library did not understand: {bad}"
