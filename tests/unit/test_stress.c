/*
 * The stress engine on the fake machine (ASan/UBSan): long runs with and
 * without failure injection end with no leak, no corruption and no
 * invariant violation; a run replays exactly from its seed; a planted leak
 * and a planted corruption are caught.  Seeds that once failed are kept in
 * regression_seeds[] and replayed.
 */
#define _GNU_SOURCE /* fopencookie */
#include "test_hardening.h"

#include <mm/debug/fault_inject.h>
#include <mm/debug/stress.h>

/* Seeds that made a run fail once, replayed by test_regression_seeds (none has failed yet). */
static const uint64_t regression_seeds[] = { 1, 0xdeadbeef };

static FILE *devnull;

static int boot1g(void **state)
{
	hb_boot(1 * GiB);
	devnull = fopen("/dev/null", "w");
	return 0;
}

static int boot32m(void **state)
{
	hb_boot(32 * MiB);
	devnull = fopen("/dev/null", "w");
	return 0;
}

static int finish(void **state)
{
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	fclose(devnull);
	return 0;
}

static void run(uint64_t seed, unsigned long ops, unsigned long check_every, struct stress_result *res, FILE *out)
{
	struct stress_config cfg = {
		.seed = seed, .ops = ops, .check_every = check_every, .img = &hb_image, .out = out, .quiet = devnull,
	};

	stress_run(&cfg, res);
	if (!res->ok)
		print_error("seed %llu failed: %lu violations, %lu corruptions, free pages off by %ld\n",
			    (unsigned long long)seed, res->violations, res->corruptions, res->leak_free_pages);
}


static void test_200k_ops(void **state)
{
	struct stress_result r;

	run(20240101, 200000, 20000, &r, stdout);
	stress_assert_clean(&r, 200000);
	assert_int_equal(r.injected, 0);
	assert_true(r.checks >= 11);
	hb_assert_clean();
}

static void test_200k_ops_random_injection(void **state)
{
	struct stress_result r;

	fault_inject_set(FAULT_INJECT_RANDOM, 50, 99);
	run(777, 200000, 20000, &r, stdout);
	stress_assert_clean(&r, 200000);
	assert_true(r.injected > 1000);
	assert_true(r.failures >= r.injected);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	hb_assert_clean();
}

/*
 * One worker per CPU as firmware's on_each_cpu runs them, here three CPUs one after the other: each
 * worker keeps its own tables while all share the allocators.
 */
static void three_cpus(void (*fn)(void *arg, unsigned cpu), void *arg)
{
	for (unsigned cpu = 0; cpu < 3; cpu++)
		fn(arg, cpu);
}

static void run_workers(uint64_t seed, unsigned long ops, struct stress_result *r)
{
	struct stress_config cfg = { .seed = seed, .ops = ops, .check_every = 10000, .img = &hb_image,
				     .out = stdout, .quiet = devnull, .on_each_cpu = three_cpus };

	stress_run(&cfg, r);
}

static void test_one_worker_per_cpu(void **state)
{
	struct stress_result r;

	run_workers(4242, 60001, &r);
	stress_assert_clean(&r, 60001);
	assert_int_equal(r.workers, 3);
	/*
	 * Each round of 10,000 operations is split evenly (3334, 3333, 3333), and the total is the sum
	 * of the workers'.
	 */
	assert_int_equal(r.worker_ops[0], 6 * 3334 + 1);
	assert_int_equal(r.worker_ops[1], 6 * 3333);
	assert_int_equal(r.worker_ops[2], 6 * 3333);
	assert_int_equal(r.worker_ops[3], 0);
	assert_true(r.checks >= 7);
	hb_assert_clean();
	/* With failure injection the accounting still comes out exact. */
	fault_inject_set(FAULT_INJECT_RANDOM, 40, 7);
	run_workers(4243, 60000, &r);
	stress_assert_clean(&r, 60000);
	assert_true(r.injected > 100);
	assert_true(r.failures >= r.injected);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	hb_assert_clean();
}

static void test_nth_injection_small_machine(void **state)
{
	struct stress_result r;

	fault_inject_set(FAULT_INJECT_NTH, 7, 0);
	run(31337, 50000, 5000, &r, stdout);
	stress_assert_clean(&r, 50000);
	assert_true(r.injected > 1000);
	hb_assert_clean();
}

static void test_replays_from_seed(void **state)
{
	struct stress_result a, b, c;

	run(5, 20000, 0, &a, devnull);
	run(5, 20000, 0, &b, devnull);
	run(6, 20000, 0, &c, devnull);
	assert_true(a.ok && b.ok && c.ok);
	assert_memory_equal(a.op_count, b.op_count, sizeof(a.op_count));
	assert_int_equal(a.failures, b.failures);
	assert_int_equal(a.max_live_pages, b.max_live_pages);
	assert_memory_not_equal(a.op_count, c.op_count, sizeof(a.op_count));
}

static void test_regression_seeds(void **state)
{
	for (unsigned i = 0; i < sizeof(regression_seeds) / sizeof(regression_seeds[0]); i++) {
		struct stress_result r;

		run(regression_seeds[i], 20000, 2000, &r, stdout);
		stress_assert_clean(&r, 20000);
	}
}

/*
 * Planting trouble in the middle of a run: a quiet stream whose writes (the
 * failure messages that injection provokes) leak one page, or break the
 * buddy allocator's books, the first time they happen.
 */
static int plant_kind; /* 1: leak a page; 2: miscount a free list */
static struct page *planted;

static ssize_t planting_write(void *cookie, const char *buf, size_t n)
{
	struct zone *z = &contig_page_data.node_zones[ZONE_NORMAL];

	(void)cookie;
	(void)buf;
	if (plant_kind == 1 && !planted) {
		while (!(planted = alloc_page(GFP_KERNEL | __GFP_NOWARN)))
			;
	} else if (plant_kind == 2 && !planted) {
		/* A free-list counter off by one: the allocator never heals it, the next check must see it. */
		z->free_area[3].nr_free++;
		planted = mem_map;
	}
	return (ssize_t)n;
}

static void run_planted(int kind, struct stress_result *r, char **text)
{
	cookie_io_functions_t io = { .write = planting_write };
	FILE *quiet = fopencookie(NULL, "w", io);
	size_t len;
	FILE *out = open_memstream(text, &len);
	struct stress_config cfg = {
		.seed = 11, .ops = 5000, .check_every = 500, .img = &hb_image, .out = out, .quiet = quiet,
	};

	setvbuf(quiet, NULL, _IONBF, 0);
	plant_kind = kind;
	planted = NULL;
	fault_inject_set(FAULT_INJECT_NTH, 5, 0);
	stress_run(&cfg, r);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	fclose(quiet);
	fclose(out);
	assert_non_null(planted);
}

static void test_planted_leak_is_caught(void **state)
{
	struct stress_result r;
	char *text = NULL;

	run_planted(1, &r, &text);
	assert_false(r.ok);
	assert_int_equal(r.leak_free_pages, 1);
	assert_non_null(strstr(text, "stress: leaks: free pages 1,"));
	assert_non_null(strstr(text, "FAILED"));
	free(text);
	__free_page(planted);
	hb_assert_clean();
}

static void test_planted_violation_stops_the_run(void **state)
{
	struct stress_result r;
	char *text = NULL;

	run_planted(2, &r, &text);
	assert_false(r.ok);
	assert_true(r.violations > 0);
	assert_true(r.ops_done < 5000); /* stopped at the first check that saw it */
	assert_non_null(strstr(text, "invariant violations after op"));
	free(text);
	contig_page_data.node_zones[ZONE_NORMAL].free_area[3].nr_free--;
	hb_assert_clean();
}

/* A stop callback that says "stop" on its third call. */
static bool stop_on_third(void *ctx)
{
	unsigned *calls = ctx;

	return ++*calls == 3;
}

/* A stop callback asked every STRESS_STOP_EVERY operations ends the run early, with nothing leaked. */
static void test_stop_ends_the_run_cleanly(void **state)
{
	unsigned calls = 0;
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	FILE *quiet = fopen("/dev/null", "w");
	struct stress_config cfg = { .seed = 5, .ops = 1000000, .check_every = 0, .img = &hb_image, .out = out,
				     .quiet = quiet, .stop = stop_on_third, .stop_ctx = &calls };
	struct stress_result r;

	assert_int_equal(stress_run(&cfg, &r), 1);
	fclose(out);
	fclose(quiet);
	assert_true(r.stopped);
	assert_false(r.ok);
	assert_int_equal(calls, 3);
	assert_int_equal(r.ops_done, 3 * STRESS_STOP_EVERY);
	assert_int_equal(r.violations, 0);
	assert_int_equal(r.leak_free_pages, 0);
	assert_int_equal(r.leak_slab_objects, 0);
	assert_int_equal(r.leak_vmalloc_bytes, 0);
	assert_int_equal(r.leak_pkmap_slots, 0);
	assert_non_null(strstr(text, "stress: stopped after 192 of 1000000 operations"));
	assert_non_null(strstr(text, "stress: seed 5 STOPPED"));
	free(text);
	hb_assert_clean();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_200k_ops, boot1g, finish),
		cmocka_unit_test_setup_teardown(test_stop_ends_the_run_cleanly, boot1g, finish),
		cmocka_unit_test_setup_teardown(test_200k_ops_random_injection, boot1g, finish),
		cmocka_unit_test_setup_teardown(test_one_worker_per_cpu, boot1g, finish),
		cmocka_unit_test_setup_teardown(test_nth_injection_small_machine, boot32m, finish),
		cmocka_unit_test_setup_teardown(test_replays_from_seed, boot1g, finish),
		cmocka_unit_test_setup_teardown(test_regression_seeds, boot1g, finish),
		cmocka_unit_test_setup_teardown(test_planted_leak_is_caught, boot32m, finish),
		cmocka_unit_test_setup_teardown(test_planted_violation_stops_the_run, boot32m, finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
