/*
 * Nodes and zones: how physical memory is described.
 *
 * "On UMA machines there is a single pglist_data which describes the whole memory. Memory
 * statistics and page replacement data structures are maintained on a per-zone basis."
 * (Understanding the Linux Virtual Memory Manager, ch. 3) This machine is UMA, so there is one
 * pg_data_t, contig_page_data, with three zones split at 16 MiB (MAX_DMA_ADDRESS) and at the end of
 * low memory (max_low_pfn, at most MAXMEM = 896 MiB). Each zone keeps its buddy free lists in
 * free_area[MAX_ORDER].
 */
#ifndef MM_MMZONE_H
#define MM_MMZONE_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/page.h>
#include <mm/list.h>
#include <mm/pcp.h>
#include <mm/spinlock.h>
#include <mm/page.h>

/* Buddy orders 0 .. MAX_ORDER-1: the largest block is 2^10 pages (4 MiB). */
#define MAX_ORDER 11

enum zone_type {
	ZONE_DMA,     /* below 16 MiB, reachable by ISA DMA */
	ZONE_NORMAL,  /* 16 MiB up to max_low_pfn, linearly mapped */
	ZONE_HIGHMEM, /* above max_low_pfn, reached only through kmap */
	MAX_NR_ZONES
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, NR_WMARK };

/* The free blocks of one order in one zone. */
struct free_area {
	struct list_head free_list; /* head pages of free blocks (PG_buddy, private == order) */
	unsigned long nr_free;      /* blocks on free_list */
};

struct pglist_data;

struct zone {
	const char *name;              /* "DMA", "Normal", "HighMem" as /proc prints them */
	pfn_t zone_start_pfn;          /* first frame of the zone's span */
	unsigned long spanned_pages;   /* frames in the span, holes included */
	unsigned long present_pages;   /* frames that are RAM according to e820 */
	unsigned long managed_pages;   /* frames handed to the buddy allocator */
	/* free frames now: on the buddy lists and on every CPU's per-CPU lists (pageset) */
	unsigned long free_pages;
	unsigned long watermark[NR_WMARK];
	/* Pages kept back, on top of the watermark, from a request whose best zone is j (a higher zone
	 * it could have been served from): Linux's lowmem_reserve, /proc/zoneinfo's "protection". */
	unsigned long lowmem_reserve[MAX_NR_ZONES];
	unsigned long alloc_fail;      /* allocations that wanted this zone first and failed */
	unsigned long nr_alloc;        /* successful allocations from this zone (blocks) */
	unsigned long nr_free_calls;   /* blocks returned to this zone */
	struct free_area free_area[MAX_ORDER];
	struct pglist_data *zone_pgdat;
	/* the buddy free lists (zone->lock); free_pages, nr_alloc and nr_free_calls change by atomic
	 * adds, since an order-0 page comes and goes on a per-CPU list without the lock */
	spinlock_t lock;
	/* Per CPU: hot and cold lists of free order-0 pages (mm/pcp.h). */
	struct per_cpu_pageset pageset[NR_CPUS];
};

typedef struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	int nr_zones;                     /* zones with a non-empty span */
	struct page *node_mem_map;        /* == mem_map on this flat machine */
	pfn_t node_start_pfn;             /* always 0: mem_map starts at frame 0 */
	unsigned long node_spanned_pages; /* frames 0 .. max_pfn */
	unsigned long node_present_pages; /* RAM frames */
	struct bootmem_data *bdata;       /* the boot allocator while it lives */
	int node_id;
} pg_data_t;

/* The only node. */
extern pg_data_t contig_page_data;
#define NODE_DATA(nid) (&contig_page_data)

/* Frames handed to the buddy allocator, all zones and high zone only (totalram_pages,
 * totalhigh_pages). */
extern unsigned long totalram_pages, totalhigh_pages;

/* The zone index recorded in page->flags. */
static inline enum zone_type page_zonenum(const struct page *page)
{
	return (enum zone_type)(page->flags >> PG_ZONE_SHIFT);
}

/* The zone page belongs to. */
static inline struct zone *page_zone(const struct page *page)
{
	return &contig_page_data.node_zones[page_zonenum(page)];
}

/* The index of zone within its node. */
static inline enum zone_type zone_idx(const struct zone *zone)
{
	return (enum zone_type)(zone - zone->zone_pgdat->node_zones);
}

/* True when zone is ZONE_HIGHMEM. */
static inline bool is_highmem(const struct zone *zone)
{
	return zone_idx(zone) == ZONE_HIGHMEM;
}

/* True when zone has RAM in it. */
static inline bool populated_zone(const struct zone *zone)
{
	return zone->present_pages != 0;
}

/* The end of zone's span (exclusive). */
static inline pfn_t zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + (pfn_t)zone->spanned_pages;
}

/* Set up contig_page_data over frames [0, zone_end[ZONE_HIGHMEM]) with mem_map at map (a mapped,
 * writable array of that many struct pages); every page starts PG_reserved. */
void free_area_init(struct page *map, const pfn_t zone_end[MAX_NR_ZONES]);

/* The struct page of a frame that is in mem_map, or NULL. */
struct page *pfn_to_page_or_null(pfn_t pfn);

#endif
