/* The two 8259A PICs and the 8254 PIT: the legacy interrupt and timer hardware of every PC. */
#include <hal/cpu.h>
#include <hal/io.h>
#include <hal/irq.h>
#include <hal/trap.h>
#include <hal/x86.h>

#define PIT_HZ 1193182u

static volatile uint64_t ticks;
static unsigned tick_hz;
static void (*tick_hook)(void);
static bool udelay_by_tsc;

void hal_pic_init(void)
{
	/* ICW1: edge, cascade, ICW4; ICW2: vector base; ICW3: wiring; ICW4: 8086 mode. */
	outb(0x20, 0x11);
	io_delay();
	outb(0xA0, 0x11);
	io_delay();
	outb(0x21, IRQ_BASE);
	io_delay();
	outb(0xA1, IRQ_BASE + 8);
	io_delay();
	outb(0x21, 0x04);
	io_delay();
	outb(0xA1, 0x02);
	io_delay();
	outb(0x21, 0x01);
	io_delay();
	outb(0xA1, 0x01);
	io_delay();
	outb(0x21, 0xFB); /* all masked but the cascade line */
	outb(0xA1, 0xFF);
}

static const struct hal_irq_chip *irq_chip;

void hal_irq_set_chip(const struct hal_irq_chip *chip)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	irq_chip = chip;
}

bool hal_pic_present(void)
{
	uint8_t saved = inb(0x21), back;

	outb(0x21, 0xA5);
	back = inb(0x21);
	outb(0x21, saved);
	return back == 0xA5;
}

const struct hal_irq_chip *hal_irq_chip(void)
{
	return irq_chip;
}

void hal_pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? 0x21 : 0xA1;

	if (irq_chip) {
		irq_chip->unmask(irq);
		return;
	}
	outb(port, inb(port) & (uint8_t)~(1u << (irq & 7)));
}

static void pit_tick(unsigned irq)
{
	(void)irq;
	ticks++;
	if (tick_hook)
		tick_hook();
}

void hal_set_tick_hook(void (*hook)(void))
{
	tick_hook = hook;
}

void hal_pit_init(unsigned hz)
{
	uint32_t divisor = PIT_HZ / hz;

	tick_hz = hz;
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, rate generator */
	outb(0x40, (uint8_t)divisor);
	outb(0x40, (uint8_t)(divisor >> 8));
	hal_irq_register(0, pit_tick);
	hal_pic_unmask(0);
}

uint64_t hal_ticks(void)
{
	unsigned long f = hal_irq_save();
	uint64_t t = ticks;

	hal_irq_restore(f);
	return t;
}

unsigned hal_tick_hz(void)
{
	return tick_hz;
}

bool hal_pit_present(void)
{
	uint32_t divisor = PIT_HZ / (tick_hz ? tick_hz : 100u);
	uint16_t first = 0;

	/* Latch channel 0 a few times: a running 8254 gives counts within the divisor that change; no 8254 reads 0xFFFF. */
	for (unsigned i = 0; i < 8; i++) {
		uint16_t c;

		outb(0x43, 0x00);
		c = inb(0x40);
		c |= (uint16_t)(inb(0x40) << 8);
		if (c > divisor)
			return false;
		if (i == 0)
			first = c;
		else if (c != first)
			return true;
		for (unsigned d = 0; d < 50; d++)
			io_delay();
	}
	return false;
}

void hal_tsc_set_hz(uint64_t hz)
{
	hal_tsc_hz = hz;
	udelay_by_tsc = hz != 0 && hal_cpu_has(HAL_FEAT_TSC);
}

void hal_udelay(uint32_t us)
{
	if (udelay_by_tsc) {
		uint64_t end = rdtsc() + hal_tsc_hz / 1000000u * us;

		while (rdtsc() < end)
			;
		return;
	}
	/*
	 * PIT channel 2 in one-shot mode, gated by port 0x61 bit 0; bit 5 rises at terminal count.
	 */
	while (us) {
		uint32_t chunk = us > 50000 ? 50000 : us;
		uint32_t count = (uint32_t)((uint64_t)PIT_HZ * chunk / 1000000u);
		uint8_t gate = (inb(0x61) & 0xFC) | 0x01;

		outb(0x61, gate);
		outb(0x43, 0xB0); /* channel 2, lobyte/hibyte, mode 0 */
		outb(0x42, (uint8_t)count);
		outb(0x42, (uint8_t)(count >> 8));
		for (uint32_t spin = 0; !(inb(0x61) & 0x20) && spin < 100000000u; spin++)
			;
		us -= chunk;
	}
}

uint64_t hal_tsc_hz;

void hal_tsc_calibrate(void)
{
	uint64_t t0, t1;

	if (!hal_cpu_has(HAL_FEAT_TSC))
		return;
	t0 = rdtsc();
	hal_udelay(20000);
	t1 = rdtsc();
	hal_tsc_hz = (t1 - t0) * 50u;
}

uint64_t hal_cycles(void)
{
	if (hal_cpu_has(HAL_FEAT_TSC))
		return rdtsc();
	/* Without a TSC: timer ticks scaled to a nominal 1 GHz "cycle". */
	return hal_ticks() * (1000000000u / (tick_hz ? tick_hz : 1u));
}
