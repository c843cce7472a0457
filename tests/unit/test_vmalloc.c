/*
 * vmalloc, vmap and ioremap on the fake machine: vmlist order and first
 * fit, guard pages, the errors that must change nothing, TLB flushes, the
 * /proc formats, and a long random sequence against a model.
 */
#include "test_vm_boot.h"

#include <mm/debug/mmcheck.h>
#include <mm/debug/vmalloc_debug.h>
#include <mm/io.h>
#include <mm/kernel_pgtable.h>
#include <mm/mmzone.h>
#include <mm/region.h>
#include <mm/slab.h>

/* The areas of vmlist, checked for order, separation and page mappings; returns how many. */
static unsigned check_vmlist(void)
{
	unsigned n = 0;
	vaddr_t prev_end = VMALLOC_START;

	for (struct vm_struct *v = vmlist; v; v = v->next, n++) {
		vaddr_t guard = v->addr + (vaddr_t)v->size - PAGE_SIZE;

		assert_true(v->addr >= prev_end);
		assert_int_equal(v->addr % PAGE_SIZE, 0);
		assert_int_equal(v->size % PAGE_SIZE, 0);
		assert_true(v->size >= 2 * PAGE_SIZE);
		assert_true((uint64_t)v->addr + v->size <= VMALLOC_END);
		/* The guard page is never mapped. */
		assert_false(mapped(guard));
		if ((v->flags & VM_ALLOC) && v->pages) {
			assert_int_equal(v->nr_pages, v->size / PAGE_SIZE - 1);
			for (unsigned i = 0; i < v->nr_pages; i++)
				assert_ptr_equal(vmalloc_to_page(v->addr + i * PAGE_SIZE), v->pages[i]);
		}
		prev_end = v->addr + (vaddr_t)v->size;
	}
	assert_unlocked();
	return n;
}

static int setup32(void **state)
{
	vm_boot(32 * MiB);
	return 0;
}

static int setup1g(void **state)
{
	vm_boot(1 * GiB);
	return 0;
}

static void test_first_fit_and_order(void **state)
{
	vaddr_t a = vmalloc(PAGE_SIZE), b = vmalloc(3 * PAGE_SIZE), c = vmalloc(2 * PAGE_SIZE - 100);
	vaddr_t d, e;

	assert_int_equal(VMALLOC_START, 0xC2800000u);
	assert_int_equal(a, VMALLOC_START);
	assert_int_equal(b, a + 2 * PAGE_SIZE);
	assert_int_equal(c, b + 4 * PAGE_SIZE);
	assert_int_equal(find_vm_area(b)->size, 4 * PAGE_SIZE);
	assert_int_equal(check_vmlist(), 3);

	vfree(b);
	assert_false(mapped(b));
	assert_int_equal(check_vmlist(), 2);
	/* First fit: a one-page area goes into the hole b left, a three-page one after c. */
	d = vmalloc(PAGE_SIZE);
	assert_int_equal(d, b);
	e = vmalloc(3 * PAGE_SIZE);
	assert_int_equal(e, c + 3 * PAGE_SIZE);
	/* The two-page remainder of the hole takes a one-page area exactly. */
	assert_int_equal(vmalloc(1), d + 2 * PAGE_SIZE);
	assert_int_equal(check_vmlist(), 5);
	assert_ptr_equal(vmlist->next->next->next->next->addr, e);

	while (vmlist)
		vfree(vmlist->addr);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_every_page_mapped_and_usable(void **state)
{
	vaddr_t v = vmalloc(5 * PAGE_SIZE + 1);
	struct vm_struct *area = find_vm_area(v);

	assert_non_null(area);
	assert_int_equal(area->nr_pages, 6);
	assert_int_equal(area->size, 7 * PAGE_SIZE);
	for (unsigned i = 0; i < 6; i++) {
		uint32_t *p = hal_va_ptr(v + i * PAGE_SIZE);
		unsigned prot;

		assert_true(hal_query_page(swapper_pg_dir, v + i * PAGE_SIZE, NULL, &prot));
		assert_true(prot & HAL_PROT_WRITE);
		assert_false(prot & HAL_PROT_USER);
		p[0] = 0xabc00000u + i;
		p[PAGE_SIZE / 4 - 1] = i;
	}
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(((uint32_t *)hal_va_ptr(v + i * PAGE_SIZE))[0], 0xabc00000u + i);
	assert_false(mapped(v + 6 * PAGE_SIZE));
	assert_ptr_equal(find_vm_area_containing(v + 6 * PAGE_SIZE), area);
	assert_null(find_vm_area_containing(v + 7 * PAGE_SIZE));
	assert_null(find_vm_area(v + PAGE_SIZE));
	vfree(v);
	for (unsigned i = 0; i < 7; i++)
		assert_false(mapped(v + i * PAGE_SIZE));
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
	assert_int_equal(check_vmlist(), 0);
}

static void test_highmem_first_and_vmalloc_32(void **state)
{
	vaddr_t hi = vmalloc(4 * PAGE_SIZE), lo = vmalloc_32(4 * PAGE_SIZE);

	assert_true(hi && lo);
	for (unsigned i = 0; i < 4; i++) {
		assert_true(page_is_highmem(vmalloc_to_page(hi + i * PAGE_SIZE)));
		assert_true(PageHighMem(vmalloc_to_page(hi + i * PAGE_SIZE)));
		assert_false(page_is_highmem(vmalloc_to_page(lo + i * PAGE_SIZE)));
	}
	vfree(hi);
	vfree(lo);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_vzalloc_zeroes(void **state)
{
	vaddr_t v = vmalloc(8 * PAGE_SIZE);

	for (unsigned i = 0; i < 8; i++)
		memset(hal_va_ptr(v + i * PAGE_SIZE), 0x5a, PAGE_SIZE);
	vfree(v);
	v = vzalloc(8 * PAGE_SIZE);
	assert_true(v);
	for (unsigned i = 0; i < 8; i++) {
		const uint8_t *p = hal_va_ptr(v + i * PAGE_SIZE);

		for (unsigned j = 0; j < PAGE_SIZE; j++)
			assert_int_equal(p[j], 0);
	}
	vfree(v);
	v = __vmalloc(2 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO, HAL_PROT_WRITE);
	assert_int_equal(((uint8_t *)hal_va_ptr(v + PAGE_SIZE))[17], 0);
	assert_false(page_is_highmem(vmalloc_to_page(v)));
	vfree(v);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

/* Errors must report and leave vmlist, the free page count and the mappings as they were. */
static void test_size_errors_change_nothing(void **state)
{
	vaddr_t keep = vmalloc(PAGE_SIZE);
	unsigned long free_before = nr_free_pages(), fails = vmalloc_stats.area_failures;
	unsigned long space = VMALLOC_END - VMALLOC_START;
	struct vm_struct *whole;

	assert_int_equal(vmalloc(0), 0);
	assert_null(get_vm_area(0, VM_ALLOC));
	assert_int_equal(vmalloc(~0ul), 0);
	assert_int_equal(vmalloc(~0ul - PAGE_SIZE + 2), 0);
	assert_null(get_vm_area(space, VM_ALLOC)); /* no room for the guard page */
	assert_null(__get_vm_area_caller(0x2000, VM_ALLOC, 0xFFFFD000u, 0xFFFFF000u, NULL)); /* would wrap */
	assert_null(__get_vm_area_caller(PAGE_SIZE, VM_ALLOC, VMALLOC_END, VMALLOC_START, NULL));
	assert_null(__get_vm_area_caller(PAGE_SIZE, VM_ALLOC, VMALLOC_START + 1, VMALLOC_END, NULL));
	assert_int_equal(vmalloc_stats.area_failures, fails + 8);
	assert_int_equal(nr_free_pages(), free_before);
	assert_int_equal(check_vmlist(), 1);

	/* The whole space minus what keep holds fits exactly once. */
	whole = get_vm_area(space - 2 * PAGE_SIZE - PAGE_SIZE, VM_ALLOC);
	assert_non_null(whole);
	assert_int_equal(whole->addr + whole->size, VMALLOC_END);
	assert_int_equal(vmalloc(1), 0); /* exhausted */
	assert_int_equal(check_vmlist(), 2);
	free_vm_area(whole);
	assert_int_equal(check_vmlist(), 1);
	vfree(keep);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_out_of_pages_rolls_back(void **state)
{
	unsigned long free_before = nr_free_pages(), failures = vmalloc_stats.page_failures;

	/* 64 MiB on a 32 MiB machine: the pages run out part way. */
	assert_int_equal(vmalloc(64 * MiB), 0);
	assert_int_equal(vmalloc_stats.page_failures, failures + 1);
	assert_int_equal(nr_free_pages(), free_before);
	assert_int_equal(check_vmlist(), 0);
	for (vaddr_t va = VMALLOC_START; va < VMALLOC_START + 64 * MiB; va += PAGE_SIZE)
		assert_false(mapped(va));
}

static void test_bad_frees_change_nothing(void **state)
{
	vaddr_t v = vmalloc(2 * PAGE_SIZE), io = ioremap(0xf0000, PAGE_SIZE);
	struct page *pg = alloc_page(GFP_KERNEL);
	vaddr_t m = vmap(&pg, 1, 0, HAL_PROT_WRITE);
	unsigned long bad = vmalloc_stats.bad_frees, free_before = nr_free_pages();

	assert_true(v && io && m);
	vfree(v + PAGE_SIZE);     /* inside an area */
	vfree(v + 2 * PAGE_SIZE); /* its guard page */
	vfree(v + 1);
	vfree(0xC0100000u);       /* low memory */
	vfree(VMALLOC_END - PAGE_SIZE);
	vfree(io);                /* an ioremap area */
	vfree(m);                 /* a vmap area */
	vunmap(v);                /* a vmalloc area */
	iounmap(v);
	assert_null(remove_vm_area(v + PAGE_SIZE));
	assert_int_equal(vmalloc_stats.bad_frees, bad + 10);
	assert_int_equal(nr_free_pages(), free_before);
	assert_int_equal(check_vmlist(), 3);
	assert_true(mapped(v) && mapped(v + PAGE_SIZE) && mapped(io) && mapped(m));
	vfree(0); /* like free(NULL) */
	assert_int_equal(vmalloc_stats.bad_frees, bad + 10);

	vfree(v);
	iounmap(io);
	vunmap(m);
	assert_true(PageHighMem(pg) == 0 && pg->_count == 1); /* vunmap left the page to its owner */
	__free_page(pg);
	assert_int_equal(check_vmlist(), 0);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_ioremap_unaligned(void **state)
{
	/* The BIOS area at 0xf0000 is reserved in the e820 map: fake "device memory" we can see. */
	uint8_t *phys = fake_phys_ptr(0xf0000);
	vaddr_t a, b;
	struct vm_struct *area;
	unsigned prot;
	paddr_t pa;

	for (unsigned i = 0; i < 2 * PAGE_SIZE; i++)
		phys[i] = (uint8_t)(i * 7);
	a = ioremap(0xf0010, 0x20);
	assert_int_equal(a & ~PAGE_MASK, 0x10);
	area = find_vm_area(a & PAGE_MASK);
	assert_non_null(area);
	assert_int_equal(area->flags, VM_IOREMAP);
	assert_int_equal(area->size, 2 * PAGE_SIZE);
	assert_int_equal(area->phys_addr, 0xf0000);
	assert_true(hal_query_page(swapper_pg_dir, a, &pa, &prot));
	assert_int_equal(pa, 0xf0010);
	assert_true(prot & HAL_PROT_NOCACHE);
	assert_int_equal(*(uint8_t *)hal_va_ptr(a), (uint8_t)(0x10 * 7));

	/* 0x20 bytes across a page boundary need two pages. */
	b = ioremap_nocache(0xf0ff0, 0x20);
	assert_int_equal(b & ~PAGE_MASK, 0xff0);
	area = find_vm_area(b & PAGE_MASK);
	assert_int_equal(area->size, 3 * PAGE_SIZE);
	assert_int_equal(*(uint8_t *)hal_va_ptr(b + 0x10), (uint8_t)(0x1000 * 7));
	assert_false(mapped((b & PAGE_MASK) + 2 * PAGE_SIZE));
	check_vmlist();

	iounmap(a);
	iounmap(b + 0x8); /* any address in the first page will do */
	assert_int_equal(check_vmlist(), 0);

	/* Device memory beyond RAM maps without being touched. */
	a = ioremap(IO_APIC_DEFAULT_PHYS_BASE, 0x20);
	assert_true(a);
	assert_true(hal_query_page(swapper_pg_dir, a, &pa, NULL) && pa == IO_APIC_DEFAULT_PHYS_BASE);
	iounmap(a);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_ioremap_errors(void **state)
{
	unsigned long fails = vmalloc_stats.area_failures;

	assert_int_equal(ioremap(0xf0000, 0), 0);
	assert_int_equal(ioremap(0xFFFFFFFFFFFFF000ull, 0x2000), 0); /* wraps */
	assert_int_equal(ioremap(0x100000000ull, PAGE_SIZE), 0);      /* above 4 GiB */
	assert_int_equal(ioremap(0xFFFFF000u, 0x2000), 0);            /* runs past 4 GiB */
	assert_int_equal(ioremap(0x200000, PAGE_SIZE), 0);            /* RAM the allocator owns */
	/* Reserved RAM too: the kernel image (a writable alias of its text), and a range ending in RAM. */
	assert_int_equal(ioremap(FAKE_KERNEL_START + PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(ioremap(0x9f000, 0x10), 0);                  /* RAM below the 0x9fc00 reserved part */
	assert_int_equal(ioremap(0xff000, 0x2000), 0);                /* BIOS page, then the first MiB of RAM */
	assert_int_equal(vmalloc_stats.area_failures, fails + 8);
	assert_int_equal(check_vmlist(), 0);
}

/*
 * Every path that takes an area off vmlist unmaps it before vmlist_lock goes (once unlinked, the
 * range could be handed out again, and an unmapping after the lock would tear down the new owner's
 * pages), but sends its shootdown only after the lock is dropped: a shootdown waits for every other
 * CPU, and with the lock held every CPU that wants it waits too (at -smp 4 under TCG, past the lock
 * debug's stuck-spinning timeout).  While the shootdown is in flight the range is still unmapped and
 * is not handed out again.
 */
static unsigned shootdowns_seen;
static bool shootdown_nested;

/* Played on "another CPU" while a shootdown waits: nothing holds vmlist_lock, the range is unmapped,
 * and first fit does not hand it out. */
static void check_shootdown(void)
{
	vaddr_t s = fake_hal_stats.last_tlb_others_start, e = fake_hal_stats.last_tlb_others_end;
	struct vm_struct *other;

	if (shootdown_nested)
		return;
	shootdown_nested = true;
	shootdowns_seen++;
	assert_false(rwlock_is_locked(&vmlist_lock));
	if (e) {
		assert_false(mapped(s));
		other = get_vm_area(PAGE_SIZE, VM_IOREMAP);
		assert_non_null(other);
		assert_true(other->addr + other->size <= s || other->addr >= e);
		free_vm_area(other);
	}
	shootdown_nested = false;
}

static void test_shootdown_outside_vmlist_lock(void **state)
{
	struct page *pg[2] = { alloc_page(GFP_KERNEL), alloc_page(GFP_KERNEL) };
	vaddr_t io, v;
	struct vm_struct *area;

	(void)state;
	fake_hal_set_online(0x3u);
	fake_hal_set_shootdown_hook(check_shootdown);
	shootdowns_seen = 0;
	io = ioremap(0xf0000, 2 * PAGE_SIZE);
	assert_true(io);
	iounmap(io);
	assert_false(mapped(io));
	assert_int_equal(shootdowns_seen, 1);
	/* free_vm_area() of an area still listed, and remove_vm_area(). */
	area = get_vm_area(PAGE_SIZE, VM_IOREMAP);
	assert_non_null(area);
	assert_int_equal(kernel_map_page(area->addr, 0xf0000, HAL_PROT_WRITE | HAL_PROT_GLOBAL), HAL_OK);
	free_vm_area(area);
	assert_int_equal(shootdowns_seen, 2);
	area = get_vm_area(PAGE_SIZE, VM_IOREMAP);
	assert_non_null(area);
	assert_int_equal(kernel_map_page(area->addr, 0xf0000, HAL_PROT_WRITE | HAL_PROT_GLOBAL), HAL_OK);
	assert_ptr_equal(remove_vm_area(area->addr), area);
	assert_int_equal(shootdowns_seen, 3);
	free_vm_area(area);
	/* vfree, small (page by page) and big (the global flush that purges the list). */
	v = vmalloc(3 * PAGE_SIZE);
	assert_true(v);
	vfree(v);
	assert_int_equal(shootdowns_seen, 4);
	v = vmalloc((VMALLOC_FLUSH_ALL_PAGES + 1) * PAGE_SIZE);
	assert_true(v);
	vfree(v);
	assert_int_equal(shootdowns_seen, 5);
	/* vunmap leaves its range waiting; the purge flushes it without the lock. */
	v = vmap(pg, 2, VM_MAP, HAL_PROT_WRITE | HAL_PROT_GLOBAL);
	assert_true(v);
	vunmap(v);
	assert_int_equal(shootdowns_seen, 5);
	assert_int_equal(vmalloc_purge_lazy(), 1);
	assert_int_equal(shootdowns_seen, 6);
	assert_int_equal(vmalloc_stats.lazy_pending_areas, 0);
	fake_hal_set_shootdown_hook(NULL);
	fake_hal_set_online(0x1u);
	__free_page(pg[0]);
	__free_page(pg[1]);
	assert_int_equal(check_vmlist(), 0);
	assert_unlocked();
}

/*
 * First fit hands out space on the purge list only when nothing else fits, and then purges it
 * first, without vmlist_lock; while clean space remains, lazily freed ranges are left alone.
 */
static void test_first_fit_purges_outside_lock(void **state)
{
	struct page *pg = alloc_page(GFP_KERNEL);
	vaddr_t lo = VMALLOC_START, hi = VMALLOC_START + 2 * PAGE_SIZE; /* room for one page and guard */
	struct vm_struct *a, *b;
	unsigned long purges = vmalloc_stats.lazy_purges, flushes = fake_hal_stats.flush_page;

	(void)state;
	assert_non_null(pg);
	a = __get_vm_area_caller(PAGE_SIZE, VM_MAP, lo, hi, NULL);
	assert_non_null(a);
	assert_int_equal(kernel_map_page(a->addr, page_to_pfn(pg) << PAGE_SHIFT, HAL_PROT_WRITE), HAL_OK);
	vunmap(a->addr);
	assert_int_equal(vmalloc_stats.lazy_pending_areas, 1);
	/* Anywhere else there is room: the waiting range is skipped (its guard page was never mapped,
	 * so it may start the next area), nothing is flushed. */
	b = get_vm_area(PAGE_SIZE, VM_IOREMAP);
	assert_non_null(b);
	assert_true(b->addr >= lo + PAGE_SIZE);
	assert_int_equal(vmalloc_stats.lazy_pending_areas, 1);
	assert_int_equal(vmalloc_stats.lazy_purges, purges);
	free_vm_area(b);
	/* In the window only the waiting range fits: one purge, then it is handed out. */
	fake_hal_set_online(0x3u);
	fake_hal_set_shootdown_hook(check_shootdown);
	shootdowns_seen = 0;
	b = __get_vm_area_caller(PAGE_SIZE, VM_MAP, lo, hi, NULL);
	assert_non_null(b);
	assert_int_equal(b->addr, lo);
	assert_int_equal(shootdowns_seen, 1);
	assert_int_equal(vmalloc_stats.lazy_purges, purges + 1);
	assert_int_equal(vmalloc_stats.lazy_pending_areas, 0);
	assert_int_equal(vmalloc_stats.lazy_reuse_flushes, 0);
	assert_int_equal(fake_hal_stats.flush_page, flushes);
	fake_hal_set_shootdown_hook(NULL);
	fake_hal_set_online(0x1u);
	free_vm_area(b);
	__free_page(pg);
	assert_int_equal(check_vmlist(), 0);
	assert_unlocked();
}

/* vmap of 2^20 pages or more: count * PAGE_SIZE wraps in 32 bits; refused whole, nothing mapped. */
static void test_vmap_count_overflow(void **state)
{
	static struct page *pages[4];
	unsigned long fails = vmalloc_stats.area_failures;

	pages[0] = alloc_page(GFP_KERNEL);
	assert_int_equal(vmap(pages, 0x100001u, 0, HAL_PROT_WRITE | HAL_PROT_GLOBAL), 0);
	assert_int_equal(vmap(pages, 0x100000u, 0, HAL_PROT_WRITE | HAL_PROT_GLOBAL), 0);
	assert_int_equal(vmap(pages, 0xffffffffu, 0, HAL_PROT_WRITE | HAL_PROT_GLOBAL), 0);
	assert_int_equal(vmalloc_stats.area_failures, fails + 3);
	assert_null(vmlist);
	__free_page(pages[0]);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_vmap(void **state)
{
	struct page *pages[3];
	vaddr_t v;

	for (unsigned i = 0; i < 3; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		memset(hal_va_ptr(lowmem_page_address(pages[i])), 'a' + i, PAGE_SIZE);
	}
	v = vmap(pages, 3, 0, HAL_PROT_WRITE);
	assert_true(v);
	assert_int_equal(find_vm_area(v)->flags, VM_MAP);
	for (unsigned i = 0; i < 3; i++) {
		assert_ptr_equal(vmalloc_to_page(v + i * PAGE_SIZE), pages[i]);
		assert_int_equal(*(char *)hal_va_ptr(v + i * PAGE_SIZE + 99), 'a' + i);
	}
	assert_int_equal(vmap(pages, 0, 0, HAL_PROT_WRITE), 0);
	assert_int_equal(vmap(NULL, 1, 0, HAL_PROT_WRITE), 0);
	vunmap(v);
	assert_false(mapped(v));
	for (unsigned i = 0; i < 3; i++)
		__free_page(pages[i]);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_area_api(void **state)
{
	struct vm_struct *a = get_vm_area(3 * PAGE_SIZE, VM_IOREMAP), *r;

	assert_non_null(a);
	assert_int_equal(a->addr, VMALLOC_START);
	assert_int_equal(a->size, 4 * PAGE_SIZE);
	assert_non_null(a->caller);
	assert_ptr_equal(find_vm_area(a->addr), a);
	assert_int_equal(kernel_map_page(a->addr, 0xf0000, HAL_PROT_WRITE), HAL_OK);
	r = remove_vm_area(a->addr);
	assert_ptr_equal(r, a);
	assert_false(mapped(a->addr));
	assert_null(find_vm_area(a->addr));
	/* free_vm_area of a removed area only releases the struct, even when a new area sits at its address. */
	a = get_vm_area(PAGE_SIZE, VM_ALLOC);
	assert_int_equal(a->addr, r->addr);
	free_vm_area(r);
	assert_ptr_equal(find_vm_area(a->addr), a);
	free_vm_area(a);
	assert_null(vmlist);
}

static void test_tlb_flushes(void **state)
{
	vaddr_t small, big;
	struct fake_hal_stats before;

	/* The 2.4 kernel's eager policy: every free flushes at once. */
	vmalloc_lazy_max_pages = 0;
	small = vmalloc(3 * PAGE_SIZE);
	big = vmalloc(64 * PAGE_SIZE);
	before = fake_hal_stats;

	vfree(small);
	assert_int_equal(fake_hal_stats.flush_page - before.flush_page, 3);
	assert_int_equal(fake_hal_stats.flush_all, before.flush_all);
	vfree(big);
	assert_int_equal(fake_hal_stats.flush_all - before.flush_all, 1);
	assert_int_equal(fake_hal_stats.flush_page - before.flush_page, 3);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
}

static void test_missing_page_table_is_supplied(void **state)
{
	/* Take away the table paging_init made for the start of the vmalloc area (a simulated hole). */
	paddr_t table;
	vaddr_t v;

	assert_true(hal_clear_table(swapper_pg_dir, VMALLOC_START, &table));
	hal_flush_all();
	v = vmalloc(2 * PAGE_SIZE);
	assert_int_equal(v, VMALLOC_START);
	assert_int_equal(vmalloc_stats.tables_allocated, 1);
	assert_true(mapped(v) && mapped(v + PAGE_SIZE));
	*(uint32_t *)hal_va_ptr(v + PAGE_SIZE) = 42;
	vfree(v);
	assert_true(hal_query_table(swapper_pg_dir, VMALLOC_START, NULL));
}

static void test_vmallocinfo_and_meminfo(void **state)
{
	vaddr_t v = vmalloc(2 * PAGE_SIZE), io = ioremap(0xf0000, 0x100);
	struct page *pg = alloc_page(GFP_KERNEL);
	vaddr_t m = vmap(&pg, 1, 0, HAL_PROT_WRITE);
	char *text, line[3][160];
	unsigned long s, e, size, total, used, chunk;
	unsigned pages;

	CAPTURE(text, vmallocinfo_show(out));
	assert_int_equal(sscanf(text, "%159[^\n]\n%159[^\n]\n%159[^\n]\n", line[0], line[1], line[2]), 3);
	assert_int_equal(sscanf(line[0], "0x%lx-0x%lx %lu", &s, &e, &size), 3);
	assert_int_equal(s, v);
	assert_int_equal(e, v + 3 * PAGE_SIZE);
	assert_int_equal(size, 3 * PAGE_SIZE);
	assert_non_null(strstr(line[0], " pages=2 vmalloc"));
	assert_int_equal(strncmp(line[0], "0xc2800000-0xc2803000   12288 0x", 32), 0);
	assert_non_null(strstr(line[1], " phys=0x000f0000 ioremap"));
	assert_int_equal(strncmp(line[1], "0xc2803000-0xc2805000    8192 ", 30), 0);
	assert_non_null(strstr(line[2], " vmap"));
	assert_null(strstr(line[2], "pages="));
	free(text);

	CAPTURE(text, vmalloc_meminfo(out));
	assert_int_equal(sscanf(text, "VmallocTotal: %lu kB\nVmallocUsed: %lu kB\nVmallocChunk: %lu kB\n", &total, &used,
				&chunk),
			 3);
	assert_int_equal(total, (VMALLOC_END - VMALLOC_START) >> 10);
	assert_int_equal(used, (3 + 2 + 2) * 4);
	assert_int_equal(chunk, (VMALLOC_END - VMALLOC_START) / 1024 - used);
	assert_int_equal(strncmp(text, "VmallocTotal:   ", 16), 0);
	free(text);
	vmalloc_usage(&used, &chunk, &pages);
	assert_int_equal(pages, 3);

	vfree(v);
	iounmap(io);
	vunmap(m);
	__free_page(pg);
}

/* The model of the random test: areas by address, each with its page count and a tag written in its pages. */
struct model_area {
	vaddr_t addr;
	unsigned pages;
	uint32_t tag;
};

#define MODEL_MAX 600

static unsigned model_n;
static struct model_area model[MODEL_MAX];

/* The address first fit must give an area of pages pages (guard included), or 0. */
static vaddr_t model_first_fit(unsigned pages)
{
	uint64_t addr = VMALLOC_START, size = (uint64_t)(pages + 1) * PAGE_SIZE;

	for (unsigned i = 0; i < model_n; i++) {
		if (addr + size <= model[i].addr)
			return (vaddr_t)addr;
		addr = model[i].addr + (uint64_t)(model[i].pages + 1) * PAGE_SIZE;
	}
	return addr + size <= VMALLOC_END ? (vaddr_t)addr : 0;
}

static void test_random_against_model(void **state)
{
	unsigned long free_before = nr_free_pages();
	struct kmem_cache *c32 = kmalloc_cache(32);
	unsigned long objs_before = c32 ? c32->active_objs : 0;
	uint32_t seed = 12345;

	model_n = 0;
	for (unsigned step = 0; step < 4000; step++) {
		seed = seed * 1103515245u + 12345u;
		if (model_n < MODEL_MAX && (model_n == 0 || (seed >> 16) % 100 < 55)) {
			unsigned pages = 1 + (seed >> 8) % ((seed >> 20) % 4 == 0 ? 40 : 4);
			vaddr_t want = model_first_fit(pages);
			vaddr_t got = (seed >> 24) % 3 == 0 ? vmalloc_32(pages * PAGE_SIZE - (seed & 0xff))
							     : vmalloc(pages * PAGE_SIZE);
			unsigned i;

			assert_int_equal(got, want);
			if (!got)
				continue;
			for (i = model_n; i > 0 && model[i - 1].addr > got; i--)
				model[i] = model[i - 1];
			model[i] = (struct model_area){ got, pages, seed };
			model_n++;
			for (unsigned p = 0; p < pages; p++)
				*(uint32_t *)hal_va_ptr(got + p * PAGE_SIZE) = seed ^ p;
		} else {
			unsigned i = (seed >> 8) % model_n;

			for (unsigned p = 0; p < model[i].pages; p++)
				assert_int_equal(*(uint32_t *)hal_va_ptr(model[i].addr + p * PAGE_SIZE), model[i].tag ^ p);
			vfree(model[i].addr);
			memmove(&model[i], &model[i + 1], (model_n - i - 1) * sizeof(model[0]));
			model_n--;
		}
		if (step % 100 == 0) {
			unsigned i = 0;

			assert_int_equal(check_vmlist(), model_n);
			for (struct vm_struct *v = vmlist; v; v = v->next, i++) {
				assert_int_equal(v->addr, model[i].addr);
				assert_int_equal(v->nr_pages, model[i].pages);
			}
		}
	}
	while (model_n)
		vfree(model[--model_n].addr);
	assert_null(vmlist);
	assert_int_equal(nr_free_pages(), free_before);
	if (c32)
		assert_int_equal(c32->active_objs, objs_before);
	assert_int_equal(check_free_lists(stdout), 0);
	assert_unlocked();
}

static void test_region_names_vmalloc(void **state)
{
	vaddr_t v = vmalloc(2 * PAGE_SIZE);
	char buf[200];

	assert_non_null(strstr(mm_region_name(v + 2 * PAGE_SIZE, buf, sizeof(buf)),
			       "guard page after vmalloc area 0xc2800000-0xc2802000 (8192 bytes, caller 0x"));
	assert_non_null(strstr(mm_region_name(v + PAGE_SIZE, buf, sizeof(buf)), "inside vmalloc area 0xc2800000"));
	assert_non_null(strstr(mm_region_name(v + 3 * PAGE_SIZE, buf, sizeof(buf)), "unused vmalloc space"));
	vfree(v);
}


static int setup128(void **state)
{
	vm_boot(128 * MiB);
	return 0;
}

/* vunmap of 10,000 areas in a row: unmapped at once, at most 10 global flushes and no page flushes. */
static void test_lazy_vunmap_batches_flushes(void **state)
{
	enum { N = 10000 };
	static vaddr_t v[N];
	struct fake_hal_stats before;
	struct page *page = alloc_page(GFP_KERNEL);
	char *text;

	assert_non_null(page);
	for (unsigned i = 0; i < N; i++) {
		v[i] = vmap(&page, 1, 0, HAL_PROT_WRITE | HAL_PROT_GLOBAL);
		assert_true(v[i]);
	}
	before = fake_hal_stats;
	for (unsigned i = 0; i < N; i++) {
		vunmap(v[i]);
		assert_false(mapped(v[i]));
	}
	assert_true(fake_hal_stats.flush_all - before.flush_all <= 10);
	assert_true(fake_hal_stats.flush_all - before.flush_all >= 1);
	assert_int_equal(fake_hal_stats.flush_page - before.flush_page, 0);
	assert_int_equal(vmalloc_stats.lazy_frees, N);
	assert_null(vmlist);
	CAPTURE(text, vmalloc_vmstat_show(out));
	assert_non_null(strstr(text, "vmalloc_lazy_purges "));
	free(text);
	/* An explicit purge leaves nothing waiting, and the space is whole again. */
	vmalloc_purge_lazy();
	assert_int_equal(vmalloc_stats.lazy_pending_pages, 0);
	__free_page(page);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
	assert_int_equal(vmalloc(PAGE_SIZE), VMALLOC_START);
	vfree(VMALLOC_START);
	assert_unlocked();
}

/* True if frame pfn lies in a free buddy block. */
static bool frame_is_free(pfn_t pfn)
{
	for (unsigned o = 0; o < MAX_ORDER; o++) {
		pfn_t head = pfn & ~(((pfn_t)1 << o) - 1);
		unsigned order;

		if (pfn_valid(head) && page_is_buddy_head(pfn_to_page(head), &order) &&
		    head + ((pfn_t)1 << order) > pfn)
			return true;
	}
	return false;
}

/*
 * After vfree no page goes back to the allocator while a TLB entry may still translate an old
 * address to it: vmalloc 4K, write through it (the TLB caches the translation), vfree, and the
 * frame the next GFP_HIGHUSER page gets must not be reachable through the old address.
 */
static void test_vfree_flushes_before_pages_go_back(void **state)
{
	uint32_t seed = 4242;

	for (unsigned round = 0; round < 200; round++) {
		unsigned pages;
		vaddr_t v;
		paddr_t stale;

		seed = seed * 1103515245u + 12345u;
		pages = 1 + (seed >> 16) % (round % 5 == 0 ? 48 : 4);
		v = vmalloc(pages * PAGE_SIZE);
		assert_true(v);
		for (unsigned i = 0; i < pages; i++)
			*(uint32_t *)hal_va_ptr(v + i * PAGE_SIZE) = 0x5a5a0000u + i;
		vfree(v);
		for (unsigned i = 0; i < pages; i++)
			if (fake_hal_tlb_stale(v + i * PAGE_SIZE, &stale))
				assert_false(frame_is_free((pfn_t)(stale >> PAGE_SHIFT)));
	}
	/* The shell's scenario: vmalloc 4K, mw, vfree: the old address translates to nothing. */
	{
		vaddr_t v = vmalloc(PAGE_SIZE);

		*(uint32_t *)hal_va_ptr(v) = 1;
		vfree(v);
		assert_false(fake_hal_tlb_stale(v, NULL));
	}
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
	assert_unlocked();
}

/* A lazily freed range the model still holds: unmapped, maybe still in the TLB. */
struct dirty_range {
	vaddr_t addr;
	unsigned pages;
};

static struct dirty_range dirty[4096];
static unsigned dirty_n;

/* No freed address is handed out before its flush: every reuse is paid for by exactly the page flushes it needs, or by a global flush. */
static void test_lazy_no_reuse_before_flush(void **state)
{
	uint32_t seed = 777;

	static struct page *backing[40];

	dirty_n = 0;
	model_n = 0;
	vmalloc_lazy_max_pages = 300; /* small, so global purges happen too */
	/* vunmap is the lazy path (vfree flushes before its pages go back): map one set of pages. */
	for (unsigned i = 0; i < 40; i++)
		assert_non_null(backing[i] = alloc_page(GFP_KERNEL));
	for (unsigned step = 0; step < 6000; step++) {
		struct fake_hal_stats before = fake_hal_stats;

		seed = seed * 1103515245u + 12345u;
		if (model_n < MODEL_MAX && (model_n == 0 || (seed >> 16) % 100 < 52)) {
			unsigned pages = 1 + (seed >> 8) % ((seed >> 20) % 4 == 0 ? 40 : 3);
			vaddr_t got = vmap(backing, pages, 0, HAL_PROT_WRITE | HAL_PROT_GLOBAL);
			unsigned long overlap = 0, i;

			assert_true(got);
			if (fake_hal_stats.flush_all != before.flush_all) {
				dirty_n = 0;
			} else {
				for (i = 0; i < dirty_n;) {
					uint64_t s = dirty[i].addr, e = s + (uint64_t)dirty[i].pages * PAGE_SIZE;

					if (s < (uint64_t)got + (pages + 1) * PAGE_SIZE && e > got) {
						overlap += dirty[i].pages;
						dirty[i] = dirty[--dirty_n];
					} else {
						i++;
					}
				}
				assert_int_equal(fake_hal_stats.flush_page - before.flush_page, overlap);
			}
			model[model_n++] = (struct model_area){ got, pages, seed };
		} else {
			unsigned i = (seed >> 8) % model_n;

			vunmap(model[i].addr);
			assert_int_equal(fake_hal_stats.flush_page, before.flush_page);
			if (fake_hal_stats.flush_all != before.flush_all)
				dirty_n = 0;
			else
				dirty[dirty_n++] = (struct dirty_range){ model[i].addr, model[i].pages };
			model[i] = model[--model_n];
		}
		assert_int_equal(vmalloc_stats.lazy_pending_areas, dirty_n);
	}
	while (model_n)
		vunmap(model[--model_n].addr);
	assert_true(vmalloc_stats.lazy_purges > 0);
	/* Clean space was always found: no waiting range was flushed page by page for reuse. */
	assert_int_equal(vmalloc_stats.lazy_reuse_flushes, 0);
	vmalloc_purge_lazy();
	for (unsigned i = 0; i < 40; i++)
		__free_page(backing[i]);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
	assert_unlocked();
}

/* One random sequence of area operations; records every address handed out. */
static unsigned run_sequence(uint32_t seed, unsigned steps, vaddr_t *placed, bool flip_modes)
{
	static struct vm_struct *live[MODEL_MAX];
	unsigned n = 0, placed_n = 0;

	for (unsigned step = 0; step < steps; step++) {
		seed = seed * 1103515245u + 12345u;
		if (flip_modes && step % 97 == 0)
			vmalloc_set_search(vmalloc_get_search() == VMALLOC_SEARCH_LINEAR ? VMALLOC_SEARCH_INDEXED
										       : VMALLOC_SEARCH_LINEAR);
		if (n < MODEL_MAX && (n == 0 || (seed >> 16) % 100 < 55)) {
			unsigned long size = 1 + (seed >> 4) % ((seed >> 20) % 4 == 0 ? 60 * PAGE_SIZE : 3 * PAGE_SIZE);
			unsigned long align = PAGE_SIZE << ((seed >> 12) % 8 == 0 ? (seed >> 9) % 6 : 0);
			vaddr_t start = VMALLOC_START, end = VMALLOC_END;
			struct vm_struct *a;

			if ((seed >> 25) % 8 == 0)
				start += (vaddr_t)((seed >> 3) % 512) * PAGE_SIZE;
			if ((seed >> 26) % 8 == 0)
				end = start + (vaddr_t)(1 + (seed >> 5) % 1024) * PAGE_SIZE;
			a = __get_vm_area_align(size, align, VM_MAP, start, end, NULL);
			placed[placed_n++] = a ? a->addr : 0;
			if (a) {
				assert_int_equal(a->addr % align, 0);
				assert_true(a->addr >= start && (uint64_t)a->addr + a->size <= end);
				live[n++] = a;
			}
		} else {
			unsigned i = (seed >> 8) % n;
			vaddr_t probe = live[i]->addr + (seed & 0x3fff);
			struct vm_struct *want = find_vm_area_containing(probe);

			/* Both lookups agree. */
			vmalloc_set_search(!vmalloc_get_search());
			assert_ptr_equal(find_vm_area_containing(probe), want);
			assert_ptr_equal(find_vm_area(live[i]->addr), live[i]);
			vmalloc_set_search(!vmalloc_get_search());
			free_vm_area(remove_vm_area(live[i]->addr));
			live[i] = live[--n];
		}
		/* The gaps the tree records stay exact, and its bounds valid, through every insertion and removal. */
		assert_int_equal(vmalloc_index_check(stderr), 0);
	}
	assert_int_equal(vmalloc_index_check(stderr), 0);
	while (n)
		free_vm_area(remove_vm_area(live[--n]->addr));
	return placed_n;
}

/* The tree and the 2.4 linear walk give the same placement for every request of a long random sequence. */
static void test_indexed_matches_linear(void **state)
{
	enum { STEPS = 8000 };
	static vaddr_t by_tree[STEPS], by_list[STEPS], by_both[STEPS];
	unsigned n1, n2, n3, hits = 0;
	FILE *devnull = fopen("/dev/null", "w"), *saved = stdout;

	stdout = devnull; /* failures print a line each */
	vmalloc_set_search(VMALLOC_SEARCH_INDEXED);
	n1 = run_sequence(4242, STEPS, by_tree, false);
	vmalloc_set_search(VMALLOC_SEARCH_LINEAR);
	n2 = run_sequence(4242, STEPS, by_list, false);
	vmalloc_set_search(VMALLOC_SEARCH_INDEXED);
	n3 = run_sequence(4242, STEPS, by_both, true);
	stdout = saved;
	fclose(devnull);
	vmalloc_set_search(VMALLOC_SEARCH_INDEXED);
	assert_int_equal(n1, n2);
	assert_int_equal(n1, n3);
	for (unsigned i = 0; i < n1; i++) {
		assert_int_equal(by_tree[i], by_list[i]);
		assert_int_equal(by_tree[i], by_both[i]);
		hits += by_tree[i] != 0;
	}
	assert_true(hits > n1 / 2);
	assert_null(vmlist);
	assert_unlocked();
}

int main(void)
{
	const struct CMUnitTest tests32[] = {
		cmocka_unit_test_setup(test_first_fit_and_order, setup32),
		cmocka_unit_test_setup(test_every_page_mapped_and_usable, setup32),
		cmocka_unit_test_setup(test_vzalloc_zeroes, setup32),
		cmocka_unit_test_setup(test_size_errors_change_nothing, setup32),
		cmocka_unit_test_setup(test_out_of_pages_rolls_back, setup32),
		cmocka_unit_test_setup(test_bad_frees_change_nothing, setup32),
		cmocka_unit_test_setup(test_ioremap_unaligned, setup32),
		cmocka_unit_test_setup(test_ioremap_errors, setup32),
		cmocka_unit_test_setup(test_vmap, setup32),
		cmocka_unit_test_setup(test_shootdown_outside_vmlist_lock, setup32),
		cmocka_unit_test_setup(test_first_fit_purges_outside_lock, setup32),
		cmocka_unit_test_setup(test_vmap_count_overflow, setup32),
		cmocka_unit_test_setup(test_area_api, setup32),
		cmocka_unit_test_setup(test_tlb_flushes, setup32),
		cmocka_unit_test_setup(test_missing_page_table_is_supplied, setup32),
		cmocka_unit_test_setup(test_vmallocinfo_and_meminfo, setup32),
		cmocka_unit_test_setup(test_region_names_vmalloc, setup32),
		cmocka_unit_test_setup(test_random_against_model, setup32),
		cmocka_unit_test_setup(test_highmem_first_and_vmalloc_32, setup1g),
		cmocka_unit_test_setup(test_lazy_vunmap_batches_flushes, setup128),
		cmocka_unit_test_setup(test_vfree_flushes_before_pages_go_back, setup32),
		cmocka_unit_test_setup(test_lazy_no_reuse_before_flush, setup32),
		cmocka_unit_test_setup(test_indexed_matches_linear, setup32),
	};

	return cmocka_run_group_tests(tests32, NULL, NULL);
}
