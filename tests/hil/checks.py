"""Parsers for what the firmware prints, shared by the test modules."""

import re

#: The commands the console contract promises, in help order.
COMMANDS = ["help", "version", "e820", "cpuinfo", "poweroff", "reboot", "selftest"]

_FEATURES_RE = re.compile(r"^CPU\b.*?features:\s*(.*?)\r?$", re.MULTILINE | re.IGNORECASE)
_PAGING_RE = re.compile(r"^.*\bpaging\b.*$", re.MULTILINE | re.IGNORECASE)
SUMMARY_RE = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\r?$", re.MULTILINE)


def cpu_features(text):
    """The set of flags on the boot 'CPU: ... features: ...' line, lower case."""
    m = _FEATURES_RE.search(text)
    if not m:
        return None
    return {w.lower() for w in re.split(r"[\s,]+", m.group(1)) if w}


def paging_line(text):
    """The boot line that says which paging features are in use."""
    for m in _PAGING_RE.finditer(text):
        line = m.group(0).rstrip("\r")
        if "BIOS-e820" not in line:
            return line
    return None


def help_commands(text):
    """{name: summary} for each 'name  summary' line of help's output."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\s*([a-z][a-z0-9_.\-]*)(?:\s+\[?[A-Z][^ ]*\]?)*\s+[-:]?\s*(\S.*)$", line)
        if m:
            out.setdefault(m.group(1), m.group(2).strip())
    return out


#: Lines that mean an exception reached the oops/panic path.
OOPS_RE = re.compile(r"^.*(\bOops\b|PANIC|\bpanic\b|\bexception\b|\bEXCEPTION\b).*$", re.MULTILINE)


def oops_lines(text):
    return [m.group(0).rstrip("\r") for m in OOPS_RE.finditer(text)]


#: Signs of a printf conversion the C library did not understand (newlib-nano
#: without C99 formats prints '%zu' as 'zu', a NULL '%s' as '(null)').
FORMAT_ERROR_RE = re.compile(r"^.*(\(null\)|\bzu\b|\bllx\b|\bllu\b|\x1b\[z).*$", re.MULTILINE)


def format_error_lines(text):
    return [m.group(0).rstrip("\r") for m in FORMAT_ERROR_RE.finditer(text)]


# What the image's `stress` command prints (mm/stress.c, firmware/cmd/stress.c).
STRESS_LEAKS_ZERO = ("stress: leaks: free pages 0, slab objects 0, slab pages 0, vmalloc bytes 0, vmalloc areas 0, "
                     "pkmap slots 0, kmap_atomic slots 0, page tables 0")
STRESS_PROC_LEAKS_ZERO = "stress: process leaks: mm_struct 0, vm_area_struct 0, anon_vma 0, filp 0"
STRESS_SUMMARY_RE = re.compile(r"stress: (\d+) allocations failed \((\d+) injected\), most pages held (\d+); "
                               r"(\d+) checks, (\d+) violations, (\d+) corruptions")
STRESS_MS_RE = re.compile(r"stress: (\d+) ms")
# The members of `stress -j`'s "leaks" for the kernel allocators and for the process mix.
STRESS_KERNEL_LEAKS = ("free_pages", "slab_objects", "slab_pages", "vmalloc_bytes", "vmalloc_areas", "pkmap_slots",
                       "kmap_atomic", "pagetables")
STRESS_PROC_LEAKS = ("mm_structs", "vmas", "anon_vmas", "files")
