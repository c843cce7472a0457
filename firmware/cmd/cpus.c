/*
 * `cpus`: every CPU found (ACPI MADT or MP table) with its number, local APIC ID, state, CPUID
 * features, timer ticks and the IPIs it received by kind, then a summary line; `cpus -j` is the
 * same as one JSON object on one line.
 */
#include <stdio.h>

#include <hal/smpboot.h>
#include <json.h>
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
static const struct {
	unsigned bit;
	const char *name;
} features[] = { { 0, "fpu" },  { 3, "pse" },  { 4, "tsc" },
		 { 6, "pae" },  { 9, "apic" }, { 13, "pge" } };

#define NR_FEATURES (sizeof(features) / sizeof(features[0]))

static void print_features(uint32_t edx)
{
	int n = 0;

	for (unsigned i = 0; i < NR_FEATURES; i++)
		if (edx & (1u << features[i].bit))
			n += printf("%s%s", n ? " " : "", features[i].name);
	printf("%*s", n < 24 ? 24 - n : 0, "");
}

/* The CPUs as JSON: the summary line's counts and one object per CPU with the table's columns. */
static void cpus_json(struct json_writer *w, const unsigned counts[4])
{
	json_uint(w, "found", smp_nr_found);
	json_string(w, "source", smp_cpu_source);
	json_uint(w, "online", counts[0]);
	json_uint(w, "parked", counts[1]);
	json_uint(w, "not_responding", counts[2]);
	json_uint(w, "offline", counts[3]);
	json_array(w, "cpus");
	for (unsigned cpu = 0; cpu < smp_nr_found; cpu++) {
		enum hal_cpu_state s = hal_smp_state(cpu);
		const struct hal_cpu_stats *st = hal_cpu_stats(cpu);
		uint32_t edx = hal_cpu_features_edx(cpu);

		json_object(w, NULL);
		json_uint(w, "cpu", cpu);
		json_uint(w, "apic_id", smp_cpus[cpu].apic_id);
		json_string(w, "state", state_name(s));
		json_array(w, "features");
		for (unsigned i = 0; i < NR_FEATURES; i++)
			if (edx & (1u << features[i].bit))
				json_string(w, NULL, features[i].name);
		json_end(w);
		json_uint(w, "ticks", st->ticks);
		json_object(w, "ipis");
		json_uint(w, "call", st->ipi_rx[HAL_IPI_CALL]);
		json_uint(w, "tlb", st->ipi_rx[HAL_IPI_TLB]);
		json_uint(w, "nmi", st->ipi_rx[HAL_IPI_NMI]);
		json_end(w);
		json_uint(w, "shootdowns", st->tlb_shootdowns);
		json_string(w, "why",
			    smp_cpus[cpu].why && s != HAL_CPU_ONLINE ? smp_cpus[cpu].why : NULL);
		json_end(w);
	}
	json_end(w);
}

static int cmd_cpus(const struct shell_call *call, int argc, char **argv)
{
	unsigned online = 0, parked = 0, dead = 0, offline = 0;
	bool json;
	int bad;

	if ((bad = shell_json_flag(call, argc, argv, &json)))
		return bad;
	if (json) {
		struct json_writer w;
		unsigned counts[4] = { 0 };

		for (unsigned cpu = 0; cpu < smp_nr_found; cpu++) {
			enum hal_cpu_state s = hal_smp_state(cpu);

			counts[0] += s == HAL_CPU_ONLINE;
			counts[1] += s == HAL_CPU_PARKED;
			counts[2] += s == HAL_CPU_DEAD;
			counts[3] += s == HAL_CPU_OFFLINE;
		}
		json_begin(&w, stdout);
		cpus_json(&w, counts);
		return json_finish(&w) || counts[2] ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
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
SHELL_CMD(cpus, "cpus", "[-j]", 0, 1,
	  "list the CPUs: number, APIC ID, state, features, ticks, IPIs received, TLB shootdowns",
	  cmd_cpus);
