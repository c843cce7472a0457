/*
 * In-image tests of physical memory management:
 *   mm_free_lists     the buddy free lists agree with their counters;
 *   mm_reports_agree  meminfo, zoneinfo and buddyinfo tell the same story;
 *   mm_exhaust        every free page of every zone is allocated, written
 *                     and checked (high pages through kmap_atomic), freed,
 *                     and the free lists return exactly to where they were
 *                     (Ctrl-C stops it, the pages given back);
 *   mm_kmalloc        every size class, poisoning and double-free reports.
 */
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/debug/mmcheck.h>
#include <mm/fixmap.h>
#include <mm/list.h>
#include <mm/meminfo.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/pcp.h>
#include <mm/slab.h>
#include <selftest.h>
#include <shell.h>

static int selftest_free_lists(const struct selftest *t)
{
	return check_free_lists(stdout) ? 1 : 0;
}
SELFTEST(mm_free_lists, selftest_free_lists);

static int selftest_reports_agree(const struct selftest *t)
{
	unsigned long buddy_pages = 0, zone_free = 0, low_managed = 0, high_managed = 0;
	int bad = 0;

	/* buddyinfo drains the per-CPU lists before it counts; so does this check. */
	drain_all_pages();

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];
		unsigned long blocks = 0;

		for (int o = 0; o < MAX_ORDER; o++)
			blocks += zone->free_area[o].nr_free << o;
		if (blocks != zone->free_pages) {
			printf("# zone %s: buddyinfo sums to %lu pages, zoneinfo says %lu free\n", zone->name, blocks,
			       zone->free_pages);
			bad = 1;
		}
		if (zone->managed_pages > zone->present_pages || zone->present_pages > zone->spanned_pages) {
			printf("# zone %s: managed %lu, present %lu, spanned %lu out of order\n", zone->name,
			       zone->managed_pages, zone->present_pages, zone->spanned_pages);
			bad = 1;
		}
		buddy_pages += blocks;
		zone_free += zone->free_pages;
		if (z == ZONE_HIGHMEM)
			high_managed += zone->managed_pages;
		else
			low_managed += zone->managed_pages;
	}
	/*
	 * meminfo's MemFree is nr_free_pages(); MemTotal, HighTotal and LowTotal come from the
	 * zones' managed pages.
	 */
	if (nr_free_pages() != buddy_pages || zone_free != buddy_pages) {
		printf("# MemFree %lu pages, buddyinfo %lu, zoneinfo %lu\n", nr_free_pages(), buddy_pages, zone_free);
		bad = 1;
	}
	if (totalram_pages != low_managed + high_managed || totalhigh_pages != high_managed) {
		printf("# MemTotal %lu / HighTotal %lu pages, zones manage %lu / %lu\n", totalram_pages, totalhigh_pages,
		       low_managed + high_managed, high_managed);
		bad = 1;
	}
	return bad;
}
SELFTEST(mm_reports_agree, selftest_reports_agree);

/* The pattern word at byte offset off of frame pfn. */
static uint32_t pattern(pfn_t pfn, unsigned off)
{
	return (pfn * 0x9e3779b1u) ^ (off * 0x85ebca6bu) ^ 0x5a5a5a5au;
}

/*
 * One word in every 64 bytes, first and last word included: enough to catch aliased or missing
 * frames.
 */
#define STRIDE 64u

/* Write (or check, when check is true) the pattern in the page; returns the number of bad words. */
static unsigned long pattern_page(struct page *page, bool check)
{
	pfn_t pfn = page_to_pfn(page);
	vaddr_t va = PageHighMem(page) ? kmap_atomic(page, KM_USER0) : lowmem_page_address(page);
	uint32_t *w;
	unsigned long bad = 0;

	if (!va)
		return 1;
	w = hal_va_ptr(va);
	for (unsigned off = 0; off < PAGE_SIZE; off += STRIDE) {
		unsigned i = off / 4;

		if (!check)
			w[i] = pattern(pfn, off);
		else if (w[i] != pattern(pfn, off))
			bad++;
	}
	if (!check)
		w[PAGE_SIZE / 4 - 1] = ~pattern(pfn, 0);
	else if (w[PAGE_SIZE / 4 - 1] != ~pattern(pfn, 0))
		bad++;
	if (PageHighMem(page))
		kunmap_atomic(va, KM_USER0);
	return bad;
}

struct snapshot {
	unsigned long nr_free[MAX_ORDER];
	unsigned long free_pages;
};

/* Set when Ctrl-C stopped mm_exhaust: the zones left are skipped. */
static bool stopped;

static int exhaust_zone(enum zone_type z)
{
	static const gfp_t zone_gfp[MAX_NR_ZONES] = { GFP_DMA, GFP_KERNEL, GFP_HIGHUSER };
	struct zone *zone = &contig_page_data.node_zones[z];
	gfp_t gfp = zone_gfp[z] | __GFP_THISZONE | __GFP_MEMALLOC | __GFP_NOWARN;
	struct list_head held, *pos, *n;
	struct snapshot before;
	unsigned long pages = 0, blocks = 0, bad = 0;
	int ret = 0;

	if (!populated_zone(zone) || stopped)
		return 0;
	/* The per-order counts compare only with every per-CPU list on the buddy lists. */
	drain_all_pages();
	before.free_pages = zone->free_pages;
	for (int o = 0; o < MAX_ORDER; o++)
		before.nr_free[o] = zone->free_area[o].nr_free;

	/*
	 * Take everything, largest blocks first; the blocks are chained through their head pages'
	 * lru.
	 */
	INIT_LIST_HEAD(&held);
	for (int order = MAX_ORDER - 1; order >= 0; order--) {
		struct page *page;

		while ((page = alloc_pages(gfp, (unsigned)order))) {
			if (page_zonenum(page) != z) {
				printf("# zone %s: got a page of zone %s\n", zone->name, page_zone(page)->name);
				ret = 1;
			}
			list_add(&page->lru, &held);
			pages += 1ul << order;
			blocks++;
		}
	}
	if (zone->free_pages || pages != before.free_pages) {
		printf("# zone %s: took %lu of %lu free pages, %lu left\n", zone->name, pages, before.free_pages,
		       zone->free_pages);
		ret = 1;
	}
	/* Writing and checking every page takes a while at 3 GiB: Ctrl-C stops it (the pages go back). */
	for (int check = 0; check < 2 && !stopped; check++) {
		unsigned long walked = 0;

		list_for_each(pos, &held) {
			struct page *page = list_entry(pos, struct page, lru);

			if (++walked % 64 == 0 && shell_interrupted()) {
				printf("# zone %s: stopped by Ctrl-C; giving the pages back\n", zone->name);
				stopped = true;
				ret = 1;
				break;
			}
			for (unsigned long i = 0; i < (1ul << page->private); i++)
				bad += pattern_page(page + i, check);
		}
	}
	if (bad) {
		printf("# zone %s: %lu pattern words wrong\n", zone->name, bad);
		ret = 1;
	}
	list_for_each_safe(pos, n, &held) {
		struct page *page = list_entry(pos, struct page, lru);

		list_del(&page->lru);
		__free_pages(page, page->private);
	}
	drain_all_pages();
	if (zone->free_pages != before.free_pages) {
		printf("# zone %s: %lu free pages after, %lu before\n", zone->name, zone->free_pages, before.free_pages);
		ret = 1;
	}
	for (int o = 0; o < MAX_ORDER; o++)
		if (zone->free_area[o].nr_free != before.nr_free[o]) {
			printf("# zone %s order %d: %lu free blocks after, %lu before\n", zone->name, o,
			       zone->free_area[o].nr_free, before.nr_free[o]);
			ret = 1;
		}
	printf("# zone %-7s %8lu pages in %6lu blocks written, checked and freed\n", zone->name, pages, blocks);
	return ret;
}

static int selftest_exhaust(const struct selftest *t)
{
	unsigned long before = nr_free_pages();
	int ret = 0;

	stopped = false;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		ret |= exhaust_zone((enum zone_type)z);
	if (nr_free_pages() != before) {
		printf("# %lu free pages after, %lu before\n", nr_free_pages(), before);
		ret = 1;
	}
	return ret | (check_free_lists(stdout) ? 1 : 0);
}
SELFTEST(mm_exhaust, selftest_exhaust);

static int selftest_kmalloc(const struct selftest *t)
{
	unsigned long slab_before = slab_stats.slab_pages, free_before = nr_free_pages();
	struct kmem_cache *c64 = kmalloc_cache(64);
	unsigned long poison = c64->poison_errors, dbl = c64->double_frees;
	uint8_t *keep, *a, *b;
	int ret = 0;

	for (unsigned shift = KMALLOC_SHIFT_LOW; shift <= KMALLOC_SHIFT_HIGH; shift++) {
		size_t size = (size_t)1 << shift;
		uint8_t *p = kmalloc(size, GFP_KERNEL);

		if (!p || hal_ptr_va(p) % (size < PAGE_SIZE ? size : PAGE_SIZE)) {
			printf("# kmalloc(%zu) gave %p\n", size, (void *)p);
			ret = 1;
			continue;
		}
		memset(p, 0xab, size);
		kfree(p);
	}
	/*
	 * A write after free is found by the next allocation of that object; a second free is
	 * refused.  Every allocation may fail (out of memory, or `failinject`): the test then says so
	 * and fails cleanly, with the freed object's poison put back so nobody else trips on it.
	 */
	keep = kmalloc(64, GFP_KERNEL);
	a = kmalloc(64, GFP_KERNEL);
	if (!keep || !a) {
		printf("# kmalloc(64) failed: the use-after-free and double-free checks did not run\n");
		kfree(keep);
		kfree(a);
		return 1;
	}
	printf("# two reports follow on purpose: a use after free and a double free\n");
	kfree(a);
	a[33] = 1;
	b = kmalloc(64, GFP_KERNEL);
	if (!b) {
		a[33] = POISON_FREE;
		kfree(keep);
		printf("# kmalloc(64) failed: the use-after-free and double-free checks did not run\n");
		return 1;
	}
	kfree(b);
	kfree(b);
	kfree(keep);
	if (b != a || c64->poison_errors != poison + 1 || c64->double_frees != dbl + 1) {
		printf("# poisoning or double-free detection did not trigger\n");
		ret = 1;
	}
	if (slab_stats.slab_pages != slab_before || nr_free_pages() != free_before) {
		printf("# slab pages %lu -> %lu, free pages %lu -> %lu\n", slab_before, slab_stats.slab_pages, free_before,
		       nr_free_pages());
		ret = 1;
	}
	return ret;
}
SELFTEST(mm_kmalloc, selftest_kmalloc);
