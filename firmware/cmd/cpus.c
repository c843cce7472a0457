/*
 * `cpus`: every CPU found (ACPI MADT or MP table) with its number, local APIC ID, state, CPUID
 * features, timer ticks and the IPIs it received by kind, then a summary line tests parse.
 */
#include <stdio.h>

#include <hal/smpboot.h>
#include <shell.h>
#include <smp.h>
#include <smpboot.h>

static const char *state_name(enum hal_cpu_state s)
{
	switch (s) {
	case HAL_CPU_ONLINE:
		return "online";
	case HAL_CPU_PARKED:
		return "parked";
	case HAL_CPU_DEAD:
		return "not responding";
	case HAL_CPU_OFFLINE:
		return "offline";
	default:
		return "absent";
	}
}

/* The CPUID.1:EDX features worth a glance, as /proc/cpuinfo names them. */
static void print_features(uint32_t edx)
{
	static const struct {
		unsigned bit;
		const char *name;
	} f[] = { { 0, "fpu" }, { 3, "pse" }, { 4, "tsc" }, { 6, "pae" }, { 9, "apic" }, { 13, "pge" } };
	int n = 0;

	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (edx & (1u << f[i].bit))
			n += printf("%s%s", n ? " " : "", f[i].name);
	printf("%*s", n < 24 ? 24 - n : 0, "");
}

static int cmd_cpus(const struct shell_call *call, int argc, char **argv)
{
	unsigned online = 0, parked = 0, dead = 0, offline = 0;

	(void)call;
	(void)argc;
	(void)argv;
	printf("CPU APIC state           features                     ticks  IPIs: call    tlb  nmi"
	       "  shootdowns\n");
	for (unsigned cpu = 0; cpu < smp_nr_found; cpu++) {
		enum hal_cpu_state s = hal_smp_state(cpu);
		const struct hal_cpu_stats *st = hal_cpu_stats(cpu);

		online += s == HAL_CPU_ONLINE;
		parked += s == HAL_CPU_PARKED;
		dead += s == HAL_CPU_DEAD;
		offline += s == HAL_CPU_OFFLINE;
		printf("%3u %4u %-15s ", cpu, (unsigned)smp_cpus[cpu].apic_id, state_name(s));
		print_features(hal_cpu_features_edx(cpu));
		printf(" %10llu %10llu %6llu %4llu %11llu", (unsigned long long)st->ticks,
		       (unsigned long long)st->ipi_rx[HAL_IPI_CALL],
		       (unsigned long long)st->ipi_rx[HAL_IPI_TLB],
		       (unsigned long long)st->ipi_rx[HAL_IPI_NMI],
		       (unsigned long long)st->tlb_shootdowns);
		if (smp_cpus[cpu].why && s != HAL_CPU_ONLINE)
			printf("  (%s)", smp_cpus[cpu].why);
		printf("\n");
	}
	printf("cpus: %u found (%s), %u online, %u parked, %u not responding, %u offline\n",
	       smp_nr_found, smp_cpu_source, online, parked, dead, offline);
	return dead != 0;
}
SHELL_CMD(cpus, "cpus", "", 0, 0,
	  "list the CPUs: number, APIC ID, state, features, ticks, IPIs received, TLB shootdowns",
	  cmd_cpus);
