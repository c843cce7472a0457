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
#include <json.h>
#include <mm/debug/mmcheck.h>
#include <mm/paging.h>
#include <mm/pcp.h>
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

/* Violation messages of a -j report, listed in its one line instead of printed before it. */
static char messages[4096];

/* Where the checkers print: stdout, or with -j messages[] (NULL if it cannot be opened). */
static FILE *report_to(bool json)
{
	if (!json)
		return stdout;
	memset(messages, 0, sizeof(messages));
	return fmemopen(messages, sizeof(messages) - 1, "w");
}

/* Take "-j" off the words: true when it was there. */
static bool take_json(int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++)
		if (!strcmp(argv[i], "-j")) {
			for (int j = i; j < *argc - 1; j++)
				argv[j] = argv[j + 1];
			(*argc)--;
			return true;
		}
	return false;
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
	static const char *const others[] = { "pgtable", "pt" };
	struct mmcheck_image img;
	struct ptcheck_stats st;
	unsigned long total = 0, found[sizeof(parts) / sizeof(parts[0]) + 2];
	bool json = take_json(&argc, argv), ran[sizeof(found) / sizeof(found[0])] = { false };
	const unsigned nparts = sizeof(parts) / sizeof(parts[0]);
	struct json_writer w;
	FILE *out;
	bool known = argc == 1;

	if (argc > 2)
		return shell_usage_error(call, "takes one part and -j at most");
	for (unsigned i = 0; i < nparts + 2 && !known; i++)
		known = !strcmp(argv[1], i < nparts ? parts[i].name : others[i - nparts]);
	if (!known)
		return shell_usage_error(call, "no such part");
	out = report_to(json);
	firmware_mmcheck_image(&img);
	for (unsigned i = 0; i < nparts + 2; i++) {
		const char *name = i < nparts ? parts[i].name : others[i - nparts];

		if (argc == 2 && strcmp(argv[1], name))
			continue;
		ran[i] = true;
		if (i < nparts)
			found[i] = parts[i].fn(out);
		else if (i == nparts)
			found[i] = pgtables_in_use(out);
		else
			found[i] = ptcheck(out, swapper_pg_dir, &img, &st);
		if (!json)
			printf("mmcheck: %-8s %s\n", name, found[i] ? "FAILED" : "ok");
		total += found[i];
	}
	if (!json) {
		printf("mmcheck: %lu violations\n", total);
		return total != 0;
	}
	if (out)
		fclose(out);
	json_begin(&w, stdout);
	json_object(&w, "parts");
	for (unsigned i = 0; i < nparts + 2; i++)
		if (ran[i])
			json_uint(&w, i < nparts ? parts[i].name : others[i - nparts], found[i]);
	json_end(&w);
	json_uint(&w, "violations", total);
	json_lines(&w, "messages", messages);
	json_finish(&w);
	return total != 0;
}
/*
 * Run a checker with every other CPU parked (interrupts off, in a loop that only serves TLB
 * shootdowns), so no CPU changes the structures it walks; the line before its report says how
 * many were parked (not with -j, whose report is its one line).
 */
static int run_parked(const char *name, int (*fn)(const struct shell_call *, int, char **),
		      const struct shell_call *call, int argc, char **argv)
{
	cpumask_t parked;
	bool json = false;
	int r;

	/* Every CPU's per-CPU page lists back on the buddy lists while the CPUs still run (a parked
	 * CPU cannot drain its own); the checkers count what is freed to them meanwhile. */
	drain_all_pages();
	parked = smp_park_others();

	for (int i = 1; i < argc; i++)
		json |= !strcmp(argv[i], "-j");
	if (!json)
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
SHELL_CMD(mmcheck, "mmcheck", "[buddy|slab|vmalloc|pkmap|fixmap|pgtable|pt] [-j]", 0, 2,
	  "check the memory manager's invariants (all parts, or one) and report every violation "
	  "(-j: JSON, violations per part)", cmd_mmcheck);

static int ptcheck_parked(const struct shell_call *call, int argc, char **argv)
{
	struct mmcheck_image img;
	struct ptcheck_stats st;
	struct json_writer w;
	const char *wp, *smep, *smap, *nx;
	bool json;
	FILE *out;
	int bad;

	if ((bad = shell_json_flag(call, argc, argv, &json)))
		return bad;
	out = report_to(json);
	firmware_mmcheck_image(&img);
	ptcheck(out, swapper_pg_dir, &img, &st);
	wp = read_cr0() & CR0_WP ? "on" : "off";
	smep = read_cr4() & CR4_SMEP ? "on" : hal_cpu_has(HAL_FEAT_SMEP) ? "OFF" : "not on this CPU";
	smap = read_cr4() & CR4_SMAP ? "on" : hal_cpu_has(HAL_FEAT_SMAP) ? "OFF" : "not on this CPU";
	nx = st.wx_enforced ? "on" : hal_cpu_has(HAL_FEAT_NX) ? "needs PAE" : "not on this CPU";
	if (!json) {
		ptcheck_print_stats(stdout, &st);
		printf("protections: CR0.WP %s, SMEP %s, SMAP %s, NX %s, stack protector on (canary %s)\n", wp,
		       smep, smap, nx, __stack_chk_guard ? "set" : "NOT SET");
		return st.violations != 0;
	}
	if (out)
		fclose(out);
	json_begin(&w, stdout);
	json_uint(&w, "tables", st.tables);
	json_uint(&w, "large_pages", st.large_pages);
	json_uint(&w, "linear", st.linear);
	json_uint(&w, "linear_ro", st.linear_ro);
	json_uint(&w, "vmalloc", st.vmalloc);
	json_uint(&w, "pkmap", st.pkmap);
	json_uint(&w, "fixmap", st.fixmap);
	json_uint(&w, "writable_exec", st.writable_exec);
	json_bool(&w, "wx_enforced", st.wx_enforced);
	json_uint(&w, "violations", st.violations);
	json_object(&w, "protections");
	json_string(&w, "cr0_wp", wp);
	json_string(&w, "smep", smep);
	json_string(&w, "smap", smap);
	json_string(&w, "nx", nx);
	json_bool(&w, "canary", __stack_chk_guard != 0);
	json_end(&w);
	json_lines(&w, "messages", messages);
	json_finish(&w);
	return st.violations != 0;
}
static int cmd_ptcheck(const struct shell_call *call, int argc, char **argv)
{
	return run_parked("ptcheck", ptcheck_parked, call, argc, argv);
}
SHELL_CMD(ptcheck, "ptcheck", "[-j]", 0, 1,
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
