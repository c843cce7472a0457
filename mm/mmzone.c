/*
 * The node, its zones and mem_map: "a struct page for every page frame" (Understanding the Linux
 * Virtual Memory Manager, ch. 3). mem_map starts at frame 0 and ends at max_pfn, holes included, so
 * a frame number indexes it directly (the flat memory model).
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/e820.h>
#include <mm/layout.h>
#include <mm/mmzone.h>
#include <mm/page.h>

pg_data_t contig_page_data;
struct page *mem_map;
pfn_t min_low_pfn, max_low_pfn, max_pfn;
unsigned long totalram_pages, totalhigh_pages;

static const char *const zone_names[MAX_NR_ZONES] = { "DMA", "Normal", "HighMem" };

pfn_t page_to_pfn(const struct page *page)
{
	return (pfn_t)(page - mem_map);
}

struct page *pfn_to_page(pfn_t pfn)
{
	return mem_map + pfn;
}

bool pfn_valid(pfn_t pfn)
{
	return mem_map && pfn < max_pfn;
}

/*
 * The RAM entries of the boot e820 map, kept so that a frame in a hole below max_pfn (the PCI hole
 * with the APIC and IO-APIC at 6 GiB) is told from RAM: such a frame has a struct page, but mapping it
 * cacheable through kmap would alias MMIO ("Professional Linux Kernel Architecture", ch. 3).
 */
static struct e820_table ram_map;

void mm_set_ram_map(const struct e820_table *t)
{
	ram_map.nr_entries = 0;
	for (unsigned i = 0; t && i < t->nr_entries; i++)
		if (t->entries[i].type == E820_RAM && t->entries[i].size)
			ram_map.entries[ram_map.nr_entries++] = t->entries[i];
}

bool phys_range_has_ram(uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < ram_map.nr_entries; i++) {
		const struct e820_entry *e = &ram_map.entries[i];
		uint64_t last = e->addr + e->size - 1;

		if (last < e->addr)
			last = UINT64_MAX;
		if (start <= last && e->addr < end)
			return true;
	}
	return false;
}

bool page_is_ram(pfn_t pfn)
{
	uint64_t pa = (uint64_t)pfn << PAGE_SHIFT;

	return phys_range_has_ram(pa, pa + PAGE_SIZE);
}

struct page *pfn_to_page_or_null(pfn_t pfn)
{
	return pfn_valid(pfn) ? pfn_to_page(pfn) : NULL;
}

struct page *virt_to_page(vaddr_t va)
{
	return pfn_to_page((pfn_t)(__pa(va) >> PAGE_SHIFT));
}

vaddr_t lowmem_page_address(const struct page *page)
{
	return __va((paddr_t)page_to_pfn(page) << PAGE_SHIFT);
}

/* memmap_init_range() stores every field by name: freelist must stay the last one (a field added
 * after it trips this). */
_Static_assert(offsetof(struct page, freelist) + sizeof(vaddr_t) + _Alignof(struct page) > sizeof(struct page),
	       "struct page grew: update memmap_init_range()");

/*
 * Write the same reserved page, one reference, into every struct page of
 * [page, stop): a bulk loop of plain stores, one per field, no call and no
 * read per page (786,432 pages at 3 GiB; the compilers turn a struct copy
 * or memset into an inner loop or a call here).
 */
static void memmap_init_range(struct page *page, struct page *stop, uint32_t flags)
{
	for (; page < stop; page++) {
		page->flags = flags;
		page->_count = 1;
		page->lru.next = NULL;
		page->lru.prev = NULL;
		page->private = 0;
		page->virtual = 0;
		page->slab_cache = NULL;
		page->freelist = 0;
	}
}

void free_area_init(struct page *map, const pfn_t zone_end[MAX_NR_ZONES])
{
	pg_data_t *pgdat = &contig_page_data;
	struct bootmem_data *bdata = pgdat->bdata;
	pfn_t start = 0;

	memset(pgdat, 0, sizeof(*pgdat));
	pgdat->bdata = bdata;
	pgdat->node_mem_map = map;
	pgdat->node_start_pfn = 0;
	pgdat->node_spanned_pages = zone_end[MAX_NR_ZONES - 1];
	mem_map = map;
	totalram_pages = totalhigh_pages = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		pfn_t end = zone_end[z] > start ? zone_end[z] : start;
		uint32_t flags = (1u << PG_reserved) | ((uint32_t)z << PG_ZONE_SHIFT);

		if (z == ZONE_HIGHMEM)
			flags |= 1u << PG_highmem;
		zone->name = zone_names[z];
		spin_lock_init(&zone->lock, "zone->lock");
		zone->zone_pgdat = pgdat;
		zone->zone_start_pfn = start;
		zone->spanned_pages = end - start;
		for (int o = 0; o < MAX_ORDER; o++)
			INIT_LIST_HEAD(&zone->free_area[o].free_list);
		zone_pcp_init(zone);
		if (zone->spanned_pages)
			pgdat->nr_zones = z + 1;
		/* Like Linux's memmap_init_zone: every page reserved, one reference, until bootmem
		 * hands it over. */
		memmap_init_range(map + start, map + end, flags);
		start = end;
	}
}
