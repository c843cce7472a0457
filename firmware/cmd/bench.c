/*
 * The `bench [NAME [N]]` command: the mm/ benchmarks, one "BENCH name=...
 * n=... ops=... cycles_per_op=..." line per case, then the speed targets
 * (tests/BENCHMARKS.md) as "TARGET ... PASS|MISS" lines.  NAME runs only the cases whose name
 * starts with it (page-alloc cases: alloc_free, mm_init), N only size N.  `bench smp [OPS]` runs
 * the per-CPU cases on every online CPU at once (mm/debug/bench_smp.c).
 */
#include <stdio.h>
#include <string.h>

#include <mm/debug/bench.h>
#include <mm/debug/bench_smp.h>
#include <mm/debug/bench_vm.h>
#include <mm/vmalloc.h>
#include <shell.h>
#include <smp.h>

/* `bench smp [OPS]`: the per-CPU cases, every online CPU at once through on_each_cpu. */
static int bench_smp(uint32_t ops)
{
	static struct bench_smp_run run;

	printf("bench smp: %u online CPUs, %u ops per CPU\n", num_online_cpus(), ops);
	if (bench_smp_prepare(&run, ops))
		return 1;
	on_each_cpu(bench_smp_kmap_atomic, &run);
	bench_smp_report(stdout, "kmap_atomic", &run);
	bench_smp_release(&run);
	memset(&run, 0, sizeof(run));
	run.ops = ops;
	vmlist_lock.max_write_hold = 0;
	vmlist_lock.total_write_hold = 0;
	vmlist_lock.writes = 0;
	on_each_cpu(bench_smp_vmalloc, &run);
	bench_smp_report(stdout, "vmalloc_vfree", &run);
	return 0;
}

static int cmd_bench(const struct shell_call *call, int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	uint32_t n = 0;

	if (argc > 2 && (!parse_u32(argv[2], &n) || n == 0))
		return shell_usage_error(call, "the size must be a positive number");
	if (only && !strcmp(only, "smp"))
		return bench_smp(n ? n : 100000);
	bench_opts = (struct bench_opts){ .only = only, .only_n = n, .reps = 3, .stop = shell_interrupted };
	bench_nr_records = 0;
	printf("bench: Ctrl-C stops after the case running\n");
	if (!only || !strncmp("alloc_free", only, strlen(only)) || !strncmp("mm_init", only, strlen(only)))
		bench_page_alloc(stdout);
	bench_vm(stdout);
	if (bench_opts.stopped) {
		printf("^C\nbench: stopped by Ctrl-C after %u cases\n", bench_nr_records);
		return 1;
	}
	if (!bench_nr_records) {
		printf("bench: no case named '%s'%s%s ran; 'bench' alone runs (and names) every case\n", only ? only : "",
		       argc > 2 ? " with size " : "", argc > 2 ? argv[2] : "");
		return 1;
	}
	bench_targets(stdout);
	vmalloc_vmstat_show(stdout);
	return 0;
}
SHELL_CMD(bench, "bench", "[NAME [N]]", 0, 2, "run the memory-management benchmarks (cycles per operation)", cmd_bench);
