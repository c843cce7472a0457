/*
 * Faults that explain themselves: mm_region_name() for every region of the
 * map, and `pt` output for the addresses that must read "not mapped".
 */
#include "test_vm_boot.h"

#include <mm/io.h>
#include <mm/debug/ptdump.h>
#include <mm/region.h>

static char buf[256];

static const char *name(vaddr_t addr)
{
	return mm_region_name(addr, buf, sizeof(buf));
}

static int fake_symbolizer(uintptr_t addr, char *out, size_t len)
{
	snprintf(out, len, "caller_fn+0x%lx", (unsigned long)(addr & 0xf));
	return 0;
}

static int setup(void **state)
{
	vm_boot(1 * GiB);
	return 0;
}

static void test_fixed_regions(void **state)
{
	assert_string_equal(name(0), "NULL page");
	assert_string_equal(name(0xfff), "NULL page");
	assert_string_equal(name(0x1000), "user space");
	assert_string_equal(name(0xBFFFFFFFu), "user space");
	assert_string_equal(name(0xC0100000u), "low memory (linear map of phys 0x00100000)");
	assert_non_null(strstr(name(high_memory), "VMALLOC_OFFSET gap"));
	assert_non_null(strstr(name(VMALLOC_START - 1), "VMALLOC_OFFSET gap"));
	assert_non_null(strstr(name(VMALLOC_START), "unused vmalloc space"));
	assert_non_null(strstr(name(VMALLOC_END - 1), "unused vmalloc space"));
	assert_string_equal(name(VMALLOC_END), "2-page gap between VMALLOC_END 0xfdffe000 and PKMAP_BASE");
	assert_non_null(strstr(name(PKMAP_BASE - 1), "2-page gap"));
	assert_string_equal(name(PKMAP_BASE + 5 * PAGE_SIZE), "PKMAP slot 5 (unused)");
	assert_non_null(strstr(name(PKMAP_END), "unused space between PKMAP"));
	assert_string_equal(name(FIXADDR_TOP), "fixmap slot 0 FIX_APIC_BASE (unused)");
	assert_string_equal(name(FIXADDR_START), "fixmap slot 65 FIX_BTMAP_BEGIN+15 (unused)");
	assert_string_equal(name(0xFFFFF000u), "the page above FIXADDR_TOP (never mapped)");
	assert_string_equal(name(0xFFFFFFFFu), "the page above FIXADDR_TOP (never mapped)");
}

static void test_live_regions(void **state)
{
	vaddr_t v = vmalloc(3 * PAGE_SIZE), io = ioremap(0xf0000, 0x10);
	struct page *hp = alloc_page(GFP_HIGHUSER);
	vaddr_t k = kmap(hp);
	char want[160];

	snprintf(want, sizeof(want), "guard page after vmalloc area 0x%08lx-0x%08lx (12288 bytes, caller 0x",
		 (unsigned long)v, (unsigned long)(v + 3 * PAGE_SIZE));
	assert_non_null(strstr(name(v + 3 * PAGE_SIZE), want));
	assert_non_null(strstr(name(v + 3 * PAGE_SIZE + 4095), want));
	assert_non_null(strstr(name(v + 2 * PAGE_SIZE + 8), "inside vmalloc area"));
	assert_non_null(strstr(name(v + 2 * PAGE_SIZE + 8), "page 2"));
	assert_non_null(strstr(name(io + PAGE_SIZE), "guard page after ioremap area"));

	mm_set_symbolizer(fake_symbolizer);
	assert_non_null(strstr(name(v + 3 * PAGE_SIZE), "(12288 bytes, caller caller_fn+0x"));
	mm_set_symbolizer(NULL);

	snprintf(want, sizeof(want), "PKMAP slot %u (in use by 1, pfn 0x%lx)", PKMAP_NR(k),
		 (unsigned long)page_to_pfn(hp));
	assert_string_equal(name(k + 100), want);
	kunmap(hp);
	snprintf(want, sizeof(want), "PKMAP slot %u (unused, mapping kept until the next flush)", PKMAP_NR(k));
	assert_string_equal(name(k), want);

	set_fixmap_nocache(FIX_IO_APIC_BASE_0, IO_APIC_DEFAULT_PHYS_BASE);
	assert_string_equal(name(fix_to_virt(FIX_IO_APIC_BASE_0) + 0x10),
			    "fixmap slot 1 FIX_IO_APIC_BASE_0 (in use, phys 0xfec00000)");
	clear_fixmap(FIX_IO_APIC_BASE_0);

	vfree(v);
	iounmap(io);
	__free_page(hp);
	assert_non_null(strstr(name(v + 3 * PAGE_SIZE), "unused vmalloc space"));
	assert_unlocked();
}

static void test_before_mm_init(void **state)
{
	vaddr_t saved = high_memory;

	high_memory = 0;
	assert_string_equal(name(0xC2800000u), "kernel space (memory management not set up yet)");
	assert_string_equal(name(0x1000), "user space");
	high_memory = saved;
}

/* The `pt` text for va. */
static char *pt_text(vaddr_t va)
{
	char *text;

	CAPTURE(text, pt_show(out, swapper_pg_dir, va));
	return text;
}

static void test_pt_says_not_mapped(void **state)
{
	vaddr_t v = vmalloc(PAGE_SIZE);
	vaddr_t addrs[] = { v + PAGE_SIZE, VMALLOC_START - PAGE_SIZE, high_memory, 0xFFFFF000u, VMALLOC_END, 0 };
	const char *regions[] = { "guard page after vmalloc area", "VMALLOC_OFFSET gap", "VMALLOC_OFFSET gap",
				  "the page above FIXADDR_TOP", "2-page gap", "NULL page" };
	char *text;

	for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		text = pt_text(addrs[i]);
		assert_non_null(strstr(text, "  not mapped\n"));
		assert_non_null(strstr(text, regions[i]));
		free(text);
	}

	text = pt_text(v + 12);
	assert_non_null(strstr(text, "  PTE #"));
	assert_non_null(strstr(text, " P RW"));
	assert_non_null(strstr(text, "  mapped: phys 0x"));
	assert_non_null(strstr(text, "region: inside vmalloc area"));
	free(text);

	/* The guard page has a page table but an empty entry. */
	text = pt_text(v + PAGE_SIZE);
	assert_non_null(strstr(text, "-> page table"));
	assert_non_null(strstr(text, "= 0x00000000  not present"));
	free(text);

	/* Low memory: a large page where the CPU has PSE (the fake has). */
	text = pt_text(0xC0400000u);
	assert_non_null(strstr(text, "mapped: phys 0x00400000 writable kernel"));
	free(text);
	vfree(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fixed_regions, setup),
		cmocka_unit_test_setup(test_live_regions, setup),
		cmocka_unit_test_setup(test_before_mm_init, setup),
		cmocka_unit_test_setup(test_pt_says_not_mapped, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
