/*
 * paging_init() through mm_init() on fake RAM of 32 MiB, 512 MiB and 3 GiB,
 * with and without PSE and PGE: the linear map, read-only text, nothing
 * below PAGE_OFFSET, and the preallocated kernel page tables.
 */
#include "test_mm_fixture.h"

#include <hal/mmu.h>
#include <mm/debug/mmcheck.h>
#include <mm/layout.h>
#include <mm/meminfo.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>

#define MB (1ull << 20)
#define SPAN (4u << 20)

struct config {
	uint64_t ram;
	bool pse, pge;
};

static void boot_with(const struct config *c)
{
	fake_hal_init(c->ram); /* so the feature switches below apply to this fake machine */
	fix_qemu_e820(c->ram);
	fix_boot_info();
	fake_hal_set_feature(HAL_FEAT_PSE, c->pse);
	fake_hal_set_feature(HAL_FEAT_PGE, c->pge);
	assert_int_equal(fix_mm_init_quiet(), 0);
}

static void check_linear_map(const struct config *c)
{
	paddr_t pgd = swapper_pg_dir;
	uint64_t lowmem = (uint64_t)max_low_pfn << PAGE_SHIFT;
	unsigned long tables = 0, large = 0;

	assert_int_equal(hal_current_pgd(), pgd);
	assert_int_not_equal(pgd, FAKE_BOOT_PGD);
	assert_true(fake_hal_stats.switch_pgd >= 1);
	assert_true(fake_hal_stats.flush_all >= 1);
	assert_int_equal(high_memory, PAGE_OFFSET + lowmem);

	for (uint64_t pa = 0; pa < lowmem; pa += PAGE_SIZE) {
		vaddr_t va = (vaddr_t)(PAGE_OFFSET + pa);
		paddr_t got;
		unsigned prot;
		bool ro = pa >= FIX_TEXT_START && pa < FIX_RODATA_END;

		if (!hal_query_page(pgd, va, &got, &prot))
			fail_msg("va %#x not mapped", va);
		if (got != pa)
			fail_msg("va %#x maps %#llx", va, (unsigned long long)got);
		if (!!(prot & HAL_PROT_WRITE) == ro)
			fail_msg("va %#x: writable %d, expected read-only %d", va, !!(prot & HAL_PROT_WRITE), ro);
		if (!!(prot & HAL_PROT_GLOBAL) != c->pge)
			fail_msg("va %#x: global %d with PGE %d", va, !!(prot & HAL_PROT_GLOBAL), c->pge);
		if (pa % SPAN == 0) {
			paddr_t table;

			if (hal_query_table(pgd, va, &table)) {
				tables++;
				/* Early tables must be reachable through boot.S's 8 MiB map. */
				assert_true(table < BOOT_MAPPED_DEFAULT);
			} else {
				large++;
			}
		}
	}
	if (c->pse) {
		/* Only the chunk holding the kernel text and a partial last chunk need tables. */
		assert_int_equal(tables, 1 + (lowmem % SPAN != 0));
	} else {
		assert_int_equal(large, 0);
	}

	/* The boot identity map is gone: no directory entry below PAGE_OFFSET. */
	for (uint64_t va = 0; va < PAGE_OFFSET; va += SPAN) {
		uint64_t pde, pte;

		hal_query_raw(pgd, (vaddr_t)va, &pde, &pte);
		if (pde)
			fail_msg("pde for %#llx is %#llx", (unsigned long long)va, (unsigned long long)pde);
	}

	/* Every slot above the linear map has a zeroed table. */
	unsigned long upper = 0;
	for (uint64_t va = PAGE_OFFSET + (lowmem + SPAN - 1) / SPAN * SPAN; va < 0x100000000ull; va += SPAN) {
		paddr_t table;

		assert_true(hal_query_table(pgd, (vaddr_t)va, &table));
		assert_true(table < BOOT_MAPPED_DEFAULT);
		for (unsigned off = 0; off < SPAN; off += 256 * PAGE_SIZE)
			assert_false(hal_query_page(pgd, (vaddr_t)(va + off), NULL, NULL));
		upper++;
	}
	assert_int_equal(nr_pagetable_pages(), 1 + tables + upper);
	assert_int_equal(1024 - upper, 768 + (lowmem + SPAN - 1) / SPAN);
	/* A kmap-range address resolves to a table without any allocation. */
	assert_true(hal_query_table(pgd, PKMAP_BASE, NULL));
	assert_true(hal_query_table(pgd, FIXADDR_START, NULL));
	assert_true(hal_query_table(pgd, VMALLOC_START, NULL));
}

static void run_config(uint64_t ram, bool pse, bool pge)
{
	struct config c = { ram, pse, pge };

	boot_with(&c);
	check_linear_map(&c);
	assert_int_equal(check_free_lists(stderr), 0);
	fake_hal_fini();
}

static void test_32m_pse(void **state)
{
	(void)state;
	run_config(32 * MB, true, true);
	/* Seed 004: "on a x86 with 32MiB of RAM, VMALLOC_START will be located at PAGE_OFFSET + 0x02000000 + 0x00800000". */
	assert_int_equal(VMALLOC_START, PAGE_OFFSET + 0x02000000u + 0x00800000u);
}

static void test_32m_no_pse(void **state)
{
	(void)state;
	run_config(32 * MB, false, true);
}

static void test_32m_no_pge(void **state)
{
	(void)state;
	run_config(32 * MB, true, false);
}

static void test_512m_pse(void **state)
{
	(void)state;
	run_config(512 * MB, true, true);
}

static void test_512m_no_pse(void **state)
{
	(void)state;
	run_config(512 * MB, false, false);
}

static void test_3g_pse(void **state)
{
	(void)state;
	run_config(3072 * MB, true, true);
}

static void test_3g_no_pse(void **state)
{
	(void)state;
	run_config(3072 * MB, false, true);
}

static void test_3g_zones(void **state)
{
	const struct zone *z = contig_page_data.node_zones;
	char buf[4096];
	unsigned long v;
	FILE *f;

	(void)state;
	fix_boot(3072 * MB);
	/* Lowmem is exactly 896 MiB and the vmalloc area starts 8 MiB above it. */
	assert_int_equal(max_low_pfn, 896u << (20 - PAGE_SHIFT));
	assert_int_equal(high_memory, 0xF8000000u);
	assert_int_equal(VMALLOC_START, 0xF8800000u);
	assert_int_equal(max_pfn, 0xbffe0000u >> PAGE_SHIFT);
	assert_int_equal(z[ZONE_DMA].zone_start_pfn, 0);
	assert_int_equal(z[ZONE_DMA].spanned_pages, 4096);
	assert_int_equal(z[ZONE_DMA].present_pages, 0x9f + (0x1000 - 0x100));
	assert_int_equal(z[ZONE_NORMAL].zone_start_pfn, 4096);
	assert_int_equal(z[ZONE_NORMAL].present_pages, 229376 - 4096);
	assert_int_equal(z[ZONE_HIGHMEM].zone_start_pfn, 229376);
	assert_int_equal(z[ZONE_HIGHMEM].present_pages, (0xbffe0000u >> PAGE_SHIFT) - 229376);
	/* HighTotal covers all usable RAM above 896 MiB; nothing up there is reserved. */
	assert_int_equal(totalhigh_pages, z[ZONE_HIGHMEM].present_pages);
	assert_int_equal(z[ZONE_HIGHMEM].managed_pages, z[ZONE_HIGHMEM].present_pages);

	f = fmemopen(buf, sizeof(buf), "w");
	show_meminfo(f);
	fclose(f);
	assert_non_null(strstr(buf, "HighTotal:       2228096 kB\n"));
	assert_non_null(strstr(strstr(buf, "LowTotal:"), "LowTotal:        "));
	assert_int_equal(sscanf(strstr(buf, "LowTotal:"), "LowTotal: %lu kB", &v), 1);
	assert_int_equal(v, (totalram_pages - totalhigh_pages) * 4);
	assert_true(v < 896 * 1024 && v > 850 * 1024);
	assert_int_equal(sscanf(strstr(buf, "PageTables:"), "PageTables: %lu kB", &v), 1);
	assert_int_equal(v, nr_pagetable_pages() * 4);

	f = fmemopen(buf, sizeof(buf), "w");
	show_buddyinfo(f);
	fclose(f);
	assert_non_null(strstr(buf, "Node 0, zone      DMA "));
	assert_non_null(strstr(buf, "Node 0, zone   Normal "));
	assert_non_null(strstr(buf, "Node 0, zone  HighMem "));
	fake_hal_fini();
}

static void boot_3g(void *arg)
{
	(void)arg;
	fake_hal_init(3072 * MB);
	fix_qemu_e820(3072 * MB);
	fix_boot_info();
	mm_init(&fix_bi);
}

static void test_boot_log(void **state)
{
	static char log[16384];

	(void)state;
	fix_capture(boot_3g, NULL, log, sizeof(log));
	assert_non_null(strstr(log, "2175MB HIGHMEM available.\n"));
	assert_non_null(strstr(log, "896MB LOWMEM available.\n"));
	assert_non_null(strstr(log, "Zone ranges:\n"
				    "  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\n"
				    "  Normal   [mem 0x0000000001000000-0x0000000037ffffff]\n"
				    "  HighMem  [mem 0x0000000038000000-0x00000000bffdffff]\n"));
	/* mem_map sits at the 16 MiB mark when RAM allows. */
	assert_non_null(strstr(log, "at [mem 0x01000000-"));
	assert_non_null(strstr(log, "(the 16 MiB mark)"));
	assert_non_null(strstr(log, "Memory: "));
	fake_hal_fini();
}

/* 32-bit OVMF's map: ACPI NVS from 8.06 MiB over the 16 MiB mark to 23.06 MiB. */
static void boot_nvs_over_16m(void *arg)
{
	(void)arg;
	fake_hal_init(1024 * MB);
	fix_qemu_e820(1024 * MB);
	fix_e820.entries[3].size = 0x810000 - 0x100000;
	fix_e820_add(0x810000, 0x1710000 - 0x810000, E820_NVS);
	fix_e820_add(0x1710000, 1024 * MB - 0x20000 - 0x1710000, E820_RAM);
	fix_boot_info();
	mm_init(&fix_bi);
}

static void test_mem_map_when_16m_is_firmware_memory(void **state)
{
	static char log[16384];

	(void)state;
	fix_capture(boot_nvs_over_16m, NULL, log, sizeof(log));
	assert_true(mm_boot_facts.mem_map_start >= 0x1710000);
	assert_true(mm_boot_facts.mem_map_start < 0x1710000 + 4 * MB);
	/* The log says where mem_map went and why, not "above the kernel". */
	assert_null(strstr(log, "(above the kernel)"));
	assert_non_null(strstr(log, "(the first free RAM above the 16 MiB mark, which is not free)"));
	fake_hal_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_32m_pse),    cmocka_unit_test(test_32m_no_pse), cmocka_unit_test(test_32m_no_pge),
		cmocka_unit_test(test_512m_pse),   cmocka_unit_test(test_512m_no_pse), cmocka_unit_test(test_3g_pse),
		cmocka_unit_test(test_3g_no_pse),  cmocka_unit_test(test_3g_zones),   cmocka_unit_test(test_boot_log),
		cmocka_unit_test(test_mem_map_when_16m_is_firmware_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
