/*
 * Bringing up the application processors.  The CPUs come from the ACPI MADT's Processor Local
 * APIC entries (ACPI 6.4, §5.2.12.2), else the MP table, else the boot CPU is alone.  Each AP
 * is started with INIT-SIPI-SIPI from a real-mode trampoline in two pages below 1 MiB that
 * bootmem sets aside before mm_init() (a SIPI vector names a page below 1 MiB), runs on a stack
 * of its own, and ends in smp_ap_idle().  `maxcpus=N` (as Linux's) caps the CPUs started; a
 * CPU that does not answer within AP_TIMEOUT_MS is reported and left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <acpi_boot.h>
#include <boot_options.h>
#include <firmware.h>
#include <hal/cpu.h>
#include <hal/ptr.h>
#include <hal/smpboot.h>
#include <hal/x86.h>
#include <lock_report.h>
#include <mm/fixmap.h>
#include <mm/layout.h>
#include <mm/paging.h>
#include <smp.h>
#include <smpboot.h>

#include "internal.h"

#define AP_STACK_SIZE 16384u
#define AP_TIMEOUT_MS 1000u
#define LOW_LIMIT 0x9F000u /* the EBDA and the BIOS areas start here (mm/init.c reserves them) */

struct smp_cpu_slot smp_cpus[NR_CPUS];
unsigned smp_nr_found = 1;
const char *smp_cpu_source = "boot CPU only";

static paddr_t tramp_pa;
static uint8_t ap_stacks[NR_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

/* True if [start, end) overlaps a range the loader handed over. */
static bool overlaps_loader_data(const struct mm_boot_info *bi, paddr_t start, paddr_t end)
{
	for (unsigned i = 0; i < bi->nr_reserved; i++)
		if (bi->reserved[i].start < end && bi->reserved[i].end > start)
			return true;
	return false;
}

__init void smp_reserve_trampoline(struct mm_boot_info *bi)
{
	tramp_pa = 0;
	if (bi->nr_reserved >= MM_BOOT_MAX_RESERVED) {
		printf("SMP: no room to reserve the AP trampoline; the boot CPU runs alone\n");
		return;
	}
	/* The highest RAM below the BIOS areas, clear of the loader's data. */
	for (paddr_t pa = LOW_LIMIT - HAL_AP_TRAMPOLINE_SIZE; pa >= 0x1000u; pa -= PAGE_SIZE)
		if (e820_is_ram(bi->e820, pa, pa + HAL_AP_TRAMPOLINE_SIZE) &&
		    !overlaps_loader_data(bi, pa, pa + HAL_AP_TRAMPOLINE_SIZE)) {
			tramp_pa = pa;
			bi->reserved[bi->nr_reserved++] = (struct mm_reserved_range){
				pa, pa + HAL_AP_TRAMPOLINE_SIZE, "AP trampoline"
			};
			return;
		}
	printf("SMP: no free RAM below 1 MiB for the AP trampoline; the boot CPU runs alone\n");
}

/* The CPU cap from maxcpus=N: NR_CPUS when absent; a bad value is reported and ignored. */
static unsigned max_cpus(void)
{
	char buf[16], *end;
	unsigned long n;

	if (!boot_option_value(boot_params.cmdline, "maxcpus", buf, sizeof(buf)))
		return NR_CPUS;
	n = strtoul(buf, &end, 10);
	if (end == buf || *end) {
		printf("SMP: maxcpus=%s is not a number; ignored\n", buf);
		return NR_CPUS;
	}
	if (n == 0) {
		printf("SMP: maxcpus=0: the boot CPU always runs; no others started\n");
		return 1;
	}
	return n > NR_CPUS ? NR_CPUS : (unsigned)n;
}

/* The AP's C entry (after hal_smp_start_ap's own setup): online, timer, then idle. */
__attribute__((noreturn)) static void ap_main(unsigned cpu)
{
	hal_smp_set_state(cpu, HAL_CPU_ONLINE, hal_lapic_id());
	hal_lapic_timer_start(hal_tick_hz());
	smp_ap_idle(cpu);
}

/* Fill smp_cpus from the MADT or the MP table, the boot CPU first. */
static void find_cpus(uint32_t bsp_id)
{
	uint32_t ids[ACPI_MAX_CPUS];
	unsigned n = 0;

	if (acpi.have_madt && acpi.nr_cpus) {
		memcpy(ids, acpi.cpu_apic_id, acpi.nr_cpus * sizeof(ids[0]));
		n = acpi.nr_cpus;
		smp_cpu_source = "ACPI MADT";
	} else if ((n = mptable_find_cpus(ids, ACPI_MAX_CPUS)) != 0) {
		smp_cpu_source = "MP table";
	}
	smp_cpus[0] = (struct smp_cpu_slot){ bsp_id, NULL };
	smp_nr_found = 1;
	for (unsigned i = 0; i < n; i++) {
		if (ids[i] == bsp_id)
			continue;
		if (smp_nr_found == NR_CPUS) {
			printf("SMP: %s lists more than %u CPUs; APIC ID %u and later left out\n",
			       smp_cpu_source, NR_CPUS, (unsigned)ids[i]);
			break;
		}
		smp_cpus[smp_nr_found++] = (struct smp_cpu_slot){ ids[i], NULL };
	}
}

__init void smp_boot_cpus(void)
{
	unsigned max = max_cpus();
	uint32_t bsp_id;

	lock_report_init();
	hal_smp_init(fixmap_query(FIX_APIC_BASE, NULL) ? fix_to_virt(FIX_APIC_BASE) : 0);
	smp_call_init();
	bsp_id = hal_lapic_id();
	hal_smp_set_state(0, HAL_CPU_ONLINE, bsp_id);
	if (!hal_smp_capable()) {
		printf("SMP: no local APIC; the boot CPU runs alone\n");
		return;
	}
	find_cpus(bsp_id);
	/* The APs tick on their local APIC timers at the PIT's rate; the boot CPU keeps the PIT. */
	if (!hal_lapic_timer_calibrate())
		printf("SMP: the local APIC timer could not be measured; the APs do not tick\n");
	printf("SMP: %u CPU%s from the %s, boot CPU APIC ID %u%s\n", smp_nr_found,
	       smp_nr_found == 1 ? "" : "s", smp_cpu_source, (unsigned)bsp_id,
	       max < smp_nr_found ? " (capped by maxcpus=)" : "");
	for (unsigned cpu = 1; cpu < smp_nr_found; cpu++) {
		struct smp_cpu_slot *s = &smp_cpus[cpu];

		if (cpu >= max) {
			s->why = "maxcpus=";
			hal_smp_set_state(cpu, HAL_CPU_OFFLINE, s->apic_id);
			continue;
		}
		if (!tramp_pa) {
			s->why = "no trampoline";
			hal_smp_set_state(cpu, HAL_CPU_OFFLINE, s->apic_id);
			continue;
		}
		if (hal_smp_start_ap(cpu, s->apic_id, tramp_pa, hal_va_ptr(PAGE_OFFSET + tramp_pa),
				     swapper_pg_dir, (uintptr_t)(ap_stacks[cpu] + AP_STACK_SIZE),
				     ap_main, AP_TIMEOUT_MS) != 0) {
			s->why = "no answer to INIT-SIPI-SIPI";
			hal_smp_set_state(cpu, HAL_CPU_DEAD, s->apic_id);
			printf("SMP: CPU %u (APIC ID %u) did not answer INIT-SIPI-SIPI within %u ms; "
			       "left out\n",
			       cpu, (unsigned)s->apic_id, AP_TIMEOUT_MS);
			continue;
		}
		/* ap_main marks it online; wait for that so the count below is exact. */
		for (unsigned ms = 0; ms < AP_TIMEOUT_MS && hal_smp_state(cpu) != HAL_CPU_ONLINE; ms++)
			hal_udelay(1000);
	}
	printf("SMP: %u of %u CPU%s online (trampoline at phys 0x%05lx)\n", num_online_cpus(),
	       smp_nr_found, smp_nr_found == 1 ? "" : "s", (unsigned long)tramp_pa);
}
