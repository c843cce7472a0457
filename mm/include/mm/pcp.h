/*
 * Per-CPU page lists for order-0 pages ("hot-n-cold pages", Professional Linux Kernel
 * Architecture, ch. 3): each zone keeps, for every CPU, a hot list of pages freed recently on that
 * CPU (likely still in its cache, handed out first, last in first out) and a cold list for callers
 * that say they will not touch the page soon (__GFP_COLD, free_cold_page()).  A CPU allocates and
 * frees its order-0 pages on its own lists with interrupts off and without zone->lock; the lock is
 * taken only to move a batch of pages between a list and the buddy lists: a refill of batch pages
 * when the list is empty, a drain of batch pages when a free brings it to its high watermark.
 * count, high and batch are those of the later 2.6 kernels' struct per_cpu_pages.
 *
 * Pages on a per-CPU list are free: the zone's free_pages counts them (so nr_free_pages() is exact
 * at any time), but they are not on the buddy free lists (_count 0, PG_buddy clear, linked by
 * page->lru).  drain_local_pages() and drain_all_pages() put them back on the buddy lists, before
 * a report or a checker that walks those lists, and each application processor drains its own
 * lists when it goes idle.
 */
#ifndef MM_PCP_H
#define MM_PCP_H

#include <stdbool.h>

#include <hal/smp.h>
#include <mm/list.h>

struct page;
struct zone;

/* One per-CPU list of one zone. */
struct per_cpu_pages {
	unsigned long count;    /* pages on list */
	unsigned long high;     /* a free that brings count to high drains batch pages */
	unsigned long batch;    /* pages moved to or from the buddy lists at once; 0: lists off */
	struct list_head list;  /* the pages, most recently freed first */
	unsigned long refills;  /* batches taken from the buddy lists */
	unsigned long drains;   /* batches (or whole lists) given back */
};

/* A zone's lists of one CPU: pcp[0] hot, pcp[1] cold (one cache line each CPU). */
struct per_cpu_pageset {
	struct per_cpu_pages pcp[2];
} __attribute__((aligned(64)));

/* Make every CPU's lists of zone empty and off (batch 0) until zone_pcp_setup(). */
void zone_pcp_init(struct zone *zone);

/* Size every CPU's lists of zone from its managed pages (the 2.6 kernels' zone_batchsize and
 * setup_pageset) and turn them on; lists that hold pages keep them. */
void zone_pcp_setup(struct zone *zone);

/* The batch zone_pcp_setup() gives the hot list of a zone of managed pages (0 for a tiny zone). */
unsigned long zone_pcp_batchsize(unsigned long managed);

/* Take an order-0 page off this CPU's hot (or cold) list of zone, refilling the list with a batch
 * from the buddy lists when it is empty; NULL when the lists are off or the buddy lists are empty
 * too.  The caller accounts the page as allocated. */
struct page *pcp_alloc(struct zone *zone, bool cold);

/* Put the free order-0 page on this CPU's hot (or cold) list of its zone, draining a batch to the
 * buddy lists at the high watermark; false (nothing done) when the lists are off. */
bool pcp_free(struct page *page, bool cold);

/* Give every page on cpu's lists back to the buddy lists: for this CPU (interrupts off), or for a
 * CPU that is parked, offline or fake (it must not touch its lists meanwhile). */
void drain_cpu_pages(unsigned cpu);

/* Give every page on this CPU's lists back to the buddy lists. */
void drain_local_pages(void);

/*
 * Give every page on every CPU's lists back to the buddy lists and return when done: through
 * drain_all_pages_hook when the firmware set it (each online CPU drains its own lists), else by
 * draining each CPU's lists from the caller (one CPU running, or host tests).
 */
void drain_all_pages(void);

/* Set by the firmware once other CPUs run: drain every CPU's lists (each its own) and wait. */
extern void (*drain_all_pages_hook)(void);

/* Pages on every CPU's lists of zone. */
unsigned long zone_pcp_count(const struct zone *zone);

#endif
