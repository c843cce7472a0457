# QEMU's `pc` machine (i440FX, SeaBIOS): the flags every QEMU boot of this board uses.
# isa-debug-exit at port 0xf4 lets `poweroff` end QEMU with a status: (value << 1) | 1.
set(BOARD_QEMU_FLAGS -machine pc -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04)
