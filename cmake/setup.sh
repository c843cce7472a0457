#!/bin/sh
# Install what highmem needs on Debian 12, with apt-get, if anything is missing.
# A quick no-op when everything is there; without root it prints the line to run.
set -eu

PACKAGES="cmake make gcc gcc-multilib pkg-config git
newlib-source libcmocka-dev
qemu-system-x86
python3 python3-pytest python3-pexpect python3-serial python3-yaml
grub-pc-bin grub-common xorriso mtools grub-efi-ia32-bin grub-efi-amd64-bin dosfstools
ipxe-qemu ovmf ovmf-ia32 ser2net python3-labgrid
gdb openocd librsvg2-bin memtest86+
clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "highmem setup: missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "highmem setup: run as root:  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# One index may fail while a mirror syncs; carry on as long as the packages still install.
apt-get update || echo "highmem setup: apt-get update reported errors; trying the install anyway" >&2
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
