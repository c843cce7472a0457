/*
 * The 16550 driver: registers reached by port I/O or 32-bit MMIO with a
 * stride.  The MMIO path is plain volatile loads and stores, so the host
 * unit test (tests/unit/test_uart16550.c) drives it against an array.
 */
#include <stddef.h>

#include <hal/io.h>
#include <hal/uart16550.h>

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* FIFO on, clear RX and TX */
#define FCR_TRIGGER_14 0xC0
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define IER_RDA 0x01
#define THRE_SPINS 1000000u

const struct uart_regs_ops *uart_regs_override;
unsigned long uart16550_dropped;

/* What a deferred UART (one with resolve) still owes: set while it cannot be reached. */
static struct {
	const struct uart16550 *owner; /* the deferred UART, or NULL */
	uint32_t baud;
	bool init_pending;
	bool rx_irq_pending;
	unsigned len;
	uint8_t buf[UART_DEFER_BYTES];
} defer;

static uint8_t reg_read(const struct uart16550 *u, enum uart_reg r)
{
	if (uart_regs_override)
		return uart_regs_override->read(u, r);
	if (u->access == UART_PIO)
		return inb((uint16_t)(u->base + r * u->stride));
	return (uint8_t)mmio_read32(u->base + r * u->stride);
}

static void reg_write(const struct uart16550 *u, enum uart_reg r, uint8_t v)
{
	if (uart_regs_override) {
		uart_regs_override->write(u, r, v);
		return;
	}
	if (u->access == UART_PIO)
		outb((uint16_t)(u->base + r * u->stride), v);
	else
		mmio_write32(u->base + r * u->stride, v);
}

uint16_t uart16550_divisor(uint32_t clock_hz, uint32_t baud)
{
	uint64_t div;

	if (!baud)
		return 0xFFFF;
	div = ((uint64_t)clock_hz + 8ull * baud) / (16ull * baud);
	if (div == 0)
		return 1;
	return div > 0xFFFF ? 0xFFFF : (uint16_t)div;
}

static bool program(const struct uart16550 *u, uint32_t baud)
{
	uint16_t divisor = uart16550_divisor(u->clock_hz, baud);

	reg_write(u, UART_SCR, 0x5A);
	if (reg_read(u, UART_SCR) != 0x5A)
		return false;
	reg_write(u, UART_IER, 0);
	reg_write(u, UART_LCR, LCR_DLAB);
	reg_write(u, UART_DLL, (uint8_t)divisor);
	reg_write(u, UART_DLM, (uint8_t)(divisor >> 8));
	reg_write(u, UART_LCR, LCR_8N1);
	reg_write(u, UART_FCR, FCR_ENABLE_CLEAR | FCR_TRIGGER_14);
	reg_write(u, UART_MCR, MCR_DTR_RTS_OUT2);
	return true;
}

static void raw_putc(const struct uart16550 *u, uint8_t c)
{
	/* Bounded wait: a wedged UART must not hang the firmware forever. */
	for (unsigned spin = 0; spin < THRE_SPINS; spin++)
		if (reg_read(u, UART_LSR) & LSR_THRE)
			break;
	reg_write(u, UART_THR, c);
}

static void raw_enable_rx_irq(const struct uart16550 *u)
{
	reg_write(u, UART_MCR, MCR_DTR_RTS_OUT2);
	reg_write(u, UART_IER, IER_RDA);
}

/*
 * The description to use for u now, or NULL while it cannot be reached; settles what a deferred
 * UART owes.
 */
static const struct uart16550 *live(const struct uart16550 *u)
{
	const struct uart16550 *r;

	if (!u->resolve)
		return u;
	r = u->resolve(u);
	if (r && defer.owner == u) {
		defer.owner = NULL; /* first, so nothing below comes back here */
		if (defer.init_pending)
			program(r, defer.baud);
		for (unsigned i = 0; i < defer.len; i++)
			raw_putc(r, defer.buf[i]);
		if (defer.rx_irq_pending)
			raw_enable_rx_irq(r);
		defer.len = 0;
		defer.init_pending = defer.rx_irq_pending = false;
	}
	return r;
}

/* Start (or keep) owing output for u. */
static void defer_for(const struct uart16550 *u)
{
	if (defer.owner != u) {
		defer.owner = u;
		defer.len = 0;
		defer.init_pending = defer.rx_irq_pending = false;
	}
}

bool uart16550_init(const struct uart16550 *u, uint32_t baud)
{
	const struct uart16550 *r = live(u);

	if (!r) {
		defer_for(u);
		defer.baud = baud;
		defer.init_pending = true;
		return true;
	}
	return program(r, baud);
}

void uart16550_putc(const struct uart16550 *u, uint8_t c)
{
	const struct uart16550 *r = live(u);

	if (r) {
		raw_putc(r, c);
		return;
	}
	defer_for(u);
	if (defer.len < UART_DEFER_BYTES)
		defer.buf[defer.len++] = c;
	else
		uart16550_dropped++;
}

int uart16550_getc(const struct uart16550 *u)
{
	const struct uart16550 *r = live(u);

	if (!r || !(reg_read(r, UART_LSR) & LSR_DR))
		return -1;
	return reg_read(r, UART_RBR);
}

void uart16550_enable_rx_irq(const struct uart16550 *u)
{
	const struct uart16550 *r = live(u);

	if (!r) {
		defer_for(u);
		defer.rx_irq_pending = true;
		return;
	}
	raw_enable_rx_irq(r);
}

unsigned uart16550_pending(void)
{
	return defer.owner ? defer.len : 0;
}
