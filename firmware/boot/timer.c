/*
 * Calibrating the TSC on boards without a PIT.  The HPET's main counter
 * runs at the period (in femtoseconds) its capabilities register states
 * (IA-PC HPET Specification 1.0a, §2.3); the ACPI PM timer runs at
 * 3.579545 MHz, 24 or 32 bits wide (ACPI 6.4, §4.8.3.3).  Either is read
 * around a busy-wait of about 10 ms on the TSC itself.
 */
#include <stdio.h>

#include <acpi_boot.h>
#include <firmware.h>
#include <hal/cpu.h>
#include <hal/io.h>
#include <hal/ptr.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <mm/io.h>
#include <timer.h>

#define PM_TIMER_HZ 3579545u
#define HPET_CAP 0x00
#define HPET_CONFIG 0x10
#define HPET_COUNTER 0xF0

const char *tsc_reference = "the PIT";
static bool have_pit;

__init bool timer_init_early(void)
{
	have_pit = hal_pit_present();
	if (have_pit) {
		hal_tsc_calibrate();
		return true;
	}
	tsc_reference = "nothing yet";
	printf("timer: no 8254 PIT answers; the TSC is calibrated once the ACPI tables are read\n");
	return false;
}

/* TSC ticks a second, from about 10 ms of a reference clock read by read_ref (width mask, ref_hz);
 * 0 if it does not count. */
static uint64_t measure(uint64_t (*read_ref)(void *ctx), void *ctx, uint64_t mask, uint64_t ref_hz)
{
	uint64_t r0, r1, t0, t1, want = ref_hz / 100; /* 10 ms */

	r0 = read_ref(ctx);
	t0 = rdtsc();
	do {
		r1 = read_ref(ctx);
		t1 = rdtsc();
		if (t1 - t0 > 20000000000ull) /* 10 s even at 2 GHz: the reference is dead */
			return 0;
	} while (((r1 - r0) & mask) < want);
	return (t1 - t0) * ref_hz / ((r1 - r0) & mask);
}

static uint64_t read_hpet(void *ctx)
{
	return *(volatile uint32_t *)hal_va_ptr((vaddr_t)(uintptr_t)ctx + HPET_COUNTER);
}

static uint64_t read_pm_timer(void *ctx)
{
	(void)ctx;
	return inl((uint16_t)acpi.pm_tmr.address);
}

/* Calibrate against the HPET; false if there is none or it does not count. */
static bool by_hpet(void)
{
	vaddr_t va;
	uint32_t period_fs;
	uint64_t hz;

	if (!acpi.have_hpet || acpi.hpet_base.space_id != ACPI_GAS_MEMORY)
		return false;
	va = ioremap_nocache((paddr_t)acpi.hpet_base.address, 0x400);
	if (!va)
		return false;
	period_fs = *(volatile uint32_t *)hal_va_ptr(va + HPET_CAP + 4);
	if (period_fs == 0 || period_fs > 100000000u) { /* the specification caps it at 100 ns */
		printf("timer: HPET at 0x%llx reports period %u fs; not used\n",
		       (unsigned long long)acpi.hpet_base.address, period_fs);
		iounmap(va);
		return false;
	}
	/* Start the main counter (ENABLE_CNF), leaving legacy routing off. */
	*(volatile uint32_t *)hal_va_ptr(va + HPET_CONFIG) |= 1u;
	hz = 1000000000000000ull / period_fs;
	hz = measure(read_hpet, (void *)(uintptr_t)va, 0xFFFFFFFFull, hz) ? hz : 0;
	if (hz)
		hal_tsc_set_hz(measure(read_hpet, (void *)(uintptr_t)va, 0xFFFFFFFFull, hz));
	iounmap(va);
	if (!hz) {
		printf("timer: the HPET at 0x%llx does not count; not used\n",
		       (unsigned long long)acpi.hpet_base.address);
		return false;
	}
	printf("timer: no PIT; TSC %llu.%03llu MHz calibrated against the HPET at 0x%llx (%llu "
	       "Hz)\n",
	       (unsigned long long)(hal_tsc_hz / 1000000),
	       (unsigned long long)(hal_tsc_hz / 1000 % 1000),
	       (unsigned long long)acpi.hpet_base.address, (unsigned long long)hz);
	tsc_reference = "the HPET";
	return true;
}

static bool by_pm_timer(void)
{
	if (!acpi.have_fadt || acpi.pm_tmr.space_id != ACPI_GAS_IO || !acpi.pm_tmr.address)
		return false;
	uint64_t hz = measure(read_pm_timer, NULL, acpi.pm_tmr_32bit ? 0xFFFFFFFFull : 0xFFFFFFull,
			      PM_TIMER_HZ);

	if (!hz) {
		printf("timer: the ACPI PM timer at io 0x%llx does not count; not used\n",
		       (unsigned long long)acpi.pm_tmr.address);
		return false;
	}
	hal_tsc_set_hz(hz);
	printf("timer: no PIT; TSC %llu.%03llu MHz calibrated against the ACPI PM timer at io "
	       "0x%llx\n",
	       (unsigned long long)(hal_tsc_hz / 1000000),
	       (unsigned long long)(hal_tsc_hz / 1000 % 1000),
	       (unsigned long long)acpi.pm_tmr.address);
	tsc_reference = "the ACPI PM timer";
	return true;
}

__init void timer_init_late(void)
{
	if (have_pit)
		return;
	if (!hal_cpu_has(HAL_FEAT_TSC)) {
		printf("timer: no PIT and no TSC; delays and uptime are not measured\n");
		tsc_reference = "nothing";
		return;
	}
	if (by_hpet() || by_pm_timer()) {
		printf("timer: no periodic tick without the PIT; uptime and benchmarks use the "
		       "TSC\n");
		return;
	}
	tsc_reference = "nothing";
	hal_tsc_hz = 0;
	printf("timer: no PIT, HPET or ACPI PM timer; the TSC is not calibrated and delays are "
	       "rough\n");
}
