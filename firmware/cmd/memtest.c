/*
 * `memtest`: tests the free physical RAM, high memory included, with the
 * engine in memtest.c.  The memory under test is taken from the buddy
 * allocator (every free block of every zone), so whatever the firmware uses
 * (the image, page tables, mem_map, the heap, slabs, vmalloc pages) is
 * never touched, and given back at the end.  The low pages the memory
 * manager keeps out of the allocator only because the BIOS owned them at
 * boot (page 0 with the real-mode vector table and the BIOS data area, and
 * whole pages of RAM from 0x9f000 up to 1 MiB, below the EBDA) are lent:
 * saved to the heap, tested and put back.  Nothing else is borrowed: the
 * other reserved low pages hold boot allocations (page tables, mem_map,
 * the boot allocator's bitmap, an SMP trampoline), loader data or the image
 * at 1 MiB, all in use while the firmware runs.
 *
 * The memory is split into one share per online CPU and each pattern runs
 * on every CPU at once (on_each_cpu), each CPU reaching its pages one at a
 * time through its own kmap_atomic slot KM_MEMTEST; the patterns that work
 * across all the memory at once (memtest_pattern_serial) run on this CPU
 * over everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <firmware.h>
#include <json.h>
#include <hal/cpu.h>
#include <hal/smp.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <memtest.h>
#include <mm/e820.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/pcp.h>
#include <mm/spinlock.h>
#include <multiboot.h>
#include <shell.h>
#include <smp.h>

#define MAX_SHOWN 20         /* bad words printed; the rest are counted */
#define INJECT_MASK 0x00000010u
#define MAX_PASSES 1000u
#define MAX_FADE 86400u      /* bit fade's wait, at most a day */
#define DEFAULT_FADE 300u    /* seconds */
#define LOW_LIMIT 0x100000ull /* lent pages are looked for below 1 MiB */
#define BIOS_LOW 0x9f000ull   /* the top of conventional memory the BIOS may use (EBDA below 640 KiB) */
#define PAGE_MASK64 (~(uint64_t)(PAGE_SIZE - 1))

struct block {
	pfn_t pfn;
	unsigned order;
	uint32_t *saved; /* a lent low page: its contents while it is under test; NULL: from the buddy */
};

struct session;

/* One CPU's share of the memory and what it did with it. */
struct cpu_work {
	struct session *s;
	unsigned cpu;
	struct memtest_range *ranges;
	size_t nr;
	uint64_t pages;
	struct memtest_config cfg;
	struct memtest_ops ops;
	struct memtest_result res;
	uint64_t us;     /* time spent running patterns */
	uint64_t visits; /* progress base: visits of the earlier patterns of this pass (caller only) */
};

struct session {
	unsigned pass, passes;
	unsigned caller;       /* the CPU that runs the command (prints progress, polls Ctrl-C) */
	unsigned pattern;      /* the pattern running */
	uint64_t pages;        /* under test, on all CPUs */
	uint64_t pass_visits;  /* the caller's page visits in one pass */
	unsigned next_tenth;
	uint64_t shown;
	uint64_t t0;
	struct {
		uint64_t phys;
		uint32_t expected, actual;
		const char *pattern;
	} bad[MAX_SHOWN]; /* the first bad words, for -j */
	/* For -j: what each selected test found over all passes, the low pages lent, the hook. */
	uint32_t mask;
	struct {
		unsigned runs;
		uint64_t errors, us;
	} test[MEMTEST_NR_PATTERNS];
	unsigned nr_lent;
	uint64_t lent[LOW_LIMIT / PAGE_SIZE];
	int inject_under_test; /* -1: no --inject-at; 0: the word is not under test; 1: it is */
	volatile bool stop;
	spinlock_t print_lock;
	struct memtest_config all; /* every range, for the serial patterns */
	struct cpu_work work[NR_CPUS];
};

/* Where the human report goes: stdout, or under -j a sink that drops it (set per command). */
static FILE *report;

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

/* The caller's CPU polls the console for Ctrl-C; every CPU sees the stop it sets. */
static bool mt_stop(void *ctx)
{
	struct cpu_work *w = ctx;

	if (w->cpu == w->s->caller && !w->s->stop && shell_interrupted())
		w->s->stop = true;
	return w->s->stop;
}

static void mt_progress(void *ctx, uint64_t visits, const char *pattern)
{
	struct cpu_work *w = ctx;
	struct session *s = w->s;
	uint64_t us;

	if (w->cpu != s->caller || !s->pass_visits)
		return;
	visits += w->visits;
	if (s->next_tenth >= 10 || visits * 10 < s->pass_visits * s->next_tenth)
		return;
	while (s->next_tenth < 10 && visits * 10 >= s->pass_visits * s->next_tenth)
		s->next_tenth++;
	us = now_us() - s->t0;
	fprintf(report, "memtest: pass %u/%u %3u%% (%s), %llu.%llu s\n", s->pass, s->passes, (s->next_tenth - 1) * 10,
	       pattern, (unsigned long long)(us / 1000000), (unsigned long long)(us / 100000 % 10));
}

static void mt_bad(void *ctx, uint64_t phys, uint32_t expected, uint32_t actual, const char *pattern)
{
	struct cpu_work *w = ctx;
	struct session *s = w->s;
	unsigned long flags = spin_lock_irqsave(&s->print_lock);

	if (s->shown < MAX_SHOWN) {
		s->bad[s->shown].phys = phys;
		s->bad[s->shown].expected = expected;
		s->bad[s->shown].actual = actual;
		s->bad[s->shown].pattern = pattern;
	}
	if (s->shown++ < MAX_SHOWN)
		fprintf(report, "memtest: bad word at phys 0x%08llx: expected %08lx, read %08lx (bits %08lx differ) [%s]\n",
		       (unsigned long long)phys, (unsigned long)expected, (unsigned long)actual,
		       (unsigned long)(expected ^ actual), pattern);
	spin_unlock_irqrestore(&s->print_lock, flags);
}

static bool mt_sleep(void *ctx, unsigned seconds)
{
	uint64_t end = now_us() + (uint64_t)seconds * 1000000u;

	while (now_us() < end) {
		if (mt_stop(ctx))
			return false;
		hal_cpu_relax();
	}
	return true;
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
				blocks[n].saved = NULL;
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

/* True when the page at phys is wholly usable RAM in the e820 map and holds no loader data. */
static bool lendable(uint64_t phys)
{
	bool ram = false;

	for (unsigned i = 0; i < boot_params.e820.nr_entries; i++) {
		const struct e820_entry *e = &boot_params.e820.entries[i];

		if (e->addr < phys + PAGE_SIZE && e820_entry_end(e) > phys) {
			if (e->type != E820_RAM)
				return false;
			if (e->addr <= phys && e820_entry_end(e) >= phys + PAGE_SIZE)
				ram = true;
		}
	}
	for (unsigned i = 0; i < boot_params.nr_reserved; i++)
		if (boot_params.reserved[i].start < phys + PAGE_SIZE && boot_params.reserved[i].end > phys)
			return false;
	return ram;
}

/*
 * Lend the low pages in [start, end) that the firmware reserved for the BIOS and does not use
 * while it runs (page 0, and whole RAM pages from BIOS_LOW to 1 MiB) and that hold no loader data.
 * Each is saved to the heap and appended to blocks[] (room for max); returns how many were added.
 */
static size_t lend_low_pages(struct block *blocks, size_t max, uint64_t start, uint64_t end)
{
	size_t n = 0;

	for (uint64_t phys = start; phys < end && phys < LOW_LIMIT && n < max; phys += PAGE_SIZE) {
		pfn_t pfn = (pfn_t)(phys >> PAGE_SHIFT);
		uint32_t *save;
		void *p;

		if ((phys != 0 && phys < BIOS_LOW) || pfn >= max_pfn || !PageReserved(pfn_to_page(pfn)) ||
		    !lendable(phys))
			continue;
		save = malloc(PAGE_SIZE);
		if (!save)
			break;
		p = (void *)(uintptr_t)kmap_atomic(pfn_to_page(pfn), KM_MEMTEST);
		memcpy(save, p, PAGE_SIZE);
		kunmap_atomic((vaddr_t)(uintptr_t)p, KM_MEMTEST);
		blocks[n].pfn = pfn;
		blocks[n].order = 0;
		blocks[n++].saved = save;
	}
	return n;
}

/* Give every block back: lent pages get their contents again, buddy blocks go to the allocator. */
static void give_back(struct block *blocks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct page *page = pfn_to_page(blocks[i].pfn);

		if (blocks[i].saved) {
			void *p = (void *)(uintptr_t)kmap_atomic(page, KM_MEMTEST);

			memcpy(p, blocks[i].saved, PAGE_SIZE);
			kunmap_atomic((vaddr_t)(uintptr_t)p, KM_MEMTEST);
			free(blocks[i].saved);
		} else {
			__free_pages(page, blocks[i].order);
		}
	}
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
	uint32_t mask;
	unsigned fade;
	uint64_t inject;
	bool has_inject;
	bool no_low;
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
	a->mask = MEMTEST_DEFAULT;
	a->fade = DEFAULT_FADE;
	a->has_inject = false;
	a->no_low = false;
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
		} else if (!strncmp(argv[i], "--fade=", 7)) {
			if (!parse_size(argv[i] + 7, &v) || v > MAX_FADE)
				return shell_usage_error(call, "--fade= needs seconds from 0 to 86400");
			a->fade = (unsigned)v;
		} else if (!strcmp(argv[i], "--no-low")) {
			a->no_low = true;
		} else if (!strcmp(argv[i], "-t") || !strncmp(argv[i], "--tests=", 8)) {
			const char *sel = argv[i][1] == 't' ? (i + 1 < argc ? argv[++i] : NULL) : argv[i] + 8;

			if (!sel || !memtest_parse_selection(sel, &a->mask) || !a->mask)
				return shell_usage_error(call, "-t needs test numbers or names, comma separated "
							       "(`memtest list` shows them)");
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

static void print_list(void)
{
	fprintf(report, "memtest: tests (numbers as memtest86+ 6.10's; * = run when -t is not given)\n");
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++)
		fprintf(report, "  %2u %-10s %c %s%s\n", i, memtest_pattern_name(i), MEMTEST_DEFAULT & (1u << i) ? '*' : ' ',
		       memtest_pattern_title(i), memtest_pattern_serial(i) ? " (one CPU over all the memory)" : "");
}

/* `memtest list -j`: print_list()'s table as one JSON object. */
static void list_json(void)
{
	struct json_writer w;

	json_begin(&w, stdout);
	json_array(&w, "tests");
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++) {
		json_object(&w, NULL);
		json_uint(&w, "n", i);
		json_string(&w, "name", memtest_pattern_name(i));
		json_bool(&w, "default", MEMTEST_DEFAULT & (1u << i));
		json_string(&w, "title", memtest_pattern_title(i));
		json_bool(&w, "serial", memtest_pattern_serial(i));
		json_end(&w);
	}
	json_end(&w);
	json_finish(&w);
}

/* "0,3-5,mi32" style list of the selected tests, into buf. */
static const char *selection(char *buf, size_t len, uint32_t mask)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS && at < len; i++)
		if (mask & (1u << i))
			at += (size_t)snprintf(buf + at, len - at, "%s%u", at ? "," : "", i);
	return buf;
}

static void print_summary(const struct session *s, const struct memtest_result *res, uint64_t pages, uint64_t us,
			  unsigned passes_done, unsigned cpus)
{
	uint64_t bytes = res->bytes_read + res->bytes_written;
	uint64_t ms = us / 1000 ? us / 1000 : 1;
	char size[32];

	fprintf(report, "memtest: %s: %s, %u pass%s, %llu error%s, %llu.%03llu s\n",
	       res->stopped ? "INTERRUPTED" : res->errors ? "FAILED" : "PASSED",
	       amount(size, sizeof(size), pages * PAGE_SIZE), passes_done, passes_done == 1 ? "" : "es",
	       (unsigned long long)res->errors, res->errors == 1 ? "" : "s", (unsigned long long)(ms / 1000),
	       (unsigned long long)(ms % 1000));
	if (s->shown > MAX_SHOWN)
		fprintf(report, "memtest: %llu more bad words not shown\n", (unsigned long long)(s->shown - MAX_SHOWN));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		const struct cpu_work *w = &s->work[c];
		uint64_t b = w->res.bytes_read + w->res.bytes_written, wms = w->us / 1000 ? w->us / 1000 : 1;

		if (!w->s)
			continue;
		fprintf(report, "memtest: cpu %u: %s share, %llu MiB moved in %llu.%03llu s, %llu MB/s\n", c,
		       amount(size, sizeof(size), w->pages * PAGE_SIZE), (unsigned long long)(b >> 20),
		       (unsigned long long)(wms / 1000), (unsigned long long)(wms % 1000),
		       (unsigned long long)(b / 1000 / wms));
	}
	fprintf(report, "memtest: throughput %llu MB/s on %u CPU%s (%llu MiB written, %llu MiB read; timed with %s)\n",
	       (unsigned long long)(bytes / 1000 / ms), cpus, cpus == 1 ? "" : "s",
	       (unsigned long long)(res->bytes_written >> 20), (unsigned long long)(res->bytes_read >> 20),
	       hal_tsc_hz ? "the TSC" : "PIT ticks");
}

/* on_each_cpu(): this CPU's share of the pattern the session is running. */
static void run_share(void *arg, unsigned cpu)
{
	struct session *s = arg;
	struct cpu_work *w = &s->work[cpu];
	uint64_t t;

	if (cpu >= NR_CPUS || !w->s || !w->nr)
		return;
	t = now_us();
	memtest_pattern(s->pattern, &w->cfg, &w->ops, &w->res);
	w->us += now_us() - t;
}

/* Run one pattern: on this CPU over everything when it is serial, else on every CPU's share. */
static uint64_t run_one(struct session *s, unsigned i)
{
	struct cpu_work *me = &s->work[s->caller];
	uint64_t before = 0, after = 0, t = now_us(), ms;

	for (unsigned c = 0; c < NR_CPUS; c++)
		before += s->work[c].res.errors;
	s->pattern = i;
	if (i == 10)
		fprintf(report, "memtest: %s: waits %u s after each fill\n", memtest_pattern_name(i), s->all.fade_seconds);
	if (memtest_pattern_serial(i)) {
		memtest_pattern(i, &s->all, &me->ops, &me->res);
		me->us += now_us() - t;
		me->visits += memtest_pattern_visits(i, s->pages);
	} else {
		on_each_cpu(run_share, s);
		me->visits += memtest_pattern_visits(i, me->pages);
	}
	for (unsigned c = 0; c < NR_CPUS; c++) {
		after += s->work[c].res.errors;
		s->work[c].res.stopped |= s->stop;
	}
	s->test[i].runs += !s->stop;
	s->test[i].errors += after - before;
	s->test[i].us += now_us() - t;
	ms = (now_us() - t) / 1000;
	if (!s->stop)
		fprintf(report, "memtest: test %u (%s) done in %llu.%03llu s, %llu error%s\n", i, memtest_pattern_name(i),
		       (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
		       (unsigned long long)(after - before), after - before == 1 ? "" : "s");
	return after - before;
}

/* Give every online CPU its share of the ranges; false when the heap has no room for the lists. */
static bool split_work(struct session *s, const struct memtest_range *ranges, size_t nr)
{
	cpumask_t online = hal_cpu_online_mask();
	unsigned parts = (unsigned)__builtin_popcount(online), part = 0;

	for (unsigned c = 0; c < NR_CPUS; c++) {
		struct cpu_work *w = &s->work[c];

		if (!(online & (1u << c)))
			continue;
		w->s = s;
		w->cpu = c;
		w->ranges = malloc((nr + 1) * sizeof(*w->ranges));
		if (!w->ranges)
			return false;
		w->nr = memtest_split(ranges, nr, parts, part++, w->ranges);
		w->cfg = s->all;
		w->cfg.ranges = w->ranges;
		w->cfg.nr_ranges = w->nr;
		w->ops = (struct memtest_ops){ w, mt_map, mt_unmap, mt_stop, mt_progress, mt_bad, mt_sleep };
		for (size_t k = 0; k < w->nr; k++)
			w->pages += w->ranges[k].pages;
	}
	return true;
}

static void print_ranges(const struct memtest_range *ranges, size_t nr)
{
	uint64_t low = (uint64_t)max_low_pfn << PAGE_SHIFT;

	for (size_t i = 0; i < nr && i < 8; i++) {
		uint64_t s0 = ranges[i].start, e0 = s0 + ranges[i].pages * PAGE_SIZE;

		fprintf(report, "  [mem 0x%016llx-0x%016llx] %6llu KiB", (unsigned long long)s0, (unsigned long long)(e0 - 1),
		       (unsigned long long)(ranges[i].pages * PAGE_SIZE >> 10));
		if (s0 >= low)
			fprintf(report, " (high memory)\n");
		else if (e0 > low)
			fprintf(report, " (high memory from 0x%llx)\n", (unsigned long long)low);
		else
			fprintf(report, "\n");
	}
	if (nr > 8)
		fprintf(report, "  ... and %lu more ranges\n", (unsigned long)(nr - 8));
}

/* The summary of a run as one JSON object (memtest -j). */
static void print_json(const struct session *s, const struct memtest_result *res, uint64_t pages, uint64_t us,
		       unsigned passes_done, unsigned cpus, bool leaked)
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
	json_uint(&w, "cpus", cpus);
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
	json_array(&w, "tests");
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++) {
		if (!(s->mask & (1u << i)))
			continue;
		json_object(&w, NULL);
		json_uint(&w, "n", i);
		json_string(&w, "name", memtest_pattern_name(i));
		json_uint(&w, "runs", s->test[i].runs);
		json_uint(&w, "errors", s->test[i].errors);
		json_uint(&w, "us", s->test[i].us);
		json_end(&w);
	}
	json_end(&w);
	json_array(&w, "per_cpu");
	for (unsigned c = 0; c < NR_CPUS; c++) {
		const struct cpu_work *cw = &s->work[c];

		if (!cw->s)
			continue;
		json_object(&w, NULL);
		json_uint(&w, "cpu", c);
		json_uint(&w, "bytes", cw->pages * PAGE_SIZE);
		json_uint(&w, "moved", cw->res.bytes_read + cw->res.bytes_written);
		json_uint(&w, "us", cw->us);
		json_end(&w);
	}
	json_end(&w);
	json_array(&w, "lent_low");
	for (unsigned i = 0; i < s->nr_lent; i++)
		json_uint(&w, NULL, s->lent[i]);
	json_end(&w);
	json_uint(&w, "fade_seconds", s->all.fade_seconds);
	if (s->inject_under_test < 0)
		json_null(&w, "inject_under_test");
	else
		json_bool(&w, "inject_under_test", s->inject_under_test);
	json_finish(&w);
}

static int cmd_memtest(const struct shell_call *call, int argc, char **argv)
{
	struct memtest_args a;
	struct memtest_result res;
	struct session *s;
	/* Pages on any CPU's per-CPU lists back to the buddy lists first, so the test can take
	 * them too; nr_free_pages() counts them either way. */
	unsigned long free_before = (drain_all_pages(), nr_free_pages());
	struct memtest_range *ranges;
	struct block *blocks;
	size_t max, n, lent = 0, nr;
	uint64_t pages = 0, us = 0;
	unsigned done = 0, cpus = num_online_cpus();
	char size[32], sel[64];
	int rc;

	static char sink[256]; /* under -j the human report goes here and is dropped */
	bool leaked, ran = false;
	int st;

	report = stdout;
	if (argc >= 2 && !strcmp(argv[1], "list")) {
		bool json;

		if ((st = shell_json_flag(call, argc - 1, argv + 1, &json)))
			return st;
		if (json)
			list_json();
		else
			print_list();
		return 0;
	}
	if ((st = parse_args(call, argc, argv, &a)))
		return st;
	max = count_free_blocks() + LOW_LIMIT / PAGE_SIZE;
	blocks = malloc(max * sizeof(*blocks) + 1);
	ranges = malloc(max * sizeof(*ranges) + 1);
	s = calloc(1, sizeof(*s));
	if (!blocks || !ranges || !s) {
		free(blocks);
		free(ranges);
		free(s);
		printf("memtest: no heap for the list of %lu free blocks\n", (unsigned long)max);
		return 1;
	}
	n = take_free_blocks(blocks, max);
	if (!a.no_low)
		lent = lend_low_pages(blocks + n, max - n, a.start, a.end);
	n += lent;
	qsort(blocks, n, sizeof(*blocks), by_pfn);
	nr = build_ranges(blocks, n, a.start, a.end, ranges);
	for (size_t i = 0; i < nr; i++)
		pages += ranges[i].pages;

	if (!pages) {
		give_back(blocks, n);
		free(blocks);
		free(ranges);
		free(s);
		printf("memtest: no free RAM in [0x%llx, 0x%llx): it is all in use by the firmware or not RAM\n",
		       (unsigned long long)a.start, (unsigned long long)a.end);
		return 1;
	}
	if (a.json && !(report = fmemopen(sink, sizeof(sink), "w"))) {
		report = stdout;
		printf("memtest: cannot open the sink for -j\n");
		rc = SHELL_STATUS_FAIL;
		goto out;
	}
	s->print_lock = (spinlock_t)SPIN_LOCK_UNLOCKED("memtest print");
	s->caller = hal_smp_processor_id();
	s->all.ranges = ranges;
	s->all.nr_ranges = nr;
	s->pages = pages;
	s->all.fade_seconds = a.fade;
	s->all.inject_phys = a.inject & ~3ull;
	s->all.inject_mask = a.has_inject ? INJECT_MASK : 0;
	if (!split_work(s, ranges, nr)) {
		printf("memtest: no heap for the CPUs' shares\n");
		rc = 1;
		goto out;
	}
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++)
		if (a.mask & (1u << i))
			s->pass_visits += memtest_pattern_visits(i, memtest_pattern_serial(i) ? pages : s->work[s->caller].pages);
	fprintf(report, "memtest: %s of free RAM in %lu range%s (%llu KiB in use by the firmware skipped), %u pass%s of "
	       "tests %s on %u CPU%s; Ctrl-C stops\n",
	       amount(size, sizeof(size), pages * PAGE_SIZE), (unsigned long)nr, nr == 1 ? "" : "s",
	       (unsigned long long)((ram_in(a.start, a.end) - pages * PAGE_SIZE) >> 10), a.passes,
	       a.passes == 1 ? "" : "es", selection(sel, sizeof(sel), a.mask), cpus, cpus == 1 ? "" : "s");
	print_ranges(ranges, nr);
	s->mask = a.mask;
	if (lent) {
		fprintf(report, "memtest: %lu KiB of low memory lent by the firmware (saved, tested, put back):",
		       (unsigned long)(lent * PAGE_SIZE >> 10));
		for (size_t i = 0; i < n; i++)
			if (blocks[i].saved) {
				uint64_t pa = (uint64_t)blocks[i].pfn << PAGE_SHIFT;

				fprintf(report, " 0x%05llx", (unsigned long long)pa);
				if (s->nr_lent < sizeof(s->lent) / sizeof(s->lent[0]))
					s->lent[s->nr_lent++] = pa;
			}
		fprintf(report, "\n");
	}
	s->inject_under_test = -1;
	if (a.has_inject) {
		s->inject_under_test = build_ranges(blocks, n, s->all.inject_phys,
						    s->all.inject_phys + 4, ranges + nr) != 0;
		fprintf(report, "memtest: test hook: before each read of phys 0x%08llx bits %08lx are "
				"flipped%s\n",
			(unsigned long long)s->all.inject_phys, (unsigned long)INJECT_MASK,
			s->inject_under_test ? ""
					     : " (that word is not under test: in use or outside the range)");
	}

	s->passes = a.passes;
	s->t0 = now_us();
	for (s->pass = 1; s->pass <= a.passes && !s->stop; s->pass++) {
		uint64_t bad = 0;

		s->all.seed = a.seed + s->pass;
		for (unsigned c = 0; c < NR_CPUS; c++) {
			s->work[c].cfg.seed = s->all.seed;
			s->work[c].visits = 0;
		}
		s->next_tenth = 1;
		for (unsigned i = 0; i < MEMTEST_NR_PATTERNS && !s->stop; i++)
			if (a.mask & (1u << i))
				bad += run_one(s, i);
		if (s->stop)
			break;
		done++;
		fprintf(report, "memtest: pass %u/%u done, %llu error%s\n", s->pass, a.passes, (unsigned long long)bad,
		       bad == 1 ? "" : "s");
	}
	us = now_us() - s->t0;
	if (s->stop)
		fprintf(report, "^C\nmemtest: stopped by Ctrl-C\n");
	memset(&res, 0, sizeof(res));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		res.errors += s->work[c].res.errors;
		res.bytes_read += s->work[c].res.bytes_read;
		res.bytes_written += s->work[c].res.bytes_written;
	}
	res.stopped = s->stop;
	print_summary(s, &res, pages, us, done, cpus);
	rc = res.errors || res.stopped;
	ran = true;
out:
	give_back(blocks, n);
	free(blocks);
	free(ranges);
	for (unsigned c = 0; c < NR_CPUS; c++)
		free(s->work[c].ranges);
	/* The order-0 pages given back sit on the per-CPU lists: merge them into whole blocks again. */
	drain_all_pages();
	leaked = nr_free_pages() != free_before;
	if (leaked)
		fprintf(report, "memtest: free pages %lu before, %lu after: some were not given back\n", free_before,
			nr_free_pages());
	if (report != stdout) {
		fclose(report);
		report = stdout;
		if (ran)
			print_json(s, &res, pages, us, done, cpus, leaked);
	}
	free(s);
	return rc;
}
SHELL_CMD(memtest, "memtest",
	  "[list [-j]] [-t TESTS] [--fade=S] [--no-low] [--seed=N] [--inject-at=PHYS] [-j] "
	  "[START END] [PASSES]",
	  0, 11,
	  "test the free physical RAM (high memory and lendable low pages too; START, END and PHYS hex, 0x "
	  "optional; END exclusive; Ctrl-C stops; -j: the summary as JSON, with tests, per_cpu, "
	  "lent_low)",
	  cmd_memtest);
