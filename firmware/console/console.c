/*
 * The serial console on a 16550: the board's, or the one console_select.c picks.
 *
 * Receive: the UART interrupt, and as a backup every timer tick (as Linux's
 * 8250 driver polls UARTs that lose interrupts), move bytes from the UART
 * into rx_ring.  The ring is never allowed to hold back the UART: when it is
 * full, bytes are dropped and the drop is written into the ring itself as a
 * record (RX_LOST | count) at the place it happened, so the reader learns
 * where its input has a hole and how big it is.  One slot is kept for that
 * record.  Ctrl-C drops the type-ahead before it, as a terminal flushes its
 * input queue on the INTR character (POSIX.1-2017, General Terminal
 * Interface, §11.2.5, NOFLSH clear), so it and what follows always get in.
 */
#include <board.h>
#include <console.h>
#include <task.h>
#include <hal/irq.h>
#include <hal/trap.h>
#include <hal/x86.h>

#define RX_RING 4096u /* power of two */
#define RX_LOST 0x8000u /* a ring entry recording dropped bytes; the count is in the low 15 bits */
#define RX_LOST_MAX 0x7fffu
#define CTRL_C 0x03
#define LOG_RING 65536u

static uint16_t rx_ring[RX_RING];
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

/* Account n dropped bytes at the ring's current end: grow the newest loss record, or add one. */
static void rx_record_loss(unsigned long n)
{
	uint32_t used = rx_head - rx_tail;
	uint16_t *last = &rx_ring[(rx_head - 1) % RX_RING];

	if (used && (*last & RX_LOST)) {
		unsigned long sum = (*last & RX_LOST_MAX) + n;

		*last = (uint16_t)(RX_LOST | (sum > RX_LOST_MAX ? RX_LOST_MAX : sum));
	} else if (used < RX_RING) {
		rx_ring[rx_head % RX_RING] = (uint16_t)(RX_LOST | (n > RX_LOST_MAX ? RX_LOST_MAX : n));
		rx_head++;
	}
}

/* Drop the type-ahead before a Ctrl-C, keeping the losses it held so they are still reported. */
static void rx_flush_for_ctrl_c(void)
{
	unsigned long lost = 0;

	for (uint32_t i = rx_tail; i != rx_head; i++)
		if (rx_ring[i % RX_RING] & RX_LOST)
			lost += rx_ring[i % RX_RING] & RX_LOST_MAX;
	rx_tail = rx_head;
	if (lost)
		rx_record_loss(lost);
}

/* One received byte into the ring (interrupts off). */
static void rx_store(uint8_t c)
{
	if (c == CTRL_C)
		rx_flush_for_ctrl_c();
	if (rx_head - rx_tail >= RX_RING - 1) { /* the last slot is kept for a loss record */
		console_rx_overruns++;
		rx_record_loss(1);
		return;
	}
	rx_ring[rx_head % RX_RING] = c;
	rx_head++;
}

/* Move everything the UART holds into the ring; from the UART interrupt and the timer tick. */
static void rx_drain(void)
{
	int c;

	while ((c = uart16550_getc(con)) >= 0)
		rx_store((uint8_t)c);
}

static void rx_irq(unsigned irq)
{
	(void)irq;
	rx_drain();
}

void console_enable_rx_irq(void)
{
	if (!con->irq)
		return;
	hal_irq_register(con->irq, rx_irq);
	uart16550_enable_rx_irq(con);
	hal_pic_unmask(con->irq);
	rx_irq_on = true;
	/* The backup: a lost interrupt edge can delay input by one tick, never stop it. */
	hal_set_tick_hook(rx_drain);
}

/* The next ring entry (a byte or a loss record), or -1; polls the UART before interrupts are on. */
static int rx_take(void)
{
	int e = -1;
	unsigned long f;

	if (!rx_irq_on)
		return uart16550_getc(con);
	f = hal_irq_save();
	if (rx_head != rx_tail) {
		e = rx_ring[rx_tail % RX_RING];
		rx_tail++;
	}
	hal_irq_restore(f);
	return e;
}

int console_trygetc(void)
{
	int e;

	while ((e = rx_take()) >= 0 && (e & RX_LOST))
		;
	return e;
}

int console_read(unsigned timeout_ms, unsigned long *lost)
{
	uint64_t start = hal_ticks();
	uint64_t limit = ((uint64_t)timeout_ms * hal_tick_hz() + 999) / 1000;
	int e;

	for (;;) {
		/*
		 * Interrupts off between the check and hlt, so a byte cannot slip in unnoticed
		 * ("sti; hlt" is atomic).
		 */
		irq_disable();
		e = rx_take();
		if (e >= 0) {
			irq_enable();
			if (!(e & RX_LOST))
				return e;
			if (lost)
				*lost = (unsigned long)(e & RX_LOST_MAX);
			return CONSOLE_RX_LOST;
		}
		if (timeout_ms && hal_ticks() - start >= (limit ? limit : 1)) {
			irq_enable();
			return -1;
		}
		if (rx_irq_on) {
			/* Idle: the kernel lock goes to the other CPUs' tasks meanwhile. */
			bool locked = kernel_lock_held();

			if (locked)
				kernel_unlock();
			__asm__ volatile("sti; hlt" ::: "memory");
			if (locked)
				kernel_lock();
		} else {
			irq_enable();
		}
	}
}

uint8_t console_getc(void)
{
	int c;

	while ((c = console_read(0, NULL)) == CONSOLE_RX_LOST)
		;
	return (uint8_t)c;
}

void console_dump_log(void)
{
	if (log_wrapped)
		for (uint32_t i = log_pos; i < LOG_RING; i++)
			uart16550_putc(con, (uint8_t)log_ring[i]);
	for (uint32_t i = 0; i < log_pos; i++)
		uart16550_putc(con, (uint8_t)log_ring[i]);
}
