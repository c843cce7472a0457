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
#include <mm/debug/mmcheck.h>
#include <mm/meminfo.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>
#include <mm/tlbflush.h>
#include <shell.h>

static int report(void (*show)(FILE *))
{
	show(stdout);
	return 0;
}

static int cmd_meminfo(const struct shell_call *call, int argc, char **argv)
{
	return report(show_meminfo);
}
SHELL_CMD(meminfo, "meminfo", "", 0, 0, "memory totals as /proc/meminfo prints them", cmd_meminfo);

static int cmd_tlbinfo(const struct shell_call *call, int argc, char **argv)
{
	return report(tlbflush_show);
}
SHELL_CMD(tlbinfo, "tlbinfo", "", 0, 0, "TLB shootdowns per CPU: flushes started, IPIs sent, local flushes",
	  cmd_tlbinfo);

static int cmd_zoneinfo(const struct shell_call *call, int argc, char **argv)
{
	return report(show_zoneinfo);
}
SHELL_CMD(zoneinfo, "zoneinfo", "", 0, 0, "per zone: free pages, watermarks, spanned/present/managed (/proc/zoneinfo)",
	  cmd_zoneinfo);

static int cmd_buddyinfo(const struct shell_call *call, int argc, char **argv)
{
	return report(show_buddyinfo);
}
SHELL_CMD(buddyinfo, "buddyinfo", "", 0, 0, "free blocks of each order in each zone (/proc/buddyinfo)", cmd_buddyinfo);

static int cmd_slabinfo(const struct shell_call *call, int argc, char **argv)
{
	return report(show_slabinfo);
}
SHELL_CMD(slabinfo, "slabinfo", "", 0, 0, "object caches and their slabs (/proc/slabinfo)", cmd_slabinfo);

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

static int pages_alloc(const struct shell_call *call, int argc, char **argv)
{
	uint32_t order;
	gfp_t gfp = GFP_KERNEL;
	struct page *page;
	unsigned slot;

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
	print_block(page, order);
	return 0;
}

static int pages_free(const struct shell_call *call, int argc, char **argv)
{
	uint32_t pfn, order;
	unsigned long dbl = page_alloc_stats.double_free, bad = page_alloc_stats.bad_free;
	int slot;

	if (!parse_u32(argv[1], &pfn) || !parse_u32(argv[2], &order))
		return shell_usage_error(call, "PFN and ORDER must be numbers");
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

static int pages_list(const struct shell_call *call, int argc, char **argv)
{
	unsigned n = 0;

	for (unsigned i = 0; i < HAND_MAX; i++)
		if (hand[i].used) {
			print_block(pfn_to_page(hand[i].pfn), hand[i].order);
			n++;
		}
	printf("%u blocks held by hand; allocator: %lu failed allocations, %lu double frees, %lu bad frees\n",
	       n, page_alloc_stats.alloc_fail, page_alloc_stats.double_free, page_alloc_stats.bad_free);
	return 0;
}

static int pages_check(const struct shell_call *call, int argc, char **argv)
{
	unsigned long problems = check_free_lists(stdout);

	printf("free lists: %lu problems\n", problems);
	return problems ? 1 : 0;
}

static const struct shell_cmd pages_subs[] = {
	SHELL_SUB("list", "", 0, 0, "the blocks held by hand and the allocator's error counts", pages_list),
	SHELL_SUB("alloc", "ORDER [dma|normal|high|any]", 1, 2, "allocate a block of 2^ORDER pages", pages_alloc),
	SHELL_SUB("free", "PFN ORDER", 2, 2, "free a block that 'pages alloc' handed out", pages_free),
	SHELL_SUB("check", "", 0, 0, "check the buddy free lists", pages_check),
	{ 0 }
};
SHELL_CMD_DESC(pages, .name = "pages", .usage = "", .min_args = 0, .max_args = 0, .subs = pages_subs,
	       .summary = "allocate and free buddy blocks by hand, list them, check the free lists", .fn = pages_list);
