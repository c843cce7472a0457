/*
 * Physical-memory commands: meminfo, zoneinfo, buddyinfo, slabinfo (the
 * /proc formats), tlbinfo (the TLB shootdown counters) and `pages` to
 * allocate and free page blocks by hand.
 * The page allocator's benchmark, bench_page_alloc(), runs under `bench`
 * (firmware/cmd/bench.c).
 */
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <hal/smp.h>
#include <json.h>
#include <mm/debug/mmcheck.h>
#include <mm/layout.h>
#include <mm/meminfo.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/pcp.h>
#include <mm/slab.h>
#include <mm/tlbflush.h>
#include <mm/vmalloc.h>
#include <shell.h>

#define K(pages) ((unsigned long)(pages) << (PAGE_SHIFT - 10))

/* The fields of show_meminfo(), in kB, under their /proc/meminfo names. */
static void meminfo_json(struct json_writer *w)
{
	unsigned long free = nr_free_pages(), high_free = nr_free_highpages(), used, chunk;

	vmalloc_usage(&used, &chunk, NULL);
	json_uint(w, "MemTotal", K(totalram_pages));
	json_uint(w, "MemFree", K(free));
	json_uint(w, "HighTotal", K(totalhigh_pages));
	json_uint(w, "HighFree", K(high_free));
	json_uint(w, "LowTotal", K(totalram_pages - totalhigh_pages));
	json_uint(w, "LowFree", K(free - high_free));
	json_uint(w, "Slab", K(slab_stats.slab_pages));
	json_uint(w, "PageTables", K(nr_pagetable_pages()));
	json_uint(w, "VmallocTotal", (unsigned long)(VMALLOC_END - VMALLOC_START) >> 10);
	json_uint(w, "VmallocUsed", used >> 10);
	json_uint(w, "VmallocChunk", chunk >> 10);
}

static int cmd_meminfo(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, show_meminfo, meminfo_json);
}
SHELL_CMD(meminfo, "meminfo", "[-j]", 0, 1, "memory totals as /proc/meminfo prints them (-j: JSON, in kB)",
	  cmd_meminfo);

/* The fields of show_zoneinfo() per zone: {"zones": {"DMA": {"free": ..., ...}, ...}}. */
static void zoneinfo_json(struct json_writer *w)
{
	json_uint(w, "node", (uint64_t)contig_page_data.node_id);
	json_object(w, "zones");
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];

		if (!zone->zone_pgdat)
			continue;
		json_object(w, zone->name);
		json_uint(w, "free", zone->free_pages);
		json_uint(w, "min", zone->watermark[WMARK_MIN]);
		json_uint(w, "low", zone->watermark[WMARK_LOW]);
		json_uint(w, "high", zone->watermark[WMARK_HIGH]);
		json_uint(w, "spanned", zone->spanned_pages);
		json_uint(w, "present", zone->present_pages);
		json_uint(w, "managed", zone->managed_pages);
		json_array(w, "protection");
		for (int j = 0; j < MAX_NR_ZONES; j++)
			json_uint(w, NULL, zone->lowmem_reserve[j]);
		json_end(w);
		json_uint(w, "nr_free_pages", zone->free_pages);
		json_uint(w, "nr_alloc_fail", zone->alloc_fail);
		json_uint(w, "start_pfn", (uint64_t)zone->zone_start_pfn);
		json_array(w, "pagesets");
		for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
			if (!(hal_cpu_online_mask() & (1u << cpu)))
				continue;
			json_object(w, NULL);
			json_uint(w, "cpu", cpu);
			for (int t = 0; t < 2; t++) {
				const struct per_cpu_pages *pcp = &zone->pageset[cpu].pcp[t];

				json_object(w, t ? "cold" : "hot");
				json_uint(w, "count", pcp->count);
				json_uint(w, "high", pcp->high);
				json_uint(w, "batch", pcp->batch);
				json_end(w);
			}
			json_end(w);
		}
		json_end(w);
		json_end(w);
	}
	json_end(w);
}

/* tlbflush_show()'s counters: {"cpus": [{"cpu": 0, "kernel_flushes": ..., ...}, ...]}. */
static void tlbinfo_json(struct json_writer *w)
{
	cpumask_t online = hal_cpu_online_mask();

	json_array(w, "cpus");
	for (unsigned c = 0; c < NR_CPUS; c++) {
		const struct tlb_cpu_stats *t = &tlb_cpu_stats[c];

		if (!(online & (1u << c)))
			continue;
		json_object(w, NULL);
		json_uint(w, "cpu", c);
		json_uint(w, "kernel_flushes", t->kernel_flushes);
		json_uint(w, "user_flushes", t->user_flushes);
		json_uint(w, "ipis_sent", t->ipis_sent);
		json_uint(w, "local_pages", t->local_pages);
		json_uint(w, "local_alls", t->local_alls);
		json_end(w);
	}
	json_end(w);
}

static int cmd_tlbinfo(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, tlbflush_show, tlbinfo_json);
}
SHELL_CMD(tlbinfo, "tlbinfo", "[-j]", 0, 1,
	  "TLB shootdowns per CPU: flushes started, IPIs sent, local flushes (-j: JSON)", cmd_tlbinfo);

static int cmd_zoneinfo(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, show_zoneinfo, zoneinfo_json);
}
SHELL_CMD(zoneinfo, "zoneinfo", "[-j]", 0, 1,
	  "per zone: free pages, watermarks, spanned/present/managed (/proc/zoneinfo; -j: JSON)", cmd_zoneinfo);

/* show_buddyinfo()'s counts: {"zones": {"DMA": [free blocks of order 0, 1, ...], ...}}. */
static void buddyinfo_json(struct json_writer *w)
{
	json_uint(w, "node", (uint64_t)contig_page_data.node_id);
	json_object(w, "zones");
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];

		if (!populated_zone(zone))
			continue;
		json_array(w, zone->name);
		for (int o = 0; o < MAX_ORDER; o++)
			json_uint(w, NULL, zone->free_area[o].nr_free);
		json_end(w);
	}
	json_end(w);
}

static int cmd_buddyinfo(const struct shell_call *call, int argc, char **argv)
{
	/* The per-order counts are exact only with every CPU's per-CPU lists back on the free lists. */
	drain_all_pages();
	return shell_report(call, argc, argv, show_buddyinfo, buddyinfo_json);
}
SHELL_CMD(buddyinfo, "buddyinfo", "[-j]", 0, 1, "free blocks of each order in each zone (/proc/buddyinfo; -j: JSON)",
	  cmd_buddyinfo);

/* show_slabinfo()'s columns per cache: {"caches": [{"name", "active_objs", ...}, ...]}. */
static void slabinfo_json(struct json_writer *w)
{
	json_array(w, "caches");
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c)) {
		json_object(w, NULL);
		json_string(w, "name", c->name);
		json_uint(w, "active_objs", c->active_objs);
		json_uint(w, "num_objs", (uint64_t)c->num_slabs * c->num);
		json_uint(w, "objsize", c->size);
		json_uint(w, "objperslab", c->num);
		json_uint(w, "pagesperslab", 1u << c->order);
		json_uint(w, "active_slabs", c->num_slabs);
		json_uint(w, "num_slabs", c->num_slabs);
		json_end(w);
	}
	json_end(w);
}

static int cmd_slabinfo(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, show_slabinfo, slabinfo_json);
}
SHELL_CMD(slabinfo, "slabinfo", "[-j]", 0, 1, "object caches and their slabs (/proc/slabinfo; -j: JSON)",
	  cmd_slabinfo);

/*
 * Blocks taken with `pages alloc`: `pages list` shows them and `pages free` frees only these, so
 * the shell never frees a frame someone else owns (a vmalloc page, a page table).
 */
#define HAND_MAX 64
static struct {
	pfn_t pfn;
	unsigned order;
	bool used;
} hand[HAND_MAX];

/* The slot of the block pages alloc handed out at pfn, or -1. */
static int hand_find(pfn_t pfn)
{
	for (int i = 0; i < HAND_MAX; i++)
		if (hand[i].used && hand[i].pfn == pfn)
			return i;
	return -1;
}

static void print_block(const struct page *page, unsigned order)
{
	pfn_t pfn = page_to_pfn(page);
	uint64_t pa = (uint64_t)pfn << PAGE_SHIFT;

	printf("pfn 0x%05x order %u zone %-7s [mem 0x%08llx-0x%08llx]", pfn, order, page_zone(page)->name,
	       (unsigned long long)pa, (unsigned long long)(pa + ((uint64_t)PAGE_SIZE << order) - 1));
	if (PageHighMem(page))
		printf(" highmem (no linear address)\n");
	else
		printf(" virt 0x%08x\n", lowmem_page_address(page));
}

/* print_block()'s fields as members of the open object of w. */
static void block_json(struct json_writer *w, const struct page *page, unsigned order)
{
	pfn_t pfn = page_to_pfn(page);
	uint64_t pa = (uint64_t)pfn << PAGE_SHIFT;

	json_uint(w, "pfn", pfn);
	json_uint(w, "order", order);
	json_string(w, "zone", page_zone(page)->name);
	json_uint(w, "start", pa);
	json_uint(w, "end", pa + ((uint64_t)PAGE_SIZE << order) - 1);
	if (PageHighMem(page))
		json_null(w, "virt");
	else
		json_uint(w, "virt", lowmem_page_address(page));
}

static int pages_alloc(const struct shell_call *call, int argc, char **argv)
{
	uint32_t order;
	gfp_t gfp = GFP_KERNEL;
	struct page *page;
	unsigned slot;
	bool json = argc > 2 && !strcmp(argv[argc - 1], "-j");

	if (json)
		argc--;
	if (argc > 3)
		return shell_usage_error(call, "too many arguments (ORDER, a zone, then -j)");
	if (!parse_u32(argv[1], &order))
		return shell_usage_error(call, "ORDER must be a number");
	if (argc == 3) {
		if (!strcmp(argv[2], "dma"))
			gfp = GFP_DMA;
		else if (!strcmp(argv[2], "normal"))
			gfp = GFP_KERNEL | __GFP_THISZONE;
		else if (!strcmp(argv[2], "high"))
			gfp = GFP_HIGHUSER | __GFP_THISZONE;
		else if (!strcmp(argv[2], "any"))
			gfp = GFP_HIGHUSER;
		else
			return shell_usage_error(call, "zone must be dma, normal, high or any");
	}
	for (slot = 0; slot < HAND_MAX && hand[slot].used; slot++)
		;
	if (slot == HAND_MAX) {
		printf("pages: %u blocks already held; free some first\n", HAND_MAX);
		return 1;
	}
	/* Orders above MAX_ORDER - 1 go through too, to show the allocator refusing them. */
	page = alloc_pages(gfp, order);
	if (!page) {
		printf("pages: no block of order %u (failures so far: %lu)\n", order, page_alloc_stats.alloc_fail);
		return 1;
	}
	hand[slot].pfn = page_to_pfn(page);
	hand[slot].order = order;
	hand[slot].used = true;
	if (json) {
		struct json_writer w;

		json_begin(&w, stdout);
		block_json(&w, page, order);
		return json_finish(&w) ? SHELL_STATUS_FAIL : SHELL_STATUS_OK;
	}
	print_block(page, order);
	return 0;
}

static int pages_free(const struct shell_call *call, int argc, char **argv)
{
	uint32_t pfn, order;
	unsigned long dbl = page_alloc_stats.double_free, bad = page_alloc_stats.bad_free;
	int slot;

	if (shell_arg_pfn(call, argv[1], "PFN", &pfn))
		return SHELL_STATUS_USAGE;
	if (!parse_u32(argv[2], &order))
		return shell_usage_error(call, "ORDER must be a number");
	if (!pfn_valid(pfn)) {
		printf("pages: pfn 0x%x is beyond mem_map (max_pfn 0x%x)\n", pfn, max_pfn);
		return 1;
	}
	slot = hand_find(pfn);
	if (slot < 0) {
		printf("pages: pfn 0x%x was not handed out by 'pages alloc' (it is free, or someone else's: "
		       "the buddy allocator, a vmalloc area, a page table); 'pages list' shows what may be freed\n",
		       pfn);
		return 1;
	}
	if (order != hand[slot].order) {
		printf("pages: pfn 0x%x was allocated with order %u, not %u; nothing freed\n", pfn, hand[slot].order,
		       order);
		return 1;
	}
	__free_pages(pfn_to_page(pfn), order);
	if (page_alloc_stats.double_free != dbl || page_alloc_stats.bad_free != bad)
		return 1;
	hand[slot].used = false;
	printf("freed pfn 0x%05x order %u\n", pfn, order);
	return 0;
}

/* `pages list -j`: the blocks held by hand and the allocator's error counts. */
static void pages_list_json(struct json_writer *w)
{
	json_array(w, "blocks");
	for (unsigned i = 0; i < HAND_MAX; i++)
		if (hand[i].used) {
			json_object(w, NULL);
			block_json(w, pfn_to_page(hand[i].pfn), hand[i].order);
			json_end(w);
		}
	json_end(w);
	json_uint(w, "alloc_fail", page_alloc_stats.alloc_fail);
	json_uint(w, "double_free", page_alloc_stats.double_free);
	json_uint(w, "bad_free", page_alloc_stats.bad_free);
}

static void pages_list_show(FILE *out)
{
	unsigned n = 0;

	(void)out;
	for (unsigned i = 0; i < HAND_MAX; i++)
		if (hand[i].used) {
			print_block(pfn_to_page(hand[i].pfn), hand[i].order);
			n++;
		}
	printf("%u blocks held by hand; allocator: %lu failed allocations, %lu double frees, %lu bad frees\n",
	       n, page_alloc_stats.alloc_fail, page_alloc_stats.double_free, page_alloc_stats.bad_free);
}

static int pages_list(const struct shell_call *call, int argc, char **argv)
{
	return shell_report(call, argc, argv, pages_list_show, pages_list_json);
}

static int pages_check(const struct shell_call *call, int argc, char **argv)
{
	unsigned long problems;

	/* Each CPU empties its own per-CPU lists first, so no list changes under the walk. */
	drain_all_pages();
	problems = check_free_lists(stdout);

	printf("free lists: %lu problems\n", problems);
	return problems ? 1 : 0;
}

static const struct shell_cmd pages_subs[] = {
	SHELL_SUB("list", "[-j]", 0, 1,
		  "the blocks held by hand and the allocator's error counts (-j: JSON blocks "
		  "[{pfn, order, zone, start, end, virt}], alloc_fail, double_free, bad_free)",
		  pages_list),
	SHELL_SUB("alloc", "ORDER [dma|normal|high|any] [-j]", 1, 3,
		  "allocate a block of 2^ORDER pages (-j: JSON pfn, order, zone, start, end, virt)",
		  pages_alloc),
	SHELL_SUB("free", "PFN ORDER", 2, 2, "free a block that 'pages alloc' handed out", pages_free),
	SHELL_SUB("check", "", 0, 0, "check the buddy free lists", pages_check),
	{ 0 }
};
SHELL_CMD_DESC(pages, .name = "pages", .usage = "[-j]", .min_args = 0, .max_args = 1,
	       .subs = pages_subs,
	       .summary = "allocate and free buddy blocks by hand, list them, check the free lists", .fn = pages_list);
