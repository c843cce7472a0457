/*
 * The 16550 driver (hal/i386/uart16550.c) on the host.
 *
 * Two kinds of fake:
 *  - a plain array of 32-bit words standing in for the Quark X1000's MMIO
 *    register window (stride 4), reached through the driver's real MMIO path
 *    (volatile 32-bit loads and stores), which checks addresses, stride and
 *    the final register contents;
 *  - a behavioural 16550 behind uart_regs_override (DLAB banking, a busy
 *    transmitter, a receive queue, a missing scratch register), which checks
 *    the order of the programming and the waits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <hal/uart16550.h>

#define QUARK_CLOCK 44236800u
#define PC_CLOCK 1843200u

/* ---- the MMIO path against an array ---------------------------------- */

static uint32_t window[32];

static struct uart16550 mmio_uart(unsigned stride, uint32_t clock)
{
	struct uart16550 u = { .access = UART_MMIO32, .base = (uintptr_t)window, .stride = stride, .clock_hz = clock };

	return u;
}

static void mmio_init_quark(void **state)
{
	struct uart16550 u = mmio_uart(4, QUARK_CLOCK);

	(void)state;
	uart_regs_override = NULL;
	memset(window, 0xEE, sizeof(window));
	window[3] = 0xFFFFFF00u; /* a 32-bit store must replace the whole word */
	assert_true(uart16550_init(&u, 115200));
	assert_int_equal(window[0], 24);   /* DLL: 44236800 / (16 * 115200) = 24 */
	assert_int_equal(window[1], 0);    /* DLM 0, written after IER 0 */
	assert_int_equal(window[2], 0xC7); /* FCR: FIFOs on and cleared, trigger 14 */
	assert_int_equal(window[3], 0x03); /* LCR 8N1, DLAB off */
	assert_int_equal(window[4], 0x0B); /* MCR: DTR, RTS, OUT2 */
	assert_int_equal(window[7], 0x5A); /* scratch test pattern */
	for (unsigned i = 8; i < 32; i++)
		assert_int_equal(window[i], 0xEEEEEEEEu); /* nothing beyond the eight registers */
}

static void mmio_init_pc_clock_stride8(void **state)
{
	struct uart16550 u = mmio_uart(8, PC_CLOCK);

	(void)state;
	uart_regs_override = NULL;
	memset(window, 0xEE, sizeof(window));
	assert_true(uart16550_init(&u, 115200));
	assert_int_equal(window[0], 1); /* DLL: 1843200 / (16 * 115200) = 1 */
	assert_int_equal(window[2], 0); /* DLM at 1 * 8 bytes */
	assert_int_equal(window[6], 0x03);
	assert_int_equal(window[14], 0x5A);
	for (unsigned i = 1; i < 16; i += 2)
		assert_int_equal(window[i], 0xEEEEEEEEu); /* the words between registers are untouched */
}

static void mmio_putc_getc(void **state)
{
	struct uart16550 u = mmio_uart(4, QUARK_CLOCK);

	(void)state;
	uart_regs_override = NULL;
	memset(window, 0, sizeof(window));
	window[5] = 0x20; /* LSR: THRE */
	uart16550_putc(&u, 'A');
	assert_int_equal(window[0], 'A');
	window[5] = 0x00; /* nothing received */
	assert_int_equal(uart16550_getc(&u), -1);
	window[5] = 0x01; /* LSR: DR */
	window[0] = 0xFFFFFF00u | 'z'; /* only the low byte is the data */
	assert_int_equal(uart16550_getc(&u), 'z');
	/* A transmitter that never empties: the wait is bounded and the byte still goes out. */
	window[5] = 0x00;
	uart16550_putc(&u, 'B');
	assert_int_equal(window[0], 'B');
}

/* ---- a behavioural 16550 behind uart_regs_override -------------------- */

struct event {
	char op; /* 'r' or 'w' */
	enum uart_reg reg;
	uint8_t val;
	bool dlab;
};

static struct model {
	uint8_t dll, dlm, ier, lcr, fcr, mcr, scr;
	bool scr_missing;  /* reads of SCR return 0xFF: no UART there */
	unsigned busy;     /* LSR reads that still show the transmitter full */
	unsigned lsr_reads;
	uint8_t rx[16];
	unsigned rx_len, rx_pos;
	uint8_t tx[64];
	unsigned tx_len;
	struct event log[128];
	unsigned nlog;
	const struct uart16550 *last_u;
} m;

static void record(char op, enum uart_reg r, uint8_t v)
{
	if (m.nlog < 128)
		m.log[m.nlog++] = (struct event){ op, r, v, (m.lcr & 0x80) != 0 };
}

static uint8_t model_read(const struct uart16550 *u, enum uart_reg r)
{
	uint8_t v = 0;

	m.last_u = u;
	switch ((int)r) {
	case 0:
		v = (m.lcr & 0x80) ? m.dll : (m.rx_pos < m.rx_len ? m.rx[m.rx_pos++] : 0);
		break;
	case 1:
		v = (m.lcr & 0x80) ? m.dlm : m.ier;
		break;
	case 3:
		v = m.lcr;
		break;
	case 4:
		v = m.mcr;
		break;
	case 5:
		m.lsr_reads++;
		if (m.busy)
			m.busy--;
		else
			v |= 0x20;
		if (m.rx_pos < m.rx_len)
			v |= 0x01;
		break;
	case 7:
		v = m.scr_missing ? 0xFF : m.scr;
		break;
	default:
		break;
	}
	record('r', r, v);
	return v;
}

static void model_write(const struct uart16550 *u, enum uart_reg r, uint8_t v)
{
	m.last_u = u;
	record('w', r, v);
	switch ((int)r) {
	case 0:
		if (m.lcr & 0x80)
			m.dll = v;
		else if (m.tx_len < sizeof(m.tx))
			m.tx[m.tx_len++] = v;
		break;
	case 1:
		if (m.lcr & 0x80)
			m.dlm = v;
		else
			m.ier = v;
		break;
	case 2:
		m.fcr = v;
		break;
	case 3:
		m.lcr = v;
		break;
	case 4:
		m.mcr = v;
		break;
	case 7:
		m.scr = v;
		break;
	default:
		break;
	}
}

static const struct uart_regs_ops model_ops = { model_read, model_write };

static int model_setup(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	uart_regs_override = &model_ops;
	return 0;
}

static int model_teardown(void **state)
{
	(void)state;
	uart_regs_override = NULL;
	return 0;
}

/* The index of the first write of v to reg with DLAB in state dlab, or -1. */
static int find_write(enum uart_reg reg, bool dlab)
{
	for (unsigned i = 0; i < m.nlog; i++)
		if (m.log[i].op == 'w' && m.log[i].reg == reg && m.log[i].dlab == dlab)
			return (int)i;
	return -1;
}

static void check_programming(uint32_t clock, uint32_t baud, uint8_t want_dll, uint8_t want_dlm)
{
	struct uart16550 u = { .access = UART_MMIO32, .base = 0x1000, .stride = 4, .clock_hz = clock };
	int dll, dlm, lcr8n1;

	model_setup(NULL);
	assert_true(uart16550_init(&u, baud));
	assert_ptr_equal(m.last_u, &u);
	assert_int_equal(m.dll, want_dll);
	assert_int_equal(m.dlm, want_dlm);
	assert_int_equal(m.lcr, 0x03);            /* 8 data bits, no parity, 1 stop bit; DLAB off again */
	assert_int_equal(m.fcr & 0x07, 0x07);     /* FIFO enable, clear RX, clear TX */
	assert_int_equal(m.ier, 0);               /* interrupts off */
	assert_int_equal(m.mcr, 0x0B);
	/* The divisor went in with DLAB set and before 8N1 cleared it. */
	dll = find_write(UART_DLL, true);
	dlm = find_write(UART_DLM, true);
	lcr8n1 = -1;
	for (unsigned i = 0; i < m.nlog; i++)
		if (m.log[i].op == 'w' && m.log[i].reg == UART_LCR && m.log[i].val == 0x03)
			lcr8n1 = (int)i;
	assert_true(dll >= 0 && dlm >= 0 && lcr8n1 > dll && lcr8n1 > dlm);
	/* The THR was never written while DLAB was set other than as the DLL, and nothing was transmitted. */
	assert_int_equal(m.tx_len, 0);
}

static void divisor_quark_115200(void **state)
{
	(void)state;
	check_programming(QUARK_CLOCK, 115200, 24, 0);
	check_programming(QUARK_CLOCK, 9600, 0x20, 0x01); /* 288 */
	model_teardown(NULL);
}

static void divisor_pc_115200(void **state)
{
	(void)state;
	check_programming(PC_CLOCK, 115200, 1, 0);
	check_programming(PC_CLOCK, 9600, 12, 0);
	model_teardown(NULL);
}

static void divisor_rounding(void **state)
{
	(void)state;
	assert_int_equal(uart16550_divisor(QUARK_CLOCK, 115200), 24);
	assert_int_equal(uart16550_divisor(QUARK_CLOCK, 921600), 3);
	assert_int_equal(uart16550_divisor(QUARK_CLOCK, 2764800), 1);
	assert_int_equal(uart16550_divisor(PC_CLOCK, 115200), 1);
	assert_int_equal(uart16550_divisor(PC_CLOCK, 38400), 3);
	assert_int_equal(uart16550_divisor(PC_CLOCK, 57600), 2);
	assert_int_equal(uart16550_divisor(PC_CLOCK, 1000000), 1); /* too fast: clamped, never 0 */
	assert_int_equal(uart16550_divisor(PC_CLOCK, 0), 0xFFFF);
	assert_int_equal(uart16550_divisor(QUARK_CLOCK, 1), 0xFFFF); /* too slow: clamped */
}

static void thre_wait(void **state)
{
	struct uart16550 u = { .access = UART_MMIO32, .base = 0x1000, .stride = 4, .clock_hz = QUARK_CLOCK };

	(void)state;
	m.busy = 5;
	uart16550_putc(&u, 'x');
	assert_int_equal(m.lsr_reads, 6); /* five busy reads, then THRE */
	assert_int_equal(m.tx_len, 1);
	assert_int_equal(m.tx[0], 'x');
	/* The THR write came after the last LSR read. */
	assert_int_equal(m.log[m.nlog - 1].op, 'w');
	assert_int_equal(m.log[m.nlog - 1].reg, UART_THR);
	assert_int_equal(m.log[m.nlog - 2].reg, UART_LSR);
}

static void rx_read(void **state)
{
	struct uart16550 u = { .access = UART_MMIO32, .base = 0x1000, .stride = 4, .clock_hz = QUARK_CLOCK };

	(void)state;
	assert_int_equal(uart16550_getc(&u), -1);
	memcpy(m.rx, "hi", 2);
	m.rx_len = 2;
	assert_int_equal(uart16550_getc(&u), 'h');
	assert_int_equal(uart16550_getc(&u), 'i');
	assert_int_equal(uart16550_getc(&u), -1);
	uart16550_enable_rx_irq(&u);
	assert_int_equal(m.ier, 0x01);
	assert_int_equal(m.mcr & 0x08, 0x08); /* OUT2 */
}

static void scratch_missing(void **state)
{
	struct uart16550 u = { .access = UART_MMIO32, .base = 0x1000, .stride = 4, .clock_hz = QUARK_CLOCK };

	(void)state;
	m.scr_missing = true;
	assert_false(uart16550_init(&u, 115200));
	/* Nothing but the scratch probe was written. */
	assert_int_equal(m.lcr, 0);
	assert_int_equal(m.dll, 0);
	assert_int_equal(find_write(UART_LCR, false), -1);
}

/* ---- deferred output: a UART found later (the Galileo's PCI UART) ---- */

static struct uart16550 found = { .access = UART_MMIO32, .base = 0x2000, .stride = 4, .clock_hz = QUARK_CLOCK };
static bool reachable;
static unsigned resolves;

static const struct uart16550 *resolve_later(const struct uart16550 *u)
{
	(void)u;
	resolves++;
	return reachable ? &found : NULL;
}

static void deferred_until_reachable(void **state)
{
	struct uart16550 late = { .access = UART_MMIO32, .stride = 4, .clock_hz = QUARK_CLOCK, .resolve = resolve_later };

	(void)state;
	reachable = false;
	resolves = 0;
	assert_true(uart16550_init(&late, 115200)); /* deferred, not failed */
	uart16550_putc(&late, 'o');
	uart16550_putc(&late, 'k');
	uart16550_enable_rx_irq(&late);
	assert_int_equal(uart16550_getc(&late), -1);
	assert_int_equal(m.nlog, 0); /* no register touched yet */
	assert_int_equal(uart16550_pending(), 2);

	reachable = true;
	uart16550_putc(&late, '!');
	assert_ptr_equal(m.last_u, &found);
	assert_int_equal(m.dll, 24);  /* the remembered init ran first */
	assert_int_equal(m.lcr, 0x03);
	assert_int_equal(m.tx_len, 3);
	assert_memory_equal(m.tx, "ok!", 3);
	assert_int_equal(m.ier, 0x01); /* the remembered enable_rx_irq */
	assert_int_equal(uart16550_pending(), 0);
	assert_true(resolves >= 5);
}

static void deferred_overflow_counts(void **state)
{
	struct uart16550 late = { .access = UART_MMIO32, .stride = 4, .clock_hz = QUARK_CLOCK, .resolve = resolve_later };
	unsigned long dropped = uart16550_dropped;

	(void)state;
	reachable = false;
	for (unsigned i = 0; i < UART_DEFER_BYTES + 10; i++)
		uart16550_putc(&late, 'a');
	assert_int_equal(uart16550_pending(), UART_DEFER_BYTES);
	assert_int_equal(uart16550_dropped - dropped, 10);
	reachable = true;
	m.tx_len = 0;
	uart16550_putc(&late, 'b');
	assert_int_equal(uart16550_pending(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mmio_init_quark),
		cmocka_unit_test(mmio_init_pc_clock_stride8),
		cmocka_unit_test(mmio_putc_getc),
		cmocka_unit_test(divisor_quark_115200),
		cmocka_unit_test(divisor_pc_115200),
		cmocka_unit_test(divisor_rounding),
		cmocka_unit_test_setup_teardown(thre_wait, model_setup, model_teardown),
		cmocka_unit_test_setup_teardown(rx_read, model_setup, model_teardown),
		cmocka_unit_test_setup_teardown(scratch_missing, model_setup, model_teardown),
		cmocka_unit_test_setup_teardown(deferred_until_reachable, model_setup, model_teardown),
		cmocka_unit_test_setup_teardown(deferred_overflow_counts, model_setup, model_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
