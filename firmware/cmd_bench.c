/* The `bench` command: the mm/ benchmarks, one "BENCH name=... n=... ops=... cycles_per_op=..." line per case. */
#include <stdio.h>

#include <mm/bench.h>
#include <mm/bench_vm.h>
#include <shell.h>

static int cmd_bench(int argc, char **argv)
{
	if (argc > 1)
		return shell_usage_error(shell_find(argv[0]), "takes no arguments");
	bench_page_alloc(stdout);
	bench_vm(stdout);
	return 0;
}
SHELL_CMD(bench, "bench", "", "run the memory-management benchmarks (cycles per operation)", cmd_bench);
