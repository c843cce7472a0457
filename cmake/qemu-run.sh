#!/bin/sh
# Boot IMAGE under qemu-system-i386 with the serial console on this terminal.
# usage: qemu-run.sh IMAGE [BOARD QEMU FLAGS...]
# HIGHMEM_MEM (default 1G), HIGHMEM_CPU (default qemu32) and HIGHMEM_APPEND (boot options) pick the
# machine;
# HIGHMEM_INITRD (default: the user programs built beside IMAGE) lists the Multiboot modules,
# comma-separated.
# Ctrl-A X quits QEMU; Ctrl-A C switches to the QEMU monitor.
set -eu
image=$1
shift
initrd=${HIGHMEM_INITRD-$(ls "$(dirname "$image")"/user/* 2>/dev/null | paste -sd, -)}
exec qemu-system-i386 "$@" -m "${HIGHMEM_MEM:-1G}" -cpu "${HIGHMEM_CPU:-qemu32}" \
	-kernel "$image" -append "${HIGHMEM_APPEND:-}" ${initrd:+-initrd "$initrd"} -serial mon:stdio
