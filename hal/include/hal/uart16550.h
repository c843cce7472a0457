/*
 * One driver for every 16550-compatible UART, parameterised by how its
 * registers are reached: port I/O (PC COM ports) or 32-bit MMIO with a
 * register stride (the Quark X1000's PCI high-speed UARTs).
 */
#ifndef HAL_UART16550_H
#define HAL_UART16550_H

#include <stdbool.h>
#include <stdint.h>

enum uart_access {
	UART_PIO,    /* base is an I/O port; register r at base + r * stride */
	UART_MMIO32, /* base is a mapped virtual address; register r is a 32-bit word at base + r * stride */
};

struct uart16550 {
	enum uart_access access;
	uintptr_t base;
	unsigned stride;   /* bytes between registers: 1 for PC ports, 4 on Quark */
	unsigned irq;      /* legacy IRQ line, or 0 for none */
	uint32_t clock_hz; /* input clock: 1843200 on PCs, 44236800 on Quark */
};

/* Register numbers (DLAB=0 unless noted). */
enum uart_reg {
	UART_RBR = 0, UART_THR = 0, UART_DLL = 0, /* DLL with DLAB=1 */
	UART_IER = 1, UART_DLM = 1,               /* DLM with DLAB=1 */
	UART_IIR = 2, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

/* Register access hooks, replaceable by a test's fake register file; NULL selects the real port/MMIO access. */
struct uart_regs_ops {
	uint8_t (*read)(const struct uart16550 *u, enum uart_reg r);
	void (*write)(const struct uart16550 *u, enum uart_reg r, uint8_t v);
};
extern const struct uart_regs_ops *uart_regs_override;

/* Program u for baud 8N1 with FIFOs on and interrupts off; false if no UART answers (scratch register test). */
bool uart16550_init(const struct uart16550 *u, uint32_t baud);

/* Send one byte, waiting for room in the transmitter. */
void uart16550_putc(const struct uart16550 *u, uint8_t c);

/* Return the next received byte, or -1 when none is waiting. */
int uart16550_getc(const struct uart16550 *u);

/* Turn on the received-data interrupt (and OUT2, which gates the IRQ line on PCs). */
void uart16550_enable_rx_irq(const struct uart16550 *u);

#endif
