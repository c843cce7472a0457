/*
 * The buddy allocator on fake RAM: every order, split and coalesce, zone
 * fallback, watermarks, exhaustion, bad frees, and a long random sequence
 * checked against a model of which frames are allocated.
 */
#include "test_mm_fixture.h"
#include "test_fail_alloc.h"

#include <stdlib.h>

#include <hal/mmu.h>
#include <mm/debug/mmcheck.h>
#include <mm/fixmap.h>
#include <mm/layout.h>
#include <mm/meminfo.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/pcp.h>
#include <mm/slab.h>

#define MB (1ull << 20)

static struct zone *zone_of(enum zone_type z)
{
	return &contig_page_data.node_zones[z];
}

struct snapshot {
	unsigned long nr_free[MAX_NR_ZONES][MAX_ORDER];
	unsigned long free_pages[MAX_NR_ZONES];
};

/* The buddy lists, exact: every per-CPU list drained back to them first. */
static void snap(struct snapshot *s)
{
	drain_all_pages();
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		s->free_pages[z] = zone_of(z)->free_pages;
		for (int o = 0; o < MAX_ORDER; o++)
			s->nr_free[z][o] = zone_of(z)->free_area[o].nr_free;
	}
}

static void assert_same(const struct snapshot *a, const struct snapshot *b)
{
	assert_memory_equal(a, b, sizeof(*a));
}

static int setup_64m(void **state)
{
	(void)state;
	fix_boot(64 * MB);
	return 0;
}

static int setup_1g(void **state)
{
	(void)state;
	fix_boot(1024 * MB);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(check_free_lists(stderr), 0);
	fake_hal_fini();
	return 0;
}

static void test_every_order(void **state)
{
	struct snapshot before, after;

	(void)state;
	snap(&before);
	for (unsigned order = 0; order < MAX_ORDER; order++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);
		pfn_t pfn;

		assert_non_null(page);
		pfn = page_to_pfn(page);
		assert_int_equal(pfn & ((1u << order) - 1), 0);
		assert_int_equal(page_count(page), 1);
		assert_false(PageBuddy(page));
		assert_false(PageReserved(page));
		for (unsigned i = 0; i < (1u << order); i++)
			assert_false(PageReserved(page + i) || PageBuddy(page + i));
		assert_true(page_zonenum(page) == ZONE_NORMAL);
		/* The pages are usable memory through the linear map. */
		memset(hal_va_ptr(lowmem_page_address(page)), 0xa5, (size_t)PAGE_SIZE << order);
		__free_pages(page, order);
	}
	snap(&after);
	assert_same(&before, &after);
}

static void test_split_and_coalesce(void **state)
{
	struct zone *zone = zone_of(ZONE_NORMAL);
	struct snapshot before, split, after;
	unsigned low = 0;
	struct page *page;

	(void)state;
	snap(&before);
	while (low < MAX_ORDER && !zone->free_area[low].nr_free)
		low++;
	assert_true(low < MAX_ORDER);
	page = alloc_pages(GFP_KERNEL | __GFP_THISZONE, 0);
	assert_non_null(page);
	snap(&split);
	/* The smallest free block, of order low, was split: one new block at each order below it. */
	for (unsigned o = 0; o < MAX_ORDER; o++) {
		long want = (long)before.nr_free[ZONE_NORMAL][o] + (o < low) - (o == low);

		assert_int_equal(split.nr_free[ZONE_NORMAL][o], want);
	}
	assert_int_equal(split.free_pages[ZONE_NORMAL], before.free_pages[ZONE_NORMAL] - 1);
	__free_pages(page, 0);
	snap(&after);
	assert_same(&before, &after);

	/* Two buddies freed one after the other merge into their parent. */
	page = alloc_pages(GFP_KERNEL | __GFP_THISZONE, 1);
	assert_non_null(page);
	assert_int_equal(page_to_pfn(page) & 1, 0);
	snap(&split);
	/* Split the order-1 block by hand into two order-0 allocations, as a driver would with split_page(). */
	page->private = 0;
	page[1]._count = 1;
	__free_pages(page, 0);
	/* The order-0 page went to this CPU's hot list; drained, it is a buddy block of its own. */
	assert_false(PageBuddy(page));
	assert_int_equal(zone->free_pages, split.free_pages[ZONE_NORMAL] + 1);
	drain_local_pages();
	assert_true(PageBuddy(page));
	assert_int_equal(zone->free_pages, split.free_pages[ZONE_NORMAL] + 1);
	__free_pages(page + 1, 0);
	snap(&after);
	assert_same(&before, &after);
}

/* Allocate blocks from the zones gfp reaches until none is left; returns how many pages, stored in pages[]. */
static unsigned long drain(gfp_t gfp, struct page **pages, unsigned *orders, unsigned long max)
{
	unsigned long n = 0, total = 0;

	for (int order = MAX_ORDER - 1; order >= 0; order--) {
		struct page *p;

		while (n < max && (p = alloc_pages(gfp | __GFP_NOWARN, (unsigned)order))) {
			pages[n] = p;
			orders[n++] = (unsigned)order;
			total += 1ul << order;
		}
	}
	pages[n] = NULL;
	return total;
}

static void undrain(struct page **pages, unsigned *orders)
{
	for (unsigned long i = 0; pages[i]; i++)
		__free_pages(pages[i], orders[i]);
}

#define MAX_BLOCKS 300000

static void test_zone_fallback(void **state)
{
	static struct page *pages[MAX_BLOCKS + 1], *dma_pages[MAX_BLOCKS + 1];
	static unsigned orders[MAX_BLOCKS + 1], dma_orders[MAX_BLOCKS + 1];
	struct snapshot before, after;
	struct page *p;

	(void)state;
	snap(&before);
	/* __GFP_DMA stays in ZONE_DMA. */
	p = alloc_pages(GFP_DMA, 0);
	assert_true(page_zonenum(p) == ZONE_DMA);
	__free_pages(p, 0);
	/* __GFP_HIGHMEM prefers ZONE_HIGHMEM. */
	p = alloc_pages(GFP_HIGHUSER, 3);
	assert_true(page_zonenum(p) == ZONE_HIGHMEM);
	assert_true(PageHighMem(p));
	__free_pages(p, 3);

	/* With ZONE_HIGHMEM empty, __GFP_HIGHMEM gets ZONE_NORMAL. */
	drain(GFP_HIGHUSER | __GFP_MEMALLOC | __GFP_THISZONE, pages, orders, MAX_BLOCKS);
	assert_int_equal(zone_of(ZONE_HIGHMEM)->free_pages, 0);
	p = alloc_pages(GFP_HIGHUSER, 0);
	assert_true(page_zonenum(p) == ZONE_NORMAL);
	__free_pages(p, 0);
	undrain(pages, orders);

	/* With ZONE_NORMAL empty, GFP_KERNEL falls back to ZONE_DMA and never to ZONE_HIGHMEM. */
	drain(GFP_KERNEL | __GFP_MEMALLOC | __GFP_THISZONE, pages, orders, MAX_BLOCKS);
	assert_int_equal(zone_of(ZONE_NORMAL)->free_pages, 0);
	p = alloc_pages(GFP_KERNEL, 0);
	assert_true(page_zonenum(p) == ZONE_DMA);
	__free_pages(p, 0);
	/* And with ZONE_DMA empty too, GFP_KERNEL fails although high memory is free. */
	drain(GFP_DMA | __GFP_MEMALLOC, dma_pages, dma_orders, MAX_BLOCKS);
	assert_int_equal(zone_of(ZONE_DMA)->free_pages, 0);
	assert_true(zone_of(ZONE_HIGHMEM)->free_pages > 0);
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0));
	/* ... while __GFP_HIGHMEM still succeeds. */
	p = alloc_pages(GFP_HIGHUSER, 0);
	assert_true(page_zonenum(p) == ZONE_HIGHMEM);
	__free_pages(p, 0);
	undrain(dma_pages, dma_orders);
	undrain(pages, orders);
	snap(&after);
	assert_same(&before, &after);
}

static void test_watermarks(void **state)
{
	static struct page *pages[MAX_BLOCKS + 1], *more[MAX_BLOCKS + 1], *rest[MAX_BLOCKS + 1];
	static unsigned orders[MAX_BLOCKS + 1], more_orders[MAX_BLOCKS + 1], rest_orders[MAX_BLOCKS + 1];
	struct zone *normal = zone_of(ZONE_NORMAL), *dma = zone_of(ZONE_DMA);
	unsigned long fails = page_alloc_stats.alloc_fail, zfails = normal->alloc_fail;
	struct snapshot before, after;

	(void)state;
	snap(&before);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = zone_of(z);

		if (!populated_zone(zone))
			continue;
		assert_true(zone->watermark[WMARK_MIN] > 0);
		assert_true(zone->watermark[WMARK_MIN] <= zone->watermark[WMARK_LOW]);
		assert_true(zone->watermark[WMARK_LOW] <= zone->watermark[WMARK_HIGH]);
		assert_true(zone->watermark[WMARK_HIGH] < zone->managed_pages);
	}
	/* Ordinary requests stop at the min watermark of each zone. */
	drain(GFP_KERNEL, pages, orders, MAX_BLOCKS);
	assert_int_equal(normal->free_pages, normal->watermark[WMARK_MIN]);
	/* ZONE_DMA also keeps its lowmem_reserve against a request that could have used ZONE_NORMAL. */
	assert_int_equal(dma->free_pages, dma->watermark[WMARK_MIN] + dma->lowmem_reserve[ZONE_NORMAL]);
	assert_true(page_alloc_stats.alloc_fail > fails);
	assert_true(normal->alloc_fail > zfails);
	/* Atomic requests may go halfway below min. */
	drain(GFP_ATOMIC, more, more_orders, MAX_BLOCKS);
	assert_int_equal(normal->free_pages, normal->watermark[WMARK_MIN] - normal->watermark[WMARK_MIN] / 2);
	/* __GFP_MEMALLOC takes the rest. */
	drain(GFP_KERNEL | __GFP_MEMALLOC, rest, rest_orders, MAX_BLOCKS);
	assert_int_equal(normal->free_pages, 0);
	assert_int_equal(dma->free_pages, 0);
	assert_null(alloc_pages(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOWARN, 0));
	undrain(rest, rest_orders);
	undrain(more, more_orders);
	undrain(pages, orders);
	snap(&after);
	assert_same(&before, &after);
	/* zone_watermark_ok: high orders need free blocks of that size, not just free pages. */
	assert_true(zone_watermark_ok(normal, 0, 1));
	assert_false(zone_watermark_ok(normal, 0, normal->free_pages));
}

/*
 * lowmem_reserve: one hungry GFP_HIGHUSER consumer takes all of high memory and falls back to
 * ZONE_NORMAL and ZONE_DMA, but each keeps its reserve against it (managed pages above / ratio:
 * 256 for DMA, 32 for Normal), so GFP_KERNEL and GFP_DMA still get pages; zoneinfo shows the
 * reserves as Linux's "protection:" line.
 */
static void test_lowmem_reserve(void **state)
{
	static struct page *pages[MAX_BLOCKS + 1];
	static unsigned orders[MAX_BLOCKS + 1];
	struct zone *dma = zone_of(ZONE_DMA), *normal = zone_of(ZONE_NORMAL), *high = zone_of(ZONE_HIGHMEM);
	struct snapshot before, after;
	struct page *k, *d;
	static char buf[4096];
	char want[128];
	FILE *f;

	(void)state;
	snap(&before);
	assert_true(populated_zone(high));
	drain(GFP_HIGHUSER, pages, orders, MAX_BLOCKS);
	assert_true(high->free_pages <= high->watermark[WMARK_MIN]);
	/* The kernel and DMA are not starved. */
	k = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
	assert_non_null(k);
	assert_true(page_zonenum(k) == ZONE_NORMAL);
	d = alloc_pages(GFP_DMA | __GFP_NOWARN, 0);
	assert_non_null(d);
	assert_true(page_zonenum(d) == ZONE_DMA);
	assert_true(normal->free_pages > normal->watermark[WMARK_MIN] + normal->lowmem_reserve[ZONE_HIGHMEM] / 2);
	assert_true(dma->free_pages > dma->watermark[WMARK_MIN] + dma->lowmem_reserve[ZONE_HIGHMEM] / 2);
	__free_pages(d, 0);
	__free_pages(k, 0);
	undrain(pages, orders);
	snap(&after);
	assert_same(&before, &after);

	assert_int_equal(normal->lowmem_reserve[ZONE_HIGHMEM], high->managed_pages / 32);
	assert_int_equal(dma->lowmem_reserve[ZONE_NORMAL], normal->managed_pages / 256);
	assert_int_equal(dma->lowmem_reserve[ZONE_HIGHMEM], (normal->managed_pages + high->managed_pages) / 256);
	assert_int_equal(normal->lowmem_reserve[ZONE_NORMAL], 0);
	assert_int_equal(normal->lowmem_reserve[ZONE_DMA], 0);
	assert_true(normal->lowmem_reserve[ZONE_HIGHMEM] > 0);

	f = fmemopen(buf, sizeof(buf), "w");
	show_zoneinfo(f);
	fclose(f);
	snprintf(want, sizeof(want), "        protection: (0, %lu, %lu)\n", dma->lowmem_reserve[ZONE_NORMAL],
		 dma->lowmem_reserve[ZONE_HIGHMEM]);
	assert_non_null(strstr(buf, want));
	snprintf(want, sizeof(want), "        protection: (0, 0, %lu)\n", normal->lowmem_reserve[ZONE_HIGHMEM]);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "        protection: (0, 0, 0)\n"));
}

static void test_exhaustion_and_bad_orders(void **state)
{
	unsigned long fails = page_alloc_stats.alloc_fail;
	struct snapshot before, after;

	(void)state;
	snap(&before);
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER));
	assert_int_equal(page_alloc_stats.alloc_fail, fails + 1);
	fail_next_allocs = 1;
	should_fail_alloc_page = fail_next;
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0));
	assert_int_equal(page_alloc_stats.injected, 1);
	assert_int_equal(page_alloc_stats.alloc_fail, fails + 2);
	snap(&after);
	assert_same(&before, &after);
}

static void test_bad_frees(void **state)
{
	unsigned long dbl = page_alloc_stats.double_free, bad = page_alloc_stats.bad_free;
	struct snapshot before, after, freed;
	struct page *p, *q;

	(void)state;
	snap(&before);
	p = alloc_pages(GFP_KERNEL, 2);
	q = alloc_pages(GFP_KERNEL, 0);
	__free_pages(p, 2);
	snap(&freed);
	/* Double free: detected, nothing changes. */
	__free_pages(p, 2);
	assert_int_equal(page_alloc_stats.double_free, dbl + 1);
	snap(&after);
	assert_same(&freed, &after);
	/* A page inside a free block. */
	__free_pages(p + 1, 0);
	assert_int_equal(page_alloc_stats.double_free, dbl + 2);
	/* A reserved page: page 0 and the kernel image. */
	__free_pages(pfn_to_page(0), 0);
	__free_pages(pfn_to_page(FAKE_KERNEL_START >> PAGE_SHIFT), 0);
	assert_int_equal(page_alloc_stats.bad_free, bad + 2);
	/* The wrong order. */
	__free_pages(q, 1);
	assert_int_equal(page_alloc_stats.bad_free, bad + 3);
	/* A tail page of an allocated block. */
	p = alloc_pages(GFP_KERNEL, 1);
	__free_pages(p + 1, 0);
	assert_int_equal(page_alloc_stats.double_free, dbl + 3);
	__free_pages(p, 1);
	/* free_pages() of an address outside low memory. */
	free_pages(PAGE_OFFSET - PAGE_SIZE, 0);
	assert_int_equal(page_alloc_stats.bad_free, bad + 4);
	snap(&after);
	assert_int_equal(after.free_pages[ZONE_NORMAL], before.free_pages[ZONE_NORMAL] - 1);
	__free_pages(q, 0);
	snap(&after);
	assert_same(&before, &after);
	/* get_page() holds the block: the first free only drops the extra reference. */
	p = alloc_page(GFP_KERNEL);
	get_page(p);
	__free_page(p);
	assert_int_equal(page_count(p), 1);
	__free_page(p);
	snap(&after);
	assert_same(&before, &after);
}

static void test_helpers_and_zeroing(void **state)
{
	struct snapshot before, after;
	vaddr_t va;
	uint8_t *p;
	struct page *page;

	(void)state;
	snap(&before);
	va = __get_free_pages(GFP_KERNEL, 2);
	assert_true(va >= PAGE_OFFSET && va < high_memory);
	assert_int_equal(va & (4 * PAGE_SIZE - 1), 0);
	memset(hal_va_ptr(va), 0xff, 4 * PAGE_SIZE);
	free_pages(va, 2);
	/* The same block comes back and is zeroed on request. */
	va = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 2);
	p = hal_va_ptr(va);
	for (unsigned i = 0; i < 4 * PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
	free_pages(va, 2);
	va = get_zeroed_page(GFP_KERNEL);
	assert_int_equal(*(uint32_t *)hal_va_ptr(va), 0);
	free_pages(va, 0);
	/* __get_free_pages never returns high memory. */
	va = __get_free_pages(GFP_HIGHUSER, 0);
	assert_true(va >= PAGE_OFFSET && va < high_memory);
	free_pages(va, 0);
	free_pages(0, 0);

	/* A zeroed high page, written and checked through kmap_atomic. */
	page = alloc_pages(GFP_HIGHUSER, 0);
	va = kmap_atomic(page, KM_USER0);
	memset(hal_va_ptr(va), 0x77, PAGE_SIZE);
	kunmap_atomic(va, KM_USER0);
	__free_pages(page, 0);
	page = alloc_pages(GFP_HIGHUSER | __GFP_ZERO, 0);
	assert_true(PageHighMem(page));
	va = kmap_atomic(page, KM_USER0);
	p = hal_va_ptr(va);
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(p[i], 0);
	kunmap_atomic(va, KM_USER0);
	__free_pages(page, 0);
	snap(&after);
	assert_same(&before, &after);
}

/* A long random sequence against a model: a byte per frame saying whether it is allocated. */
static void test_random_against_model(void **state)
{
	enum { OPS = 200000, LIVE = 4096 };
	static struct page *live[LIVE];
	static unsigned live_order[LIVE];
	uint8_t *model = calloc(max_pfn, 1);
	unsigned long start_free = nr_free_pages(), allocated = 0;
	struct snapshot before, after;
	unsigned n = 0, seed = 12345, allocs = 0, max_live = 0;
	static const gfp_t kinds[] = { GFP_KERNEL, GFP_DMA, GFP_HIGHUSER, GFP_ATOMIC };

	(void)state;
	assert_non_null(model);
	snap(&before);
	for (unsigned op = 0; op < OPS; op++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;

		if (n < LIVE && (n == 0 || r % 100 < 55)) {
			unsigned order = (r >> 8) % 16 < 10 ? 0 : (r >> 12) % 6;
			gfp_t gfp = kinds[(r >> 16) % 4] | __GFP_NOWARN;
			struct page *p = alloc_pages(gfp, order);
			pfn_t pfn;

			if (!p)
				continue;
			pfn = page_to_pfn(p);
			assert_int_equal(pfn & ((1u << order) - 1), 0);
			if (gfp & __GFP_DMA)
				assert_true(page_zonenum(p) == ZONE_DMA);
			else if (!(gfp & __GFP_HIGHMEM))
				assert_true(page_zonenum(p) != ZONE_HIGHMEM);
			for (unsigned i = 0; i < (1u << order); i++) {
				if (model[pfn + i])
					fail_msg("pfn %#x handed out twice", pfn + i);
				assert_false(PageReserved(p + i));
				model[pfn + i] = 1;
			}
			allocated += 1ul << order;
			live[n] = p;
			live_order[n++] = order;
			allocs++;
			if (n > max_live)
				max_live = n;
		} else {
			unsigned i = r % n;
			pfn_t pfn = page_to_pfn(live[i]);

			for (unsigned k = 0; k < (1u << live_order[i]); k++)
				model[pfn + k] = 0;
			allocated -= 1ul << live_order[i];
			__free_pages(live[i], live_order[i]);
			live[i] = live[--n];
			live_order[i] = live_order[n];
		}
		assert_int_equal(nr_free_pages(), start_free - allocated);
		if (op % 20000 == 0)
			assert_int_equal(check_free_lists(stderr), 0);
	}
	/* The sequence really exercised the allocator: many allocations, thousands live at once. */
	assert_true(allocs > OPS / 3);
	assert_true(max_live >= LIVE / 2);
	while (n) {
		n--;
		__free_pages(live[n], live_order[n]);
	}
	assert_int_equal(nr_free_pages(), start_free);
	/* Eager merging makes the free lists canonical: the very same blocks as at the start. */
	snap(&after);
	assert_same(&before, &after);
	free(model);
}

/* free_area_init() writes every field of every struct page, whatever the memory held before. */
static void test_memmap_init_overwrites_garbage(void **state)
{
	enum { N = 5000 };
	const pfn_t zone_end[MAX_NR_ZONES] = { 1000, 3000, N };
	struct page *map = malloc(N * sizeof(*map)), *saved = mem_map;
	pg_data_t saved_pgdat = contig_page_data;

	(void)state;
	assert_non_null(map);
	memset(map, 0xa5, N * sizeof(*map));
	free_area_init(map, zone_end);
	for (pfn_t pfn = 0; pfn < N; pfn++) {
		const struct page *p = &map[pfn];
		uint32_t z = pfn < 1000 ? ZONE_DMA : pfn < 3000 ? ZONE_NORMAL : ZONE_HIGHMEM;
		uint32_t flags = (1u << PG_reserved) | (z << PG_ZONE_SHIFT) | (z == ZONE_HIGHMEM ? 1u << PG_highmem : 0);

		if (p->flags != flags || p->_count != 1 || p->lru.next || p->lru.prev || p->private || p->virtual ||
		    p->slab_cache || p->freelist)
			fail_msg("pfn %#x: flags %#x count %d, or a field left unwritten", pfn, p->flags, p->_count);
	}
	assert_int_equal(contig_page_data.node_zones[ZONE_NORMAL].zone_start_pfn, 1000);
	assert_int_equal(contig_page_data.node_zones[ZONE_HIGHMEM].spanned_pages, N - 3000);
	/* Back to the booted machine for the teardown's checks. */
	contig_page_data = saved_pgdat;
	mem_map = saved;
	free(map);
}

static void test_reports(void **state)
{
	char buf[2048];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	const struct zone *dma = zone_of(ZONE_DMA);
	char want[128];

	(void)state;
	show_buddyinfo(f);
	show_zoneinfo(f);
	fclose(f);
	snprintf(want, sizeof(want), "Node 0, zone      DMA %6lu %6lu ", dma->free_area[0].nr_free,
		 dma->free_area[1].nr_free);
	assert_non_null(strstr(buf, want));
	/* 64 MiB: no HighMem line in buddyinfo, as Linux skips empty zones. */
	assert_null(strstr(buf, "zone  HighMem      "));
	snprintf(want, sizeof(want), "Node 0, zone   Normal\n  pages free     %lu\n        min      %lu\n",
		 zone_of(ZONE_NORMAL)->free_pages, zone_of(ZONE_NORMAL)->watermark[WMARK_MIN]);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "  start_pfn:           4096\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_order, setup_64m, teardown),
		cmocka_unit_test_setup_teardown(test_split_and_coalesce, setup_64m, teardown),
		cmocka_unit_test_setup_teardown(test_zone_fallback, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_watermarks, setup_64m, teardown),
		cmocka_unit_test_setup_teardown(test_lowmem_reserve, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_bad_orders, setup_64m, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup_64m, teardown),
		cmocka_unit_test_setup_teardown(test_helpers_and_zeroing, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_reports, setup_64m, teardown),
		cmocka_unit_test_setup_teardown(test_memmap_init_overwrites_garbage, setup_64m, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
