/*
 * The kernel address map at 32 MiB and at 3 GiB: the worked example of Understanding the Linux
 * Virtual Memory Manager, §5.1, the layout figures, the printed layout block and the boot check.
 */
#include "test_vm_boot.h"

static const struct kernel_sections sections = {
	.text_start = 0xc0100000, .text_end = 0xc0112000,
	.data_start = 0xc0112000, .data_end = 0xc011a000,
	.init_start = 0xc011a000, .init_end = 0xc011c000,
};

static void test_compile_time_anchors(void **state)
{
	assert_int_equal(PAGE_OFFSET, 0xC0000000u);
	assert_int_equal(VMALLOC_OFFSET, 8u << 20);
	assert_int_equal(MAXMEM, 896u << 20);
	assert_int_equal(VMALLOC_END, 0xFDFFE000u);
	assert_int_equal(PKMAP_BASE, 0xFE000000u);
	assert_int_equal(PKMAP_END, 0xFE400000u);
	assert_int_equal(LAST_PKMAP, 1024);
	assert_int_equal(FIXADDR_END, 0xFFFFF000u);
	assert_true(PKMAP_END <= FIXADDR_START);
	/* The seed: "on a x86 with 32MiB of RAM, VMALLOC_START will be located at PAGE_OFFSET + 0x02000000 + 0x00800000". */
	assert_int_equal(vmalloc_start_for(PAGE_OFFSET + 0x02000000u), PAGE_OFFSET + 0x02000000u + 0x00800000u);
	/* The gap is at least VMALLOC_OFFSET and the start on a VMALLOC_OFFSET boundary, whatever high_memory is. */
	for (vaddr_t hm = PAGE_OFFSET + PAGE_SIZE; hm <= PAGE_OFFSET + MAXMEM; hm += 0x123000u) {
		vaddr_t vs = vmalloc_start_for(hm);

		assert_int_equal(vs % VMALLOC_OFFSET, 0);
		assert_true(vs - hm >= VMALLOC_OFFSET && vs - hm < 2 * VMALLOC_OFFSET);
	}
}

static void test_32m(void **state)
{
	char *text;

	vm_boot(32 * MiB);
	/* QEMU's BIOS keeps the last 128 KiB, so low memory ends a little short of 32 MiB: same VMALLOC_START. */
	assert_int_equal(high_memory, 0xC1FE0000u);
	assert_int_equal(VMALLOC_START, 0xC2800000u);
	CAPTURE(text, show_layout(out, NULL));
	assert_string_equal(text, "virtual kernel memory layout:\n"
				  "    fixmap  : 0xfffbd000 - 0xfffff000   ( 264 kB)\n"
				  "    pkmap   : 0xfe000000 - 0xfe400000   (4096 kB)\n"
				  "    vmalloc : 0xc2800000 - 0xfdffe000   ( 951 MB)\n"
				  "    lowmem  : 0xc0000000 - 0xc1fe0000   (  31 MB)\n");
	free(text);
	assert_int_equal(layout_check(stdout, &sections), 0);
}

static void test_exactly_32m(void **state)
{
	struct mm_boot_info bi = { .e820 = &vm_boot_e820, .kernel_start = FAKE_KERNEL_START, .kernel_end = FAKE_KERNEL_END };
	FILE *devnull = fopen("/dev/null", "w"), *saved = stdout;

	/* RAM all the way to 32 MiB: the book's example to the byte. */
	fake_hal_init(32 * MiB);
	vm_boot_make_e820(32 * MiB);
	vm_boot_e820.entries[3].size = 31 * MiB;
	vm_boot_e820.nr_entries = 4;
	mm_debug_reboot();
	stdout = devnull;
	assert_int_equal(mm_init(&bi), 0);
	stdout = saved;
	fclose(devnull);
	assert_int_equal(high_memory, PAGE_OFFSET + 0x02000000u);
	assert_int_equal(VMALLOC_START, PAGE_OFFSET + 0x02000000u + 0x00800000u);
	assert_int_equal(vmalloc_init(), 0);
	assert_int_equal(layout_check(stdout, NULL), 0);
}

static void test_3g(void **state)
{
	char *text;

	vm_boot(3 * GiB);
	assert_int_equal(high_memory, 0xF8000000u);
	assert_int_equal(VMALLOC_START, 0xF8800000u);
	CAPTURE(text, show_layout(out, &sections));
	assert_string_equal(text, "virtual kernel memory layout:\n"
				  "    fixmap  : 0xfffbd000 - 0xfffff000   ( 264 kB)\n"
				  "    pkmap   : 0xfe000000 - 0xfe400000   (4096 kB)\n"
				  "    vmalloc : 0xf8800000 - 0xfdffe000   (  87 MB)\n"
				  "    lowmem  : 0xc0000000 - 0xf8000000   ( 896 MB)\n"
				  "      .init : 0xc011a000 - 0xc011c000   (   8 kB)\n"
				  "      .data : 0xc0112000 - 0xc011a000   (  32 kB)\n"
				  "      .text : 0xc0100000 - 0xc0112000   (  72 kB)\n");
	free(text);
	assert_int_equal(layout_check(stdout, &sections), 0);
	/* vmalloc really works in the small 3 GiB window, with high pages. */
	vaddr_t v = vmalloc(PAGE_SIZE);
	assert_int_equal(v, 0xF8800000u);
	assert_true(page_is_highmem(vmalloc_to_page(v)));
	vfree(v);
}

static void test_check_catches_violations(void **state)
{
	struct kernel_sections bad = sections;
	char *text;
	vaddr_t saved;
	int n;

	vm_boot(32 * MiB);
	saved = high_memory;
	bad.text_end = bad.text_start - 1;
	bad.init_end = 0xF0000000u;
	CAPTURE(text, n = layout_check(out, &bad));
	assert_int_equal(n, 2);
	assert_non_null(strstr(text, "layout: section .text must lie in low memory"));
	free(text);

	high_memory = PAGE_OFFSET + MAXMEM + 2 * PAGE_SIZE + 1;
	CAPTURE(text, n = layout_check(out, NULL));
	assert_true(n >= 3);
	assert_non_null(strstr(text, "MAXMEM"));
	free(text);
	high_memory = saved;

	set_fixmap(FIX_APIC_BASE, 0x7000);
	assert_int_equal(hal_map_page(swapper_pg_dir, FIXADDR_END, 0x8000, HAL_PROT_WRITE), HAL_OK);
	CAPTURE(text, n = layout_check(out, NULL));
	assert_int_equal(n, 1);
	assert_non_null(strstr(text, "last page of the address space"));
	free(text);
	hal_unmap_page(swapper_pg_dir, FIXADDR_END);
	assert_int_equal(layout_check(stdout, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_time_anchors),
		cmocka_unit_test(test_32m),
		cmocka_unit_test(test_exactly_32m),
		cmocka_unit_test(test_3g),
		cmocka_unit_test(test_check_catches_violations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
