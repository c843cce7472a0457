#!/bin/sh
# flash.sh IMAGE DEVICE [--force] [--yes]
#
# Write a highmem boot image (build/boards/<board>/highmem.iso, or
# build/boards/galileo/galileo-sd.img) to
# a USB stick, SD card or disk image file, then read it back and compare.
#
# DEVICE is a whole block device (/dev/sdX, /dev/mmcblkN, /dev/loopN) or a
# regular file (a disk image; created if it does not exist outside /dev).
# Before writing, the script refuses:
#   - a device that is, or has a partition that is, mounted or used as swap
#     (checked in /proc/mounts, /proc/swaps and with lsblk), and an image file
#     that backs a mounted loop device.  --force does NOT override this:
#     unmount first;
#   - a device smaller than the image;
#   - a device that is not removable or hot-pluggable (lsblk RM/HOTPLUG,
#     /sys/block/NAME/removable) and a partition instead of a whole device,
#     unless --force;
# then shows the device, its size, model and what is on it, the image and its
# size, and asks for "yes" unless --yes.  It writes with dd conv=fsync and
# verifies by reading back the first IMAGE-size bytes (bypassing the page
# cache on block devices) and comparing them with cmp.
#
# Exit status: 0 written and verified, 1 refused or failed, 2 usage error.
set -eu

prog=${0##*/}

usage() {
	echo "usage: $prog IMAGE DEVICE [--force] [--yes]" >&2
	echo "  writes IMAGE to DEVICE (a whole removable block device or an image file) and verifies it" >&2
	exit 2
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

image=
device=
force=0
yes=0
for arg in "$@"; do
	case $arg in
	--force) force=1 ;;
	--yes | -y) yes=1 ;;
	-h | --help) usage ;;
	-*) echo "$prog: unknown option $arg" >&2; usage ;;
	*)
		if [ -z "$image" ]; then image=$arg
		elif [ -z "$device" ]; then device=$arg
		else echo "$prog: too many arguments" >&2; usage
		fi
		;;
	esac
done
if [ -z "$image" ] || [ -z "$device" ]; then usage; fi

[ -f "$image" ] || die "image $image: not a regular file"
[ -r "$image" ] || die "image $image: not readable"
image_size=$(wc -c <"$image" | tr -d ' ')
[ "$image_size" -gt 0 ] || die "image $image is empty"

human() {
	awk -v b="$1" 'BEGIN { s = "B KiB MiB GiB TiB"; split(s, u, " "); i = 1;
		while (b >= 1024 && i < 5) { b /= 1024; i++ } printf (i == 1 ? "%d %s" : "%.1f %s"), b, u[i] }'
}

# Is block device $1 (a /dev path) mounted or swap, by name or by major:minor?
is_mounted() {
	dev=$1
	real=$(readlink -f "$dev")
	if awk -v a="$dev" -v b="$real" '$1 == a || $1 == b { found = 1 } END { exit !found }' /proc/mounts; then
		return 0
	fi
	if [ -r /proc/swaps ] && awk -v a="$dev" -v b="$real" 'NR > 1 && ($1 == a || $1 == b) { found = 1 } END { exit !found }' /proc/swaps; then
		return 0
	fi
	# /proc/mounts may name the device differently (/dev/root, a symlink): compare device
	# numbers.
	if command -v lsblk >/dev/null 2>&1; then
		mp=$(lsblk -nro MOUNTPOINT "$dev" 2>/dev/null | head -n 1)
		[ -n "$mp" ] && return 0
	fi
	if command -v findmnt >/dev/null 2>&1 && findmnt -rno SOURCE --source "$real" >/dev/null 2>&1; then
		return 0
	fi
	return 1
}

# The block devices that make up $1: itself and its partitions (and holders lsblk knows).
members() {
	if command -v lsblk >/dev/null 2>&1; then
		lsblk -lnpo NAME "$1" 2>/dev/null || echo "$1"
	else
		echo "$1"
		name=$(basename "$(readlink -f "$1")")
		for p in /sys/class/block/"$name"/"$name"*; do
			[ -e "$p/partition" ] && echo "/dev/${p##*/}"
		done
	fi
}

is_block=0
if [ -b "$device" ]; then
	is_block=1
elif [ -e "$device" ]; then
	[ -f "$device" ] || die "$device is neither a block device nor a regular file"
else
	case $(readlink -f "$(dirname "$device")" 2>/dev/null || echo /) in
	/dev | /dev/*) die "$device does not exist (no such device)" ;;
	esac
fi

if [ "$is_block" -eq 1 ]; then
	real=$(readlink -f "$device")
	name=$(basename "$real")
	sys=/sys/class/block/$name
	# Mounted (the device or any partition of it): never written.
	for m in $(members "$device"); do
		if is_mounted "$m"; then
			die "refusing $device: $m is mounted or in use as swap (unmount it first; --force does not override this)"
		fi
	done
	if [ -e "$sys/partition" ]; then
		[ "$force" -eq 1 ] || die "refusing $device: it is a partition; name the whole device (or --force)"
	fi
	removable=0
	if [ -r "/sys/block/$name/removable" ] && [ "$(cat "/sys/block/$name/removable")" = 1 ]; then
		removable=1
	fi
	if command -v lsblk >/dev/null 2>&1; then
		rm_hp=$(lsblk -dnro RM,HOTPLUG "$device" 2>/dev/null || echo "0 0")
		case " $rm_hp " in
		*" 1 "*) removable=1 ;;
		esac
	fi
	if [ "$removable" -ne 1 ] && [ "$force" -ne 1 ]; then
		die "refusing $device: not a removable or hot-pluggable device (use --force if you really mean it)"
	fi
	size=$(blockdev --getsize64 "$device" 2>/dev/null || echo $(( $(cat "$sys/size") * 512 )))
	model=$(lsblk -dnro MODEL "$device" 2>/dev/null | sed 's/\\x20/ /g' || true)
	[ -n "$model" ] || model=$(cat "/sys/block/$name/device/model" 2>/dev/null || true)
	[ -n "$model" ] || model="(unknown model)"
	tran=$(lsblk -dnro TRAN "$device" 2>/dev/null || true)
	if [ "$size" -lt "$image_size" ]; then
		die "refusing $device: $(human "$size") is smaller than the image ($(human "$image_size"))"
	fi
	kind="block device, ${tran:-?} transport, $( [ "$removable" -eq 1 ] && echo removable || echo NOT removable)"
else
	# An image file: refuse one that backs a mounted loop device.
	if [ -e "$device" ] && command -v losetup >/dev/null 2>&1; then
		for loop in $(losetup -j "$device" -O NAME -n 2>/dev/null || true); do
			for m in $(members "$loop"); do
				if is_mounted "$m"; then
					die "refusing $device: it backs $loop and $m is mounted (unmount it first)"
				fi
			done
		done
	fi
	size=$( [ -e "$device" ] && wc -c <"$device" | tr -d ' ' || echo 0)
	model="disk image file"
	kind=$( [ -e "$device" ] && echo "regular file" || echo "new file")
fi

echo "$prog: about to write"
echo "  image : $image ($(human "$image_size"), $image_size bytes)"
echo "  to    : $device ($kind)"
echo "  size  : $(human "$size")"
echo "  model : $model"
if [ "$is_block" -eq 1 ] && command -v lsblk >/dev/null 2>&1; then
	echo "  now on it (all of this will be overwritten):"
	lsblk -o NAME,SIZE,FSTYPE,LABEL,MOUNTPOINT "$device" 2>/dev/null | sed 's/^/    /' || true
fi
if [ "$yes" -ne 1 ]; then
	if [ ! -t 0 ]; then
		die "not a terminal and no --yes: refusing to write without confirmation"
	fi
	printf 'Type "yes" to write %s: ' "$device"
	read -r answer || answer=
	[ "$answer" = yes ] || die "not confirmed; nothing written"
fi

status=
if [ -t 2 ] && dd --help 2>&1 | grep -q 'status=progress'; then
	status="status=progress"
fi
echo "$prog: writing..."
# notrunc: an image file keeps its size, like a device would.
if ! dd if="$image" of="$device" bs=4M conv=fsync,notrunc $status; then
	die "dd failed writing $device"
fi
sync

echo "$prog: verifying $image_size bytes..."
if [ "$is_block" -eq 1 ]; then
	# Read the medium, not the page cache: drop the device's buffers, then read with O_DIRECT.
	blockdev --flushbufs "$device" 2>/dev/null || true
	mib=$(( (image_size + 1048575) / 1048576 ))
	if ! dd if="$device" bs=1M count="$mib" iflag=direct 2>/dev/null | cmp -n "$image_size" - "$image"; then
		# Some drivers refuse O_DIRECT; fall back to a buffered read after the flush.
		cmp -n "$image_size" "$device" "$image" || die "verification FAILED: $device differs from $image"
	fi
else
	cmp -n "$image_size" "$device" "$image" || die "verification FAILED: $device differs from $image"
fi
sum=$(head -c "$image_size" "$device" | sha256sum | cut -d' ' -f1)
echo "$prog: done: $device holds $image (sha256 of the first $image_size bytes: $sum)"
