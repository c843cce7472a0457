/*
 * early_ioremap on the fake machine: mappings through the boot-time fixmap
 * slots read the right physical bytes (across page boundaries too), slots
 * are reused, exhaustion and bad calls are refused with the state unchanged,
 * and early_ioremap_reset() tears everything down for good.
 */
#include "test_vm_boot.h"

#include <mm/early_ioremap.h>

static int setup(void **state)
{
	vm_boot(64 * MiB);
	early_ioremap_init();
	return 0;
}

static unsigned btmap_slots_mapped(void)
{
	unsigned n = 0;

	for (unsigned idx = FIX_BTMAP_BEGIN; idx <= FIX_BTMAP_END; idx++)
		n += fixmap_query(idx, NULL);
	return n;
}

static void fill(paddr_t pa, size_t len, uint8_t seed)
{
	uint8_t *p = fake_phys_ptr(pa);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_one_page(void **state)
{
	vaddr_t va;
	paddr_t pa;
	unsigned prot;

	fill(0x123450, 64, 3);
	va = early_ioremap(0x123450, 64);
	assert_true(va >= __fix_to_virt(FIX_BTMAP_END) &&
		    va < __fix_to_virt(FIX_BTMAP_BEGIN) + PAGE_SIZE);
	assert_int_equal(va & (PAGE_SIZE - 1), 0x450);
	assert_memory_equal(hal_va_ptr(va), fake_phys_ptr(0x123450), 64);
	assert_true(hal_query_page(swapper_pg_dir, va, &pa, &prot));
	assert_int_equal(pa, 0x123450);
	assert_true(prot & HAL_PROT_NOCACHE);
	assert_int_equal(early_ioremap_in_use(), 1);
	assert_int_equal(btmap_slots_mapped(), 1);
	early_iounmap(va, 64);
	assert_int_equal(early_ioremap_in_use(), 0);
	assert_int_equal(btmap_slots_mapped(), 0);
	assert_false(mapped(va));

	va = early_memremap(0x200000, 16);
	assert_true(hal_query_page(swapper_pg_dir, va, &pa, &prot));
	assert_false(prot & HAL_PROT_NOCACHE);
	early_iounmap(va, 16);
	assert_int_equal(early_ioremap_stats.maps, 2);
	assert_int_equal(early_ioremap_stats.unmaps, 2);
}

static void test_spans_pages_contiguously(void **state)
{
	/* 3 pages' worth starting near the end of a page: 4 pages mapped, virtually contiguous. */
	paddr_t pa = 0x300ff0;
	unsigned long len = 3 * PAGE_SIZE;
	vaddr_t va;

	fill(pa, len, 9);
	va = early_memremap(pa, len);
	assert_int_not_equal(va, 0);
	assert_int_equal(btmap_slots_mapped(), 4);
	for (unsigned long off = 0; off < len; off += 0x100) {
		paddr_t got;

		assert_true(hal_query_page(swapper_pg_dir, va + off, &got, NULL));
		assert_int_equal(got, pa + off);
		assert_int_equal(*(uint8_t *)hal_va_ptr(va + off),
				 *(uint8_t *)fake_phys_ptr(pa + off));
	}
	early_iounmap(va, len);
	assert_int_equal(btmap_slots_mapped(), 0);
}

static void test_exhaustion_and_reuse(void **state)
{
	vaddr_t a, b, c;

	a = early_ioremap(0x100000, 10 * PAGE_SIZE);
	b = early_ioremap(0x400000, 6 * PAGE_SIZE);
	assert_int_not_equal(a, 0);
	assert_int_not_equal(b, 0);
	assert_int_equal(btmap_slots_mapped(), NR_FIX_BTMAPS);
	/* Every slot held: refused, nothing changes. */
	c = early_ioremap(0x500000, 1);
	assert_int_equal(c, 0);
	assert_int_equal(early_ioremap_stats.refused, 1);
	assert_int_equal(early_ioremap_in_use(), 2);
	/* A freed run is reused. */
	early_iounmap(b, 6 * PAGE_SIZE);
	c = early_ioremap(0x500000, 2 * PAGE_SIZE);
	assert_int_not_equal(c, 0);
	early_iounmap(a, 10 * PAGE_SIZE);
	early_iounmap(c, 2 * PAGE_SIZE);
	assert_int_equal(btmap_slots_mapped(), 0);
}

static void test_too_many_mappings(void **state)
{
	vaddr_t v[EARLY_IOREMAP_MAX];

	for (unsigned i = 0; i < EARLY_IOREMAP_MAX; i++) {
		v[i] = early_ioremap(0x100000 + i * PAGE_SIZE, 4);
		assert_int_not_equal(v[i], 0);
	}
	assert_int_equal(early_ioremap(0x900000, 4), 0);
	for (unsigned i = 0; i < EARLY_IOREMAP_MAX; i++)
		early_iounmap(v[i], 4);
	assert_int_equal(early_ioremap_in_use(), 0);
}

static void test_bad_calls(void **state)
{
	vaddr_t va;

	assert_int_equal(early_ioremap(0x100000, 0), 0);
	assert_int_equal(early_ioremap(0xFFFFF000u, 0x2000), 0); /* past 4 GiB */
	assert_int_equal(early_ioremap(0x100000, (NR_FIX_BTMAPS + 1) * PAGE_SIZE), 0);
	assert_int_equal(early_ioremap_stats.refused, 3);
	assert_int_equal(btmap_slots_mapped(), 0);

	va = early_ioremap(0x100000, 32);
	early_iounmap(va, 64); /* wrong size: left mapped */
	assert_true(mapped(va));
	early_iounmap(va + PAGE_SIZE, 32); /* not a mapping */
	assert_true(mapped(va));
	assert_int_equal(early_ioremap_stats.refused, 5);
	early_iounmap(va, 32);
	assert_false(mapped(va));
}

static void test_reset_tears_down(void **state)
{
	vaddr_t a, b;
	char *text;

	a = early_ioremap(0x100000, 32);
	b = early_memremap(0x200000, 2 * PAGE_SIZE);
	early_iounmap(a, 32);
	set_fixmap(FIX_BTMAP_END, 0x7000); /* a direct user of the block goes too */
	assert_int_equal(early_ioremap_reset(), 1);
	assert_int_equal(early_ioremap_stats.leaked, 1);
	assert_false(mapped(b));
	assert_int_equal(btmap_slots_mapped(), 0);
	assert_false(early_ioremap_active());
	assert_int_equal(early_ioremap(0x100000, 32), 0);
	CAPTURE(text, fixmap_show(out));
	assert_non_null(strstr(text, "FIX_BTMAP_BEGIN+0"));
	for (char *p = text; (p = strstr(p, "FIX_BTMAP_BEGIN+")); p++) {
		char *eol = strchr(p, '\n');

		assert_non_null(eol);
		assert_int_equal(eol[-1], '-'); /* every boot-time slot free */
	}
	free(text);
	/* Nothing of the early phase is left to the rest of the machine. */
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_one_page, setup),
		cmocka_unit_test_setup(test_spans_pages_contiguously, setup),
		cmocka_unit_test_setup(test_exhaustion_and_reuse, setup),
		cmocka_unit_test_setup(test_too_many_mappings, setup),
		cmocka_unit_test_setup(test_bad_calls, setup),
		cmocka_unit_test_setup(test_reset_tears_down, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
