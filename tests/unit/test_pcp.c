/*
 * The per-CPU hot and cold lists of order-0 pages (mm/pcp.c) on fake RAM: batch sizes, refill in
 * batches, drain at the high watermark, hot versus cold order, drain_local_pages() and
 * drain_all_pages() over several fake CPUs leaving the buddy lists exact, high memory, exhaustion
 * falling back to the next zone, failure injection and double frees of a listed page.
 */
#include "test_mm_fixture.h"
#include "test_fail_alloc.h"

#include <stdlib.h>

#include <mm/debug/mmcheck.h>
#include <mm/gfp.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/pcp.h>

#define MB (1ull << 20)

static struct zone *zone_of(enum zone_type z)
{
	return &contig_page_data.node_zones[z];
}

static struct per_cpu_pages *pcp_of(enum zone_type z, unsigned cpu, int cold)
{
	return &zone_of(z)->pageset[cpu].pcp[cold];
}

/* Pages on zone z's buddy lists. */
static unsigned long buddy_pages(enum zone_type z)
{
	unsigned long n = 0;

	for (unsigned o = 0; o < MAX_ORDER; o++)
		n += zone_of(z)->free_area[o].nr_free << o;
	return n;
}

struct snapshot {
	unsigned long nr_free[MAX_NR_ZONES][MAX_ORDER];
	unsigned long free_pages[MAX_NR_ZONES];
};

static void snap(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		s->free_pages[z] = zone_of(z)->free_pages;
		for (int o = 0; o < MAX_ORDER; o++)
			s->nr_free[z][o] = zone_of(z)->free_area[o].nr_free;
	}
}

static int setup_64m(void **state)
{
	(void)state;
	fix_boot(64 * MB);
	drain_all_pages();
	return 0;
}

static int setup_1g(void **state)
{
	(void)state;
	fix_boot(1024 * MB);
	drain_all_pages();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	drain_all_pages_hook = NULL;
	should_fail_alloc_page = NULL;
	fake_hal_set_cpu(0);
	fake_hal_set_online(1);
	assert_int_equal(check_free_lists(stderr), 0);
	drain_all_pages();
	for (int z = 0; z < MAX_NR_ZONES; z++)
		assert_int_equal(buddy_pages((enum zone_type)z), zone_of((enum zone_type)z)->free_pages);
	fake_hal_fini();
	return 0;
}

/* The 2.6 kernels' sizes: about managed/4096 pages a batch, at most 31, rounded to 2^n - 1. */
static void test_batch_sizes(void **state)
{
	struct zone *normal = zone_of(ZONE_NORMAL), *dma = zone_of(ZONE_DMA), *high = zone_of(ZONE_HIGHMEM);

	(void)state;
	assert_int_equal(zone_pcp_batchsize(0), 0);
	assert_int_equal(zone_pcp_batchsize(4096), 0);      /* 16 MiB: one page at a time */
	assert_int_equal(zone_pcp_batchsize(12288), 3);     /* 48 MiB */
	assert_int_equal(zone_pcp_batchsize(65536), 15);    /* 256 MiB */
	assert_int_equal(zone_pcp_batchsize(225280), 31);   /* 880 MiB */
	assert_int_equal(zone_pcp_batchsize(1ul << 20), 31); /* 4 GiB: capped at 512 KiB */
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		unsigned long b = zone_pcp_batchsize(normal->managed_pages);

		assert_int_equal(normal->pageset[cpu].pcp[0].batch, b);
		assert_int_equal(normal->pageset[cpu].pcp[0].high, 6 * b);
		assert_int_equal(normal->pageset[cpu].pcp[1].batch, b / 2);
		assert_int_equal(normal->pageset[cpu].pcp[1].high, 2 * b);
		/* A zone whose batch rounds to 0 passes each page straight through. */
		assert_int_equal(dma->pageset[cpu].pcp[0].batch, 1);
		assert_int_equal(dma->pageset[cpu].pcp[0].high, 0);
		assert_true(high->pageset[cpu].pcp[0].batch > 1);
	}
	assert_int_equal(normal->pageset[0].pcp[0].batch, 31);
}

static void test_refill_in_batches(void **state)
{
	struct per_cpu_pages *hot = pcp_of(ZONE_NORMAL, 0, 0);
	unsigned long batch = hot->batch, buddy0 = buddy_pages(ZONE_NORMAL);
	unsigned long free0 = zone_of(ZONE_NORMAL)->free_pages, refills0 = hot->refills;
	struct page *pages[64];

	(void)state;
	assert_int_equal(hot->count, 0);
	assert_true(batch > 1 && 2 * batch + 1 <= 64);
	pages[0] = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(pages[0]);
	assert_int_equal(page_zonenum(pages[0]), ZONE_NORMAL);
	/* One refill of a whole batch: the buddy lists lost batch pages, the zone one free page. */
	assert_int_equal(hot->refills, refills0 + 1);
	assert_int_equal(hot->count, batch - 1);
	assert_int_equal(buddy_pages(ZONE_NORMAL), buddy0 - batch);
	assert_int_equal(zone_of(ZONE_NORMAL)->free_pages, free0 - 1);
	assert_int_equal(zone_pcp_count(zone_of(ZONE_NORMAL)), batch - 1);
	/* The rest of the batch comes from the list without touching the buddy lists. */
	for (unsigned long i = 1; i < batch; i++) {
		pages[i] = alloc_pages(GFP_KERNEL, 0);
		assert_non_null(pages[i]);
		assert_int_equal(page_count(pages[i]), 1);
		assert_false(PageBuddy(pages[i]));
	}
	assert_int_equal(hot->count, 0);
	assert_int_equal(hot->refills, refills0 + 1);
	assert_int_equal(buddy_pages(ZONE_NORMAL), buddy0 - batch);
	/* The next one refills again. */
	pages[batch] = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(pages[batch]);
	assert_int_equal(hot->refills, refills0 + 2);
	assert_int_equal(hot->count, batch - 1);
	assert_int_equal(buddy_pages(ZONE_NORMAL), buddy0 - 2 * batch);
	assert_int_equal(zone_of(ZONE_NORMAL)->free_pages, free0 - batch - 1);
	for (unsigned long i = 0; i <= batch; i++)
		__free_pages(pages[i], 0);
	assert_int_equal(zone_of(ZONE_NORMAL)->free_pages, free0);
	assert_int_equal(check_free_lists(stderr), 0);
}

static void test_drain_at_high(void **state)
{
	struct per_cpu_pages *hot = pcp_of(ZONE_NORMAL, 0, 0);
	unsigned long high = hot->high, batch = hot->batch, n = high + batch, buddy0, drains0;
	struct page **pages = calloc(n, sizeof(*pages));

	(void)state;
	assert_non_null(pages);
	for (unsigned long i = 0; i < n; i++)
		assert_non_null(pages[i] = alloc_pages(GFP_KERNEL, 0));
	drain_all_pages();
	assert_int_equal(hot->count, 0);
	buddy0 = buddy_pages(ZONE_NORMAL);
	drains0 = hot->drains;
	for (unsigned long i = 0; i < high - 1; i++)
		__free_pages(pages[i], 0);
	/* Below the high watermark every freed page stays on the list. */
	assert_int_equal(hot->count, high - 1);
	assert_int_equal(hot->drains, drains0);
	assert_int_equal(buddy_pages(ZONE_NORMAL), buddy0);
	/* The free that reaches high gives the oldest batch back. */
	__free_pages(pages[high - 1], 0);
	assert_int_equal(hot->drains, drains0 + 1);
	assert_int_equal(hot->count, high - batch);
	assert_int_equal(buddy_pages(ZONE_NORMAL), buddy0 + batch);
	/* The pages given back are the first ones freed (the list's tail), not the warm ones. */
	for (unsigned long i = 0; i < high; i++) {
		bool listed = false;
		struct list_head *pos;

		list_for_each(pos, &hot->list)
			listed |= list_entry(pos, struct page, lru) == pages[i];
		assert_int_equal(listed, i >= batch);
	}
	for (unsigned long i = high; i < n; i++)
		__free_pages(pages[i], 0);
	assert_true(hot->count < high);
	assert_int_equal(buddy_pages(ZONE_NORMAL) + zone_pcp_count(zone_of(ZONE_NORMAL)),
			 zone_of(ZONE_NORMAL)->free_pages);
	free(pages);
}

static void test_hot_cold_order(void **state)
{
	struct per_cpu_pages *hot = pcp_of(ZONE_NORMAL, 0, 0), *cold = pcp_of(ZONE_NORMAL, 0, 1);
	struct page *a, *b, *c, *p;
	unsigned long cold_refills;

	(void)state;
	a = alloc_pages(GFP_KERNEL, 0);
	b = alloc_pages(GFP_KERNEL, 0);
	c = alloc_pages(GFP_KERNEL, 0);
	assert_true(a && b && c);
	assert_int_equal(cold->count, 0);
	free_hot_page(a);
	__free_pages(b, 0);
	free_cold_page(c);
	assert_int_equal(cold->count, 1);
	/* Hot: last freed, first out. */
	p = alloc_pages(GFP_KERNEL, 0);
	assert_ptr_equal(p, b);
	p = alloc_pages(GFP_KERNEL, 0);
	assert_ptr_equal(p, a);
	/* Cold: a __GFP_COLD request gets the cold page, never a hot one. */
	cold_refills = cold->refills;
	p = alloc_pages(GFP_KERNEL | __GFP_COLD, 0);
	assert_ptr_equal(p, c);
	assert_int_equal(cold->count, 0);
	assert_int_equal(cold->refills, cold_refills);
	/* An empty cold list refills from the buddy lists with its own (half) batch. */
	c = alloc_pages(GFP_KERNEL | __GFP_COLD, 0);
	assert_non_null(c);
	assert_int_equal(cold->refills, cold_refills + 1);
	assert_int_equal(cold->count, cold->batch - 1);
	assert_true(hot->count > 0);
	__free_pages(a, 0);
	__free_pages(b, 0);
	free_cold_page(c);
	free_cold_page(p);
}

/* What the firmware's hook does, played on the fake CPUs: each online CPU drains its own lists. */
static unsigned hook_calls;

static void fake_drain_each_cpu(void)
{
	hook_calls++;
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		fake_hal_set_cpu(cpu);
		drain_local_pages();
	}
	fake_hal_set_cpu(0);
}

static void test_drain_local_and_all(void **state)
{
	struct snapshot start, now;
	struct page *held[4][8];
	unsigned long free0 = nr_free_pages();

	(void)state;
	snap(&start);
	fake_hal_set_online(0xf);
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		fake_hal_set_cpu(cpu);
		for (int i = 0; i < 8; i++)
			held[cpu][i] = alloc_pages(i & 1 ? GFP_HIGHUSER : GFP_KERNEL, 0);
		for (int i = 0; i < 8; i += 2)
			__free_pages(held[cpu][i], 0);
		free_cold_page(held[cpu][1]);
		held[cpu][1] = NULL;
		for (int i = 0; i < 8; i += 2)
			held[cpu][i] = NULL;
	}
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		assert_true(pcp_of(ZONE_NORMAL, cpu, 0)->count > 0);
		assert_true(pcp_of(ZONE_HIGHMEM, cpu, 0)->count > 0);
		assert_int_equal(pcp_of(ZONE_HIGHMEM, cpu, 1)->count, 1);
	}
	/* Lists full or not, the free counts are exact and the checkers account for the lists. */
	assert_int_equal(nr_free_pages(), free0 - 4 * 3);
	assert_int_equal(check_free_lists(stderr), 0);
	assert_int_equal(mmcheck_buddy(stderr), 0);
	assert_true(buddy_pages(ZONE_NORMAL) < zone_of(ZONE_NORMAL)->free_pages);

	/* drain_local_pages() empties only the running CPU's lists. */
	fake_hal_set_cpu(2);
	drain_local_pages();
	for (unsigned cpu = 0; cpu < 4; cpu++)
		for (int z = 0; z < MAX_NR_ZONES; z++)
			for (int t = 0; t < 2; t++)
				if (cpu == 2)
					assert_int_equal(pcp_of((enum zone_type)z, cpu, t)->count, 0);
	assert_true(pcp_of(ZONE_NORMAL, 1, 0)->count > 0);

	/* drain_all_pages() through the firmware's hook: every CPU drains its own. */
	fake_hal_set_cpu(0);
	drain_all_pages_hook = fake_drain_each_cpu;
	drain_all_pages();
	assert_int_equal(hook_calls, 1);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		assert_int_equal(zone_pcp_count(zone_of((enum zone_type)z)), 0);
		assert_int_equal(buddy_pages((enum zone_type)z), zone_of((enum zone_type)z)->free_pages);
	}
	/* Give the held pages back from other CPUs than took them; drained, the buddy lists are what
	 * they were at the start, block for block. */
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		fake_hal_set_cpu(3 - cpu);
		for (int i = 0; i < 8; i++)
			if (held[cpu][i])
				__free_pages(held[cpu][i], 0);
	}
	fake_hal_set_cpu(0);
	assert_int_equal(nr_free_pages(), free0);
	drain_all_pages_hook = NULL;
	drain_all_pages();
	snap(&now);
	assert_memory_equal(&start, &now, sizeof(start));
	fake_hal_set_online(1);
}

static void test_highmem_lists(void **state)
{
	struct per_cpu_pages *hot = pcp_of(ZONE_HIGHMEM, 0, 0);
	unsigned long buddy0 = buddy_pages(ZONE_HIGHMEM);
	struct page *page;

	(void)state;
	page = alloc_pages(GFP_HIGHUSER | __GFP_ZERO, 0);
	assert_non_null(page);
	assert_true(PageHighMem(page));
	assert_int_equal(hot->count, hot->batch - 1);
	assert_int_equal(buddy_pages(ZONE_HIGHMEM), buddy0 - hot->batch);
	assert_int_equal(pcp_of(ZONE_NORMAL, 0, 0)->count, 0);
	__free_pages(page, 0);
	assert_int_equal(hot->count, hot->batch);
	/* kmalloc-style requests never get a page off the high lists. */
	page = alloc_pages(GFP_KERNEL, 0);
	assert_false(PageHighMem(page));
	__free_pages(page, 0);
}

/* Exhaustion: an empty list refills with what is left (a short batch), then the request falls
 * back to the next zone; pages on another CPU's list come back only when it is drained. */
static void test_exhaustion_falls_back(void **state)
{
	unsigned long normal_free = zone_of(ZONE_NORMAL)->free_pages, dma_free = zone_of(ZONE_DMA)->free_pages;
	unsigned long other, got = 0, got_dma = 0, cap = normal_free + dma_free + 16;
	struct page **pages = calloc(cap, sizeof(*pages)), *p;

	(void)state;
	assert_non_null(pages);
	/* CPU 1 keeps a few Normal pages on its hot list. */
	fake_hal_set_online(3);
	fake_hal_set_cpu(1);
	p = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(p);
	__free_pages(p, 0);
	other = pcp_of(ZONE_NORMAL, 1, 0)->count;
	assert_true(other > 1);
	fake_hal_set_cpu(0);
	while (got < cap && (p = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0))) {
		pages[got++] = p;
		got_dma += page_zonenum(p) == ZONE_DMA;
	}
	/* Everything but CPU 1's list, the Normal zone first, then DMA. */
	assert_int_equal(got, normal_free + dma_free - other);
	assert_int_equal(got_dma, dma_free);
	assert_int_equal(page_zonenum(pages[0]), ZONE_NORMAL);
	assert_int_equal(page_zonenum(pages[got - 1]), ZONE_DMA);
	assert_int_equal(zone_of(ZONE_NORMAL)->free_pages, other);
	assert_int_equal(buddy_pages(ZONE_NORMAL), 0);
	assert_null(alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0));
	/* Drained, CPU 1's pages serve this CPU. */
	drain_all_pages();
	while (got < cap && (p = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0)))
		pages[got++] = p;
	assert_int_equal(got, normal_free + dma_free);
	assert_int_equal(nr_free_pages(), zone_of(ZONE_HIGHMEM)->free_pages);
	for (unsigned long i = 0; i < got; i++)
		__free_pages(pages[i], 0);
	assert_int_equal(zone_of(ZONE_NORMAL)->free_pages, normal_free);
	assert_int_equal(zone_of(ZONE_DMA)->free_pages, dma_free);
	free(pages);
}

/* Failure injection fails an order-0 request even with pages on the list; a double free of a
 * page on a list is caught and changes nothing. */
static void test_fault_inject_and_double_free(void **state)
{
	struct per_cpu_pages *hot = pcp_of(ZONE_NORMAL, 0, 0);
	unsigned long injected = page_alloc_stats.injected, doubles = page_alloc_stats.double_free;
	unsigned long count, free_now;
	struct page *p = alloc_pages(GFP_KERNEL, 0);

	(void)state;
	assert_non_null(p);
	count = hot->count;
	assert_true(count > 0);
	should_fail_alloc_page = fail_next;
	fail_next_allocs = 1;
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0));
	assert_int_equal(page_alloc_stats.injected, injected + 1);
	assert_int_equal(hot->count, count);
	should_fail_alloc_page = NULL;

	__free_pages(p, 0);
	assert_int_equal(hot->count, count + 1);
	free_now = zone_of(ZONE_NORMAL)->free_pages;
	__free_pages(p, 0);
	assert_int_equal(page_alloc_stats.double_free, doubles + 1);
	assert_int_equal(hot->count, count + 1);
	assert_int_equal(zone_of(ZONE_NORMAL)->free_pages, free_now);
	assert_int_equal(check_free_lists(stderr), 0);
}

/* 64 MiB: the Normal zone's batch is small, its lists still work; order > 0 never uses them. */
static void test_small_zone_passes_through(void **state)
{
	struct per_cpu_pages *hot = pcp_of(ZONE_NORMAL, 0, 0);
	struct page *p, *q;

	(void)state;
	assert_int_equal(hot->batch, zone_pcp_batchsize(zone_of(ZONE_NORMAL)->managed_pages));
	assert_true(hot->batch >= 1 && hot->batch < 4);
	p = alloc_pages(GFP_KERNEL, 0);
	q = alloc_pages(GFP_KERNEL, 1);
	assert_true(p && q);
	assert_int_equal(hot->count + 1, hot->batch);
	__free_pages(q, 1);
	assert_int_equal(hot->count + 1, hot->batch);
	__free_pages(p, 0);
	assert_int_equal(hot->count, hot->batch);
}

/* The checkers walk the per-CPU lists: a wrong count or a page that is not free is reported. */
static void test_checkers_see_the_lists(void **state)
{
	struct per_cpu_pages *hot = pcp_of(ZONE_NORMAL, 0, 0);
	struct page *p = alloc_pages(GFP_KERNEL, 0), *listed;

	(void)state;
	assert_non_null(p);
	assert_true(hot->count > 0);
	assert_int_equal(check_free_lists(stderr), 0);
	assert_int_equal(mmcheck_buddy(stderr), 0);
	hot->count++;
	assert_true(check_free_lists(stderr) >= 1);
	assert_true(mmcheck_buddy(stderr) >= 1);
	hot->count--;
	listed = list_first_entry(&hot->list, struct page, lru);
	listed->_count = 1;
	assert_int_equal(check_free_lists(stderr), 1);
	listed->_count = 0;
	assert_int_equal(check_free_lists(stderr), 0);
	__free_pages(p, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_sizes, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_refill_in_batches, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_drain_at_high, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_hot_cold_order, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_drain_local_and_all, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_highmem_lists, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_falls_back, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_fault_inject_and_double_free, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_small_zone_passes_through, setup_64m, teardown),
		cmocka_unit_test_setup_teardown(test_checkers_see_the_lists, setup_1g, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
