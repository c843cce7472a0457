/*
 * `stress [--procs[=PCT]] [SEED] [OPS] [CHECK_EVERY]`: the randomized
 * memory-manager stress of mm/stress.h on the running firmware (--procs:
 * PCT percent of the operations, 30 by default, are the process mix of
 * mmap/munmap/mprotect/touch/fork/exit on in-kernel address spaces), and
 * `failinject`, the switch of
 * mm/fault_inject.h.  While the operations run, the messages of the
 * allocation failures they provoke (expected ones, injected or real) go to
 * a counting sink instead of the console, which would otherwise spend
 * minutes printing them; the summary says how many there were and shows
 * the last one, so the errors still reach the user.  One worker runs on
 * every online CPU (on_each_cpu), all on the shared allocators, each with
 * its own share of the operations; the summary sums their counts.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/cpu.h>
#include <hal/x86.h>
#include <json.h>
#include <mm/debug/fault_inject.h>
#include <mm/debug/mmcheck.h>
#include <mm/debug/stress.h>
#include <shell.h>
#include <smp.h>
#include <task.h>

#define DEFAULT_OPS 100000ul
#define DEFAULT_CHECK_EVERY 50000ul
#define PROGRESS_EVERY 100000ul
#define DEFAULT_PROC_PERCENT 30u
/* About ten minutes under QEMU's TCG (1,000,000 operations take about a minute). */
#define MAX_OPS 10000000ull


/* What the sink swallowed: bytes, lines and the last complete line. */
static struct {
	unsigned long bytes, lines;
	char cur[160], last[160];
	size_t len;
} sink;

static int sink_write(void *cookie, const char *buf, int n)
{
	(void)cookie;
	for (int i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			sink.lines++;
			sink.cur[sink.len] = 0;
			memcpy(sink.last, sink.cur, sink.len + 1);
			sink.len = 0;
		} else if (sink.len + 1 < sizeof(sink.cur)) {
			sink.cur[sink.len++] = buf[i];
		}
	}
	sink.bytes += (unsigned long)n;
	return n;
}

/*
 * The sink as a FILE, made once (newlib's funopen; its buffer comes from the heap arena, not the
 * buddy allocator).
 */
static FILE *sink_file(void)
{
	static FILE *f;

	if (!f) {
		f = fwopen(NULL, sink_write);
		if (f)
			setvbuf(f, NULL, _IONBF, 0);
	}
	return f;
}

static int discard_write(void *cookie, const char *buf, int n)
{
	(void)cookie;
	(void)buf;
	return n;
}

/* Where the human report goes under -j: nowhere (NULL if no FILE could be made). */
static FILE *discard_file(void)
{
	static FILE *f;

	if (!f)
		f = fwopen(NULL, discard_write);
	return f;
}

/* The run's result as one JSON object (stress -j). */
static void stress_json(const struct stress_config *cfg, const struct stress_result *res, unsigned long ms)
{
	struct json_writer w;

	json_begin(&w, stdout);
	json_uint(&w, "seed", cfg->seed);
	json_string(&w, "result", res->ok ? "PASSED" : res->stopped ? "INTERRUPTED" : "FAILED");
	json_bool(&w, "ok", res->ok);
	json_uint(&w, "ops", cfg->ops);
	json_uint(&w, "ops_done", res->ops_done);
	json_uint(&w, "proc_percent", cfg->proc_percent);
	json_uint(&w, "failures", res->failures);
	json_uint(&w, "injected", res->injected);
	json_uint(&w, "checks", res->checks);
	json_uint(&w, "violations", res->violations);
	json_uint(&w, "corruptions", res->corruptions);
	json_uint(&w, "max_live_pages", res->max_live_pages);
	json_object(&w, "op_counts");
	for (unsigned i = 0; i < STRESS_NR_OPS; i++)
		json_uint(&w, stress_op_name((enum stress_op)i), res->op_count[i]);
	json_end(&w);
	json_object(&w, "proc_op_counts");
	for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
		json_uint(&w, stress_proc_op_name((enum stress_proc_op)i), res->proc_op_count[i]);
	json_end(&w);
	json_uint(&w, "workers", res->workers);
	json_array(&w, "worker_ops");
	for (unsigned i = 0; i < res->workers && i < STRESS_MAX_WORKERS; i++)
		json_uint(&w, NULL, res->worker_ops[i]);
	json_end(&w);
	json_object(&w, "leaks");
	json_int(&w, "free_pages", res->leak_free_pages);
	json_int(&w, "slab_objects", res->leak_slab_objects);
	json_int(&w, "slab_pages", res->leak_slab_pages);
	json_int(&w, "vmalloc_bytes", res->leak_vmalloc_bytes);
	json_int(&w, "vmalloc_areas", res->leak_vmalloc_areas);
	json_int(&w, "pkmap_slots", res->leak_pkmap_slots);
	json_int(&w, "kmap_atomic", res->leak_kmap_atomic);
	json_int(&w, "pagetables", res->leak_pagetables);
	json_int(&w, "mm_structs", res->leak_mm_structs);
	json_int(&w, "vmas", res->leak_vmas);
	json_int(&w, "anon_vmas", res->leak_anon_vmas);
	json_int(&w, "files", res->leak_files);
	json_end(&w);
	json_uint(&w, "cow_checks", res->cow_checks);
	json_uint(&w, "max_mms", res->max_mms);
	json_uint(&w, "max_rss", res->max_rss);
	json_uint(&w, "failure_messages", sink.lines);
	json_string(&w, "last_failure_message", sink.last);
	json_uint(&w, "ms", ms);
	json_bool(&w, "stopped", res->stopped);
	json_finish(&w);
}

static bool stop_on_ctrl_c(void *ctx)
{
	(void)ctx;
	return shell_interrupted();
}

static int cmd_stress(const struct shell_call *call, int argc, char **argv)
{
	struct stress_config cfg = { .ops = DEFAULT_OPS, .check_every = DEFAULT_CHECK_EVERY,
				     .progress_every = PROGRESS_EVERY, .out = stdout };
	struct stress_result res;
	struct mmcheck_image img;
	uint64_t v;
	uint64_t t0;
	int rc;
	bool json = false;
	FILE *out = stdout;
	unsigned long ms = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-j")) {
			json = true;
			for (int j = i; j < argc - 1; j++)
				argv[j] = argv[j + 1];
			argc--;
			break;
		}
	if (json && !(out = discard_file())) {
		printf("stress: cannot open the sink for -j\n");
		return SHELL_STATUS_FAIL;
	}
	cfg.out = out;
	if (argc > 1 && !strncmp(argv[1], "--procs", 7)) {
		cfg.proc_percent = DEFAULT_PROC_PERCENT;
		if (argv[1][7] == '=') {
			if (!parse_u64(argv[1] + 8, &v) || v == 0 || v > 100)
				return shell_usage_error(call, "--procs=PCT takes 1 to 100");
			cfg.proc_percent = (unsigned)v;
		} else if (argv[1][7]) {
			return shell_usage_error(call, "unknown option");
		}
		proc_init(); /* the mm_struct, vm_area_struct, anon_vma and file caches */
		argc--;
		argv++;
	}
	if (argc > 4)
		return shell_usage_error(call, "too many arguments");
	cfg.seed = hal_cycles() ^ (hal_cycles() << 29);
	if (argc > 1 && !parse_u64(argv[1], &cfg.seed))
		return shell_usage_error(call, "bad seed");
	if (argc > 2) {
		if (!parse_u64(argv[2], &v) || v == 0 || v > MAX_OPS)
			return shell_usage_error(call, "OPS must be 1 to 10000000 (about ten minutes under QEMU; "
						       "Ctrl-C stops a run)");
		cfg.ops = (unsigned long)v;
	}
	if (argc > 3) {
		if (!parse_u64(argv[3], &v) || v > MAX_OPS)
			return shell_usage_error(call, "bad CHECK_EVERY (0: check at the start and end only)");
		cfg.check_every = (unsigned long)v;
	}
	firmware_mmcheck_image(&img);
	cfg.img = &img;
	memset(&sink, 0, sizeof(sink));
	cfg.quiet = sink_file();
	cfg.stop = stop_on_ctrl_c;
	cfg.on_each_cpu = on_each_cpu;
	fprintf(out, "stress: one worker on each of %u CPU%s\n", num_online_cpus(), num_online_cpus() == 1 ? "" : "s");
	if (cfg.proc_percent)
		fprintf(out, "stress: seed %llu, %lu operations (%u%% process mix), checks every %lu (replay: stress "
			"--procs=%u %llu %lu %lu); Ctrl-C stops\n",
			(unsigned long long)cfg.seed, cfg.ops, cfg.proc_percent, cfg.check_every, cfg.proc_percent,
			(unsigned long long)cfg.seed, cfg.ops, cfg.check_every);
	else
		fprintf(out, "stress: seed %llu, %lu operations, checks every %lu (replay: stress %llu %lu %lu); "
			"Ctrl-C stops\n",
			(unsigned long long)cfg.seed, cfg.ops, cfg.check_every, (unsigned long long)cfg.seed, cfg.ops,
			cfg.check_every);
	if (fault_inject.mode != FAULT_INJECT_OFF)
		fault_inject_show(out);
	t0 = hal_cycles();
	rc = stress_run(&cfg, &res);
	if (res.stopped)
		fprintf(out, "^C\nstress: stopped by Ctrl-C\n");
	fprintf(out, "stress: %lu failure messages while running%s%s\n", sink.lines, sink.lines ? ", the last: " : "",
		sink.last);
	if (hal_cpu_has(HAL_FEAT_TSC) && hal_tsc_hz >= 1000) {
		ms = (unsigned long)((hal_cycles() - t0) / (hal_tsc_hz / 1000));
		fprintf(out, "stress: %lu ms\n", ms);
	}
	if (json)
		stress_json(&cfg, &res, ms);
	return rc;
}
SHELL_CMD(stress, "stress", "[--procs[=PCT]] [SEED] [OPS] [CHECK_EVERY] [-j]", 0, 5,
	  "random alloc/free/map mix (--procs: mmap/fork/exit too), invariant checks, exact leak accounting "
	  "(-j: the result as JSON)",
	  cmd_stress);

/* The schedule and the counters fault_inject_show() prints, as one JSON object (failinject -j). */
static void failinject_json(struct json_writer *w)
{
	json_string(w, "mode", fault_inject.mode == FAULT_INJECT_NTH      ? "nth"
			       : fault_inject.mode == FAULT_INJECT_RANDOM ? "random"
									: "off");
	if (fault_inject.mode == FAULT_INJECT_OFF)
		json_null(w, "n");
	else
		json_uint(w, "n", fault_inject.n);
	if (fault_inject.mode == FAULT_INJECT_RANDOM)
		json_uint(w, "seed", fault_inject.seed);
	else
		json_null(w, "seed");
	json_uint(w, "page_calls", fault_inject.page_calls);
	json_uint(w, "page_injected", fault_inject.page_injected);
	json_uint(w, "slab_calls", fault_inject.slab_calls);
	json_uint(w, "slab_injected", fault_inject.slab_injected);
}

static int cmd_failinject(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, fault_inject_show, failinject_json);
}

/* `failinject off [-j]`: the schedule and counters as they were, then injection off. */
static int failinject_off(const struct shell_call *call, int argc, char **argv)
{
	int status = shell_report(call, argc, argv, fault_inject_show, failinject_json);

	if (status == SHELL_STATUS_USAGE)
		return status;
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	if (argc == 1)
		printf("failinject: off\n");
	return status;
}

/* N of `nth N` and `random N`: 1 to UINT32_MAX. */
static int parse_n(const struct shell_call *call, const char *arg, uint64_t *n)
{
	if (!parse_u64(arg, n) || *n == 0 || *n > UINT32_MAX)
		return shell_usage_error(call, "N must be a number from 1 to 4294967295");
	return 0;
}

static int failinject_nth(const struct shell_call *call, int argc, char **argv)
{
	uint64_t n;

	if (parse_n(call, argv[1], &n))
		return SHELL_STATUS_USAGE;
	fault_inject_set(FAULT_INJECT_NTH, (unsigned long)n, 0);
	fault_inject_show(stdout);
	return 0;
}

static int failinject_random(const struct shell_call *call, int argc, char **argv)
{
	uint64_t n, seed = 1;

	if (parse_n(call, argv[1], &n))
		return SHELL_STATUS_USAGE;
	if (argc == 3 && !parse_u64(argv[2], &seed))
		return shell_usage_error(call, "bad seed");
	fault_inject_set(FAULT_INJECT_RANDOM, (unsigned long)n, seed);
	fault_inject_show(stdout);
	return 0;
}

static const struct shell_cmd failinject_subs[] = {
	SHELL_SUB("off", "[-j]", 0, 1,
		  "stop failing allocations, after printing the counters (-j: JSON, as "
		  "failinject -j)",
		  failinject_off),
	SHELL_SUB("nth", "N", 1, 1, "fail every Nth page and slab allocation", failinject_nth),
	SHELL_SUB("random", "N [SEED]", 1, 2, "fail a random 1 in N page and slab allocations", failinject_random),
	{ 0 }
};
SHELL_CMD_DESC(failinject, .name = "failinject", .usage = "[-j]", .min_args = 0, .max_args = 1,
	       .subs = failinject_subs,
	       .summary = "make every Nth, or a random 1 in N, page and slab allocation fail (no "
			  "argument: counters; -j: JSON mode, n, seed, page_/slab_calls, "
			  "page_/slab_injected)",
	       .fn = cmd_failinject);
