# Intel Galileo (Quark X1000).  QEMU has no Quark machine: these flags boot
# the Galileo image on QEMU's `pc` machine, where the PCI UART is absent and
# the console falls back to COM1 (a smoke test of the board's code paths, not
# of the board).  The real routes are `load` (JTAG, cmake/galileo-load.sh)
# and `galileo-sd` (microSD with a 32-bit UEFI GRUB); see board/galileo/README.md.
set(BOARD_QEMU_FLAGS -machine pc -display none -no-reboot)
