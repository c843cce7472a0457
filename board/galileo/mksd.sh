#!/bin/sh
# mksd.sh ELF GRUB_CFG GRUB_I386_EFI_DIR STAGE_DIR OUT_IMG [USER_DIR]
#
# Build the Intel Galileo's microSD image (the `galileo-sd` target):
#   STAGE_DIR/EFI/BOOT/BOOTIA32.EFI  a standalone 32-bit UEFI GRUB with GRUB_CFG
#                                    embedded (grub-mkstandalone -O i386-efi)
#   STAGE_DIR/boot/highmem.elf       the firmware
#   STAGE_DIR/boot/user/*            the user programs from USER_DIR (Multiboot modules)
#   OUT_IMG                          an MBR disk image: one FAT16 partition
#                                    (type 0x0e, from 1 MiB) holding the above
# Write OUT_IMG to the card with cmake/flash.sh, or copy STAGE_DIR's files to
# the FAT partition of a card yourself.  Needs grub-efi-ia32-bin, dosfstools
# (mkfs.vfat), mtools and python3.
set -eu

[ $# -eq 5 ] || [ $# -eq 6 ] || { echo "usage: $0 ELF GRUB_CFG GRUB_I386_EFI_DIR STAGE_DIR OUT_IMG [USER_DIR]" >&2; exit 2; }
elf=$1 cfg=$2 efidir=$3 stage=$4 out=$5 user=${6:-}
part_mib=32

rm -rf "$stage"
mkdir -p "$stage/EFI/BOOT" "$stage/boot"
grub-mkstandalone -O i386-efi -d "$efidir" --fonts= --locales= --themes= \
	--modules="part_msdos part_gpt fat iso9660 multiboot multiboot2 search search_fs_file normal configfile" \
	-o "$stage/EFI/BOOT/BOOTIA32.EFI" "boot/grub/grub.cfg=$cfg"
cp "$elf" "$stage/boot/highmem.elf"
if [ -n "$user" ]; then
	mkdir -p "$stage/boot/user"
	cp "$user"/* "$stage/boot/user/"
fi

part=$stage.fat
rm -f "$part"
mkfs.vfat -C -F 16 -n HIGHMEM "$part" $((part_mib * 1024)) >/dev/null
mmd -i "$part" ::/EFI ::/EFI/BOOT ::/boot
mcopy -i "$part" "$stage/EFI/BOOT/BOOTIA32.EFI" ::/EFI/BOOT/BOOTIA32.EFI
mcopy -i "$part" "$stage/boot/highmem.elf" ::/boot/highmem.elf
if [ -d "$stage/boot/user" ]; then
	mmd -i "$part" ::/boot/user
	mcopy -i "$part" "$stage/boot/user"/* ::/boot/user/
fi

# The MBR: one partition entry, then the FAT file system from sector 2048.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" - "$out" "$part" "$part_mib" <<'PY'
import struct, sys
out, part, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
mbr = bytearray(512)
entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x0E, b"\xfe\xff\xff", 2048, mib * 2048)
mbr[446:462] = entry
mbr[510:512] = b"\x55\xaa"
with open(out, "wb") as f:
    f.write(mbr)
    f.write(bytes(2048 * 512 - 512))
    f.write(open(part, "rb").read())
PY
rm -f "$part"
echo "galileo-sd: $out ($(wc -c <"$out" | tr -d ' ') bytes): EFI/BOOT/BOOTIA32.EFI + boot/highmem.elf on FAT16"
