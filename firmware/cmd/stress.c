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
	printf("stress: one worker on each of %u CPU%s\n", num_online_cpus(), num_online_cpus() == 1 ? "" : "s");
	if (cfg.proc_percent)
		printf("stress: seed %llu, %lu operations (%u%% process mix), checks every %lu (replay: stress "
		       "--procs=%u %llu %lu %lu); Ctrl-C stops\n",
		       (unsigned long long)cfg.seed, cfg.ops, cfg.proc_percent, cfg.check_every, cfg.proc_percent,
		       (unsigned long long)cfg.seed, cfg.ops, cfg.check_every);
	else
		printf("stress: seed %llu, %lu operations, checks every %lu (replay: stress %llu %lu %lu); Ctrl-C "
		       "stops\n",
		       (unsigned long long)cfg.seed, cfg.ops, cfg.check_every, (unsigned long long)cfg.seed, cfg.ops,
		       cfg.check_every);
	if (fault_inject.mode != FAULT_INJECT_OFF)
		fault_inject_show(stdout);
	t0 = hal_cycles();
	rc = stress_run(&cfg, &res);
	if (res.stopped)
		printf("^C\nstress: stopped by Ctrl-C\n");
	printf("stress: %lu failure messages while running%s%s\n", sink.lines, sink.lines ? ", the last: " : "",
	       sink.last);
	if (hal_cpu_has(HAL_FEAT_TSC) && hal_tsc_hz >= 1000)
		printf("stress: %llu ms\n", (unsigned long long)((hal_cycles() - t0) / (hal_tsc_hz / 1000)));
	return rc;
}
SHELL_CMD(stress, "stress", "[--procs[=PCT]] [SEED] [OPS] [CHECK_EVERY]", 0, 4,
	  "random alloc/free/map mix (--procs: mmap/fork/exit too), invariant checks, exact leak accounting",
	  cmd_stress);

static int cmd_failinject(const struct shell_call *call, int argc, char **argv)
{
	fault_inject_show(stdout);
	return 0;
}

static int failinject_off(const struct shell_call *call, int argc, char **argv)
{
	fault_inject_show(stdout);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	printf("failinject: off\n");
	return 0;
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
		return 1;
	fault_inject_set(FAULT_INJECT_NTH, (unsigned long)n, 0);
	fault_inject_show(stdout);
	return 0;
}

static int failinject_random(const struct shell_call *call, int argc, char **argv)
{
	uint64_t n, seed = 1;

	if (parse_n(call, argv[1], &n))
		return 1;
	if (argc == 3 && !parse_u64(argv[2], &seed))
		return shell_usage_error(call, "bad seed");
	fault_inject_set(FAULT_INJECT_RANDOM, (unsigned long)n, seed);
	fault_inject_show(stdout);
	return 0;
}

static const struct shell_cmd failinject_subs[] = {
	SHELL_SUB("off", "", 0, 0, "stop failing allocations", failinject_off),
	SHELL_SUB("nth", "N", 1, 1, "fail every Nth page and slab allocation", failinject_nth),
	SHELL_SUB("random", "N [SEED]", 1, 2, "fail a random 1 in N page and slab allocations", failinject_random),
	{ 0 }
};
SHELL_CMD_DESC(failinject, .name = "failinject", .usage = "", .min_args = 0, .max_args = 0, .subs = failinject_subs,
	       .summary = "make every Nth, or a random 1 in N, page and slab allocation fail (no argument: counters)",
	       .fn = cmd_failinject);
