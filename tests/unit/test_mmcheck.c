/*
 * The invariant checkers (mm/mmcheck.c, mm/ptcheck.c) on the fake machine:
 * silent on a freshly booted machine and after ordinary use, and loud on
 * each kind of corruption they are meant to catch, planted by hand and
 * then repaired.
 */
#include "test_hardening.h"

#include <mm/io.h>
#include <mm/memory.h>
#include <mm/mman.h>

static int boot32m(void **state)
{
	hb_boot(32 * MiB);
	return 0;
}

static int boot1g(void **state)
{
	hb_boot(1 * GiB);
	return 0;
}

static int boot3g(void **state)
{
	hb_boot(3 * GiB);
	return 0;
}

static void test_clean_boot(void **state)
{
	struct ptcheck_stats st;
	unsigned long ro_pages = (HB_RODATA_END - HB_TEXT_START) / PAGE_SIZE;

	hb_assert_clean();
	assert_int_equal(ptcheck(stderr, swapper_pg_dir, &hb_image, &st), 0);
	assert_int_equal(st.linear, (high_memory - PAGE_OFFSET) / PAGE_SIZE);
	assert_int_equal(st.linear_ro, ro_pages);
	assert_false(st.wx_enforced);
	/* Without NX every writable page is executable: counted, not a violation. */
	assert_int_equal(st.writable_exec, st.linear - ro_pages + st.vmalloc + st.pkmap + st.fixmap);
	assert_int_equal(st.vmalloc, 0);
	assert_int_equal(st.pkmap, 0);
}

static void test_stats_report(void **state)
{
	struct ptcheck_stats st;
	char *text = NULL;

	assert_int_equal(ptcheck(NULL, swapper_pg_dir, &hb_image, &st), 0);
	CAPTURE(text, ptcheck_print_stats(out, &st));
	assert_non_null(strstr(text, "W+X: not enforceable without NX"));
	assert_non_null(strstr(text, "ptcheck: 0 violations"));
	free(text);
}

static void test_nopse_boot_is_clean(void **state)
{
	struct ptcheck_stats st;

	hb_no_pse = true;
	hb_boot(64 * MiB);
	hb_no_pse = false;
	hb_assert_clean();
	assert_int_equal(ptcheck(NULL, swapper_pg_dir, &hb_image, &st), 0);
	assert_int_equal(st.large_pages, 0);
	assert_int_equal(st.linear, (high_memory - PAGE_OFFSET) / PAGE_SIZE);
}

static void test_clean_after_use(void **state)
{
	struct page *low = alloc_pages(GFP_KERNEL, 3), *high = alloc_page(GFP_HIGHUSER);
	vaddr_t v1 = vmalloc(5 * PAGE_SIZE), v2 = vmalloc_32(PAGE_SIZE), io = ioremap(0xfebf0000u, 3 * PAGE_SIZE);
	void *k = kmalloc(100, GFP_KERNEL), *d = kmalloc(5000, GFP_DMA);
	vaddr_t km, ka;
	struct ptcheck_stats st;

	assert_true(low && high && v1 && v2 && io && k && d);
	km = kmap(high);
	assert_true(km >= PKMAP_BASE);
	hb_assert_clean();
	assert_int_equal(ptcheck(NULL, swapper_pg_dir, &hb_image, &st), 0);
	assert_int_equal(st.vmalloc, 5 + 1 + 3);
	assert_int_equal(st.pkmap, 1);
	kunmap(high);
	hb_assert_clean(); /* count 1: still mapped, which is fine */
	ka = kmap_atomic(high, KM_USER1);
	kunmap_atomic(ka, KM_USER1);
	vfree(v1);
	vfree(v2);
	iounmap(io);
	kfree(k);
	kfree(d);
	__free_pages(low, 3);
	__free_page(high);
	flush_all_zero_pkmaps();
	hb_assert_clean();
}

/* ---- buddy ---- */

/* The head page of some free block of order at least 1 in ZONE_NORMAL. */
static struct page *some_free_block(unsigned *order)
{
	struct zone *z = &contig_page_data.node_zones[ZONE_NORMAL];

	for (unsigned o = MAX_ORDER - 1; o >= 1; o--)
		if (!list_empty(&z->free_area[o].free_list)) {
			*order = o;
			return list_first_entry(&z->free_area[o].free_list, struct page, lru);
		}
	fail();
	return NULL;
}

static void test_buddy_flag_lost(void **state)
{
	unsigned order;
	struct page *p = some_free_block(&order);

	ClearPageFlag(p, PG_buddy);
	hb_assert_detects("buddy:");
	SetPageFlag(p, PG_buddy);
	hb_assert_clean();
}

static void test_buddy_counter_off(void **state)
{
	struct zone *z = &contig_page_data.node_zones[ZONE_NORMAL];

	z->free_area[2].nr_free++;
	hb_assert_detects("nr_free");
	z->free_area[2].nr_free--;
	z->free_pages += 1;
	hb_assert_detects("free_pages says");
	z->free_pages -= 1;
	hb_assert_clean();
}

static void test_buddy_page_in_use_inside_free_block(void **state)
{
	unsigned order;
	struct page *p = some_free_block(&order);

	p[1]._count = 1;
	hb_assert_detects("inside free block");
	p[1]._count = 0;
	p->_count = 2;
	hb_assert_detects("free block head");
	p->_count = 0;
	hb_assert_clean();
}

/* ---- slab ---- */

static void test_slab_write_after_free(void **state)
{
	uint8_t *obj = kmalloc(64, GFP_KERNEL), *keep = kmalloc(64, GFP_KERNEL);

	assert_non_null(obj);
	kfree(obj);
	obj[20] = 0x00; /* a use after free: the poison is broken */
	hb_assert_detects("written at offset 20");
	obj[20] = POISON_FREE;
	hb_assert_clean();
	slab_stats.slab_pages++;
	hb_assert_detects("slab_stats says");
	slab_stats.slab_pages--;
	kfree(keep);
	hb_assert_clean();
}

/* ---- vmalloc ---- */

static void test_vmalloc_guard_mapped(void **state)
{
	vaddr_t va = vmalloc(2 * PAGE_SIZE);
	vaddr_t guard = va + 2 * PAGE_SIZE;
	struct page *p = alloc_page(GFP_KERNEL);

	assert_int_equal(hal_map_page(swapper_pg_dir, guard, (paddr_t)page_to_pfn(p) << PAGE_SHIFT, HAL_PROT_WRITE),
			 HAL_OK);
	hb_assert_detects("guard page");
	hal_unmap_page(swapper_pg_dir, guard);
	hb_assert_clean();
	__free_page(p);
	vfree(va);
}

static void test_vmalloc_page_missing_or_wrong(void **state)
{
	vaddr_t va = vmalloc(3 * PAGE_SIZE);
	struct vm_struct *a = find_vm_area(va);
	paddr_t pa;
	unsigned prot;

	assert_true(hal_query_page(swapper_pg_dir, va + PAGE_SIZE, &pa, &prot));
	hal_unmap_page(swapper_pg_dir, va + PAGE_SIZE);
	hb_assert_detects("is not mapped");
	assert_int_equal(hal_map_page(swapper_pg_dir, va + PAGE_SIZE, pa + PAGE_SIZE, prot), HAL_OK);
	hb_assert_detects("the area recorded");
	hal_unmap_page(swapper_pg_dir, va + PAGE_SIZE);
	assert_int_equal(hal_map_page(swapper_pg_dir, va + PAGE_SIZE, pa, prot | HAL_PROT_USER), HAL_OK);
	hb_assert_detects("user");
	hal_unmap_page(swapper_pg_dir, va + PAGE_SIZE);
	assert_int_equal(hal_map_page(swapper_pg_dir, va + PAGE_SIZE, pa, prot), HAL_OK);
	a->nr_pages--;
	hb_assert_detects("pages for");
	a->nr_pages++;
	hb_assert_clean();
	vfree(va);
}

static void test_vmalloc_order_and_overlap(void **state)
{
	vaddr_t a = vmalloc(PAGE_SIZE), b = vmalloc(PAGE_SIZE);
	struct vm_struct *va = find_vm_area(a);

	assert_true(b > a);
	va->size += PAGE_SIZE; /* now reaches into b, and a's "guard" is b's first page */
	hb_assert_detects("starts below the end");
	va->size -= PAGE_SIZE;
	va->addr -= 0x1000000u; /* 16 MiB lower: below VMALLOC_START */
	hb_assert_detects("outside");
	va->addr += 0x1000000u;
	hb_assert_clean();
	vfree(a);
	vfree(b);
}

static void test_mapping_outside_any_area(void **state)
{
	vaddr_t va = VMALLOC_END - 8 * PAGE_SIZE;

	assert_int_equal(hal_map_page(swapper_pg_dir, va, 0xfe000000u, HAL_PROT_WRITE), HAL_OK);
	hb_assert_detects("outside every area");
	hal_unmap_page(swapper_pg_dir, va);
	hb_assert_clean();
}

/* ---- pkmap ---- */

static void test_pkmap_count_disagrees(void **state)
{
	struct page *p = alloc_page(GFP_HIGHUSER);
	vaddr_t va = kmap(p);
	unsigned nr = PKMAP_NR(va);

	assert_true(page_is_highmem(p));
	pkmap_count[nr] = 0;
	hb_assert_detects("count 0 but maps");
	pkmap_count[nr] = 2;
	p->virtual = 0;
	hb_assert_detects("page->virtual");
	p->virtual = va;
	hb_assert_clean();
	kunmap(p);
	hal_unmap_page(swapper_pg_dir, va);
	hb_assert_detects("maps nothing");
	assert_int_equal(hal_map_page(swapper_pg_dir, va, (paddr_t)page_to_pfn(p) << PAGE_SHIFT, HAL_PROT_WRITE),
			 HAL_OK);
	hb_assert_clean();
	flush_all_zero_pkmaps();
	__free_page(p);
	hb_assert_clean();
}

static void test_pkmap_mapped_without_count(void **state)
{
	vaddr_t va = PKMAP_ADDR(77);
	struct page *p = alloc_page(GFP_HIGHUSER);

	assert_int_equal(hal_map_page(swapper_pg_dir, va, (paddr_t)page_to_pfn(p) << PAGE_SHIFT, HAL_PROT_WRITE),
			 HAL_OK);
	hb_assert_detects("PKMAP slot 77");
	hal_unmap_page(swapper_pg_dir, va);
	p->virtual = va;
	hb_assert_detects("does not map it");
	p->virtual = 0;
	__free_page(p);
	hb_assert_clean();
}

/* ---- fixmap ---- */

static void test_fixmap_slots(void **state)
{
	struct page *p = alloc_page(GFP_HIGHUSER), *low = alloc_page(GFP_KERNEL);
	vaddr_t va = kmap_atomic(p, KM_USER0);

	hb_assert_detects("kunmap_atomic missing");
	kunmap_atomic(va, KM_USER0);
	hb_assert_clean();
	set_fixmap(FIX_BTMAP_BEGIN + 3, 0x9f000);
	hb_assert_detects("boot-time slot");
	clear_fixmap(FIX_BTMAP_BEGIN + 3);
	set_fixmap(FIX_EARLYCON_MEM_BASE, (paddr_t)page_to_pfn(low) << PAGE_SHIFT);
	hb_assert_detects("which is RAM");
	clear_fixmap(FIX_EARLYCON_MEM_BASE);
	/* Reserved RAM is RAM too: a device slot over the kernel image is a second mapping of it. */
	set_fixmap_nocache(FIX_IO_APIC_BASE_0 + 1, __pa(hb_image.text_start));
	hb_assert_detects("which is RAM");
	clear_fixmap(FIX_IO_APIC_BASE_0 + 1);
	set_fixmap_nocache(FIX_APIC_BASE, APIC_DEFAULT_PHYS_BASE);
	hb_assert_clean();
	clear_fixmap(FIX_APIC_BASE);
	__free_page(p);
	__free_page(low);
}

/* ---- ptcheck ---- */

static void test_ptcheck_below_page_offset(void **state)
{
	struct page *t = alloc_page(GFP_KERNEL | __GFP_ZERO);
	paddr_t table;

	assert_int_equal(hal_set_table(swapper_pg_dir, 0x00400000u, (paddr_t)page_to_pfn(t) << PAGE_SHIFT), HAL_OK);
	hb_assert_detects("below PAGE_OFFSET");
	assert_true(hal_clear_table(swapper_pg_dir, 0x00400000u, &table));
	__free_page(t);
	hb_assert_clean();
}

static void test_ptcheck_writable_text(void **state)
{
	vaddr_t va = hb_image.text_start + 2 * PAGE_SIZE;
	paddr_t pa;
	unsigned prot;

	assert_true(hal_query_page(swapper_pg_dir, va, &pa, &prot));
	assert_false(prot & HAL_PROT_WRITE);
	hal_unmap_page(swapper_pg_dir, va);
	hb_assert_detects("hole in the linear map");
	assert_int_equal(hal_map_page(swapper_pg_dir, va, pa, prot | HAL_PROT_WRITE), HAL_OK);
	hb_assert_detects("kernel text/rodata 0x");
	hal_unmap_page(swapper_pg_dir, va);
	assert_int_equal(hal_map_page(swapper_pg_dir, va, pa + PAGE_SIZE, prot), HAL_OK);
	hb_assert_detects("instead of");
	hal_unmap_page(swapper_pg_dir, va);
	assert_int_equal(hal_map_page(swapper_pg_dir, va, pa, prot), HAL_OK);
	hb_assert_clean();
}

/*
 * A writable alias of kernel text anywhere outside the linear map (a vmalloc area here; an
 * ioremap of the image's frames gave one before ioremap refused RAM) is a violation: the check
 * is by frame, not only by the linear address of the text.
 */
static void test_ptcheck_writable_text_alias(void **state)
{
	struct page *text = pfn_to_page((pfn_t)(__pa(hb_image.text_start + PAGE_SIZE) >> PAGE_SHIFT));
	vaddr_t v;

	v = vmap(&text, 1, 0, HAL_PROT_READ);
	assert_true(v);
	hb_assert_clean(); /* a read-only alias is harmless */
	vunmap(v);
	v = vmap(&text, 1, 0, HAL_PROT_WRITE);
	assert_true(v);
	hb_assert_detects("writable alias of kernel text/rodata");
	vunmap(v);
	hb_assert_clean();
}

static void test_ptcheck_gaps_and_top(void **state)
{
	static const vaddr_t where[] = { 0, VMALLOC_END, PKMAP_END, FIXADDR_END };
	static const char *const what[] = { "VMALLOC_OFFSET gap", "2-page gap", "between PKMAP and the fixmaps",
					    "above FIXADDR_TOP" };

	for (unsigned i = 0; i < 4; i++) {
		vaddr_t va = i ? where[i] : VMALLOC_START - PAGE_SIZE;

		assert_int_equal(hal_map_page(swapper_pg_dir, va, 0xfe000000u, HAL_PROT_WRITE), HAL_OK);
		hb_assert_detects(what[i]);
		hal_unmap_page(swapper_pg_dir, va);
	}
	hb_assert_clean();
}

static void test_ptcheck_missing_shared_table(void **state)
{
	paddr_t table;

	assert_true(hal_clear_table(swapper_pg_dir, 0xfd000000u, &table));
	hb_assert_detects("no kernel page table");
	assert_int_equal(hal_set_table(swapper_pg_dir, 0xfd000000u, table), HAL_OK);
	hb_assert_clean();
}

/* Take frame p back out of the free lists (allocating its zone's pages until p comes). */
static void take_back(struct page *p)
{
	static const gfp_t zone_gfp[MAX_NR_ZONES] = { GFP_DMA, GFP_KERNEL, GFP_HIGHUSER };
	static struct page *others[1u << 16];
	unsigned n = 0;
	struct page *got;

	while ((got = alloc_pages(zone_gfp[page_zonenum(p)] | __GFP_THISZONE | __GFP_NOWARN, 0)) != p) {
		assert_non_null(got);
		assert_true(n < sizeof(others) / sizeof(others[0]));
		others[n++] = got;
	}
	while (n)
		__free_page(others[--n]);
}

/* The report of mmcheck_pgtables(pgd, user), into *text (free it); returns the violations. */
static unsigned long pgtables_report(paddr_t pgd, bool user, char **text)
{
	size_t len;
	FILE *out = open_memstream(text, &len);
	unsigned long n;

	assert_non_null(out);
	n = mmcheck_pgtables(out, pgd, user);
	fclose(out);
	return n;
}

/*
 * A vmalloc page freed behind its area's back (`pages free` of a frame it never handed out) and
 * merged into a bigger free block: neither PG_buddy nor a count of its own betrays it, the free
 * block does.
 */
static void test_vmalloc_page_freed_under_the_area(void **state)
{
	vaddr_t va = vmalloc(PAGE_SIZE);
	struct vm_struct *a = find_vm_area(va);
	struct page *p = a->pages[0];

	hb_assert_clean();
	__free_page(p);
	hb_assert_detects("which is free");
	take_back(p);
	hb_assert_clean();
	vfree(va);
	hb_assert_clean();
}

/*
 * A user page table and a user page freed while an address space still maps them: each frame has
 * two owners, and mmcheck_pgtables names both.
 */
static void test_user_page_table_freed_under_the_mm(void **state)
{
	struct mm_struct *mm;
	paddr_t table, pa;
	uint8_t v = 1;
	char *text = NULL;

	proc_mm_init();
	sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
	mm = mm_alloc();
	assert_non_null(mm);
	assert_false(IS_ERR_VALUE(do_mmap(mm, NULL, 0x50000000u, PAGE_SIZE, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0)));
	assert_int_equal(access_process_vm(mm, 0x50000000u, &v, 1, true), 1);
	assert_true(hal_query_table(mm->pgd, 0x50000000u, &table));
	assert_true(hal_query_page(mm->pgd, 0x50000000u, &pa, NULL));
	assert_int_equal(pgtables_report(mm->pgd, true, &text), 0);
	free(text);

	__free_page(pfn_to_page((pfn_t)(table >> PAGE_SHIFT)));
	assert_true(pgtables_report(mm->pgd, true, &text) >= 1);
	assert_non_null(strstr(text, "is free but is the page table covering 0x50000000"));
	free(text);
	take_back(pfn_to_page((pfn_t)(table >> PAGE_SHIFT)));

	__free_page(pfn_to_page((pfn_t)(pa >> PAGE_SHIFT)));
	assert_true(pgtables_report(mm->pgd, true, &text) >= 1);
	assert_non_null(strstr(text, "is free but is mapped by a user page table at 0x50000000"));
	free(text);
	take_back(pfn_to_page((pfn_t)(pa >> PAGE_SHIFT)));
	assert_int_equal(pgtables_report(mm->pgd, true, &text), 0);
	free(text);
	mmput(mm);
	hb_assert_clean();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_clean_boot, boot32m),
		cmocka_unit_test_setup(test_clean_boot, boot1g),
		cmocka_unit_test_setup(test_clean_boot, boot3g),
		cmocka_unit_test_setup(test_stats_report, boot32m),
		cmocka_unit_test_setup(test_nopse_boot_is_clean, boot32m),
		cmocka_unit_test_setup(test_clean_after_use, boot1g),
		cmocka_unit_test_setup(test_buddy_flag_lost, boot32m),
		cmocka_unit_test_setup(test_buddy_counter_off, boot32m),
		cmocka_unit_test_setup(test_buddy_page_in_use_inside_free_block, boot32m),
		cmocka_unit_test_setup(test_slab_write_after_free, boot32m),
		cmocka_unit_test_setup(test_vmalloc_guard_mapped, boot32m),
		cmocka_unit_test_setup(test_vmalloc_page_missing_or_wrong, boot1g),
		cmocka_unit_test_setup(test_vmalloc_order_and_overlap, boot32m),
		cmocka_unit_test_setup(test_mapping_outside_any_area, boot32m),
		cmocka_unit_test_setup(test_pkmap_count_disagrees, boot1g),
		cmocka_unit_test_setup(test_pkmap_mapped_without_count, boot1g),
		cmocka_unit_test_setup(test_fixmap_slots, boot1g),
		cmocka_unit_test_setup(test_ptcheck_below_page_offset, boot32m),
		cmocka_unit_test_setup(test_ptcheck_writable_text, boot32m),
		cmocka_unit_test_setup(test_ptcheck_writable_text_alias, boot32m),
		cmocka_unit_test_setup(test_ptcheck_gaps_and_top, boot32m),
		cmocka_unit_test_setup(test_ptcheck_missing_shared_table, boot32m),
		cmocka_unit_test_setup(test_vmalloc_page_freed_under_the_area, boot32m),
		cmocka_unit_test_setup(test_user_page_table_freed_under_the_mm, boot32m),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
