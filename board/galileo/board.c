/*
 * Intel Galileo (Gen 1 and Gen 2), Intel Quark SoC X1000.
 *
 * The console is the Quark's PCI high-speed UART 1 (the one wired to the
 * board's serial header / 3.5 mm jack): PCI 8086:0936 at 00:14.5, a 16550
 * whose registers are 32-bit words at a stride of 4 behind memory BAR0
 * (0x9000b000 as the firmware usually assigns it), clocked at 44.2368 MHz.
 * UART 0 (00:14.1) is the same device ID.  The BAR is found at run time and
 * reached through a fixmap, so the description names pci_uart_resolve
 * (firmware/console/pci_uart.c) and the driver defers output until it resolves.
 * Receive is polled (irq 0): the UART's interrupt goes through the IO-APIC,
 * not the 8259 the firmware programs.  There is no isa-debug-exit, and the
 * ACPI PM1 block address is set by the platform firmware, so it is left 0
 * (poweroff halts).  Sources: the Quark X1000 datasheet and Zephyr's and
 * Linux's Quark support (8250_lpss: 44236800 Hz).  Not run on a board yet:
 * see board/galileo/README.md.
 */
#include <board.h>
#include <console.h>

const struct board board = {
	.name = "galileo",
	.console = {
		.access = UART_MMIO32,
		.stride = 4,
		.irq = 0,
		.clock_hz = 44236800,
		.resolve = pci_uart_resolve,
		.pci = { .vendor = 0x8086, .device = 0x0936, .bus = 0, .dev = 20, .fn = 5, .bar = 0 },
	},
	.console_baud = 115200,
	.debug_exit_port = 0,
	.acpi_pm1a_cnt = 0,
};
