/*
 * The kernel-virtual-area benchmark.  Cycles come from hal_cycles() (the
 * TSC in the image, nanoseconds on the host).  Each timed loop runs
 * bench_opts.reps times (3 by default) and the fastest run counts: on a
 * shared or emulated machine the slow runs are the ones something else
 * disturbed.  Set-up (filling the vmalloc area, holding PKMAP slots) is
 * not timed.  Every timed loop goes through bench_timed() so that
 * callgrind can count its instructions alone.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <hal/cpu.h>
#include <hal/smp.h>
#include <mm/debug/bench_vm.h>
#include <mm/debug/vmalloc_debug.h>
#include <mm/highmem.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

struct bench_opts bench_opts;
struct bench_record bench_records[BENCH_MAX_RECORDS];
unsigned bench_nr_records;

/* Room for the fill of the largest case (long_busy_list). */
#define BENCH_MAX_FILL 15000u

static struct vm_struct *fill[BENCH_MAX_FILL];

__attribute__((noinline, noclone)) void bench_timed(void (*fn)(void *ctx, unsigned long ops), void *ctx, unsigned long ops)
{
	fn(ctx, ops);
	__asm__ volatile("" ::: "memory");
}

/* The fastest of bench_opts.reps runs of fn, in cycles. */
static uint64_t time_best(void (*fn)(void *ctx, unsigned long ops), void *ctx, unsigned long ops)
{
	unsigned reps = bench_opts.reps ? bench_opts.reps : 3;
	uint64_t best = UINT64_MAX;

	for (unsigned r = 0; r < reps; r++) {
		uint64_t t0 = hal_cycles(), t;

		bench_timed(fn, ctx, ops);
		t = hal_cycles() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

static unsigned long scaled(unsigned long ops)
{
	return bench_opts.quick && ops >= 20 ? ops / 10 : ops;
}

bool bench_selected(const char *name, unsigned long n)
{
	if (bench_opts.stopped || (bench_opts.stop && bench_opts.stop())) {
		bench_opts.stopped = true;
		return false;
	}
	if (bench_opts.only && strncmp(name, bench_opts.only, strlen(bench_opts.only)) != 0)
		return false;
	if (bench_opts.only && bench_opts.exact && strcmp(name, bench_opts.only) != 0)
		return false;
	if (bench_opts.skip && strncmp(name, bench_opts.skip, strlen(bench_opts.skip)) == 0)
		return false;
	return !bench_opts.only_n || bench_opts.only_n == n;
}

struct bench_record *bench_report(FILE *out, const char *name, unsigned long n, unsigned long ops, uint64_t cycles)
{
	struct bench_record *r = NULL;

	fprintf(out, "BENCH name=%s n=%lu ops=%lu cycles_per_op=%" PRIu64 "\n", name, n, ops, ops ? cycles / ops : 0);
	if (bench_nr_records < BENCH_MAX_RECORDS) {
		r = &bench_records[bench_nr_records++];
		*r = (struct bench_record){ name, n, ops, ops ? cycles / ops : 0, 0 };
	}
	return r;
}

static void bench_skip(FILE *out, const char *name, unsigned long n, const char *why)
{
	fprintf(out, "BENCH name=%s n=%lu skipped=%s\n", name, n, why);
}

/* Fill the vmalloc area from the bottom with n one-page areas that own no pages; returns how many
 * fit. */
static unsigned fill_areas(unsigned n)
{
	unsigned made = 0;

	while (made < n && made < BENCH_MAX_FILL && (fill[made] = get_vm_area(PAGE_SIZE, VM_MAP)) != NULL)
		made++;
	return made;
}

static void unfill_areas(unsigned made)
{
	while (made)
		free_vm_area(remove_vm_area(fill[--made]->addr));
	vmalloc_purge_lazy();
}

/*
 * A running kernel's caches are never empty.  Without this, each
 * vmalloc+vfree would build and tear down a whole slab of the kmalloc
 * cache of its pages array and of the vm_struct cache, a constant cost
 * the same for every case that hides what the search costs.  So one object
 * of every kmalloc size and one parked area at the top of the vmalloc
 * range (out of first fit's way) stay allocated while a case runs.
 */
static void *warm_objs[10];
static struct vm_struct *warm_area;

static void bench_warm(bool on)
{
	for (unsigned i = 0; i < sizeof(warm_objs) / sizeof(warm_objs[0]); i++) {
		if (on)
			warm_objs[i] = kmalloc(8u << i, GFP_KERNEL | __GFP_NOWARN);
		else if (warm_objs[i])
			kfree(warm_objs[i]);
	}
	if (on)
		warm_area = __get_vm_area_caller(PAGE_SIZE, VM_MAP, VMALLOC_END - 2 * PAGE_SIZE, VMALLOC_END, NULL);
	else if (warm_area)
		free_vm_area(remove_vm_area(warm_area->addr));
}

/* ---- vmalloc cases ---- */

struct vm_ctx {
	unsigned long size;  /* bytes per vmalloc */
	uint32_t seed;       /* random_size */
	unsigned failed;
};

static void loop_vmalloc_vfree(void *p, unsigned long ops)
{
	struct vm_ctx *c = p;

	for (unsigned long i = 0; i < ops; i++) {
		vaddr_t v = vmalloc(c->size);

		if (!v) {
			c->failed++;
			return;
		}
		vfree(v);
	}
}

static void loop_random_size(void *p, unsigned long ops)
{
	struct vm_ctx *c = p;

	for (unsigned long i = 0; i < ops; i++) {
		vaddr_t v;

		c->seed = c->seed * 1103515245u + 12345u;
		v = vmalloc((1 + (c->seed >> 16) % 100) * PAGE_SIZE);
		if (!v) {
			c->failed++;
			return;
		}
		vfree(v);
	}
}

/* vmalloc+vfree of size bytes with n areas already live below, searched by mode. */
static void bench_vmalloc_live(FILE *out, const char *name, unsigned n, unsigned long ops, unsigned long size,
			       enum vmalloc_search mode, void (*loop)(void *, unsigned long))
{
	struct vm_ctx c = { size, 12345, 0 };
	unsigned made;
	uint64_t cycles;

	if (!bench_selected(name, n))
		return;
	bench_warm(true);
	made = fill_areas(n);
	if (made < n && strncmp(name, "long_busy_list", 14) != 0) {
		bench_skip(out, name, n, "no-vmalloc-space");
		goto out;
	}
	/*
	 * long_busy_list takes what fits, less a little room to allocate in:
	 * 15,000 areas need 117 MiB, more than the 87 MiB of a machine with
	 * high memory.
	 */
	if (made < n) {
		for (unsigned k = 0; k < 64 && made; k++)
			free_vm_area(remove_vm_area(fill[--made]->addr));
		vmalloc_purge_lazy();
	}
	n = made;
	vmalloc_set_search(mode);
	ops = scaled(ops);
	cycles = time_best(loop, &c, ops);
	vmalloc_set_search(VMALLOC_SEARCH_INDEXED);
	if (c.failed)
		bench_skip(out, name, n, "vmalloc-failed");
	else
		bench_report(out, name, n, ops, cycles);
out:
	unfill_areas(made);
	bench_warm(false);
}

/*
 * vmalloc+vfree of one page with n areas live, by the tree
 * (vmalloc_vfree) and by the 2.4 linear walk (vmalloc_vfree_linear), over one
 * and the same fill.  The two alternate repetition by repetition, so that
 * both meet the same machine: on a shared host and under TCG a whole case
 * can land in a stretch a third slower than the next, and the target is
 * their ratio.  Either runs alone when only it is selected.
 */
static void bench_vmalloc_pair(FILE *out, unsigned n, unsigned long ops_tree, unsigned long ops_list)
{
	static const char *const names[2] = { "vmalloc_vfree", "vmalloc_vfree_linear" };
	static const enum vmalloc_search modes[2] = { VMALLOC_SEARCH_INDEXED, VMALLOC_SEARCH_LINEAR };
	unsigned long ops[2] = { scaled(ops_tree), scaled(ops_list) };
	bool want[2] = { bench_selected(names[0], n), bench_selected(names[1], n) };
	uint64_t best[2] = { UINT64_MAX, UINT64_MAX };
	struct vm_ctx c[2] = { { PAGE_SIZE, 12345, 0 }, { PAGE_SIZE, 12345, 0 } };
	unsigned reps = bench_opts.reps ? bench_opts.reps : 3, made;

	if (!want[0] && !want[1])
		return;
	bench_warm(true);
	made = fill_areas(n);
	if (made < n) {
		for (int k = 0; k < 2; k++)
			if (want[k])
				bench_skip(out, names[k], n, "no-vmalloc-space");
		goto out;
	}
	for (unsigned r = 0; r < reps; r++) {
		for (int k = 0; k < 2; k++) {
			uint64_t t0, t;

			if (!want[k] || c[k].failed)
				continue;
			vmalloc_set_search(modes[k]);
			t0 = hal_cycles();
			bench_timed(loop_vmalloc_vfree, &c[k], ops[k]);
			t = hal_cycles() - t0;
			vmalloc_set_search(VMALLOC_SEARCH_INDEXED);
			if (t < best[k])
				best[k] = t;
		}
	}
	for (int k = 0; k < 2; k++) {
		if (!want[k])
			continue;
		if (c[k].failed)
			bench_skip(out, names[k], n, "vmalloc-failed");
		else
			bench_report(out, names[k], n, ops[k], best[k]);
	}
out:
	unfill_areas(made);
	bench_warm(false);
}

struct fit_ctx {
	unsigned holes;
	vaddr_t *got;
	unsigned failed;
};

static vaddr_t full_fit_got[BENCH_MAX_FILL / 2];

static void loop_full_fit(void *p, unsigned long ops)
{
	struct fit_ctx *c = p;

	for (unsigned long i = 0; i < ops; i++) {
		c->got[i] = vmalloc(PAGE_SIZE);
		if (!c->got[i])
			c->failed++;
	}
	/* Give the holes back for the next repetition (inside the loop: every repetition pays the
	 * same). */
	for (unsigned long i = 0; i < ops; i++)
		vfree(c->got[i]);
}

/*
 * full_fit: 2 * holes one-page areas, every other one freed, then one-page
 * vmallocs that each fill a hole exactly (and are freed again).
 */
static void bench_full_fit(FILE *out, unsigned holes)
{
	struct fit_ctx c = { holes, full_fit_got, 0 };
	unsigned made;
	uint64_t cycles;

	if (!bench_selected("full_fit", holes))
		return;
	bench_warm(true);
	holes = (unsigned)scaled(holes);
	made = fill_areas(2 * holes);
	if (made < 2 * holes) {
		bench_skip(out, "full_fit", holes, "no-vmalloc-space");
		unfill_areas(made);
		bench_warm(false);
		return;
	}
	for (unsigned i = 0; i < made; i += 2) {
		free_vm_area(remove_vm_area(fill[i]->addr));
		fill[i] = NULL;
	}
	cycles = time_best(loop_full_fit, &c, holes);
	if (c.failed)
		bench_skip(out, "full_fit", holes, "vmalloc-failed");
	else
		bench_report(out, "full_fit", holes, 2ul * holes, cycles);
	for (unsigned i = 1; i < made; i += 2)
		free_vm_area(remove_vm_area(fill[i]->addr));
	vmalloc_purge_lazy();
	bench_warm(false);
}

static vaddr_t batch_areas[10000];

static void loop_vfree_batch(void *p, unsigned long ops)
{
	(void)p;
	for (unsigned long i = 0; i < ops; i++)
		vfree(batch_areas[i]);
}

/* vfree of n areas in a row: cycles per vfree, and the global flushes they cost. */
static void bench_vfree_batch(FILE *out, unsigned n)
{
	unsigned long flushes, made = 0;
	struct bench_record *r;
	uint64_t t0, cycles;

	if (!bench_selected("vfree_batch", n))
		return;
	vmalloc_purge_lazy();
	while (made < n && (batch_areas[made] = vmalloc(PAGE_SIZE)) != 0)
		made++;
	if (made < n) {
		bench_skip(out, "vfree_batch", n, "no-vmalloc-space");
		while (made)
			vfree(batch_areas[--made]);
		vmalloc_purge_lazy();
		return;
	}
	flushes = vmalloc_stats.flush_alls;
	t0 = hal_cycles();
	bench_timed(loop_vfree_batch, NULL, n);
	cycles = hal_cycles() - t0;
	flushes = vmalloc_stats.flush_alls - flushes;
	r = bench_report(out, "vfree_batch", n, n, cycles);
	if (r)
		r->flushes = flushes;
	fprintf(out, "# vfree_batch: %lu global flushes for %u vfrees (lazy_max_pages %lu)\n", flushes, n,
		vmalloc_lazy_max_pages);
	vmalloc_purge_lazy();
}

/* ---- kmap cases ---- */

struct kmap_ctx {
	struct page **pages;
	unsigned npages;
	unsigned next;
};

static void loop_kmap_same(void *p, unsigned long ops)
{
	struct page *page = ((struct kmap_ctx *)p)->pages[0];

	for (unsigned long i = 0; i < ops; i++) {
		kmap(page);
		kunmap(page);
	}
}

static void loop_kmap_fresh(void *p, unsigned long ops)
{
	struct kmap_ctx *c = p;

	for (unsigned long i = 0; i < ops; i++) {
		struct page *page = c->pages[c->next];

		if (++c->next == c->npages)
			c->next = 0;
		kmap(page);
		kunmap(page);
	}
}

static void loop_kmap_atomic(void *p, unsigned long ops)
{
	struct page *page = ((struct kmap_ctx *)p)->pages[0];

	for (unsigned long i = 0; i < ops; i++)
		kunmap_atomic(kmap_atomic(page, KM_USER0), KM_USER0);
}

/* High pages for the kmap cases: held ones keep slots in use, a cycle of fresh ones is LAST_PKMAP +
 * 1 long. */
#define KMAP_HELD_MAX 1000u
#define KMAP_CYCLE (LAST_PKMAP + 1)

static struct page *kmap_pages[KMAP_HELD_MAX + KMAP_CYCLE];

static unsigned alloc_high(unsigned want)
{
	unsigned n = 0;

	while (n < want && (kmap_pages[n] = alloc_page(GFP_HIGHUSER | __GFP_NOWARN)) != NULL) {
		if (!page_is_highmem(kmap_pages[n])) {
			__free_page(kmap_pages[n]);
			break;
		}
		n++;
	}
	return n;
}

/*
 * kmap+kunmap of one page with in_use slots in use (in_use - 1 other pages
 * held), and fresh kmaps: a cycle of pages that each need a new slot, with
 * the same slots held.
 */
static void bench_kmap_in_use(FILE *out, unsigned in_use)
{
	struct page **held = kmap_pages, **cycle = kmap_pages + KMAP_HELD_MAX;
	unsigned have = alloc_high(KMAP_HELD_MAX + KMAP_CYCLE);
	struct kmap_ctx c;
	unsigned long ops, flushes;
	uint64_t cycles;
	struct bench_record *r;

	if (!bench_selected("kmap_kunmap", in_use) && !bench_selected("kmap_fresh", in_use))
		goto out;
	if (have < KMAP_HELD_MAX + KMAP_CYCLE) {
		bench_skip(out, "kmap_kunmap", in_use, "not-enough-highmem");
		goto out;
	}
	for (unsigned i = 0; i + 1 < in_use; i++)
		kmap(held[i]);
	if (bench_selected("kmap_kunmap", in_use)) {
		c = (struct kmap_ctx){ cycle, 1, 0 };
		ops = scaled(100000);
		cycles = time_best(loop_kmap_same, &c, ops);
		bench_report(out, "kmap_kunmap", in_use, ops, cycles);
	}
	if (bench_selected("kmap_fresh", in_use)) {
		c = (struct kmap_ctx){ cycle, KMAP_CYCLE, 0 };
		ops = scaled(4 * LAST_PKMAP);
		flushes = pkmap_stats.flushes;
		cycles = time_best(loop_kmap_fresh, &c, ops);
		r = bench_report(out, "kmap_fresh", in_use, ops, cycles);
		if (r)
			r->flushes = pkmap_stats.flushes - flushes;
	}
	for (unsigned i = 0; i + 1 < in_use; i++)
		kunmap(held[i]);
out:
	flush_all_zero_pkmaps();
	while (have)
		__free_page(kmap_pages[--have]);
}

/* Global flushes for 1,000,000 fresh kmaps (every one takes a new slot), against ceil(1,000,000 /
 * LAST_PKMAP). */
static void bench_kmap_flushes(FILE *out)
{
	unsigned have = alloc_high(KMAP_CYCLE);
	struct kmap_ctx c = { kmap_pages, KMAP_CYCLE, 0 };
	unsigned long ops = bench_opts.quick ? 100000 : 1000000, flushes, ipis;
	unsigned online;
	struct bench_record *r;
	uint64_t t0, cycles;

	if (!bench_selected("kmap_fresh_flushes", ops))
		goto out;
	if (have < KMAP_CYCLE) {
		bench_skip(out, "kmap_fresh_flushes", ops, "not-enough-highmem");
		goto out;
	}
	flushes = pkmap_stats.flushes;
	ipis = pkmap_stats.flush_ipis;
	t0 = hal_cycles();
	bench_timed(loop_kmap_fresh, &c, ops);
	cycles = hal_cycles() - t0;
	r = bench_report(out, "kmap_fresh_flushes", ops, ops, cycles);
	if (r)
		r->flushes = pkmap_stats.flushes - flushes;
	fprintf(out, "# kmap_fresh_flushes: %lu global flushes for %lu fresh kmaps (LAST_PKMAP %u)\n",
		pkmap_stats.flushes - flushes, ops, LAST_PKMAP);
	online = (unsigned)__builtin_popcount(hal_cpu_online_mask());
	fprintf(out, "# kmap_fresh_ipis: %lu shootdown IPIs at %u online CPUs; flushes x (CPUs - 1) = %lu "
		"(%s)\n", pkmap_stats.flush_ipis - ipis, online,
		(pkmap_stats.flushes - flushes) * (online - 1),
		pkmap_stats.flush_ipis - ipis == (pkmap_stats.flushes - flushes) * (online - 1) ?
			"exact" : "MISMATCH");
out:
	flush_all_zero_pkmaps();
	while (have)
		__free_page(kmap_pages[--have]);
}

static void bench_kmap_atomic(FILE *out)
{
	unsigned have = alloc_high(1);
	struct kmap_ctx c = { kmap_pages, 1, 0 };
	unsigned long ops = scaled(100000);

	if (!bench_selected("kmap_atomic", 1))
		goto out;
	if (!have) {
		bench_skip(out, "kmap_atomic", 1, "no-highmem");
		goto out;
	}
	bench_report(out, "kmap_atomic", 1, ops, time_best(loop_kmap_atomic, &c, ops));
out:
	while (have)
		__free_page(kmap_pages[--have]);
}

void bench_vm(FILE *out)
{
	static const unsigned live[] = { 10, 100, 1000, 10000 };
	static const unsigned in_use[] = { 1, 100, 1000 };

	for (unsigned i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		unsigned long ops = live[i] >= 10000 ? 2000 : 5000;

		/* The 2.4 linear walk is O(n): fewer operations at the large sizes keep the run
		 * short. */
		bench_vmalloc_pair(out, live[i], ops, live[i] >= 1000 ? 200 : 2000);
	}
	/* The shapes of Linux's lib/test_vmalloc.c. */
	bench_vmalloc_live(out, "fix_size", 0, 5000, 3 * PAGE_SIZE, VMALLOC_SEARCH_INDEXED, loop_vmalloc_vfree);
	bench_full_fit(out, 1000);
	bench_vmalloc_live(out, "long_busy_list", 15000, 2000, PAGE_SIZE, VMALLOC_SEARCH_INDEXED,
			   loop_vmalloc_vfree);
	bench_vmalloc_live(out, "long_busy_list_linear", 15000, 50, PAGE_SIZE, VMALLOC_SEARCH_LINEAR,
			   loop_vmalloc_vfree);
	bench_vmalloc_live(out, "random_size", 0, 500, 0, VMALLOC_SEARCH_INDEXED, loop_random_size);
	bench_vfree_batch(out, bench_opts.quick ? 1000 : 10000);

	for (unsigned i = 0; i < sizeof(in_use) / sizeof(in_use[0]); i++)
		bench_kmap_in_use(out, in_use[i]);
	bench_kmap_flushes(out);
	bench_kmap_atomic(out);
	/* find_vma with 10, 1,000 and 10,000 regions joins here with the process address spaces
	 * (mm_rb). */
}

static const struct bench_record *find_record(const char *name, unsigned long n)
{
	for (unsigned i = 0; i < bench_nr_records; i++)
		if (strcmp(bench_records[i].name, name) == 0 && (!n || bench_records[i].n == n))
			return &bench_records[i];
	return NULL;
}

/* Print one target: value against the limit (at_most: value <= limit, else value >= limit). */
static unsigned target(FILE *out, const char *what, double value, double limit, bool at_most)
{
	bool ok = at_most ? value <= limit : value >= limit;

	fprintf(out, "TARGET %s = %.2f (want %s %.2f) %s\n", what, value, at_most ? "<=" : ">=", limit,
		ok ? "PASS" : "MISS");
	return !ok;
}

unsigned bench_targets(FILE *out)
{
	const struct bench_record *a, *b;
	unsigned miss = 0;

	a = find_record("vmalloc_vfree", 10);
	b = find_record("vmalloc_vfree", 10000);
	if (a && b && a->cycles_per_op)
		miss += target(out, "vmalloc_vfree n=10000 / n=10", (double)b->cycles_per_op / (double)a->cycles_per_op,
			       2.0, true);
	a = find_record("vmalloc_vfree_linear", 10000);
	if (a && b && b->cycles_per_op)
		miss += target(out, "vmalloc_vfree linear / indexed at n=10000",
			       (double)a->cycles_per_op / (double)b->cycles_per_op, 50.0, false);
	a = find_record("kmap_kunmap", 1);
	b = find_record("kmap_kunmap", 1000);
	if (a && b && a->cycles_per_op)
		miss += target(out, "kmap_kunmap 1000 slots / 1 slot", (double)b->cycles_per_op / (double)a->cycles_per_op,
			       1.5, true);
	a = find_record("kmap_fresh_flushes", 0);
	if (a)
		miss += target(out, "global flushes per fresh kmaps / ceil(ops / LAST_PKMAP)",
			       (double)a->flushes / (double)((a->ops + LAST_PKMAP - 1) / LAST_PKMAP), 1.0, true);
	a = find_record("vfree_batch", 0);
	if (a)
		miss += target(out, "global flushes for vfree_batch of 10,000 (scaled)",
			       (double)a->flushes * 10000.0 / (double)a->n, 10.0, true);
	return miss;
}
