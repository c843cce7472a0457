/* The serial console on a 16550: the board's, or the one console_select.c picks. */
#include <board.h>
#include <console.h>
#include <hal/irq.h>
#include <hal/trap.h>
#include <hal/x86.h>

#define RX_RING 4096u /* power of two */
#define LOG_RING 65536u

static uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head, rx_tail;
static bool rx_irq_on;
unsigned long console_rx_overruns;

/* The UART in use: the board's until console_switch() moves it. */
static const struct uart16550 *con = &board.console;

static char log_ring[LOG_RING];
static uint32_t log_pos;
static bool log_wrapped;

bool console_init(void)
{
	return uart16550_init(con, board.console_baud);
}

bool console_switch(const struct uart16550 *u, uint32_t baud, bool replay)
{
	if (rx_irq_on || !uart16550_init(u, baud))
		return false;
	con = u;
	if (replay)
		console_dump_log();
	return true;
}

static void putc_raw(char c)
{
	uart16550_putc(con, (uint8_t)c);
	log_ring[log_pos++] = c;
	if (log_pos == LOG_RING) {
		log_pos = 0;
		log_wrapped = true;
	}
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			putc_raw('\r');
		putc_raw(s[i]);
	}
}

static void rx_irq(unsigned irq)
{
	int c;

	(void)irq;
	while ((c = uart16550_getc(con)) >= 0) {
		if (rx_head - rx_tail == RX_RING) {
			console_rx_overruns++;
			continue;
		}
		rx_ring[rx_head % RX_RING] = (uint8_t)c;
		rx_head++;
	}
}

void console_enable_rx_irq(void)
{
	if (!con->irq)
		return;
	hal_irq_register(con->irq, rx_irq);
	uart16550_enable_rx_irq(con);
	hal_pic_unmask(con->irq);
	rx_irq_on = true;
}

int console_trygetc(void)
{
	int c = -1;
	unsigned long f;

	if (!rx_irq_on)
		return uart16550_getc(con);
	f = hal_irq_save();
	if (rx_head != rx_tail) {
		c = rx_ring[rx_tail % RX_RING];
		rx_tail++;
	}
	hal_irq_restore(f);
	return c;
}

uint8_t console_getc(void)
{
	int c;

	for (;;) {
		/* Interrupts off between the check and hlt, so a byte cannot slip in unnoticed ("sti; hlt" is atomic). */
		irq_disable();
		c = console_trygetc();
		if (c >= 0) {
			irq_enable();
			return (uint8_t)c;
		}
		if (rx_irq_on)
			__asm__ volatile("sti; hlt" ::: "memory");
		else
			irq_enable();
	}
}

void console_dump_log(void)
{
	if (log_wrapped)
		for (uint32_t i = log_pos; i < LOG_RING; i++)
			uart16550_putc(con, (uint8_t)log_ring[i]);
	for (uint32_t i = 0; i < log_pos; i++)
		uart16550_putc(con, (uint8_t)log_ring[i]);
}
