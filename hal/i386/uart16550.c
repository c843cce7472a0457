/* The 16550 driver: registers reached by port I/O or 32-bit MMIO with a stride. */
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

const struct uart_regs_ops *uart_regs_override;

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

bool uart16550_init(const struct uart16550 *u, uint32_t baud)
{
	uint32_t divisor = u->clock_hz / (16u * baud);

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

void uart16550_putc(const struct uart16550 *u, uint8_t c)
{
	/* Bounded wait: a wedged UART must not hang the firmware forever. */
	for (unsigned spin = 0; spin < 1000000u; spin++)
		if (reg_read(u, UART_LSR) & LSR_THRE)
			break;
	reg_write(u, UART_THR, c);
}

int uart16550_getc(const struct uart16550 *u)
{
	if (!(reg_read(u, UART_LSR) & LSR_DR))
		return -1;
	return reg_read(u, UART_RBR);
}

void uart16550_enable_rx_irq(const struct uart16550 *u)
{
	reg_write(u, UART_MCR, MCR_DTR_RTS_OUT2);
	reg_write(u, UART_IER, IER_RDA);
}
