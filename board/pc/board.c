/*
 * A generic PC-class board or x86 SBC booted by GRUB (from the ISO or a USB
 * stick): the console is COM1, a 16550 at port 0x3F8 on IRQ 4 with the PC's
 * 1.8432 MHz clock.  There is no isa-debug-exit on real hardware, and the
 * ACPI PM1a control port differs from chipset to chipset, so poweroff falls
 * back to halting (power.c) unless a board folder copied from this one fills
 * in acpi_pm1a_cnt.
 */
#include <board.h>

const struct board board = {
	.name = "pc",
	.console = { .access = UART_PIO, .base = 0x3F8, .stride = 1, .irq = 4, .clock_hz = 1843200 },
	.console_baud = 115200,
	.debug_exit_port = 0,
	.acpi_pm1a_cnt = 0,
};
