/*
 * The mm benchmarks that run on every CPU at once (the firmware starts the workers with
 * on_each_cpu): kmap_atomic+kunmap_atomic on each CPU's own slot (no IPI, no lock: the cost should
 * not grow with the CPUs), and vmalloc+vfree hammered from every CPU (vmlist_lock and zone->lock
 * contention, with vmlist_lock's longest write hold).
 */
#ifndef MM_BENCH_SMP_H
#define MM_BENCH_SMP_H

#include <stdint.h>
#include <stdio.h>

#include <hal/smp.h>

struct page;

/* One run: the operations each CPU does, and what each measured. */
struct bench_smp_run {
	unsigned long ops;            /* per CPU */
	struct page *pages[NR_CPUS];  /* kmap_atomic: one high page per CPU (set by bench_smp_prepare) */
	uint64_t cycles[NR_CPUS];     /* per CPU: hal_cycles() its loop took (0: did not run) */
	unsigned long ipis[NR_CPUS];  /* per CPU: shootdown IPIs it sent during the loop */
	unsigned long failures[NR_CPUS]; /* vmalloc: failed allocations */
};

/* Take one high page per CPU for the kmap_atomic worker; 0, or -1 (reported) without high memory. */
int bench_smp_prepare(struct bench_smp_run *run, unsigned long ops);

/* Give back what bench_smp_prepare took. */
void bench_smp_release(struct bench_smp_run *run);

/* Worker (smp_call_fn shape): run->ops kmap_atomic+kunmap_atomic of this CPU's page on cpu. */
void bench_smp_kmap_atomic(void *run, unsigned cpu);

/* Worker: run->ops vmalloc(one page)+vfree on cpu. */
void bench_smp_vmalloc(void *run, unsigned cpu);

/* Print "BENCH name=<name>_smp n=<cpus> cpu=<c> ops=<ops> cycles_per_op=<c> ipis=<n>" per CPU that
 * ran, then the total throughput line (and, for vmalloc, vmlist_lock's longest write hold). */
void bench_smp_report(FILE *out, const char *name, const struct bench_smp_run *run);

#endif
