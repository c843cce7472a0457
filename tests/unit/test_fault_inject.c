/*
 * Allocation-failure injection on the fake machine: the nth and random
 * schedules, the slab hook, and a sweep that fails each allocation of a
 * mixed workload in turn and checks that every caller unwinds: nothing
 * leaks, the invariants hold, and each failure was reported.
 */
#include "test_hardening.h"

#include <mm/debug/fault_inject.h>
#include <mm/io.h>

static int boot1g(void **state)
{
	hb_boot(1 * GiB);
	return 0;
}

static int inject_off(void **state)
{
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	return 0;
}

/* stdout redirected into a memory buffer while a test provokes messages. */
static char *cap_text;
static size_t cap_len;
static FILE *cap_saved;

static void capture_begin(void)
{
	fflush(stdout);
	cap_saved = stdout;
	stdout = open_memstream(&cap_text, &cap_len);
	assert_non_null(stdout);
}

/* Stop capturing; returns the text (free it). */
static char *capture_end(void)
{
	fclose(stdout);
	stdout = cap_saved;
	return cap_text;
}

static void test_nth_schedule(void **state)
{
	struct page *p[9];
	unsigned failed = 0;
	unsigned long before = page_alloc_stats.injected;

	fault_inject_set(FAULT_INJECT_NTH, 3, 0);
	for (unsigned i = 0; i < 9; i++) {
		p[i] = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!p[i]) {
			failed++;
			assert_int_equal(i % 3, 2); /* the 3rd, 6th and 9th */
		}
	}
	assert_int_equal(failed, 3);
	assert_int_equal(fault_inject.page_injected, 3);
	assert_int_equal(page_alloc_stats.injected - before, 3);
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	for (unsigned i = 0; i < 9; i++)
		if (p[i])
			__free_page(p[i]);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

/* The failure pattern of 256 random-schedule allocations as a bitmap. */
static void random_pattern(unsigned long n, uint64_t seed, uint8_t bits[32])
{
	memset(bits, 0, 32);
	fault_inject_set(FAULT_INJECT_RANDOM, n, seed);
	for (unsigned i = 0; i < 256; i++) {
		struct page *p = alloc_page(GFP_KERNEL | __GFP_NOWARN);

		if (p)
			__free_page(p);
		else
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
}

static void test_random_is_reproducible(void **state)
{
	uint8_t a[32], b[32], c[32];
	unsigned long failures = 0;

	random_pattern(4, 42, a);
	random_pattern(4, 42, b);
	random_pattern(4, 43, c);
	assert_memory_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
	/*
	 * Each kmalloc draws twice (the object, then the page of a fresh slab,
	 * since the empty slab went back at the previous kfree), so it fails
	 * with probability 1/4 + 3/4 * 1/4 = 7/16: about 8,750 of 20,000.
	 */
	fault_inject_set(FAULT_INJECT_RANDOM, 4, 7);
	for (unsigned i = 0; i < 20000; i++) {
		void *o = kmalloc(32, GFP_KERNEL | __GFP_NOWARN);

		if (o)
			kfree(o);
		else
			failures++;
	}
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	assert_true(failures > 8300 && failures < 9200);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_slab_hook_reports(void **state)
{
	struct kmem_cache *k = kmalloc_cache(64);
	unsigned long fails = k->alloc_fail;
	char *text;
	void *o;

	capture_begin();
	fault_inject_set(FAULT_INJECT_NTH, 1, 0);
	o = kmalloc(50, GFP_KERNEL);
	assert_null(o);
	assert_null(kmalloc(50, GFP_KERNEL | __GFP_NOWARN));
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	text = capture_end();
	assert_non_null(strstr(text, "slab kmalloc-64: allocation failure (injected failure 1)"));
	assert_null(strstr(text, "injected failure 2")); /* __GFP_NOWARN keeps quiet */
	free(text);
	assert_int_equal(k->alloc_fail, fails + 2);
}

/* Everything the workload below got, to be given back. */
struct haul {
	struct page *pages[4], *high;
	vaddr_t vm[4], io, kmapped, vmapped;
	void *obj[6];
	struct kmem_cache *cache;
	void *cobj[3];
	vaddr_t zero;
};

/* A mix of every allocating interface; each step tolerates failure and keeps what it got. */
static void workload(struct haul *h)
{
	static const unsigned orders[4] = { 0, 1, 3, 10 };
	static const size_t sizes[6] = { 1, 64, 500, 4096, 20000, 131072 };
	static const unsigned long vsizes[4] = { 1, PAGE_SIZE + 1, 17 * PAGE_SIZE, 64 * PAGE_SIZE };

	memset(h, 0, sizeof(*h));
	for (unsigned i = 0; i < 4; i++)
		h->pages[i] = alloc_pages(i == 2 ? GFP_DMA : GFP_KERNEL, orders[i]);
	h->high = alloc_page(GFP_HIGHUSER | __GFP_ZERO);
	for (unsigned i = 0; i < 4; i++)
		h->vm[i] = i == 1 ? vzalloc(vsizes[i]) : i == 3 ? vmalloc_32(vsizes[i]) : vmalloc(vsizes[i]);
	h->io = ioremap(0xfebf0010u, 2 * PAGE_SIZE);
	for (unsigned i = 0; i < 6; i++)
		h->obj[i] = kmalloc(sizes[i], i == 3 ? GFP_DMA : GFP_KERNEL);
	h->cache = kmem_cache_create("inject-test", 200, 0, SLAB_HWCACHE_ALIGN);
	for (unsigned i = 0; h->cache && i < 3; i++)
		h->cobj[i] = kmem_cache_alloc(h->cache, __GFP_ZERO);
	if (h->high)
		h->kmapped = kmap(h->high);
	if (h->pages[0] && h->pages[1])
		h->vmapped = vmap(h->pages, 2, 0, HAL_PROT_WRITE);
	h->zero = get_zeroed_page(GFP_KERNEL);
}

static void give_back(struct haul *h)
{
	static const unsigned orders[4] = { 0, 1, 3, 10 };

	free_pages(h->zero, 0);
	if (h->vmapped) {
		vunmap(h->vmapped);
		vmalloc_purge_lazy(); /* before the pages go back */
	}
	if (h->kmapped)
		kunmap(h->high);
	for (unsigned i = 0; h->cache && i < 3; i++)
		kmem_cache_free(h->cache, h->cobj[i]);
	if (h->cache)
		assert_int_equal(kmem_cache_destroy(h->cache), 0);
	for (unsigned i = 0; i < 6; i++)
		kfree(h->obj[i]);
	if (h->io)
		iounmap(h->io);
	for (unsigned i = 0; i < 4; i++)
		vfree(h->vm[i]);
	if (h->high)
		__free_page(h->high);
	for (unsigned i = 0; i < 4; i++)
		if (h->pages[i])
			__free_pages(h->pages[i], orders[i]);
}

/* Objects in use over every cache, and the sum of their slabs. */
static void slab_totals(unsigned long *objs, unsigned long *slabs)
{
	*objs = *slabs = 0;
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c)) {
		*objs += c->active_objs;
		*slabs += c->num_slabs;
	}
}

static void test_every_failure_unwinds(void **state)
{
	struct haul h;
	unsigned long objs0, slabs0, objs, slabs, used0, used, calls = 0, total_injected = 0;
	unsigned areas0, areas;

	/* Dry runs without failures: the first creates the dma-kmalloc caches, which stay; the second counts the allocations. */
	for (int i = 0; i < 2; i++) {
		fault_inject_set(FAULT_INJECT_NTH, 1000000, 0);
		workload(&h);
		calls = fault_inject.calls;
		give_back(&h);
	}
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	flush_all_zero_pkmaps();
	vmalloc_purge_lazy();
	assert_true(calls > 80);
	slab_totals(&objs0, &slabs0);
	vmalloc_usage(&used0, NULL, &areas0);
	vm_boot_free_pages = nr_free_pages();

	for (unsigned long k = 1; k <= calls + 1; k++) {
		char *text;

		capture_begin();
		fault_inject_set(FAULT_INJECT_NTH, k, 0);
		workload(&h);
		total_injected += fault_inject_count();
		if (fault_inject_count() == 0 && k <= calls)
			fail_msg("nth %lu injected nothing", k);
		fault_inject_set(FAULT_INJECT_OFF, 0, 0);
		give_back(&h);
		flush_all_zero_pkmaps();
		vmalloc_purge_lazy();
		text = capture_end();
		/* Every failure reached the console as a message. */
		if (k <= calls && !strstr(text, "failure"))
			fail_msg("nth %lu: no failure message; output:\n%s", k, text);
		free(text);
		slab_totals(&objs, &slabs);
		vmalloc_usage(&used, NULL, &areas);
		if (nr_free_pages() != vm_boot_free_pages || objs != objs0 || slabs != slabs0 || used != used0 ||
		    areas != areas0)
			fail_msg("nth %lu leaked: free pages %lu (was %lu), objects %lu (%lu), slabs %lu (%lu), vmalloc %lu "
				 "(%lu)", k, nr_free_pages(), vm_boot_free_pages, objs, objs0, slabs, slabs0, used,
				 used0);
		hb_assert_clean();
	}
	assert_true(total_injected >= calls);
	print_message("%lu allocations in the workload, %lu failures injected over %lu runs, no leak\n", calls,
		      total_injected, calls + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nth_schedule, boot1g, inject_off),
		cmocka_unit_test_setup_teardown(test_random_is_reproducible, boot1g, inject_off),
		cmocka_unit_test_setup_teardown(test_slab_hook_reports, boot1g, inject_off),
		cmocka_unit_test_setup_teardown(test_every_failure_unwinds, boot1g, inject_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
