#!/bin/sh
# galileo-load.sh ELF [--dry-run]
#
# Load highmem.elf into an Intel Galileo's RAM over JTAG with OpenOCD and
# start it as a Multiboot loader would (the `load` CMake target runs this):
#   1. read the ELF's entry point (the physical _start in .boot) and, for
#      each PT_LOAD segment, the .bss tail that OpenOCD's load_image does not
#      zero (p_paddr + p_filesz .. p_paddr + p_memsz);
#   2. write a minimal Multiboot information block (MBI): memory sizes, a
#      two-entry memory map (0-639 KiB and 1 MiB-MEM usable), the command
#      line and the loader name "OpenOCD (galileo-load.sh)";
#   3. openocd -f INTERFACE -f board/galileo/openocd/galileo.cfg
#        -c "init; highmem_boot ELF MBI MBI_ADDR ENTRY BSS; shutdown"
#      (halt, load_image at p_paddr, zero .bss, load the MBI, EAX/EBX/EIP, resume).
#
# Environment:
#   HIGHMEM_OPENOCD_INTERFACE  adapter cfg (default board/galileo/openocd/olimex-arm-usb-ocd-h.cfg)
#   HIGHMEM_GALILEO_MEM        RAM to hand to highmem, bytes or with K/M/G (default 128M; the
#                              Galileo has 256 MiB, the top of which the platform firmware keeps)
#   HIGHMEM_APPEND             the kernel command line (e.g. "nopse")
#   HIGHMEM_MBI_ADDR           where the MBI goes (default 0x9000, inside the 8 MiB boot map)
#   OPENOCD                    the openocd binary (default: openocd)
# --dry-run builds the MBI and prints the OpenOCD command instead of running it.
#
# NOT yet run against a real board: see board/galileo/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
prog=${0##*/}

elf=
dry=0
for arg in "$@"; do
	case $arg in
	--dry-run) dry=1 ;;
	-*) echo "usage: $prog ELF [--dry-run]" >&2; exit 2 ;;
	*) elf=$arg ;;
	esac
done
[ -n "$elf" ] || { echo "usage: $prog ELF [--dry-run]" >&2; exit 2; }
[ -f "$elf" ] || { echo "$prog: $elf: no such file" >&2; exit 1; }

iface=${HIGHMEM_OPENOCD_INTERFACE:-$src/board/galileo/openocd/olimex-arm-usb-ocd-h.cfg}
openocd=${OPENOCD:-openocd}
mbi_addr=${HIGHMEM_MBI_ADDR:-0x9000}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

out=${TMPDIR:-/tmp}/highmem-galileo-$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT INT TERM
mbi=$out/mbi.bin

# Steps 1 and 2 in Python (standard library only): ELF32 program headers and the MBI.
plan=$("$python" - "$elf" "$mbi" "$mbi_addr" "${HIGHMEM_GALILEO_MEM:-128M}" "${HIGHMEM_APPEND:-}" <<'EOF'
import struct, sys

elf_path, mbi_path, mbi_addr, mem, cmdline = sys.argv[1:6]
mbi_addr = int(mbi_addr, 0)
units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
mem = int(mem[:-1], 0) * units[mem[-1].upper()] if mem[-1].upper() in units else int(mem, 0)
if mem < 16 << 20 or mem > 0xFFFFF000:
    sys.exit(f"HIGHMEM_GALILEO_MEM={mem:#x}: want 16 MiB .. 4 GiB")

data = open(elf_path, "rb").read()
if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1 or struct.unpack_from("<H", data, 18)[0] != 3:
    sys.exit(f"{elf_path}: not a little-endian ELF32 i386 file")
entry, phoff = struct.unpack_from("<II", data, 24)
phentsize, phnum = struct.unpack_from("<HH", data, 42)
bss = []
for i in range(phnum):
    p_type, p_off, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIIIII", data, phoff + i * phentsize)
    if p_type != 1:
        continue
    if p_paddr >= mem:
        sys.exit(f"segment at phys {p_paddr:#x} is above HIGHMEM_GALILEO_MEM")
    if p_memsz > p_filesz:
        start = p_paddr + p_filesz
        words = (p_memsz - p_filesz + 3) // 4
        bss += [f"{start:#x}", str(words)]
if entry >= 0xC0000000:
    sys.exit(f"entry {entry:#x} is virtual; expected the physical _start")

# Multiboot v1 information block (spec 3.3): flags MEMORY|CMDLINE|MEM_MAP|LOADER_NAME.
MMAP_OFF, CMDLINE_OFF, NAME_OFF, SIZE = 0x80, 0x100, 0x180, 0x200
name = b"OpenOCD (galileo-load.sh)\0"
cmd = cmdline.encode() + b"\0"
if len(cmd) > NAME_OFF - CMDLINE_OFF:
    sys.exit("HIGHMEM_APPEND is longer than 127 bytes")
mmap = struct.pack("<IQQI", 20, 0, 0x9FC00, 1) + struct.pack("<IQQI", 20, 0x100000, mem - 0x100000, 1)
info = bytearray(SIZE)
flags = (1 << 0) | (1 << 2) | (1 << 6) | (1 << 9)
struct.pack_into("<III", info, 0, flags, 639, (mem - 0x100000) // 1024)
struct.pack_into("<I", info, 16, mbi_addr + CMDLINE_OFF)
struct.pack_into("<II", info, 44, len(mmap), mbi_addr + MMAP_OFF)
struct.pack_into("<I", info, 64, mbi_addr + NAME_OFF)
info[MMAP_OFF:MMAP_OFF + len(mmap)] = mmap
info[CMDLINE_OFF:CMDLINE_OFF + len(cmd)] = cmd
info[NAME_OFF:NAME_OFF + len(name)] = name
open(mbi_path, "wb").write(info)
print(f"{entry:#x}")
print(" ".join(bss))
EOF
)
entry=$(echo "$plan" | sed -n 1p)
bss=$(echo "$plan" | sed -n 2p)

echo "$prog: entry $entry, .bss to zero: {$bss}, Multiboot info at $mbi_addr"
if [ "$dry" -eq 1 ]; then
	cp "$mbi" "${elf%.elf}.mbi"
	mbi=${elf%.elf}.mbi
	echo "$prog: Multiboot information block written to $mbi"
fi
set -- "$openocd" -s "$src" -f "$iface" -f "$src/board/galileo/openocd/galileo.cfg" \
	-c "init; highmem_boot {$elf} {$mbi} $mbi_addr $entry {$bss}; shutdown"
if [ "$dry" -eq 1 ]; then
	printf '%s' "$prog: would run:"
	printf " '%s'" "$@"
	echo
	exit 0
fi
exec "$@"
