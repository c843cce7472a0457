/*
 * The buddy allocator's interface beyond alloc_pages()/__free_pages()
 * (declared in mm/page.h): statistics, watermarks and the boot hand-over.
 *
 * alloc_pages() is the single choke point for page allocation: every
 * other allocator in mm/ (slab, kmalloc, get_free_page, page tables made
 * after boot) calls it, and it asks the should_fail_alloc_page hook first, so a
 * failure-injection layer (mm/debug/fault_inject.c) needs to set only that one pointer.
 */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include <stdbool.h>
#include <stdio.h>

#include <mm/gfp.h>
#include <mm/mmzone.h>
#include <mm/page.h>

/* Machine-wide allocator counters (the per-zone ones are in struct zone). */
struct page_alloc_stats {
	unsigned long alloc_fail;   /* alloc_pages() calls that returned NULL */
	unsigned long double_free;  /* __free_pages() of a block that was already free */
	/* __free_pages() of a reserved, slab, tail or mis-sized block */
	unsigned long bad_free;
	unsigned long injected;     /* failures forced by should_fail_alloc_page() */
};

extern struct page_alloc_stats page_alloc_stats;

/* Failure injection's hook: NULL (never fail) unless a debug layer installs a function that returns
 * true when this allocation must fail. */
extern bool (*should_fail_alloc_page)(gfp_t gfp, unsigned order);

/* Hand the frames [start, end) of low or high memory to the buddy allocator at boot: clears
 * PG_reserved, counts them as managed; returns how many. */
unsigned long free_boot_range(pfn_t start, pfn_t end);

/* Compute min/low/high for every zone from its managed pages, Linux style, then the lowmem_reserves. */
void setup_per_zone_wmarks(void);

/* The divisor of each zone's lowmem_reserve (Linux's sysctl_lowmem_reserve_ratio: 256 for DMA, 32
 * for Normal; HighMem has nothing above it); 0 turns a zone's reserve off. */
extern unsigned long lowmem_reserve_ratio[MAX_NR_ZONES];

/* Set every zone's lowmem_reserve from the managed pages of the zones above it and the ratios
 * (called by setup_per_zone_wmarks; again after a ratio changes). */
void setup_per_zone_lowmem_reserve(void);

/* Free an order-0 page to this CPU's hot list (as __free_pages(page, 0)): the next order-0
 * allocation on this CPU gets it back first, likely still in the cache. */
void free_hot_page(struct page *page);

/* Free an order-0 page that the caller has not touched lately to this CPU's cold list, kept for
 * __GFP_COLD allocations (Professional Linux Kernel Architecture, ch. 3, hot-n-cold pages). */
void free_cold_page(struct page *page);

/* Free frames in every zone together (on the buddy lists and on every CPU's per-CPU lists). */
unsigned long nr_free_pages(void);

/* Free frames in ZONE_HIGHMEM. */
unsigned long nr_free_highpages(void);

/* True when zone can give a block of 2^order and keep more than mark free pages (Linux's
 * zone_watermark_ok). */
bool zone_watermark_ok(const struct zone *zone, unsigned order, unsigned long mark);

/* True when page is the head of a free buddy block (for tests and self tests). */
bool page_is_buddy_head(const struct page *page, unsigned *order);

#endif
