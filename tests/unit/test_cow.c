/*
 * fork on the fake machine: copy-on-write of private pages (both sides
 * write-protected, the first writer copies, the last one reuses), shared
 * mappings staying shared, page reference counts at every step, page
 * tables per address space, and exact accounting: a hundred fork/exit
 * cycles leave free pages, page tables and objects where they were.
 */
#include "test_vma_fixture.h"

/* A parent with an anonymous private region of n pages, each page i holding i + 1. */
static struct mm_struct *parent_with_pages(unsigned n)
{
	struct mm_struct *mm = mm_alloc();

	assert_non_null(mm);
	assert_int_equal(MMAP_ANON(mm, BASE, n * P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE);
	for (unsigned i = 0; i < n; i++)
		assert_true(uput(mm, BASE + i * P, (uint8_t)(i + 1)));
	return mm;
}

static struct mm_struct *fork_mm(struct mm_struct *parent)
{
	struct mm_struct *child = mm_alloc();

	assert_non_null(child);
	assert_int_equal(dup_mmap(child, parent), 0);
	assert_mm_ok(child);
	return child;
}

static void test_cow_basic(void **state)
{
	struct mm_struct *p = parent_with_pages(4), *c;
	struct page *pg0 = follow_page(p, BASE, NULL), *cpg;
	bool w;
	uint8_t v;

	(void)state;
	assert_int_equal(page_count(pg0), 1);
	assert_non_null(follow_page(p, BASE, &w));
	assert_true(w);
	c = fork_mm(p);
	/* Same frames, counted twice, read-only on both sides. */
	assert_ptr_equal(follow_page(c, BASE, &w), pg0);
	assert_false(w);
	follow_page(p, BASE, &w);
	assert_false(w);
	assert_int_equal(page_count(pg0), 2);
	assert_int_equal(count_shared_anon(p), 4);
	assert_int_equal(count_shared_anon(c), 4);
	assert_int_equal(c->rss, 4);
	assert_int_equal(page_mapcount(pg0), 2);

	/* The child writes: it gets a copy; the parent keeps the original. */
	assert_true(uput(c, BASE, 0x55));
	cpg = follow_page(c, BASE, &w);
	assert_ptr_not_equal(cpg, pg0);
	assert_true(w);
	assert_int_equal(page_count(pg0), 1);
	assert_int_equal(page_count(cpg), 1);
	assert_true(uget(p, BASE, &v));
	assert_int_equal(v, 1);
	assert_true(uget(c, BASE, &v));
	assert_int_equal(v, 0x55);
	assert_int_equal(count_shared_anon(p), 3);
	/* The parent writes page 0: it is its own now (count 1), so no copy. */
	unsigned long copies = mmap_stats.cow_copies, reuses = mmap_stats.cow_reuses;
	assert_true(uput(p, BASE, 0x66));
	assert_int_equal(mmap_stats.cow_copies, copies);
	assert_int_equal(mmap_stats.cow_reuses, reuses + 1);
	assert_ptr_equal(follow_page(p, BASE, NULL), pg0);
	/* The parent writes page 1: a copy, the child keeps the original. */
	struct page *pg1 = follow_page(p, BASE + P, NULL);
	assert_true(uput(p, BASE + P, 0x77));
	assert_ptr_equal(follow_page(c, BASE + P, NULL), pg1);
	assert_ptr_not_equal(follow_page(p, BASE + P, NULL), pg1);
	assert_true(uget(c, BASE + P, &v));
	assert_int_equal(v, 2);
	assert_int_equal(count_shared_anon(p), 2);
	assert_int_equal(count_shared_anon(c), 2);
	/* The copy is found by reverse mapping through the shared anon_vma, in the right mm. */
	assert_int_equal(page_mapcount(follow_page(c, BASE, NULL)), 1);
	assert_int_equal(page_mapcount(follow_page(p, BASE + 2 * P, NULL)), 2);
	mmput(c);
	assert_int_equal(count_shared_anon(p), 0);
	assert_int_equal(page_count(follow_page(p, BASE + 2 * P, NULL)), 1);
	assert_mm_ok(p);
	mmput(p);
	assert_all_returned();
}

static void test_shared_mapping_stays_shared(void **state)
{
	struct mm_struct *p = mm_alloc(), *c;
	unsigned long a;
	uint8_t v;

	(void)state;
	a = do_mmap(p, NULL, 0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, 0);
	assert_false(IS_ERR_VALUE(a));
	assert_true(uput(p, (vaddr_t)a, 1));
	c = fork_mm(p);
	assert_true(uput(c, (vaddr_t)a, 42));
	assert_true(uput(c, (vaddr_t)a + P, 43));
	assert_true(uget(p, (vaddr_t)a, &v));
	assert_int_equal(v, 42);
	assert_true(uget(p, (vaddr_t)a + P, &v));
	assert_int_equal(v, 43);
	assert_ptr_equal(follow_page(p, (vaddr_t)a, NULL), follow_page(c, (vaddr_t)a, NULL));
	/* One cache reference and two page-table references. */
	assert_int_equal(page_count(follow_page(p, (vaddr_t)a, NULL)), 3);
	assert_int_equal(page_mapcount(follow_page(p, (vaddr_t)a, NULL)), 2);
	mmput(p);
	assert_true(uget(c, (vaddr_t)a, &v));
	assert_int_equal(v, 42);
	mmput(c);
	assert_all_returned();
}

static void test_fork_of_fork_and_threads(void **state)
{
	struct mm_struct *a = parent_with_pages(3), *b, *c;
	uint8_t v;

	(void)state;
	b = fork_mm(a);
	c = fork_mm(b);
	assert_int_equal(page_count(follow_page(a, BASE, NULL)), 3);
	assert_int_equal(page_mapcount(follow_page(a, BASE, NULL)), 3);
	assert_true(uput(b, BASE, 9));
	assert_true(uget(a, BASE, &v));
	assert_int_equal(v, 1);
	assert_true(uget(c, BASE, &v));
	assert_int_equal(v, 1);
	/* A thread shares the mm: one more user, nothing copied; the last user frees it. */
	c->mm_users++;
	mmput(c);
	assert_true(uget(c, BASE, &v));
	mmput(c);
	mmput(a);
	assert_true(uget(b, BASE, &v));
	assert_int_equal(v, 9);
	assert_int_equal(page_count(follow_page(b, BASE + P, NULL)), 1);
	mmput(b);
	assert_all_returned();
}

static void test_hundred_fork_exit_cycles_exact(void **state)
{
	struct mm_struct *p = parent_with_pages(16);
	unsigned long free0, objs0, pt0, slab0;

	(void)state;
	/* A file mapping and a heap too, as a real process has. */
	p->start_brk = p->brk = 0x08100000u;
	do_brk_syscall(p, 0x08100000u + 5 * P);
	assert_true(uput(p, 0x08100000u, 1));
	free0 = nr_free_pages();
	objs0 = proc_mm_objects();
	pt0 = nr_pagetable_pages();
	slab0 = slab_stats.slab_pages;
	for (unsigned i = 0; i < 100; i++) {
		struct mm_struct *c = fork_mm(p);

		/* The child writes some pages (copies) and maps more. */
		for (unsigned k = 0; k < 4; k++)
			assert_true(uput(c, BASE + ((i + k) % 16) * P, (uint8_t)i));
		assert_int_equal(MMAP_ANON(c, 0, 3 * P, PROT_READ | PROT_WRITE, 0) != 0, 1);
		mmput(c);
		assert_int_equal(count_shared_anon(p), 0);
	}
	assert_int_equal(nr_free_pages() + (slab_stats.slab_pages - slab0), free0);
	assert_int_equal(proc_mm_objects(), objs0);
	assert_int_equal(nr_pagetable_pages(), pt0);
	mmput(p);
	assert_all_returned();
}

static void test_cow_out_of_memory_kills_nothing(void **state)
{
	struct mm_struct *p = parent_with_pages(2), *c = fork_mm(p);
	struct page *hog[20000];
	unsigned n = 0;
	struct vm_area_struct *vma = find_vma(c, BASE);

	(void)state;
	/* Take every page the allocator will give, then ask for a copy. */
	while (n < 20000 && (hog[n] = alloc_page(GFP_HIGHUSER | __GFP_NOWARN | __GFP_MEMALLOC)))
		n++;
	assert_true(n < 20000);
	assert_int_equal(handle_mm_fault(c, vma, BASE, FAULT_FLAG_WRITE), VM_FAULT_OOM);
	/* Nothing changed: still shared, still read-only. */
	assert_ptr_equal(follow_page(c, BASE, NULL), follow_page(p, BASE, NULL));
	assert_int_equal(page_count(follow_page(p, BASE, NULL)), 2);
	while (n)
		__free_page(hog[--n]);
	assert_int_equal(handle_mm_fault(c, vma, BASE, FAULT_FLAG_WRITE), 0);
	mmput(c);
	mmput(p);
	assert_all_returned();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cow_basic, setup_proc),
		cmocka_unit_test_setup(test_shared_mapping_stays_shared, setup_proc),
		cmocka_unit_test_setup(test_fork_of_fork_and_threads, setup_proc),
		cmocka_unit_test_setup(test_hundred_fork_exit_cycles_exact, setup_proc),
		cmocka_unit_test_setup(test_cow_out_of_memory_kills_nothing, setup_proc_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
