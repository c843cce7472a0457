/*
 * QEMU's `pc` machine: COM1 at port 0x3F8 on IRQ 4, isa-debug-exit at 0xF4, PIIX4 ACPI PM at 0x600.
 */
#include <board.h>

const struct board board = {
	.name = "qemu-pc",
	.console = { .access = UART_PIO, .base = 0x3F8, .stride = 1, .irq = 4, .clock_hz = 1843200 },
	.console_baud = 115200,
	.debug_exit_port = 0xF4,
	.acpi_pm1a_cnt = 0x604,
};
