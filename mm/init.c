/*
 * mm_init(): from the e820 map to a running buddy allocator, kmalloc and
 * the kernel's own page directory.  The order is explained in mm/init.h.
 */
#include <inttypes.h>
#include <string.h>

#include <hal/cpu.h>
#include <hal/mmu.h>
#include <mm/bootmem.h>
#include <mm/heap.h>
#include <mm/init.h>
#include <mm/layout.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/printk.h>
#include <mm/slab.h>

vaddr_t high_memory;
struct mm_boot_facts mm_boot_facts;

/*
 * The RAM we manage ends where a page-table entry can no longer name the
 * frame: 4 GiB with 2-level entries; with PAE 64 GiB or the CPU's physical
 * address width if smaller (hal_phys_limit()).  With PAE, RAM above 4 GiB
 * (QEMU places what does not fit below its PCI hole there) is ZONE_HIGHMEM
 * like any other RAM above 896 MiB.
 */
#define PHYS_LIMIT hal_phys_limit()
/* Linux reserves the EBDA and everything up to 1 MiB; 0x9f000 is the usual start. */
#define BIOS_AREA_START 0x9f000u
#define BIOS_AREA_END 0x100000u

#define PFN_UP(x) ((pfn_t)(((x) + PAGE_SIZE - 1) >> PAGE_SHIFT))
#define PFN_DOWN(x) ((pfn_t)((x) >> PAGE_SHIFT))

/* Bytes of RAM the e820 map lists at or above limit. */
static uint64_t ram_above(const struct e820_table *t, uint64_t limit)
{
	uint64_t bytes = 0;

	for (unsigned i = 0; i < t->nr_entries; i++) {
		const struct e820_entry *e = &t->entries[i];
		uint64_t start = e->addr > limit ? e->addr : limit, end = e820_entry_end(e);

		if (e->type == E820_RAM && end > start)
			bytes += end - start;
	}
	return bytes;
}

/* The ranges in use before mm_init() that nothing may be placed over. */
static unsigned boot_ranges(const struct mm_boot_info *bi, struct mm_reserved_range *r)
{
	unsigned n = 0;

	r[n++] = (struct mm_reserved_range){ 0, PAGE_SIZE, "page 0" };
	r[n++] = (struct mm_reserved_range){ BIOS_AREA_START, BIOS_AREA_END, "BIOS area" };
	r[n++] = (struct mm_reserved_range){ bi->kernel_start, bi->kernel_end, "kernel image" };
	for (unsigned i = 0; i < bi->nr_reserved && i < MM_BOOT_MAX_RESERVED; i++)
		r[n++] = bi->reserved[i];
	return n;
}

/* The lowest page-aligned RAM gap of size bytes in [from, limit) clear of the boot ranges, or 0. */
static paddr_t find_boot_gap(const struct mm_boot_info *bi, paddr_t from, uint64_t size, paddr_t limit)
{
	struct mm_reserved_range r[MM_BOOT_MAX_RESERVED + 3];
	unsigned n = boot_ranges(bi, r);
	paddr_t start = PAGE_ALIGN_UP(from);

	while (start + size <= limit) {
		bool moved = false;

		for (unsigned i = 0; i < n; i++) {
			if (r[i].start < start + size && r[i].end > start) {
				start = PAGE_ALIGN_UP(r[i].end);
				moved = true;
			}
		}
		if (moved)
			continue;
		if (e820_is_ram(bi->e820, start, start + size))
			return start;
		start += PAGE_SIZE;
	}
	return 0;
}

/* Every address where RAM-ness or reservation can change, sorted, so the map is cut into uniform
 * pieces. */
static unsigned boundaries(const struct mm_boot_info *bi, uint64_t *b, unsigned max)
{
	struct mm_reserved_range r[MM_BOOT_MAX_RESERVED + 3];
	unsigned nr = boot_ranges(bi, r), n = 0;

	for (unsigned i = 0; i < bi->e820->nr_entries && n + 2 <= max; i++) {
		b[n++] = bi->e820->entries[i].addr;
		b[n++] = e820_entry_end(&bi->e820->entries[i]);
	}
	for (unsigned i = 0; i < nr && n + 2 <= max; i++) {
		b[n++] = r[i].start;
		b[n++] = r[i].end;
	}
	if (n + 4 <= max) {
		b[n++] = 0;
		b[n++] = (uint64_t)MAX_DMA_PFN << PAGE_SHIFT;
		b[n++] = (uint64_t)max_low_pfn << PAGE_SHIFT;
		b[n++] = (uint64_t)max_pfn << PAGE_SHIFT;
	}
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && b[j - 1] > b[j]; j--) {
			uint64_t t = b[j];

			b[j] = b[j - 1];
			b[j - 1] = t;
		}
	return n;
}

static bool overlaps_boot_range(const struct mm_boot_info *bi, uint64_t start, uint64_t end)
{
	struct mm_reserved_range r[MM_BOOT_MAX_RESERVED + 3];
	unsigned n = boot_ranges(bi, r);

	for (unsigned i = 0; i < n; i++)
		if (r[i].start < end && r[i].end > start)
			return true;
	return false;
}

#define MAX_BOUNDARIES (2 * E820_MAX_ENTRIES + 2 * (MM_BOOT_MAX_RESERVED + 3) + 4)

/* Count each zone's RAM frames, and hand the free high frames to the buddy allocator. */
static unsigned long present_and_highmem(const struct mm_boot_info *bi)
{
	uint64_t b[MAX_BOUNDARIES];
	unsigned n = boundaries(bi, b, MAX_BOUNDARIES);
	unsigned long handed = 0;

	for (unsigned i = 0; i + 1 < n; i++) {
		uint64_t lo = b[i], hi = b[i + 1] < PHYS_LIMIT ? b[i + 1] : PHYS_LIMIT;
		pfn_t first = PFN_UP(lo), end = PFN_DOWN(hi);

		if (lo >= hi || first >= end || !e820_is_ram(bi->e820, lo, hi))
			continue;
		/* Zone boundaries are among the cut points, so the piece lies in one zone. */
		struct zone *zone = page_zone(pfn_to_page(first));
		zone->present_pages += end - first;
		contig_page_data.node_present_pages += end - first;
		if (first >= max_low_pfn && !overlaps_boot_range(bi, lo, hi))
			handed += free_boot_range(first, end);
	}
	return handed;
}

static unsigned long pages_to_mb(unsigned long pages)
{
	return pages >> (20 - PAGE_SHIFT);
}

static void print_zone_ranges(void)
{
	printk("Zone ranges:\n");
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];
		pfn_t start = zone->zone_start_pfn > min_low_pfn ? zone->zone_start_pfn : min_low_pfn;

		if (!zone->spanned_pages || start >= zone_end_pfn(zone)) {
			printk("  %-8s empty\n", zone->name);
			continue;
		}
		printk("  %-8s [mem 0x%016" PRIx64 "-0x%016" PRIx64 "]\n", zone->name, (uint64_t)start << PAGE_SHIFT,
		       ((uint64_t)zone_end_pfn(zone) << PAGE_SHIFT) - 1);
	}
}

/* What the steps of mm_init() find out and hand to the steps after them. */
struct mm_init_state {
	const struct mm_boot_info *bi;
	paddr_t lowmem_end;   /* the end of low memory, the direct map's reach */
	paddr_t early_limit;  /* the end of what boot.S mapped, within low memory */
	paddr_t map_pa;       /* mem_map */
	uint64_t map_bytes;
	bool at_16m;          /* mem_map sits at the 16 MiB mark */
	paddr_t heap_pa;      /* the newlib heap arena, heap_size bytes (0: none) */
	size_t heap_size;
	const char *where;     /* where mem_map went, in words for the boot line */
};

/* Step 1, frame numbers: max_pfn, min_low_pfn, max_low_pfn and high_memory from the e820 map;
 * -1 when there is no usable RAM above 2 MiB. */
static int find_ram_limits(struct mm_init_state *s)
{
	const struct e820_table *e820 = s->bi->e820;
	paddr_t boot_mapped = s->bi->boot_mapped_end ? s->bi->boot_mapped_end : BOOT_MAPPED_DEFAULT;
	uint64_t ram_top = e820 ? e820_end_of_ram(e820, PHYS_LIMIT) : 0;

	if (ram_top < (2u << 20)) {
		printk("mm_init: no usable RAM above 2 MiB in the e820 map\n");
		return -1;
	}
	if (e820 && e820_end_of_ram(e820, UINT64_MAX) > PHYS_LIMIT)
		printk("%" PRIu64 "MB of RAM at or above %" PRIu64 " GiB ignored: %s\n", ram_above(e820, PHYS_LIMIT) >> 20,
		       PHYS_LIMIT >> 30,
		       HAL_PHYS_LIMIT == 1ull << 32 ? "2-level page tables cannot name it (boot highmem-pae.elf)"
		       : PHYS_LIMIT < HAL_PHYS_LIMIT ? "the CPU's physical address width ends there (CPUID)"
						     : "PAE support here stops at 64 GiB");
	max_pfn = PFN_DOWN(ram_top);
	min_low_pfn = PFN_UP(e820_start_of_ram(e820, ram_top));
	max_low_pfn = max_pfn < MAXMEM_PFN ? max_pfn : MAXMEM_PFN;
	s->lowmem_end = (paddr_t)max_low_pfn << PAGE_SHIFT;
	high_memory = PAGE_OFFSET + (vaddr_t)s->lowmem_end;
	s->early_limit = boot_mapped < s->lowmem_end ? boot_mapped : s->lowmem_end;
	printk("%luMB HIGHMEM available.\n", pages_to_mb(max_pfn - max_low_pfn));
	printk("%luMB LOWMEM available.\n", pages_to_mb(max_low_pfn));
	printk("  mapped low ram: 0 - %08" PRIx64 "\n", (uint64_t)s->lowmem_end);
	return 0;
}

/* Step 2, the boot allocator: its bitmap in the first free RAM above the kernel that boot.S mapped,
 * the e820 RAM freed into it and everything else reserved ("Understanding the Linux Virtual Memory
 * Manager", §5.2); -1 when the bitmap finds no room. */
static int setup_bootmem(const struct mm_init_state *s)
{
	const struct mm_boot_info *bi = s->bi;
	const struct e820_table *e820 = bi->e820;
	unsigned long bitmap_bytes = bootmem_bootmap_bytes(max_low_pfn);
	paddr_t bitmap_pa = find_boot_gap(bi, bi->kernel_end, bitmap_bytes, s->early_limit);
	struct mm_reserved_range r[MM_BOOT_MAX_RESERVED + 3];
	unsigned n;

	if (!bitmap_pa) {
		printk("mm_init: no room for the bootmem bitmap below %#" PRIx64 "\n", (uint64_t)s->early_limit);
		return -1;
	}
	init_bootmem(bitmap_pa, max_low_pfn, s->early_limit);
	for (unsigned i = 0; i < e820->nr_entries; i++)
		if (e820->entries[i].type == E820_RAM)
			free_bootmem(e820->entries[i].addr, e820->entries[i].size);
	/* Overlapping entries: whatever is not plain RAM wins. */
	for (unsigned i = 0; i < e820->nr_entries; i++)
		if (e820->entries[i].type != E820_RAM)
			reserve_bootmem(e820->entries[i].addr, e820->entries[i].size);
	n = boot_ranges(bi, r);
	for (unsigned i = 0; i < n; i++)
		if (r[i].end > r[i].start)
			reserve_bootmem(r[i].start, r[i].end - r[i].start);
	reserve_bootmem(bitmap_pa, bitmap_bytes);
	return 0;
}

/* Step 3, mem_map from bootmem, "usually at the 16MiB mark to keep memory reserved for ZONE_DMA"
 * (Understanding the Linux Virtual Memory Manager, §3.6), and the newlib heap arena next to it, at
 * most an eighth of low memory; -1 when mem_map finds no room. */
static int place_mem_map(struct mm_init_state *s)
{
	paddr_t goal;

	s->map_bytes = PAGE_ALIGN_UP((uint64_t)max_pfn * sizeof(struct page));
	s->at_16m = s->lowmem_end >= MAX_DMA_ADDRESS + s->map_bytes;
	goal = s->at_16m ? MAX_DMA_ADDRESS : PAGE_ALIGN_UP(s->bi->kernel_end);
	s->map_pa = alloc_bootmem_phys(s->map_bytes, PAGE_SIZE, goal, s->lowmem_end);
	if (!s->map_pa) {
		printk("mm_init: no room for mem_map (%" PRIu64 " KiB)\n", s->map_bytes >> 10);
		return -1;
	}
	/*
	 * Firmware may keep the 16 MiB mark (32-bit OVMF's ACPI NVS covers it): say where mem_map
	 * went instead.
	 */
	s->where = s->map_pa == MAX_DMA_ADDRESS ? "the 16 MiB mark"
		   : s->at_16m ? "the first free RAM above the 16 MiB mark, which is not free"
			       : "above the kernel";
	s->at_16m = s->map_pa == MAX_DMA_ADDRESS;

	s->heap_size = s->bi->heap_size ? s->bi->heap_size : MM_HEAP_DEFAULT_SIZE;
	if (s->heap_size > s->lowmem_end / 8)
		s->heap_size = (size_t)(s->lowmem_end / 8);
	s->heap_size = (size_t)PAGE_ALIGN_UP((uint64_t)s->heap_size);
	if (s->heap_size) {
		s->heap_pa = alloc_bootmem_phys(s->heap_size, PAGE_SIZE, s->map_pa + s->map_bytes, s->lowmem_end);
		if (!s->heap_pa)
			s->heap_size = 0;
	}
	return 0;
}

/* Step 4, the kernel page directory (paging_init), switched to; -1 on failure. */
static int setup_kernel_pgdir(const struct mm_init_state *s)
{
	struct paging_layout l = { s->lowmem_end, s->bi->text_start, s->bi->text_end, s->bi->rodata_end };

	if (paging_init(&l))
		return -1;
	printk("paging_init: swapper_pg_dir at %#" PRIx64 ", %lu page-table pages, %s, %s\n",
	       (uint64_t)swapper_pg_dir, nr_pagetable_pages(),
	       hal_large_page_size() == (4u << 20) ? "4 MiB pages (PSE)"
	       : hal_large_page_size()	   ? "2 MiB pages (PAE)"
					   : "4 KiB pages (no PSE)",
	       hal_cpu_has(HAL_FEAT_PGE) ? "global (PGE)" : "not global (no PGE)");
	return 0;
}

/* Step 5, the zones and every struct page (free_area_init). */
static void init_zones(const struct mm_init_state *s)
{
	pfn_t zone_end[MAX_NR_ZONES];

	zone_end[ZONE_DMA] = max_low_pfn < MAX_DMA_PFN ? max_low_pfn : MAX_DMA_PFN;
	zone_end[ZONE_NORMAL] = max_low_pfn;
	zone_end[ZONE_HIGHMEM] = max_pfn;
	free_area_init(hal_va_ptr(__va(s->map_pa)), zone_end);
	print_zone_ranges();
	printk("mem_map: %lu struct pages of %zu bytes = %" PRIu64 " KiB at [mem 0x%08" PRIx64 "-0x%08" PRIx64
	       "] (%s)\n",
	       (unsigned long)max_pfn, sizeof(struct page), s->map_bytes >> 10, (uint64_t)s->map_pa,
	       (uint64_t)(s->map_pa + s->map_bytes - 1), s->where);
}

/* Steps 6 and 7: everything free to the buddy allocator, then the watermarks and the allocators
 * built on pages (slab, kmalloc, the newlib heap). */
static void start_allocators(const struct mm_init_state *s)
{
	mm_boot_facts.highmem_handed = present_and_highmem(s->bi);
	mm_boot_facts.bootmem_handed = free_all_bootmem();
	setup_per_zone_wmarks();
	kmem_cache_init();
	kmalloc_init();
	mm_heap_init(s->heap_size ? __va(s->heap_pa) : 0, s->heap_size);
}

/* The figures of the boot in mm_boot_facts, and the "Memory:" line. */
static void record_boot_facts(const struct mm_init_state *s)
{
	const struct mm_boot_info *bi = s->bi;
	unsigned long present_low = 0;
	paddr_t text = bi->text_end - bi->text_start, ro = bi->rodata_end - bi->text_end;
	paddr_t rw = bi->kernel_end - (bi->rodata_end ? bi->rodata_end : bi->kernel_start);

	for (int z = 0; z < ZONE_HIGHMEM; z++)
		present_low += contig_page_data.node_zones[z].present_pages;
	mm_boot_facts.mem_map_start = s->map_pa;
	mm_boot_facts.mem_map_end = s->map_pa + s->map_bytes;
	mm_boot_facts.struct_page_size = sizeof(struct page);
	mm_boot_facts.reserved_pages = present_low - (totalram_pages - totalhigh_pages);
	mm_boot_facts.kernel_pages = PFN_UP(bi->kernel_end) - PFN_DOWN(bi->kernel_start);
	mm_boot_facts.pagetable_boot_pages = nr_pagetable_pages();
	printk("Memory: %luK/%luK available (%luK kernel code, %luK rwdata, %luK rodata, %luK reserved, "
	       "%luK highmem)\n",
	       totalram_pages << (PAGE_SHIFT - 10), contig_page_data.node_present_pages << (PAGE_SHIFT - 10),
	       (unsigned long)(text >> 10), (unsigned long)(rw >> 10), (unsigned long)(ro >> 10),
	       mm_boot_facts.reserved_pages << (PAGE_SHIFT - 10), totalhigh_pages << (PAGE_SHIFT - 10));
}

int mm_init(const struct mm_boot_info *bi)
{
	struct mm_init_state s = { .bi = bi };
	uint64_t t0 = hal_cycles();

	memset(&mm_boot_facts, 0, sizeof(mm_boot_facts));
	memset(&page_alloc_stats, 0, sizeof(page_alloc_stats));
	mem_map = NULL;
	mm_set_ram_map(bi->e820);
	if (find_ram_limits(&s) || setup_bootmem(&s) || place_mem_map(&s) || setup_kernel_pgdir(&s))
		return -1;
	init_zones(&s);
	start_allocators(&s);
	record_boot_facts(&s);
	mm_boot_facts.boot_cycles = hal_cycles() - t0;
	return 0;
}
