#!/bin/bash
# Start IMAGE under QEMU halted before its first instruction, with the gdb stub on
# HIGHMEM_GDB_PORT (default 1234) and the serial console on a pseudo-terminal, and attach gdb
# with the image's symbols and GDBINIT.
# usage: qemu-debug.sh IMAGE GDBINIT SERIAL_LINK [BOARD QEMU FLAGS...]
#
# - QEMU runs in a session of its own (setsid), so Ctrl-C in gdb reaches gdb alone: gdb stops
#   the guest (SIGINT) and QEMU, make and cmake go on; gdb's `quit` ends QEMU.
# - gdb runs as a job of its own (set -m): the terminal's foreground process group is gdb's,
#   not that of make or cmake above this script.
# - The serial console is QEMU's pty (-serial pty); SERIAL_LINK is made a symbolic link to it
#   (build/serial.pty for the `debug` target), so `picocom -b 115200 build/serial.pty` or
#   `screen build/serial.pty 115200` in a second terminal is the console.
# - The Multiboot modules are those of the `run` target (cmake/qemu-run.sh): HIGHMEM_INITRD, by
#   default the user programs built beside IMAGE; HIGHMEM_MEM, HIGHMEM_CPU and HIGHMEM_APPEND
#   pick the machine as they do for `run`. HIGHMEM_GDB (default gdb) names the debugger.
set -eu
image=$1
gdbinit=$2
serial_link=$3
shift 3
port=${HIGHMEM_GDB_PORT:-1234}
initrd=${HIGHMEM_INITRD-$(ls "$(dirname "$image")"/user/* 2>/dev/null | paste -sd, -)}
state=$(mktemp -d "${TMPDIR:-/tmp}/highmem-debug.XXXXXX")
qemu_pid=

cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null || true
	fi
	if [ -L "$serial_link" ]; then
		rm -f "$serial_link"
	fi
	rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

setsid qemu-system-i386 "$@" -m "${HIGHMEM_MEM:-1G}" -cpu "${HIGHMEM_CPU:-qemu32}" \
	-kernel "$image" -append "${HIGHMEM_APPEND:-}" ${initrd:+-initrd "$initrd"} \
	-serial pty -monitor none -S -gdb "tcp:127.0.0.1:$port" -pidfile "$state/qemu.pid" \
	</dev/null >"$state/qemu.out" 2>&1 &
launcher=$!

# QEMU names its pty ("char device redirected to /dev/pts/N (label serial0)") and writes its
# pid file before it listens for gdb.
pty=
for _ in $(seq 100); do
	pty=$(sed -n 's|^char device redirected to \(/dev/[^ ]*\) (label serial0).*|\1|p' \
		"$state/qemu.out")
	if [ -n "$pty" ] && [ -s "$state/qemu.pid" ]; then
		break
	fi
	if ! kill -0 "$launcher" 2>/dev/null && [ ! -s "$state/qemu.pid" ]; then
		break
	fi
	sleep 0.1
done
if [ -z "$pty" ] || [ ! -s "$state/qemu.pid" ]; then
	echo "qemu-debug: QEMU did not start:" >&2
	cat "$state/qemu.out" >&2
	exit 1
fi
qemu_pid=$(cat "$state/qemu.pid")
ln -sfn "$pty" "$serial_link"
echo "highmem: serial console on $pty (link: $serial_link); open it in another terminal:"
echo "highmem:   picocom -b 115200 $serial_link"
echo "highmem: QEMU (pid $qemu_pid) halted, gdb stub on 127.0.0.1:$port;" \
	"Ctrl-C in gdb stops the guest"

# A job of its own, in the terminal's foreground: Ctrl-C goes to gdb only.
set -m
status=0
"${HIGHMEM_GDB:-gdb}" -q "$image" -ex "target remote 127.0.0.1:$port" -x "$gdbinit" || status=$?
exit "$status"
