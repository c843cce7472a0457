/*
 * The `bench [NAME [N]]` command: the mm/ benchmarks, one "BENCH name=...
 * n=... ops=... cycles_per_op=..." line per case, then the targets
 * as "TARGET ... PASS|MISS" lines.  NAME runs only the cases whose name
 * starts with it (page-alloc cases: alloc_free, mm_init), N only size N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mm/bench.h>
#include <mm/bench_vm.h>
#include <mm/vmalloc.h>
#include <shell.h>

static int cmd_bench(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;

	if (argc > 3)
		return shell_usage_error(shell_find(argv[0]), "takes at most a case name and a size");
	bench_opts = (struct bench_opts){ .only = only, .only_n = argc > 2 ? strtoul(argv[2], NULL, 0) : 0, .reps = 3 };
	bench_nr_records = 0;
	if (!only || !strncmp("alloc_free", only, strlen(only)) || !strncmp("mm_init", only, strlen(only)))
		bench_page_alloc(stdout);
	bench_vm(stdout);
	bench_targets(stdout);
	vmalloc_vmstat_show(stdout);
	return 0;
}
SHELL_CMD(bench, "bench", "[NAME [N]]", "run the memory-management benchmarks (cycles per operation)", cmd_bench);
