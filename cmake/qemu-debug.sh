#!/bin/sh
# Start IMAGE under QEMU halted before its first instruction, with the gdb stub
# on tcp::1234 and the serial console in SERIAL_LOG, and attach gdb with symbols.
# usage: qemu-debug.sh IMAGE GDBINIT SERIAL_LOG [BOARD QEMU FLAGS...]
set -eu
image=$1
gdbinit=$2
serial_log=$3
shift 3
qemu-system-i386 "$@" -m "${HIGHMEM_MEM:-1G}" -cpu "${HIGHMEM_CPU:-qemu32}" \
	-kernel "$image" -append "${HIGHMEM_APPEND:-}" -serial file:"$serial_log" -S -gdb tcp::1234 &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT
gdb -q "$image" -ex 'target remote :1234' -x "$gdbinit"
