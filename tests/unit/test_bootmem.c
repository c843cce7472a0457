/*
 * bootmem and the hand-over to the buddy allocator: reservations, first-fit
 * allocation with goals and limits, and after mm_init() the exact check
 * that every reserved frame stayed reserved and every free frame arrived.
 */
#include "test_mm_fixture.h"

#include <stdlib.h>

#include <hal/mmu.h>
#include <mm/debug/mmcheck.h>
#include <mm/bootmem.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/pcp.h>
#include <mm/slab.h>

#define MB (1ull << 20)
#define MAP_PA 0x00200000u

static void test_bitmap_basics(void **state)
{
	unsigned long bytes;
	paddr_t pa, pa2;
	vaddr_t va;

	(void)state;
	fake_hal_init(32 * MB);
	bytes = init_bootmem(MAP_PA, 8192, BOOT_MAPPED_DEFAULT);
	assert_int_equal(bytes, PAGE_SIZE);
	assert_int_equal(bootmem_bootmap_bytes(8192), PAGE_SIZE);
	assert_int_equal(bootmem_bootmap_bytes(2 * PAGE_SIZE * 8 + 1), 3 * PAGE_SIZE);
	/* Everything starts reserved. */
	assert_int_equal(bootmem_free_pages(), 0);
	/* free_bootmem frees whole pages only. */
	free_bootmem(0x1800, 0x3000);
	assert_int_equal(bootmem_free_pages(), 2);
	assert_true(bootmem_reserved(1));
	assert_false(bootmem_reserved(2));
	assert_false(bootmem_reserved(3));
	assert_true(bootmem_reserved(4));
	free_bootmem(0, 32 * MB);
	assert_int_equal(bootmem_free_pages(), 8192);
	/* reserve_bootmem takes every page it touches, and says how many were free. */
	assert_int_equal(reserve_bootmem(0x1fff, 2), 2);
	assert_int_equal(reserve_bootmem(0x1000, PAGE_SIZE), 0);
	assert_int_equal(bootmem_free_pages(), 8190);
	/* Page 0 is always reserved (mm_init does it), so 0 can mean "nothing fits". */
	assert_int_equal(reserve_bootmem(0, 1), 1);
	assert_true(bootmem_reserved(8192)); /* outside bootmem counts as reserved */

	/* First fit at or above the goal, with alignment. */
	pa = alloc_bootmem_phys(3 * PAGE_SIZE, 4 * PAGE_SIZE, 0x5000, 32 * MB);
	assert_int_equal(pa, 0x8000);
	assert_true(bootmem_reserved(8) && bootmem_reserved(10) && !bootmem_reserved(11));
	pa2 = alloc_bootmem_phys(PAGE_SIZE, PAGE_SIZE, 0x8000, 32 * MB);
	assert_int_equal(pa2, 0xb000);
	/* Nothing above the goal: wrap to the bottom. */
	reserve_bootmem(0x1000000, 16 * MB);
	pa = alloc_bootmem_phys(PAGE_SIZE, PAGE_SIZE, 0x1000000, 32 * MB);
	assert_int_equal(pa, 0x3000);
	/* The limit is respected, and an impossible request gives 0. */
	assert_int_equal(alloc_bootmem_phys(16 * MB, PAGE_SIZE, 0, 32 * MB), 0);
	assert_int_equal(alloc_bootmem_phys(PAGE_SIZE, 3 * PAGE_SIZE, 0, 32 * MB), 0);
	assert_int_equal(alloc_bootmem_phys(0, PAGE_SIZE, 0, 32 * MB), 0);
	/* __alloc_bootmem zeroes, and only in mapped memory. */
	memset(fake_phys_ptr(0x4000), 0xcc, PAGE_SIZE);
	va = __alloc_bootmem(PAGE_SIZE, PAGE_SIZE, 0x4000);
	assert_int_equal(va, PAGE_OFFSET + 0x4000);
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(((uint8_t *)fake_phys_ptr(0x4000))[i], 0);
	bootmem_set_mapped_end(0x5000);
	assert_int_equal(__alloc_bootmem(PAGE_SIZE, PAGE_SIZE, 0), 0);
	fake_hal_fini();
}

/*
 * free_all_bootmem() hands over exactly the clear bits, in runs that start
 * and end anywhere within a byte of the bitmap and with bootmem ending
 * part way through one; the bitmap's own page goes last.
 */
static void test_free_all_bootmem_runs(void **state)
{
	enum { N = 8189 }; /* not a multiple of 8 */
	static bool reserved[N];
	pfn_t zone_end[MAX_NR_ZONES] = { N, N, N };
	struct page *map = calloc(N, sizeof(*map));
	pfn_t map_pfn = MAP_PA >> PAGE_SHIFT;
	unsigned long want = 0;
	uint32_t seed = 7;

	(void)state;
	assert_non_null(map);
	fake_hal_init(32 * MB);
	init_bootmem(MAP_PA, N, BOOT_MAPPED_DEFAULT);
	free_bootmem(0, (uint64_t)N * PAGE_SIZE);
	for (pfn_t pfn = 0; pfn < N;) {
		pfn_t len;
		bool r;

		seed = seed * 1103515245u + 12345u;
		len = 1 + (seed >> 16) % 40;
		r = (seed >> 8) & 1;
		for (; len && pfn < N; len--, pfn++) {
			reserved[pfn] = r;
			if (r)
				reserve_bootmem((paddr_t)pfn << PAGE_SHIFT, PAGE_SIZE);
		}
	}
	/* Reserved while bootmem runs, handed over by free_all_bootmem() at the very end. */
	reserve_bootmem(MAP_PA, PAGE_SIZE);
	reserved[map_pfn] = false;
	for (pfn_t pfn = 0; pfn < N; pfn++)
		want += !reserved[pfn];
	max_pfn = max_low_pfn = N;
	free_area_init(map, zone_end);
	assert_int_equal(free_all_bootmem(), want);
	for (pfn_t pfn = 0; pfn < N; pfn++)
		if ((bool)PageReserved(&map[pfn]) != reserved[pfn])
			fail_msg("pfn %#x: reserved %d, want %d", pfn, PageReserved(&map[pfn]), reserved[pfn]);
	assert_int_equal(contig_page_data.node_zones[ZONE_DMA].free_pages, want);
	assert_int_equal(contig_page_data.node_zones[ZONE_DMA].managed_pages, want);
	assert_int_equal(check_free_lists(stderr), 0);
	mem_map = NULL;
	free(map);
	fake_hal_fini();
}

static bool in_range(paddr_t pa, paddr_t start, paddr_t end)
{
	return pa >= start && pa < end;
}

/* Every frame is reserved exactly when something owns it. */
static void check_handover(void)
{
	paddr_t tables[1024];
	unsigned nt = 0;
	vaddr_t hstart, hend;
	unsigned long unreserved_low = 0, slab = 0, free_seen = 0;

	tables[nt++] = swapper_pg_dir;
	for (unsigned i = 0; i < 1024; i++) {
		paddr_t t;

		if (hal_query_table(swapper_pg_dir, i << 22, &t))
			tables[nt++] = t;
	}
	assert_int_equal(nt, nr_pagetable_pages());
	mm_heap_range(&hstart, NULL, &hend);

	/* Free order-0 pages may sit on the per-CPU lists (no PG_buddy there): back to the buddy lists. */
	drain_all_pages();
	for (pfn_t pfn = 0; pfn < max_pfn; pfn++) {
		paddr_t pa = (paddr_t)pfn << PAGE_SHIFT;
		const struct page *page = pfn_to_page(pfn);
		bool owned = !e820_is_ram(&fix_e820, pa, pa + PAGE_SIZE) || pfn == 0 || in_range(pa, 0x9f000, 0x100000) ||
			     in_range(pa, fix_bi.kernel_start, fix_bi.kernel_end) ||
			     in_range(pa, mm_boot_facts.mem_map_start, mm_boot_facts.mem_map_end) ||
			     in_range(pa, __pa(hstart), __pa(hend));

		for (unsigned i = 0; i < fix_bi.nr_reserved; i++)
			owned |= in_range(pa, fix_bi.reserved[i].start, fix_bi.reserved[i].end);
		for (unsigned i = 0; i < nt; i++)
			owned |= pa == tables[i];
		if (owned != (bool)PageReserved(page))
			fail_msg("pfn %#x: reserved %d, owned %d", pfn, PageReserved(page), owned);
		if (PageReserved(page)) {
			assert_false(PageBuddy(page));
			continue;
		}
		if (pfn < max_low_pfn)
			unreserved_low++;
		if (PageSlab(page))
			slab++;
		else if (PageBuddy(page))
			free_seen += 1ul << page->private;
	}
	assert_int_equal(unreserved_low, totalram_pages - totalhigh_pages);
	/* Nothing free was lost: all managed frames are free but the slabs kmalloc_init() made. */
	assert_int_equal(slab, slab_stats.slab_pages);
	assert_int_equal(free_seen, nr_free_pages());
	assert_int_equal(nr_free_pages() + slab, totalram_pages);
	assert_int_equal(mm_boot_facts.bootmem_handed + mm_boot_facts.highmem_handed, totalram_pages);
	assert_int_equal(check_free_lists(stderr), 0);
	/* bootmem is retired. */
	assert_int_equal(bootmem_free_pages(), 0);
	assert_null(contig_page_data.bdata);
}

static void test_handover_64m(void **state)
{
	(void)state;
	fix_boot(64 * MB);
	check_handover();
	/* mem_map at the 16 MiB mark. */
	assert_int_equal(mm_boot_facts.mem_map_start, 16 * MB);
	assert_int_equal(mm_boot_facts.mem_map_end - mm_boot_facts.mem_map_start,
			 PAGE_ALIGN_UP(max_pfn * sizeof(struct page)));
	fake_hal_fini();
}

static void test_handover_1g_with_high_reservation(void **state)
{
	(void)state;
	fake_hal_init(1024 * MB);
	fix_qemu_e820(1024 * MB);
	fix_boot_info();
	/* A module above low memory, and ACPI tables inside RAM (overlapping a RAM entry). */
	fix_bi.reserved[fix_bi.nr_reserved++] = (struct mm_reserved_range){ 0x3c000000, 0x3c010000, "module 1" };
	fix_e820_add(0x2000000, 0x10000, E820_ACPI);
	assert_int_equal(fix_mm_init_quiet(), 0);
	check_handover();
	assert_true(PageReserved(pfn_to_page(0x3c000)));
	assert_true(PageReserved(pfn_to_page(0x2000)));
	assert_false(PageReserved(pfn_to_page(0x2010)));
	assert_int_equal(contig_page_data.node_zones[ZONE_HIGHMEM].managed_pages,
			 contig_page_data.node_zones[ZONE_HIGHMEM].present_pages - 16);
	assert_int_equal(contig_page_data.node_zones[ZONE_NORMAL].present_pages, 229376 - 4096 - 16);
	fake_hal_fini();
}

static void test_small_ram_mem_map_above_kernel(void **state)
{
	(void)state;
	fix_boot(12 * MB);
	check_handover();
	/* No room at 16 MiB: mem_map just above the kernel, past the module and the bitmap that sat there. */
	assert_true(mm_boot_facts.mem_map_start >= FIX_MODULE_END);
	assert_true(mm_boot_facts.mem_map_start < FIX_MODULE_END + 4 * PAGE_SIZE);
	assert_int_equal(contig_page_data.node_zones[ZONE_NORMAL].spanned_pages, 0);
	/* The heap arena shrinks to an eighth of low memory. */
	{
		vaddr_t s, e;

		mm_heap_range(&s, NULL, &e);
		assert_true(e - s <= (12 * MB) / 8);
		assert_true(e - s > 0);
	}
	fake_hal_fini();
}

static void test_no_ram_fails(void **state)
{
	(void)state;
	fake_hal_init(16 * MB);
	memset(&fix_e820, 0, sizeof(fix_e820));
	fix_e820_add(0, 0x9fc00, E820_RAM);
	fix_boot_info();
	assert_int_equal(fix_mm_init_quiet(), -1);
	fake_hal_fini();
}

static void test_e820_helpers(void **state)
{
	char buf[1024];
	FILE *f;

	(void)state;
	fix_qemu_e820(512 * MB);
	assert_string_equal(e820_type_name(E820_RAM), "usable");
	assert_string_equal(e820_type_name(E820_RESERVED), "reserved");
	assert_string_equal(e820_type_name(E820_ACPI), "ACPI data");
	assert_string_equal(e820_type_name(E820_NVS), "ACPI NVS");
	assert_string_equal(e820_type_name(E820_UNUSABLE), "unusable");
	assert_true(e820_is_ram(&fix_e820, 0, 0x9f000));
	assert_false(e820_is_ram(&fix_e820, 0x9f000, 0xa0000));
	assert_false(e820_is_ram(&fix_e820, 0x9f000, 0x101000));
	assert_true(e820_is_ram(&fix_e820, 0x100000, 512 * MB - 0x20000));
	assert_int_equal(e820_end_of_ram(&fix_e820, 1ull << 32), 512 * MB - 0x20000);
	assert_int_equal(e820_end_of_ram(&fix_e820, 256 * MB), 256 * MB);
	assert_int_equal(e820_start_of_ram(&fix_e820, 1ull << 32), 0);
	/* A RAM range split over two adjacent entries is still RAM. */
	fix_e820_add(0x40000000, 0x1000, E820_RAM);
	fix_e820_add(0x40001000, 0x1000, E820_RAM);
	assert_true(e820_is_ram(&fix_e820, 0x40000000, 0x40002000));
	f = fmemopen(buf, sizeof(buf), "w");
	e820_print(f, &fix_e820);
	fclose(f);
	assert_memory_equal(buf,
			    "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
			    "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n",
			    2 * 63);
}

/*
 * Ranges that reach the top of the physical address space (the shape the Multiboot parser leaves
 * when it clips a wrapping entry) reserve and free up to the end of bootmem, as e820_is_ram() reads
 * them, instead of wrapping to an empty range.
 */
static void test_ranges_ending_at_2_64(void **state)
{
	const uint64_t top = 0; /* 2^64, as addr + size wraps to it */

	(void)state;
	fake_hal_init(32 * MB);
	init_bootmem(MAP_PA, 8192, BOOT_MAPPED_DEFAULT);
	/* A RAM entry ending exactly at 2^64 frees every frame from its start. */
	free_bootmem(16 * MB, top - 16 * MB);
	assert_int_equal(bootmem_free_pages(), 4096);
	free_bootmem(0, 16 * MB);
	assert_int_equal(bootmem_free_pages(), 8192);
	/* A reserved entry ending exactly at 2^64 (or past the last page) reserves up to the end. */
	assert_int_equal(reserve_bootmem(24 * MB, top - 24 * MB), 2048);
	assert_true(bootmem_reserved(24 * MB / PAGE_SIZE) && bootmem_reserved(8191));
	assert_false(bootmem_reserved(24 * MB / PAGE_SIZE - 1));
	assert_int_equal(reserve_bootmem(16 * MB, UINT64_MAX - 16 * MB), 2048);
	assert_int_equal(reserve_bootmem(UINT64_MAX - 10, 5), 0);
	free_bootmem(UINT64_MAX - PAGE_SIZE, 2 * PAGE_SIZE); /* nothing here, and no wrap to frame 0 */
	assert_true(bootmem_reserved(16 * MB / PAGE_SIZE));
	assert_int_equal(bootmem_free_pages(), 4096);
	fake_hal_fini();
}

/* mm_init with a reserved entry from 48 MiB to 2^64: bootmem, mem_map and e820_is_ram() agree. */
static void test_handover_reserved_to_2_64(void **state)
{
	(void)state;
	fake_hal_init(64 * MB);
	fix_qemu_e820(64 * MB);
	fix_e820_add(48 * MB, 0 - 48 * MB, E820_RESERVED);
	assert_false(e820_is_ram(&fix_e820, 48 * MB, 48 * MB + PAGE_SIZE));
	fix_boot_info();
	assert_int_equal(fix_mm_init_quiet(), 0);
	check_handover();
	assert_true(PageReserved(pfn_to_page(48 * MB / PAGE_SIZE)));
	fake_hal_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_basics),
		cmocka_unit_test(test_free_all_bootmem_runs),
		cmocka_unit_test(test_handover_64m),
		cmocka_unit_test(test_handover_1g_with_high_reservation),
		cmocka_unit_test(test_small_ram_mem_map_above_kernel),
		cmocka_unit_test(test_no_ram_fails),
		cmocka_unit_test(test_e820_helpers),
		cmocka_unit_test(test_ranges_ending_at_2_64),
		cmocka_unit_test(test_handover_reserved_to_2_64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
