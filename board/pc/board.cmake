# A generic GRUB-booted PC or SBC.  In QEMU it is the `pc` machine without the
# isa-debug-exit device (so `poweroff` cannot end QEMU with a status, as on
# real hardware); `cmake --build build` makes its bootable image, build/boards/pc/highmem.iso.
set(BOARD_QEMU_FLAGS -machine pc -display none -no-reboot)
