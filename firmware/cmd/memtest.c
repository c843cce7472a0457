/*
 * `memtest`: tests the free physical RAM, high memory included, with the
 * engine in memtest.c.  The memory under test is taken from the buddy
 * allocator (every free block of every zone), so whatever the firmware uses
 * (the image, page tables, mem_map, the heap, slabs, vmalloc pages) is
 * never touched, and given back at the end.  Pages are reached one at a
 * time through kmap_atomic slot KM_MEMTEST.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <firmware.h>
#include <json.h>
#include <hal/cpu.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <memtest.h>
#include <mm/e820.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <shell.h>

#define MAX_SHOWN 20         /* bad words printed; the rest are counted */
#define INJECT_MASK 0x00000010u
#define MAX_PASSES 1000u
#define PAGE_MASK64 (~(uint64_t)(PAGE_SIZE - 1))

struct block {
	pfn_t pfn;
	unsigned order;
};

struct session {
	unsigned pass, passes;
	uint64_t shown;
	uint64_t t0;
	FILE *out; /* the human report: stdout, or a sink that drops it under -j */
	struct {
		uint64_t phys;
		uint32_t expected, actual;
		const char *pattern;
	} bad[MAX_SHOWN]; /* the first bad words, for -j */
};

static uint64_t now_us(void)
{
	if (hal_tsc_hz)
		return rdtsc() * 1000000ull / hal_tsc_hz;
	return hal_ticks() * 1000000ull / hal_tick_hz();
}

static uint32_t *mt_map(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (uint32_t *)(uintptr_t)kmap_atomic(pfn_to_page((pfn_t)(phys >> PAGE_SHIFT)), KM_MEMTEST);
}

static void mt_unmap(void *ctx, uint32_t *p, uint64_t phys)
{
	(void)ctx;
	(void)phys;
	kunmap_atomic((vaddr_t)(uintptr_t)p, KM_MEMTEST);
}

static bool mt_stop(void *ctx)
{
	(void)ctx;
	return shell_interrupted();
}

static void mt_progress(void *ctx, unsigned percent, const char *pattern)
{
	struct session *s = ctx;
	uint64_t us = now_us() - s->t0;

	fprintf(s->out, "memtest: pass %u/%u %3u%% (%s), %llu.%llu s\n", s->pass, s->passes, percent, pattern,
		(unsigned long long)(us / 1000000), (unsigned long long)(us / 100000 % 10));
}

static void mt_bad(void *ctx, uint64_t phys, uint32_t expected, uint32_t actual, const char *pattern)
{
	struct session *s = ctx;

	if (s->shown < MAX_SHOWN) {
		s->bad[s->shown].phys = phys;
		s->bad[s->shown].expected = expected;
		s->bad[s->shown].actual = actual;
		s->bad[s->shown].pattern = pattern;
		fprintf(s->out, "memtest: bad word at phys 0x%08llx: expected %08lx, read %08lx (bits %08lx differ) [%s]\n",
			(unsigned long long)phys, (unsigned long)expected, (unsigned long)actual,
			(unsigned long)(expected ^ actual), pattern);
	}
	s->shown++;
}

/* Bytes of usable RAM (e820) in [start, end) that the memory manager manages (below max_pfn). */
static uint64_t ram_in(uint64_t start, uint64_t end)
{
	uint64_t total = 0, top = (uint64_t)max_pfn << PAGE_SHIFT;

	end = end < top ? end : top;
	for (unsigned i = 0; i < boot_params.e820.nr_entries; i++) {
		const struct e820_entry *e = &boot_params.e820.entries[i];
		uint64_t s = e->addr > start ? e->addr : start, t = e820_entry_end(e) < end ? e820_entry_end(e) : end;

		if (e->type == E820_RAM && s < t)
			total += t - s;
	}
	return total;
}

static int by_pfn(const void *a, const void *b)
{
	pfn_t x = ((const struct block *)a)->pfn, y = ((const struct block *)b)->pfn;

	return x < y ? -1 : x > y;
}

/*
 * Take every free block of every zone from the buddy allocator into blocks[] (room for max);
 * returns how many.
 */
static size_t take_free_blocks(struct block *blocks, size_t max)
{
	static const gfp_t zone_gfp[MAX_NR_ZONES] = { __GFP_DMA, GFP_KERNEL, __GFP_HIGHMEM };
	size_t n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &contig_page_data.node_zones[z];
		gfp_t gfp = zone_gfp[z] | __GFP_THISZONE | __GFP_MEMALLOC | __GFP_NOWARN;

		if (!populated_zone(zone))
			continue;
		/*
		 * Largest first: when order k is reached no bigger block is left to split, so
		 * nothing fails.
		 */
		for (int k = MAX_ORDER - 1; k >= 0; k--)
			while (zone->free_area[k].nr_free && n < max) {
				struct page *page = alloc_pages(gfp, (unsigned)k);

				if (!page)
					break;
				blocks[n].pfn = page_to_pfn(page);
				blocks[n++].order = (unsigned)k;
			}
	}
	return n;
}

static size_t count_free_blocks(void)
{
	size_t n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		for (int k = 0; k < MAX_ORDER; k++)
			n += contig_page_data.node_zones[z].free_area[k].nr_free;
	return n;
}

/* The parts of the blocks (sorted) inside [start, end), merged into ranges; returns how many. */
static size_t build_ranges(const struct block *blocks, size_t n, uint64_t start, uint64_t end,
			   struct memtest_range *ranges)
{
	size_t nr = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t s = (uint64_t)blocks[i].pfn << PAGE_SHIFT;
		uint64_t e = s + ((uint64_t)PAGE_SIZE << blocks[i].order);

		s = s < start ? start : s;
		e = e > end ? end : e;
		if (s >= e)
			continue;
		if (nr && ranges[nr - 1].start + ranges[nr - 1].pages * PAGE_SIZE == s)
			ranges[nr - 1].pages += (e - s) / PAGE_SIZE;
		else
			ranges[nr++] = (struct memtest_range){ s, (e - s) / PAGE_SIZE };
	}
	return nr;
}

struct memtest_args {
	uint64_t start, end;
	unsigned passes;
	uint32_t seed;
	uint64_t inject;
	bool has_inject;
	bool json;
};

static int parse_args(const struct shell_call *call, int argc, char **argv, struct memtest_args *a)
{
	char *pos[3];
	int npos = 0;
	uint64_t v;

	a->start = 0;
	a->end = UINT64_MAX;
	a->passes = 1;
	a->seed = 0;
	a->has_inject = false;
	a->json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j")) {
			a->json = true;
		} else if (!strncmp(argv[i], "--inject-at=", 12)) {
			if (shell_arg_addr(call, argv[i] + 12, "--inject-at=PHYS", UINT64_MAX, &a->inject))
				return SHELL_STATUS_USAGE;
			a->has_inject = true;
		} else if (!strncmp(argv[i], "--seed=", 7)) {
			if (!parse_u32(argv[i] + 7, &a->seed))
				return shell_usage_error(call, "--seed= needs a 32-bit number");
		} else if (argv[i][0] == '-') {
			return shell_usage_error(call, "unknown option");
		} else if (npos == 3) {
			return shell_usage_error(call, "too many arguments");
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (npos >= 2) {
		if (shell_arg_addr(call, pos[0], "START", UINT64_MAX, &a->start) ||
		    shell_arg_addr(call, pos[1], "END", UINT64_MAX, &a->end))
			return SHELL_STATUS_USAGE;
		if (a->start >= a->end)
			return shell_usage_error(call, "START must be below END");
		a->start &= ~(uint64_t)(PAGE_SIZE - 1);
		/* Round END up to a page, except where that would wrap past 2^64 (no RAM is there). */
		if (a->end > PAGE_MASK64)
			a->end = PAGE_MASK64;
		else
			a->end = (a->end + PAGE_SIZE - 1) & PAGE_MASK64;
	}
	if (npos == 1 || npos == 3) {
		if (!parse_u64(pos[npos - 1], &v) || v == 0 || v > MAX_PASSES)
			return shell_usage_error(call, "PASSES must be a number from 1 to 1000");
		a->passes = (unsigned)v;
	}
	return 0;
}

/* bytes as "N MiB", or "N KiB" below 1 MiB (so a small range never reads "0 MiB"), into buf. */
static const char *amount(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= 1ull << 20)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	return buf;
}

static void print_summary(const struct session *s, const struct memtest_result *res, uint64_t pages, uint64_t us,
			  unsigned passes_done)
{
	uint64_t bytes = res->bytes_read + res->bytes_written;
	uint64_t ms = us / 1000 ? us / 1000 : 1;

	char size[32];

	fprintf(s->out, "memtest: %s: %s, %u pass%s, %llu error%s, %llu.%03llu s\n",
	       res->stopped ? "INTERRUPTED" : res->errors ? "FAILED" : "PASSED",
	       amount(size, sizeof(size), pages * PAGE_SIZE), passes_done, passes_done == 1 ? "" : "es",
	       (unsigned long long)res->errors, res->errors == 1 ? "" : "s", (unsigned long long)(ms / 1000),
	       (unsigned long long)(ms % 1000));
	if (s->shown > MAX_SHOWN)
		fprintf(s->out, "memtest: %llu more bad words not shown\n", (unsigned long long)(s->shown - MAX_SHOWN));
	fprintf(s->out, "memtest: throughput %llu MB/s (%llu MiB written, %llu MiB read; timed with %s)\n",
	       (unsigned long long)(bytes / 1000 / ms), (unsigned long long)(res->bytes_written >> 20),
	       (unsigned long long)(res->bytes_read >> 20), hal_tsc_hz ? "the TSC" : "PIT ticks");
}

/* The summary of a run as one JSON object (memtest -j). */
static void print_json(const struct session *s, const struct memtest_result *res, uint64_t pages, uint64_t us,
		       unsigned passes_done, bool leaked)
{
	struct json_writer w;

	json_begin(&w, stdout);
	json_string(&w, "result", res->stopped ? "INTERRUPTED" : res->errors ? "FAILED" : "PASSED");
	json_uint(&w, "bytes", pages * PAGE_SIZE);
	json_uint(&w, "passes", passes_done);
	json_uint(&w, "errors", res->errors);
	json_uint(&w, "us", us);
	json_uint(&w, "bytes_written", res->bytes_written);
	json_uint(&w, "bytes_read", res->bytes_read);
	json_bool(&w, "leaked", leaked);
	json_array(&w, "bad");
	for (uint64_t i = 0; i < s->shown && i < MAX_SHOWN; i++) {
		json_object(&w, NULL);
		json_uint(&w, "phys", s->bad[i].phys);
		json_uint(&w, "expected", s->bad[i].expected);
		json_uint(&w, "actual", s->bad[i].actual);
		json_string(&w, "pattern", s->bad[i].pattern);
		json_end(&w);
	}
	json_end(&w);
	json_uint(&w, "bad_not_shown", s->shown > MAX_SHOWN ? s->shown - MAX_SHOWN : 0);
	json_finish(&w);
}

static int cmd_memtest(const struct shell_call *call, int argc, char **argv)
{
	struct memtest_args a;
	struct memtest_config cfg;
	struct memtest_result res;
	struct session s = { 0 };
	struct memtest_ops ops = { &s, mt_map, mt_unmap, mt_stop, mt_progress, mt_bad };
	unsigned long free_before = nr_free_pages();
	struct memtest_range *ranges;
	struct block *blocks;
	size_t max, n, nr;
	uint64_t pages = 0, us;
	unsigned done = 0;
	char size[32];
	static char sink[256]; /* under -j the human report goes here and is dropped */
	bool leaked;
	int st;

	if ((st = parse_args(call, argc, argv, &a)))
		return st;
	s.out = a.json ? fmemopen(sink, sizeof(sink), "w") : stdout;
	if (!s.out) {
		printf("memtest: cannot open the sink for -j\n");
		return SHELL_STATUS_FAIL;
	}
	max = count_free_blocks();
	blocks = malloc(max * sizeof(*blocks) + 1);
	ranges = malloc(max * sizeof(*ranges) + 1);
	if (!blocks || !ranges) {
		free(blocks);
		free(ranges);
		printf("memtest: no heap for the list of %lu free blocks\n", (unsigned long)max);
		return 1;
	}
	n = take_free_blocks(blocks, max);
	qsort(blocks, n, sizeof(*blocks), by_pfn);
	nr = build_ranges(blocks, n, a.start, a.end, ranges);
	for (size_t i = 0; i < nr; i++)
		pages += ranges[i].pages;

	if (!pages) {
		for (size_t i = 0; i < n; i++)
			__free_pages(pfn_to_page(blocks[i].pfn), blocks[i].order);
		free(blocks);
		free(ranges);
		printf("memtest: no free RAM in [0x%llx, 0x%llx): it is all in use by the firmware or not RAM\n",
		       (unsigned long long)a.start, (unsigned long long)a.end);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.ranges = ranges;
	cfg.nr_ranges = nr;
	cfg.inject_phys = a.inject & ~3ull;
	cfg.inject_mask = a.has_inject ? INJECT_MASK : 0;
	fprintf(s.out, "memtest: %s of free RAM in %lu range%s (%llu KiB in use by the firmware skipped), %u pass%s of %u "
	       "patterns; Ctrl-C stops\n",
	       amount(size, sizeof(size), pages * PAGE_SIZE), (unsigned long)nr, nr == 1 ? "" : "s",
	       (unsigned long long)((ram_in(a.start, a.end) - pages * PAGE_SIZE) >> 10), a.passes,
	       a.passes == 1 ? "" : "es", MEMTEST_NR_PATTERNS);
	for (size_t i = 0; i < nr && i < 8; i++) {
		uint64_t s0 = ranges[i].start, e0 = s0 + ranges[i].pages * PAGE_SIZE, low = (uint64_t)max_low_pfn << PAGE_SHIFT;

		fprintf(s.out, "  [mem 0x%016llx-0x%016llx] %6llu KiB", (unsigned long long)s0,
			(unsigned long long)(e0 - 1), (unsigned long long)(ranges[i].pages * PAGE_SIZE >> 10));
		if (s0 >= low)
			fprintf(s.out, " (high memory)\n");
		else if (e0 > low)
			fprintf(s.out, " (high memory from 0x%llx)\n", (unsigned long long)low);
		else
			fprintf(s.out, "\n");
	}
	if (nr > 8)
		fprintf(s.out, "  ... and %lu more ranges\n", (unsigned long)(nr - 8));
	if (a.has_inject)
		fprintf(s.out, "memtest: test hook: every read back of phys 0x%08llx flips bits %08lx%s\n",
		       (unsigned long long)cfg.inject_phys, (unsigned long)INJECT_MASK,
		       build_ranges(blocks, n, cfg.inject_phys, cfg.inject_phys + 4, ranges + nr) ? ""
		       : " (that word is not under test: in use or outside the range)");

	memset(&res, 0, sizeof(res));
	s.passes = a.passes;
	s.t0 = now_us();
	for (s.pass = 1; s.pass <= a.passes && !res.stopped; s.pass++) {
		uint64_t bad;

		cfg.seed = a.seed + s.pass;
		bad = memtest_pass(&cfg, &ops, &res);
		if (res.stopped)
			break;
		done++;
		fprintf(s.out, "memtest: pass %u/%u done, %llu error%s\n", s.pass, a.passes, (unsigned long long)bad,
			bad == 1 ? "" : "s");
	}
	us = now_us() - s.t0;
	if (res.stopped)
		fprintf(s.out, "^C\nmemtest: stopped by Ctrl-C\n");

	for (size_t i = 0; i < n; i++)
		__free_pages(pfn_to_page(blocks[i].pfn), blocks[i].order);
	free(blocks);
	free(ranges);
	print_summary(&s, &res, pages, us, done);
	leaked = nr_free_pages() != free_before;
	if (leaked)
		fprintf(s.out, "memtest: free pages %lu before, %lu after: some were not given back\n", free_before,
			nr_free_pages());
	if (a.json) {
		fclose(s.out);
		print_json(&s, &res, pages, us, done, leaked);
	}
	return res.errors || res.stopped;
}
SHELL_CMD(memtest, "memtest", "[--seed=N] [--inject-at=PHYS] [-j] [START END] [PASSES]", 0, 6,
	  "test the free physical RAM (high memory too; START, END and PHYS hex, 0x optional; END exclusive; "
	  "Ctrl-C stops; -j: the summary as JSON)", cmd_memtest);
