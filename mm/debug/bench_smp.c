/*
 * The per-CPU mm benchmarks (mm/include/mm/debug/bench_smp.h).  Each worker times its own loop
 * with hal_cycles() and counts the shootdown IPIs its CPU sent, so the report can show that
 * kmap_atomic sends none and what vmalloc+vfree costs when every CPU hammers vmlist_lock.
 */
#include <string.h>

#include <hal/cpu.h>
#include <mm/debug/bench_smp.h>
#include <mm/fixmap.h>
#include <mm/gfp.h>
#include <mm/highmem.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/printk.h>
#include <mm/tlbflush.h>
#include <mm/vmalloc.h>

int bench_smp_prepare(struct bench_smp_run *run, unsigned long ops)
{
	memset(run, 0, sizeof(*run));
	run->ops = ops;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		run->pages[c] = alloc_page(GFP_HIGHUSER | __GFP_NOWARN);
		if (!run->pages[c] || !page_is_highmem(run->pages[c])) {
			printk("bench: the per-CPU kmap_atomic case needs %u high pages\n", NR_CPUS);
			bench_smp_release(run);
			return -1;
		}
	}
	return 0;
}

void bench_smp_release(struct bench_smp_run *run)
{
	for (unsigned c = 0; c < NR_CPUS; c++)
		if (run->pages[c]) {
			__free_page(run->pages[c]);
			run->pages[c] = NULL;
		}
}

void bench_smp_kmap_atomic(void *arg, unsigned cpu)
{
	struct bench_smp_run *run = arg;
	struct page *page = run->pages[cpu];
	unsigned long ipis = tlb_cpu_stats[cpu].ipis_sent;
	uint64_t t0 = hal_cycles();

	for (unsigned long i = 0; i < run->ops; i++)
		kunmap_atomic(kmap_atomic(page, KM_USER0), KM_USER0);
	run->cycles[cpu] = hal_cycles() - t0;
	run->ipis[cpu] = tlb_cpu_stats[cpu].ipis_sent - ipis;
}

void bench_smp_vmalloc(void *arg, unsigned cpu)
{
	struct bench_smp_run *run = arg;
	unsigned long ipis = tlb_cpu_stats[cpu].ipis_sent;
	uint64_t t0 = hal_cycles();

	for (unsigned long i = 0; i < run->ops; i++) {
		vaddr_t va = vmalloc(PAGE_SIZE);

		if (!va) {
			run->failures[cpu]++;
			continue;
		}
		vfree(va);
	}
	run->cycles[cpu] = hal_cycles() - t0;
	run->ipis[cpu] = tlb_cpu_stats[cpu].ipis_sent - ipis;
}

void bench_smp_report(FILE *out, const char *name, const struct bench_smp_run *run)
{
	unsigned cpus = 0;
	uint64_t slowest = 0;
	unsigned long ipis = 0, failures = 0;

	for (unsigned c = 0; c < NR_CPUS; c++)
		cpus += run->cycles[c] != 0;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		if (!run->cycles[c])
			continue;
		fprintf(out, "BENCH name=%s_smp n=%u cpu=%u ops=%lu cycles_per_op=%llu ipis=%lu\n", name, cpus,
			c, run->ops, (unsigned long long)(run->cycles[c] / (run->ops ? run->ops : 1)),
			run->ipis[c]);
		if (run->cycles[c] > slowest)
			slowest = run->cycles[c];
		ipis += run->ipis[c];
		failures += run->failures[c];
	}
	fprintf(out, "# %s_smp: %u CPUs x %lu ops in %llu cycles (slowest CPU): %llu ops per million "
		"cycles, %lu IPIs, %lu failures\n", name, cpus, run->ops, (unsigned long long)slowest,
		(unsigned long long)(slowest ? (uint64_t)cpus * run->ops * 1000000ull / slowest : 0), ipis,
		failures);
	if (!strcmp(name, "vmalloc_vfree"))
		fprintf(out, "# vmlist_lock: %lu write holds, longest %llu cycles, mean %llu cycles "
			"(lock debug mode)\n", vmlist_lock.writes,
			(unsigned long long)vmlist_lock.max_write_hold,
			(unsigned long long)(vmlist_lock.writes ?
				vmlist_lock.total_write_hold / vmlist_lock.writes : 0));
}
