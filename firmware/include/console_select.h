/*
 * Which UART is the console.  In order: the console= boot option in
 * Linux's earlycon form (console=uart,io,0x2f8,115200 or
 * console=uart,mmio32,0xADDR,115200), the ACPI SPCR table, a PCI 16550
 * (class 0x0700, I/O or memory BAR), and the board file's UART.  The boot
 * option's port UART is taken at once, before the banner; the rest is
 * decided once the ACPI tables are read and fixmaps can map a register
 * window, and the console then moves there, replaying the boot log.
 */
#ifndef FIRMWARE_CONSOLE_SELECT_H
#define FIRMWARE_CONSOLE_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hal/uart16550.h>

/* A parsed console= value. */
struct console_option {
	enum uart_access access; /* UART_PIO for "io", UART_MMIO32 for "mmio32" */
	uint64_t addr;		 /* I/O port or physical address */
	uint32_t baud;		 /* 115200 when not given */
};

/* Parse a console= value ("uart,io,0x2f8,115200", "uart8250,mmio32,0xfe000000", baud optional,
 * "115200n8" accepted); false with err set (errlen bytes) when it is not one. */
bool console_option_parse(const char *val, struct console_option *out, char *err, size_t errlen);

/* Pick the console from the console= boot option if it names a port UART that answers, else start
 * on the board's; print the boot lines about it. Call once the command line is known. */
void console_setup_early(void);

/* The rest of the order (mmio32 option, SPCR, PCI 16550, board default), after the ACPI tables and
 * vmalloc; moves the console if it changes and says why in one line. */
void console_setup_late(void);

/* The console in use in earlycon form plus where it came from ("uart,io,0x3f8,115200 (board
 * default)"). */
const char *console_describe(void);

#endif
