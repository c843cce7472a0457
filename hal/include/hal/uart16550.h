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
	/* base is a mapped virtual address; register r is a 32-bit word at base + r * stride */
	UART_MMIO32,
};

struct uart16550 {
	enum uart_access access;
	uintptr_t base;
	unsigned stride;   /* bytes between registers: 1 for PC ports, 4 on Quark */
	unsigned irq;      /* legacy IRQ line, or 0 for none */
	uint32_t clock_hz; /* input clock: 1843200 on PCs, 44236800 on Quark */
	/*
	 * NULL for a UART at a fixed address.  A UART whose registers are found
	 * at run time (the Quark's PCI UART, mapped through a fixmap) names a
	 * function returning the description to use now (whose own resolve must
	 * be NULL), or NULL while the registers cannot be reached yet.  Until
	 * then the driver keeps output in a buffer of UART_DEFER_BYTES and
	 * remembers init and enable_rx_irq; the first call that resolves
	 * programs the UART and replays the buffer.  One such UART at a time.
	 */
	const struct uart16550 *(*resolve)(const struct uart16550 *u);
	/*
	 * For a resolve function that finds the UART on PCI (the firmware's pci_uart_resolve): the
	 * PCI function that is the UART and the BAR holding its registers.
	 */
	struct {
		uint16_t vendor, device;
		uint8_t bus, dev, fn, bar;
	} pci;
};

/* Bytes kept while a resolve-based UART is not reachable; more are counted in uart16550_dropped. */
#define UART_DEFER_BYTES 8192u

/* Bytes lost because the deferred-output buffer was full. */
extern unsigned long uart16550_dropped;

/* Register numbers (DLAB=0 unless noted). */
enum uart_reg {
	UART_RBR = 0, UART_THR = 0, UART_DLL = 0, /* DLL with DLAB=1 */
	UART_IER = 1, UART_DLM = 1,               /* DLM with DLAB=1 */
	UART_IIR = 2, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

/*
 * Register access hooks, replaceable by a test's fake register file; NULL selects the real
 * port/MMIO access.
 */
struct uart_regs_ops {
	uint8_t (*read)(const struct uart16550 *u, enum uart_reg r);
	void (*write)(const struct uart16550 *u, enum uart_reg r, uint8_t v);
};
extern const struct uart_regs_ops *uart_regs_override;

/*
 * Program u for baud 8N1 with FIFOs on and interrupts off; false if no UART answers (scratch
 * register test); true at once for a deferred UART.
 */
bool uart16550_init(const struct uart16550 *u, uint32_t baud);

/* The divisor latch value for baud from clock_hz: rounded to nearest, kept within 1..0xFFFF. */
uint16_t uart16550_divisor(uint32_t clock_hz, uint32_t baud);

/* Bytes of output held for a deferred UART that has not been reached yet. */
unsigned uart16550_pending(void);

/* Send one byte, waiting for room in the transmitter. */
void uart16550_putc(const struct uart16550 *u, uint8_t c);

/* Return the next received byte, or -1 when none is waiting. */
int uart16550_getc(const struct uart16550 *u);

/* Turn on the received-data interrupt (and OUT2, which gates the IRQ line on PCs). */
void uart16550_enable_rx_irq(const struct uart16550 *u);

#endif
