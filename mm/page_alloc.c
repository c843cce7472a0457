/*
 * The buddy allocator: per zone, free_area[order] lists the head pages of
 * free blocks of 2^order frames, each aligned to its size in frame
 * numbers.  Allocation takes the smallest block that fits and splits it
 * ("expand"); freeing merges a block with its buddy (pfn ^ 2^order) for as
 * long as the buddy is a free block of the same order in the same zone.
 *
 * Page state, all in struct page:
 *   free block head:  PG_buddy, private = order, _count 0, on a free list;
 *   inside a free block, or a tail of an allocated block:  _count 0;
 *   allocated head:   _count >= 1, private = order (checked on free);
 *   reserved:         PG_reserved, never on a free list.
 * That is enough to catch double frees, frees of reserved pages and frees
 * with the wrong order without a separate bitmap.
 */
#include <string.h>

#include <hal/irq.h>
#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/layout.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/pcp.h>
#include <mm/printk.h>

#include "page_alloc_internal.h"

struct page_alloc_stats page_alloc_stats;

bool (*should_fail_alloc_page)(gfp_t gfp, unsigned order);

static void add_to_free_area(struct page *page, struct zone *zone, unsigned order)
{
	SetPageFlag(page, PG_buddy);
	page->private = order;
	list_add(&page->lru, &zone->free_area[order].free_list);
	zone->free_area[order].nr_free++;
}

static void del_from_free_area(struct page *page, struct zone *zone, unsigned order)
{
	list_del(&page->lru);
	ClearPageFlag(page, PG_buddy);
	page->private = 0;
	zone->free_area[order].nr_free--;
}

static bool page_is_buddy(const struct page *page, const struct page *buddy, unsigned order)
{
	return PageBuddy(buddy) && buddy->private == order && page_zonenum(buddy) == page_zonenum(page);
}

/*
 * Put the block of 2^order frames at pfn on the free lists, merging it
 * with free buddies.  mem_map is indexed directly: the hot paths of this
 * file do not call out for pfn_valid()/pfn_to_page() on every merge step.
 * zone->free_pages is the caller's: a page drained from a per-CPU list was
 * already counted free.
 */
void __free_one_page(pfn_t pfn, struct zone *zone, unsigned order)
{
	struct page *page = mem_map + pfn;

	while (order < MAX_ORDER - 1) {
		pfn_t buddy_pfn = pfn ^ (1u << order);
		struct page *buddy;

		if (buddy_pfn >= max_pfn)
			break;
		buddy = mem_map + buddy_pfn;
		if (!page_is_buddy(page, buddy, order))
			break;
		del_from_free_area(buddy, zone, order);
		pfn &= ~(1u << order);
		order++;
	}
	add_to_free_area(mem_map + pfn, zone, order);
}

/* Give the upper halves of a block of order high back until a block of order low remains. */
static void expand(struct zone *zone, struct page *page, unsigned low, unsigned high)
{
	unsigned long size = 1ul << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_area(&page[size], zone, high);
	}
}

/* zone->free_pages is the caller's (a refill of a per-CPU list keeps the pages free). */
struct page *__rmqueue(struct zone *zone, unsigned order)
{
	for (unsigned cur = order; cur < MAX_ORDER; cur++) {
		struct free_area *area = &zone->free_area[cur];
		struct page *page;

		if (list_empty(&area->free_list))
			continue;
		page = list_first_entry(&area->free_list, struct page, lru);
		del_from_free_area(page, zone, cur);
		expand(zone, page, order, cur);
		return page;
	}
	return NULL;
}

/* zone_watermark_ok with reserve pages held back on top of mark, for the whole request only (the
 * per-order check that follows uses the mark alone, as Linux's __zone_watermark_ok does). */
static bool watermark_ok_reserve(const struct zone *zone, unsigned order, unsigned long mark,
				 unsigned long reserve)
{
	long free = (long)zone->free_pages - ((1l << order) - 1);
	long min = (long)mark;

	if (free <= min + (long)reserve)
		return false;
	/* Free pages in blocks smaller than the request cannot serve it; require less of the larger
	 * ones. */
	for (unsigned o = 0; o < order; o++) {
		free -= (long)zone->free_area[o].nr_free << o;
		min >>= 1;
		if (free <= min)
			return false;
	}
	return true;
}

bool zone_watermark_ok(const struct zone *zone, unsigned order, unsigned long mark)
{
	return watermark_ok_reserve(zone, order, mark, 0);
}

/* The zones gfp may use, best first: "__GFP_DMA -> DMA; kernel -> NORMAL, DMA; __GFP_HIGHMEM ->
 * HIGHMEM, NORMAL, DMA". */
static unsigned gfp_zonelist(gfp_t gfp, enum zone_type list[MAX_NR_ZONES])
{
	unsigned n = 0;

	if (gfp & __GFP_DMA) {
		list[n++] = ZONE_DMA;
	} else {
		if (gfp & __GFP_HIGHMEM)
			list[n++] = ZONE_HIGHMEM;
		list[n++] = ZONE_NORMAL;
		list[n++] = ZONE_DMA;
	}
	if ((gfp & __GFP_THISZONE) && n > 1)
		n = 1;
	return n;
}

static void zero_pages(struct page *page, unsigned order)
{
	if (!PageHighMem(page)) {
		memset(hal_va_ptr(lowmem_page_address(page)), 0, (size_t)PAGE_SIZE << order);
		return;
	}
	/* A high page has no linear address: zero it through a kmap_atomic slot. */
	for (unsigned long i = 0; i < (1ul << order); i++) {
		vaddr_t va = kmap_atomic(page + i, KM_USER0);

		memset(hal_va_ptr(va), 0, PAGE_SIZE);
		kunmap_atomic(va, KM_USER0);
	}
}

/*
 * Take a block from zone for a request whose best zone is best: an order-0 page from this CPU's
 * hot or cold list (refilled in a batch from the buddy lists), a larger block from the buddy lists
 * under zone->lock.  The watermark check counts the pages on every CPU's lists as free, as
 * zone->free_pages does; for an order-0 page it reads free_pages without the lock (a few pages of
 * slack between CPUs, as Linux's per-CPU fast path allows).
 */
static struct page *rmqueue(struct zone *zone, gfp_t gfp, unsigned order, unsigned long mark,
			    enum zone_type best)
{
	bool check = !(gfp & __GFP_MEMALLOC) && (mark || zone->lowmem_reserve[best]);
	struct page *page = NULL;
	unsigned long irq;

	if (order == 0 && zone->pageset[0].pcp[0].batch) {
		if (check && !watermark_ok_reserve(zone, 0, mark, zone->lowmem_reserve[best]))
			return NULL;
		page = pcp_alloc(zone, gfp & __GFP_COLD);
		if (page) {
			__atomic_sub_fetch(&zone->free_pages, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&zone->nr_alloc, 1, __ATOMIC_RELAXED);
		}
		return page;
	}
	irq = spin_lock_irqsave(&zone->lock);
	if (!check || watermark_ok_reserve(zone, order, mark, zone->lowmem_reserve[best]))
		page = __rmqueue(zone, order);
	if (page) {
		__atomic_sub_fetch(&zone->free_pages, 1ul << order, __ATOMIC_RELAXED);
		__atomic_add_fetch(&zone->nr_alloc, 1, __ATOMIC_RELAXED);
	}
	spin_unlock_irqrestore(&zone->lock, irq);
	return page;
}

static struct page *get_page_from_zonelist(gfp_t gfp, unsigned order, const enum zone_type *list,
					   unsigned n, int pass)
{
	for (unsigned i = 0; i < n; i++) {
		struct zone *zone = &contig_page_data.node_zones[list[i]];
		unsigned long mark;
		struct page *page;

		if (!populated_zone(zone))
			continue;
		if (gfp & __GFP_MEMALLOC) {
			mark = 0;
		} else if (pass == 0) {
			mark = zone->watermark[WMARK_LOW];
		} else {
			/* Linux's ALLOC_HIGH: an atomic request may go halfway below min. */
			mark = zone->watermark[WMARK_MIN];
			if (gfp & __GFP_ATOMIC)
				mark -= mark / 2;
		}
		/* list[0] is the highest zone the request may use: a lower zone keeps its
		 * lowmem_reserve against it ("Professional Linux Kernel Architecture", ch. 3). */
		page = rmqueue(zone, gfp, order, mark, list[0]);
		if (page)
			return page;
	}
	return NULL;
}

struct page *alloc_pages(gfp_t gfp, unsigned order)
{
	enum zone_type list[MAX_NR_ZONES];
	unsigned n = gfp_zonelist(gfp, list);
	struct page *page = NULL;

	if (order >= MAX_ORDER) {
		page_alloc_stats.alloc_fail++;
		if (!(gfp & __GFP_NOWARN))
			printk("page allocation failure: order:%u, mode:%#x (order above %u)\n", order, gfp,
			       MAX_ORDER - 1);
		return NULL;
	}
	if (should_fail_alloc_page && should_fail_alloc_page(gfp, order)) {
		page_alloc_stats.injected++;
		goto fail;
	}
	for (int pass = 0; pass < 2 && !page; pass++)
		page = get_page_from_zonelist(gfp, order, list, n, pass);
	if (!page)
		goto fail;
	page->_count = 1;
	page->private = order;
	if (gfp & __GFP_ZERO)
		zero_pages(page, order);
	return page;
fail:
	page_alloc_stats.alloc_fail++;
	contig_page_data.node_zones[list[0]].alloc_fail++;
	if (!(gfp & __GFP_NOWARN))
		printk("page allocation failure: order:%u, mode:%#x\n", order, gfp);
	return NULL;
}

/* Check that page may be freed as a block of 2^order; report why not. */
static bool free_pages_check(const struct page *page, unsigned order)
{
	pfn_t pfn;

	if (!page || !mem_map || page < mem_map || (pfn_t)(page - mem_map) >= max_pfn) {
		page_alloc_stats.bad_free++;
		printk("BUG: __free_pages: %p is not a struct page in mem_map\n", (const void *)page);
		return false;
	}
	pfn = (pfn_t)(page - mem_map);
	if (PageReserved(page)) {
		page_alloc_stats.bad_free++;
		printk("BUG: __free_pages: freeing reserved page pfn:%#x\n", pfn);
		return false;
	}
	if (PageBuddy(page) || page->_count <= 0) {
		page_alloc_stats.double_free++;
		printk("BUG: __free_pages: double free of pfn:%#x order:%u (page is %s)\n", pfn, order,
		       PageBuddy(page) ? "already free" : "not allocated or not a block head");
		return false;
	}
	if (PageSlab(page)) {
		page_alloc_stats.bad_free++;
		printk("BUG: __free_pages: pfn:%#x still belongs to a slab cache\n", pfn);
		return false;
	}
	if (order >= MAX_ORDER || page->private != order) {
		page_alloc_stats.bad_free++;
		printk("BUG: __free_pages: pfn:%#x freed with order %u but allocated with order %u\n", pfn,
		       order, page->private);
		return false;
	}
	return true;
}

/* Free a block: an order-0 page to this CPU's hot or cold list, a larger one to the buddy lists. */
static void free_pages_hot_cold(struct page *page, unsigned order, bool cold)
{
	struct zone *zone;
	unsigned long irq;

	if (!free_pages_check(page, order))
		return;
	if (__atomic_sub_fetch(&page->_count, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	zone = page_zone(page);
	ClearPageFlag(page, PG_vmalloc);
	ClearPageFlag(page, PG_poison);
	page->private = 0;
	if (order == 0 && pcp_free(page, cold)) {
		__atomic_add_fetch(&zone->free_pages, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&zone->nr_free_calls, 1, __ATOMIC_RELAXED);
		return;
	}
	irq = spin_lock_irqsave(&zone->lock);
	__free_one_page((pfn_t)(page - mem_map), zone, order);
	__atomic_add_fetch(&zone->free_pages, 1ul << order, __ATOMIC_RELAXED);
	__atomic_add_fetch(&zone->nr_free_calls, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&zone->lock, irq);
}

void __free_pages(struct page *page, unsigned order)
{
	free_pages_hot_cold(page, order, false);
}

void free_hot_page(struct page *page)
{
	free_pages_hot_cold(page, 0, false);
}

void free_cold_page(struct page *page)
{
	free_pages_hot_cold(page, 0, true);
}

vaddr_t __get_free_pages(gfp_t gfp, unsigned order)
{
	struct page *page;

	/* The caller wants an address, so the pages must be in the linear map. */
	page = alloc_pages(gfp & ~__GFP_HIGHMEM, order);
	return page ? lowmem_page_address(page) : 0;
}

vaddr_t get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

void free_pages(vaddr_t addr, unsigned order)
{
	if (!addr)
		return;
	if (addr < PAGE_OFFSET || addr >= high_memory || (addr & ~PAGE_MASK)) {
		page_alloc_stats.bad_free++;
		printk("BUG: free_pages: %#x is not a page of low memory\n", addr);
		return;
	}
	__free_pages(virt_to_page(addr), order);
}

unsigned long free_boot_range(pfn_t start, pfn_t end)
{
	unsigned long handed = 0;
	pfn_t pfn = start;

	if (end > max_pfn)
		end = max_pfn;
	while (pfn < end) {
		struct page *page = pfn_to_page(pfn);
		struct zone *zone = page_zone(page);
		pfn_t zend = zone_end_pfn(zone) < end ? zone_end_pfn(zone) : end;
		pfn_t run;

		if (!PageReserved(page)) {
			printk("BUG: free_boot_range: pfn:%#x handed over twice\n", pfn);
			pfn++;
			continue;
		}
		/*
		 * A run of reserved frames in one zone, made free in one tight pass
		 * over mem_map (no call per page), then cut into aligned blocks of
		 * the largest order that fits, each put on its free list whole.
		 */
		{
			struct page *p = page, *stop = mem_map + zend;

			for (; p < stop && PageReserved(p); p++) {
				ClearPageFlag(p, PG_reserved);
				p->_count = 0;
			}
			run = (pfn_t)(p - mem_map);
		}
		zone->managed_pages += run - pfn;
		totalram_pages += run - pfn;
		if (is_highmem(zone))
			totalhigh_pages += run - pfn;
		handed += run - pfn;
		while (pfn < run) {
			unsigned order = MAX_ORDER - 1;

			while (order && ((pfn & ((1u << order) - 1)) || pfn + (1u << order) > run))
				order--;
			__free_one_page(pfn, zone, order);
			zone->free_pages += 1ul << order;
			pfn += 1u << order;
		}
	}
	return handed;
}

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

void setup_per_zone_wmarks(void)
{
	unsigned long lowmem_pages = 0, min_free_kbytes, pages_min;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (z != ZONE_HIGHMEM)
			lowmem_pages += contig_page_data.node_zones[z].managed_pages;
	/* Linux's init_per_zone_wmark_min: sqrt(16 * lowmem kB), clamped to [128 kB, 64 MiB]. */
	min_free_kbytes = int_sqrt(lowmem_pages * (PAGE_SIZE >> 10) * 16);
	if (min_free_kbytes < 128)
		min_free_kbytes = 128;
	if (min_free_kbytes > 65536)
		min_free_kbytes = 65536;
	pages_min = min_free_kbytes >> (PAGE_SHIFT - 10);

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &contig_page_data.node_zones[z];
		unsigned long tmp = lowmem_pages ? pages_min * zone->managed_pages / lowmem_pages : 0;
		unsigned long min = tmp;

		if (z == ZONE_HIGHMEM) {
			/* High memory cannot hold kernel data, so it keeps only a token reserve. */
			min = zone->managed_pages / 1024;
			if (min < 32)
				min = 32;
			if (min > 128)
				min = 128;
			if (min > zone->managed_pages)
				min = zone->managed_pages;
		}
		zone->watermark[WMARK_MIN] = min;
		zone->watermark[WMARK_LOW] = min + tmp / 4;
		zone->watermark[WMARK_HIGH] = min + tmp / 2;
		zone_pcp_setup(zone);
	}
	setup_per_zone_lowmem_reserve();
}

unsigned long lowmem_reserve_ratio[MAX_NR_ZONES] = {
	[ZONE_DMA] = 256,
	[ZONE_NORMAL] = 32,
	[ZONE_HIGHMEM] = 0,
};

void setup_per_zone_lowmem_reserve(void)
{
	struct zone *zones = contig_page_data.node_zones;

	/* zone i keeps (managed pages of zones i+1 .. j) / ratio[i] from a request whose best zone is j. */
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		unsigned long above = 0;

		for (int j = 0; j < MAX_NR_ZONES; j++)
			zones[i].lowmem_reserve[j] = 0;
		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			above += zones[j].managed_pages;
			zones[i].lowmem_reserve[j] = lowmem_reserve_ratio[i] ? above / lowmem_reserve_ratio[i] : 0;
		}
	}
}

/* Pages on per-CPU lists are free and counted in zone->free_pages: no drain needed. */
unsigned long nr_free_pages(void)
{
	unsigned long n = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += contig_page_data.node_zones[z].free_pages;
	return n;
}

unsigned long nr_free_highpages(void)
{
	return contig_page_data.node_zones[ZONE_HIGHMEM].free_pages;
}

bool page_is_buddy_head(const struct page *page, unsigned *order)
{
	if (!PageBuddy(page))
		return false;
	if (order)
		*order = page->private;
	return true;
}

