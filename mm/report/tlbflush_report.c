/*
 * The TLB shootdown counters for a person (the `tlbinfo` command): per online CPU, the kernel and
 * user flushes it started, the IPIs they sent and its local invalidations, then the totals.
 */
#include <stdio.h>

#include <mm/tlbflush.h>

void tlbflush_show(FILE *out)
{
	struct tlb_cpu_stats sum;
	cpumask_t online = hal_cpu_online_mask();

	fprintf(out, "%-5s %14s %14s %12s %12s %12s\n", "cpu", "kernel_flushes", "user_flushes",
		"ipis_sent", "local_pages", "local_alls");
	for (unsigned c = 0; c < NR_CPUS; c++) {
		const struct tlb_cpu_stats *s = &tlb_cpu_stats[c];

		if (!(online & (1u << c)) && !s->kernel_flushes && !s->user_flushes)
			continue;
		fprintf(out, "cpu%-2u %14lu %14lu %12lu %12lu %12lu\n", c, s->kernel_flushes,
			s->user_flushes, s->ipis_sent, s->local_pages, s->local_alls);
	}
	tlb_stats_total(&sum);
	fprintf(out, "total %14lu %14lu %12lu %12lu %12lu\n", sum.kernel_flushes, sum.user_flushes,
		sum.ipis_sent, sum.local_pages, sum.local_alls);
}
