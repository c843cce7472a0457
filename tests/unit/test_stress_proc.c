/*
 * The stress engine's process mix on the fake machine (ASan/UBSan):
 * mmap/munmap/mprotect/touch/fork/exit of in-kernel address spaces mixed
 * into the kernel-allocation stress, with and without failure injection,
 * ends with no leak of pages, page tables, slab objects (mm_struct,
 * vm_area_struct, anon_vma, filp counted one by one), no invariant
 * violation and no word lost from a private page; a run replays from its
 * seed; a proc_percent of 0 is the plain stress, draw for draw; a leaked
 * address space is caught.
 */
#define _GNU_SOURCE /* fopencookie */
#include "test_hardening.h"

#include <mm/debug/fault_inject.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/debug/stress.h>

static FILE *devnull;

static void boot_with_procs(uint64_t ram)
{
	hb_boot(ram);
	proc_mm_init();
	sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
	devnull = fopen("/dev/null", "w");
}

static int boot1g(void **state)
{
	(void)state;
	boot_with_procs(1 * GiB);
	return 0;
}

static int boot32m(void **state)
{
	(void)state;
	boot_with_procs(32 * MiB);
	return 0;
}

static int finish(void **state)
{
	(void)state;
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	fclose(devnull);
	return 0;
}

static void run(uint64_t seed, unsigned long ops, unsigned long check_every, unsigned pct, struct stress_result *res,
		FILE *out)
{
	struct stress_config cfg = {
		.seed = seed, .ops = ops, .check_every = check_every, .img = &hb_image, .out = out, .quiet = devnull,
		.proc_percent = pct,
	};

	stress_run(&cfg, res);
	if (!res->ok)
		print_error("seed %llu failed: %lu violations, %lu corruptions, free pages off by %ld, mm_struct %ld, "
			    "vma %ld, anon_vma %ld, filp %ld, page tables %ld\n",
			    (unsigned long long)seed, res->violations, res->corruptions, res->leak_free_pages,
			    res->leak_mm_structs, res->leak_vmas, res->leak_anon_vmas, res->leak_files,
			    res->leak_pagetables);
}

static void assert_clean_proc_result(const struct stress_result *r, unsigned long ops)
{
	stress_assert_clean(r, ops);
	assert_int_equal(r->leak_mm_structs, 0);
	assert_int_equal(r->leak_vmas, 0);
	assert_int_equal(r->leak_anon_vmas, 0);
	assert_int_equal(r->leak_files, 0);
	for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
		assert_true(r->proc_op_count[i] > 0);
	assert_int_equal(proc_mm_objects(), 0);
}

static void test_200k_ops_with_processes(void **state)
{
	struct stress_result r;
	unsigned long procs = 0;

	(void)state;
	run(20240601, 200000, 20000, 30, &r, stdout);
	assert_clean_proc_result(&r, 200000);
	assert_int_equal(r.injected, 0);
	for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
		procs += r.proc_op_count[i];
	assert_true(procs > 50000 && procs < 70000); /* 30% of the operations */
	assert_int_equal(r.max_mms, STRESS_MAX_MMS);
	assert_true(r.max_rss > 100);
	assert_true(r.cow_checks > 1000);
	hb_assert_clean();
}

static void test_200k_ops_with_processes_and_random_injection(void **state)
{
	struct stress_result r;

	(void)state;
	fault_inject_set(FAULT_INJECT_RANDOM, 50, 4242);
	run(99, 200000, 20000, 40, &r, stdout);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	assert_clean_proc_result(&r, 200000);
	assert_true(r.injected > 1000);
	assert_true(r.failures >= r.injected);
	hb_assert_clean();
}

/* Every 7th allocation failing: fork, fault and split fail all the time and must unwind. */
static void test_nth_injection_small_machine(void **state)
{
	struct stress_result r;

	(void)state;
	fault_inject_set(FAULT_INJECT_NTH, 7, 0);
	run(31337, 50000, 5000, 60, &r, stdout);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	assert_clean_proc_result(&r, 50000);
	assert_true(r.injected > 2000);
	hb_assert_clean();
}

static void test_processes_only(void **state)
{
	struct stress_result r;

	(void)state;
	run(7, 30000, 3000, 100, &r, stdout);
	assert_true(r.ok);
	for (unsigned i = 0; i < STRESS_NR_OPS; i++)
		assert_int_equal(r.op_count[i], 0);
	for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
		assert_true(r.proc_op_count[i] > 0);
	hb_assert_clean();
}

static void test_replays_from_seed(void **state)
{
	struct stress_result a, b, c;

	(void)state;
	run(5, 20000, 0, 30, &a, devnull);
	run(5, 20000, 0, 30, &b, devnull);
	run(6, 20000, 0, 30, &c, devnull);
	assert_true(a.ok && b.ok && c.ok);
	assert_memory_equal(a.op_count, b.op_count, sizeof(a.op_count));
	assert_memory_equal(a.proc_op_count, b.proc_op_count, sizeof(a.proc_op_count));
	assert_int_equal(a.cow_checks, b.cow_checks);
	assert_int_equal(a.max_rss, b.max_rss);
	assert_memory_not_equal(a.proc_op_count, c.proc_op_count, sizeof(a.proc_op_count));
}

/* Without the process mix the generator is drawn exactly as before it existed: the same kernel operations. */
static void test_no_processes_is_the_plain_stress(void **state)
{
	struct stress_result a;

	(void)state;
	run(5, 20000, 0, 0, &a, devnull);
	assert_true(a.ok);
	for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
		assert_int_equal(a.proc_op_count[i], 0);
	assert_int_equal(a.max_mms, 0);
	assert_int_equal(a.cow_checks, 0);
}

/* A quiet stream whose first write (a failure message) leaks an address space with a region and a page in it. */
static struct mm_struct *planted;

static ssize_t planting_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	(void)buf;
	if (!planted) {
		struct fault_inject_state saved = fault_inject;

		fault_inject_set(FAULT_INJECT_OFF, 0, 0);
		planted = mm_alloc();
		if (planted && !IS_ERR_VALUE(do_mmap(planted, NULL, 0x50000000u, PAGE_SIZE, PROT_READ | PROT_WRITE,
						     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0))) {
			uint8_t v = 1;

			access_process_vm(planted, 0x50000000u, &v, 1, true);
		}
		fault_inject = saved;
	}
	return (ssize_t)n;
}

static void test_planted_mm_leak_is_caught(void **state)
{
	cookie_io_functions_t io = { .write = planting_write };
	FILE *quiet = fopencookie(NULL, "w", io);
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	struct stress_config cfg = {
		.seed = 12, .ops = 5000, .check_every = 500, .img = &hb_image, .out = out, .quiet = quiet,
		.proc_percent = 50,
	};
	struct stress_result r;

	(void)state;
	setvbuf(quiet, NULL, _IONBF, 0);
	planted = NULL;
	fault_inject_set(FAULT_INJECT_NTH, 5, 0);
	stress_run(&cfg, &r);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	fclose(quiet);
	fclose(out);
	assert_non_null(planted);
	assert_false(r.ok);
	assert_int_equal(r.leak_mm_structs, 1);
	assert_int_equal(r.leak_vmas, 1);
	assert_int_equal(r.leak_anon_vmas, 1);
	assert_true(r.leak_pagetables >= 2); /* the page directory and one page table */
	assert_non_null(strstr(text, "stress: process leaks: mm_struct 1, vm_area_struct 1, anon_vma 1, filp 0"));
	assert_non_null(strstr(text, "FAILED"));
	free(text);
	mmput(planted);
	hb_assert_clean();
}

int main(void)
{
	const struct CMUnitTest big[] = {
		cmocka_unit_test(test_200k_ops_with_processes),
		cmocka_unit_test(test_200k_ops_with_processes_and_random_injection),
		cmocka_unit_test(test_processes_only),
		cmocka_unit_test(test_replays_from_seed),
		cmocka_unit_test(test_no_processes_is_the_plain_stress),
		cmocka_unit_test(test_planted_mm_leak_is_caught),
	};
	const struct CMUnitTest small[] = {
		cmocka_unit_test(test_nth_injection_small_machine),
	};
	int failed = cmocka_run_group_tests_name("stress_proc_1g", big, boot1g, finish);

	failed += cmocka_run_group_tests_name("stress_proc_32m", small, boot32m, finish);
	return failed;
}
