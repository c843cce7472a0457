/* What the firmware needs to know about the board it runs on: data, not #ifdefs. */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

#include <hal/uart16550.h>

struct board {
	const char *name;
	struct uart16550 console; /* the serial console */
	uint32_t console_baud;
	uint16_t debug_exit_port; /* QEMU isa-debug-exit port, or 0 */
	uint16_t acpi_pm1a_cnt;   /* ACPI PM1a control port for poweroff when known, or 0 */
	/* Used only when the board has no ACPI MADT; 0 means the PC defaults 0xFEE00000 and 0xFEC00000. */
	uint32_t lapic_phys, ioapic_phys;
};

/* The board this image was built for. */
extern const struct board board;

#endif
