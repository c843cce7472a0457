/*
 * `mmcheck` and `ptcheck`: the memory manager's invariant checkers
 * (mm/mmcheck.h) on the running firmware (the page tables of every task's
 * address space included), and a self test that runs them.
 * Each prints every violation it finds and ends with a line
 * "<command>: N violations" that tests look for.
 */
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/cpu.h>
#include <hal/mmu.h>
#include <hal/x86.h>
#include <mm/debug/mmcheck.h>
#include <mm/paging.h>
#include <mm/mm_types.h>
#include <selftest.h>
#include <shell.h>
#include <smp.h>
#include <task.h>

/* mmcheck_pgtables on the kernel page directory and on every live task's address space. */
static unsigned long pgtables_in_use(FILE *out)
{
	unsigned long n = mmcheck_pgtables(out, swapper_pg_dir, false);

	for (unsigned i = 0; i < NR_TASKS; i++) {
		const struct mm_struct *mm = tasks[i].mm;
		bool seen = false;

		if (tasks[i].state != TASK_RUNNING || !mm)
			continue;
		for (unsigned j = 0; j < i; j++) /* threads share an mm: check it once */
			seen |= tasks[j].state == TASK_RUNNING && tasks[j].mm == mm;
		if (!seen)
			n += mmcheck_pgtables(out, mm->pgd, true);
	}
	return n;
}

static int mmcheck_parked(const struct shell_call *call, int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned long (*fn)(FILE *out);
	} parts[] = {
		{ "buddy", mmcheck_buddy },   { "slab", mmcheck_slab },     { "vmalloc", mmcheck_vmalloc },
		{ "pkmap", mmcheck_pkmap },   { "fixmap", mmcheck_fixmap },
	};
	struct mmcheck_image img;
	struct ptcheck_stats st;
	unsigned long total = 0, n;
	bool any = false;

	firmware_mmcheck_image(&img);
	for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (argc == 2 && strcmp(argv[1], parts[i].name))
			continue;
		any = true;
		n = parts[i].fn(stdout);
		printf("mmcheck: %-8s %s\n", parts[i].name, n ? "FAILED" : "ok");
		total += n;
	}
	if (argc == 1 || !strcmp(argv[1], "pgtable")) {
		any = true;
		n = pgtables_in_use(stdout);
		printf("mmcheck: %-8s %s\n", "pgtable", n ? "FAILED" : "ok");
		total += n;
	}
	if (argc == 1 || !strcmp(argv[1], "pt")) {
		any = true;
		n = ptcheck(stdout, swapper_pg_dir, &img, &st);
		printf("mmcheck: %-8s %s\n", "pt", n ? "FAILED" : "ok");
		total += n;
	}
	if (!any)
		return shell_usage_error(call, "no such part");
	printf("mmcheck: %lu violations\n", total);
	return total != 0;
}
/*
 * Run a checker with every other CPU parked (interrupts off, in a loop that only serves TLB
 * shootdowns), so no CPU changes the structures it walks; the line before its report says how
 * many were parked.
 */
static int run_parked(const char *name, int (*fn)(const struct shell_call *, int, char **),
		      const struct shell_call *call, int argc, char **argv)
{
	cpumask_t parked = smp_park_others();
	int r;

	printf("%s: %d other CPU%s parked\n", name, __builtin_popcount(parked),
	       __builtin_popcount(parked) == 1 ? "" : "s");
	r = fn(call, argc, argv);
	smp_unpark_others(parked);
	return r;
}

static int cmd_mmcheck(const struct shell_call *call, int argc, char **argv)
{
	return run_parked("mmcheck", mmcheck_parked, call, argc, argv);
}
SHELL_CMD(mmcheck, "mmcheck", "[buddy|slab|vmalloc|pkmap|fixmap|pgtable|pt]", 0, 1,
	  "check the memory manager's invariants (all parts, or one) and report every violation", cmd_mmcheck);

static int ptcheck_parked(const struct shell_call *call, int argc, char **argv)
{
	struct mmcheck_image img;
	struct ptcheck_stats st;

	firmware_mmcheck_image(&img);
	ptcheck(stdout, swapper_pg_dir, &img, &st);
	ptcheck_print_stats(stdout, &st);
	printf("protections: CR0.WP %s, SMEP %s, SMAP %s, NX %s, stack protector on (canary %s)\n",
	       read_cr0() & CR0_WP ? "on" : "off",
	       read_cr4() & CR4_SMEP ? "on" : hal_cpu_has(HAL_FEAT_SMEP) ? "OFF" : "not on this CPU",
	       read_cr4() & CR4_SMAP ? "on" : hal_cpu_has(HAL_FEAT_SMAP) ? "OFF" : "not on this CPU",
	       st.wx_enforced ? "on" : hal_cpu_has(HAL_FEAT_NX) ? "needs PAE" : "not on this CPU",
	       __stack_chk_guard ? "set" : "NOT SET");
	return st.violations != 0;
}

static int cmd_ptcheck(const struct shell_call *call, int argc, char **argv)
{
	return run_parked("ptcheck", ptcheck_parked, call, argc, argv);
}
SHELL_CMD(ptcheck, "ptcheck", "", 0, 0,
	  "walk the kernel page tables: every mapping in its region with its permissions, W+X, strays", cmd_ptcheck);

static int selftest_mmcheck(const struct selftest *t)
{
	struct mmcheck_image img;
	unsigned long n;
	cpumask_t parked = smp_park_others();

	firmware_mmcheck_image(&img);
	n = mmcheck_all(stdout, &img);
	smp_unpark_others(parked);
	if (n)
		printf("# mmcheck: %lu violations\n", n);
	return n != 0;
}
SELFTEST(mmcheck, selftest_mmcheck);
