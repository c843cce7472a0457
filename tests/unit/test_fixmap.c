/*
 * Fixmaps on the fake machine: index/address round trips, set/clear with
 * one page flush each, names, the `fixmap` listing, and the boot check of
 * the fixmap page table.
 */
#include "test_vm_boot.h"

static int setup(void **state)
{
	vm_boot(64 * MiB);
	return 0;
}

static void test_round_trips(void **state)
{
	assert_int_equal(FIXADDR_TOP, 0xFFFFE000u);
	assert_int_equal(fix_to_virt(FIX_APIC_BASE), 0xFFFFE000u);
	assert_int_equal(fix_to_virt(FIX_IO_APIC_BASE_0), 0xFFFFD000u);
	assert_int_equal(FIXADDR_START, FIXADDR_END - __end_of_fixed_addresses * PAGE_SIZE);
	assert_int_equal(FIXADDR_START, __fix_to_virt(__end_of_fixed_addresses - 1));
	for (unsigned i = 0; i < __end_of_fixed_addresses; i++) {
		vaddr_t va = __fix_to_virt(i);

		assert_int_equal(__virt_to_fix(va), i);
		assert_int_equal(__virt_to_fix(va + PAGE_SIZE - 1), i);
		assert_int_equal(virt_to_fix(va + 5), (int)i);
		assert_true(va >= FIXADDR_START && va < FIXADDR_END);
	}
	for (unsigned t = 0; t < KM_TYPE_NR; t++)
		assert_int_equal(__virt_to_fix(__fix_to_virt(FIX_KMAP_BEGIN + t)), FIX_KMAP_BEGIN + t);
	assert_int_equal(virt_to_fix(FIXADDR_START - 1), -1);
	assert_int_equal(virt_to_fix(FIXADDR_END), -1);
	assert_int_equal(virt_to_fix(0xFFFFFFFFu), -1);
}

static void test_set_and_clear(void **state)
{
	paddr_t pa;
	unsigned prot;

	set_fixmap_nocache(FIX_APIC_BASE, APIC_DEFAULT_PHYS_BASE);
	assert_int_equal(fake_hal_stats.flush_page, 1);
	assert_int_equal(fake_hal_stats.last_flush_va, 0xFFFFE000u);
	assert_true(hal_query_page(swapper_pg_dir, 0xFFFFE020u, &pa, &prot));
	assert_int_equal(pa, APIC_DEFAULT_PHYS_BASE + 0x20);
	assert_true(prot & HAL_PROT_NOCACHE);
	assert_true(prot & HAL_PROT_WRITE);
	assert_true(fixmap_query(FIX_APIC_BASE, &pa));
	assert_int_equal(pa, APIC_DEFAULT_PHYS_BASE);

	/* Setting a used slot replaces its mapping, one flush again. */
	set_fixmap(FIX_APIC_BASE, 0x5000);
	assert_int_equal(fake_hal_stats.flush_page, 2);
	assert_true(hal_query_page(swapper_pg_dir, 0xFFFFE000u, &pa, &prot));
	assert_int_equal(pa, 0x5000);
	assert_false(prot & HAL_PROT_NOCACHE);
	*(uint32_t *)fake_phys_ptr(0x5004) = 0x12345678;
	assert_int_equal(*(uint32_t *)hal_va_ptr(fix_to_virt(FIX_APIC_BASE) + 4), 0x12345678);

	clear_fixmap(FIX_APIC_BASE);
	assert_int_equal(fake_hal_stats.flush_page, 3);
	assert_false(fixmap_query(FIX_APIC_BASE, NULL));
	clear_fixmap(FIX_APIC_BASE); /* harmless, no flush */
	assert_int_equal(fake_hal_stats.flush_page, 3);
	assert_int_equal(fixmap_cpu_stats[0].sets, 2);
	assert_int_equal(fixmap_cpu_stats[0].clears, 1);

	/* Bad indexes are reported and change nothing. */
	__set_fixmap((enum fixed_addresses)__end_of_fixed_addresses, 0x5000, HAL_PROT_WRITE);
	clear_fixmap((enum fixed_addresses)1000);
	assert_int_equal(fixmap_cpu_stats[0].errors, 2);
	assert_false(fixmap_query(__end_of_fixed_addresses, NULL));
	for (unsigned i = 0; i < __end_of_fixed_addresses; i++)
		assert_false(fixmap_query(i, NULL));
	assert_false(mapped(FIXADDR_END));
	assert_false(mapped(0xFFFFFFFFu));
	assert_unlocked();
}

static void test_names(void **state)
{
	char buf[48];

	assert_string_equal(fixmap_name(FIX_APIC_BASE, buf, sizeof(buf)), "FIX_APIC_BASE");
	assert_string_equal(fixmap_name(FIX_IO_APIC_BASE_0, buf, sizeof(buf)), "FIX_IO_APIC_BASE_0");
	assert_string_equal(fixmap_name(FIX_IO_APIC_BASE_0 + 3, buf, sizeof(buf)), "FIX_IO_APIC_BASE_0+3");
	assert_string_equal(fixmap_name(FIX_EARLYCON_MEM_BASE, buf, sizeof(buf)), "FIX_EARLYCON_MEM_BASE");
	assert_string_equal(fixmap_name(FIX_KMAP_BEGIN + KM_IRQ0, buf, sizeof(buf)), "FIX_KMAP_BEGIN+KM_IRQ0@cpu0");
	assert_string_equal(fixmap_name(FIX_BTMAP_END, buf, sizeof(buf)), "FIX_BTMAP_BEGIN+15");
	assert_string_equal(fixmap_name(__end_of_fixed_addresses, buf, sizeof(buf)), "?");
	assert_string_equal(km_type_name(KM_MEMTEST), "KM_MEMTEST");
	assert_string_equal(km_type_name(KM_TYPE_NR), "?");
}

static void test_fixmap_show(void **state)
{
	char *text;
	unsigned lines = 0;

	set_fixmap_nocache(FIX_IO_APIC_BASE_0, IO_APIC_DEFAULT_PHYS_BASE);
	CAPTURE(text, fixmap_show(out));
	assert_non_null(strstr(text, "fixmap: 0xfffbd000-0xfffff000, 66 slots, FIXADDR_TOP 0xffffe000\n"));
	assert_non_null(strstr(text, "    0  FIX_APIC_BASE                  0xffffe000  -\n"));
	assert_non_null(strstr(text, "    1  FIX_IO_APIC_BASE_0             0xffffd000  0xfec00000\n"));
	assert_non_null(strstr(text, "   10  FIX_KMAP_BEGIN+KM_USER0@cpu0   0xffff4000  -\n"));
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 3 + __end_of_fixed_addresses); /* the kmap_atomic summary line last */
	assert_non_null(strstr(text, "kmap_atomic: 0 high maps, 0 nested uses of a busy slot, 0 unbalanced kunmaps;"));
	free(text);
	clear_fixmap(FIX_IO_APIC_BASE_0);
}

static void test_missing_table_reported_and_supplied(void **state)
{
	assert_true(hal_clear_table(swapper_pg_dir, FIXADDR_START, NULL));
	hal_flush_all();
	assert_false(hal_query_table(swapper_pg_dir, FIXADDR_TOP, NULL));
	assert_int_equal(fixmap_init(), 0);
	assert_int_equal(vmalloc_stats.tables_allocated, 1);
	assert_true(hal_query_table(swapper_pg_dir, FIXADDR_TOP, NULL));
	set_fixmap(FIX_BTMAP_BEGIN, 0x6000);
	assert_true(fixmap_query(FIX_BTMAP_BEGIN, NULL));
	assert_int_equal(fixmap_cpu_stats[0].errors, 0);
	clear_fixmap(FIX_BTMAP_BEGIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trips, setup),
		cmocka_unit_test_setup(test_set_and_clear, setup),
		cmocka_unit_test_setup(test_names, setup),
		cmocka_unit_test_setup(test_fixmap_show, setup),
		cmocka_unit_test_setup(test_missing_table_reported_and_supplied, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
