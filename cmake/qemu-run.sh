#!/bin/sh
# Boot IMAGE under qemu-system-i386 with the serial console on this terminal.
# usage: qemu-run.sh IMAGE [BOARD QEMU FLAGS...]
# HIGHMEM_MEM (default 1G), HIGHMEM_CPU (default qemu32) and HIGHMEM_APPEND (boot options) pick the
# machine;
# HIGHMEM_INITRD (default: the user programs built beside IMAGE) lists the Multiboot modules,
# comma-separated. HIGHMEM_QEMU names the QEMU binary (default qemu-system-i386).
# Ctrl-A X quits QEMU; Ctrl-A C switches to the QEMU monitor.
#
# The exit status is 0 when the firmware powered off or rebooted or QEMU was quit, so that
# `poweroff` ends `cmake --build build --target run` without an error. QEMU's isa-debug-exit
# (qemu-pc board, port 0xf4) makes QEMU exit with (value << 1) | 1: `poweroff` writes
# POWEROFF_OK (0x10, firmware/include/firmware.h), status 33, which is success here;
# POWEROFF_FAILURE (0x11, status 35) and any other status are passed on.
set -eu
image=$1
shift
initrd=${HIGHMEM_INITRD-$(ls "$(dirname "$image")"/user/* 2>/dev/null | paste -sd, -)}
status=0
"${HIGHMEM_QEMU:-qemu-system-i386}" "$@" -m "${HIGHMEM_MEM:-1G}" -cpu "${HIGHMEM_CPU:-qemu32}" \
	-kernel "$image" -append "${HIGHMEM_APPEND:-}" ${initrd:+-initrd "$initrd"} -serial mon:stdio ||
	status=$?
case $status in
0) ;;
33)
	echo "qemu-run.sh: powered off (isa-debug-exit status 33)" >&2
	status=0
	;;
35) echo "qemu-run.sh: the firmware stopped with a failure (isa-debug-exit status 35)" >&2 ;;
*) echo "qemu-run.sh: QEMU exited with status $status" >&2 ;;
esac
exit "$status"
