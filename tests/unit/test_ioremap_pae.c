/*
 * ioremap on the PAE build, where physical addresses above 4 GiB are nameable: the span of an
 * unaligned range of nearly 4 GiB exceeds 2^32 bytes and must be refused whole, never cut to the
 * one page its low 32 bits describe; a small range above 4 GiB maps page by page.
 */
#include "test_vm_boot.h"

#include <hal/mmu.h>
#include <mm/io.h>
#include <mm/vmalloc.h>

#ifndef CONFIG_X86_PAE
#error "test_ioremap_pae is built against mm_host_pae and fake_hal_pae"
#endif

#define ABOVE_4G 0x200000000ull /* above the fake machine's RAM and below the 36-bit limit */

static int setup64(void **state)
{
	struct mm_boot_info bi = {
		.e820 = &vm_boot_e820,
		.kernel_start = FAKE_KERNEL_START,
		.kernel_end = FAKE_KERNEL_END,
		.text_start = 0x00104000u, /* the fake kernel's text and rodata, as test_mm_fixture.h */
		.text_end = 0x00120000u,
		.rodata_end = 0x00128000u,
	};

	(void)state;
	fake_hal_init(64 * MiB);
	vm_boot_make_e820(64 * MiB);
	vm_boot_areas(&bi);
	vm_boot_free_pages = nr_free_pages();
	return 0;
}

static void test_ioremap_above_4g(void **state)
{
	vaddr_t io = ioremap(ABOVE_4G + 0x10, 2 * PAGE_SIZE);
	paddr_t pa;

	(void)state;
	assert_true(io);
	assert_int_equal(io & ~PAGE_MASK, 0x10);
	assert_int_equal(find_vm_area(io & PAGE_MASK)->size, 4 * PAGE_SIZE); /* 3 pages and the guard */
	assert_true(hal_query_page(swapper_pg_dir, io + 2 * PAGE_SIZE, &pa, NULL));
	assert_int_equal(pa & ~(paddr_t)(PAGE_SIZE - 1), ABOVE_4G + 2 * PAGE_SIZE);
	iounmap(io);
	assert_null(vmlist);
}

/* 0xffffffff bytes from an unaligned address: 2^20 + 1 pages, 0x100001000 bytes of span. */
static void test_ioremap_span_over_4g_refused(void **state)
{
	unsigned long fails = vmalloc_stats.area_failures;

	(void)state;
	assert_int_equal(ioremap(ABOVE_4G + 0x800, 0xfffffffful), 0);
	assert_int_equal(ioremap(ABOVE_4G, 0xfffff000ul), 0); /* 2^20 - 1 pages: no room either */
	assert_int_equal(vmalloc_stats.area_failures, fails + 2);
	assert_null(vmlist);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
	assert_unlocked();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ioremap_above_4g, setup64),
		cmocka_unit_test_setup(test_ioremap_span_over_4g_refused, setup64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
