/*
 * Reverse mapping, the page cache and shared memory on the fake machine:
 * two address spaces mapping one file page map one physical page, found
 * from the page through the file's i_mmap interval tree; private writes
 * copy and leave the cache alone; anonymous pages are found through their
 * anon_vma; the interval tree answers stabbing queries exactly as a brute
 * force scan does through random inserts and removals; a System V segment
 * attached twice is one set of pages and goes away after IPC_RMID and the
 * last detach.
 */
#include <mm/debug/mmcheck.h>

#include "test_vma_fixture.h"

/* The "boot module" lives in 16 pages taken from the allocator (freed by drop_module()). */
static struct page *module_pages;

static void drop_module(void)
{
	__free_pages(module_pages, 4);
}

static struct inode *make_file(size_t pages)
{
	paddr_t pa;
	struct ramfs_module mod;
	uint8_t *b;

	assert_true(pages <= 16);
	module_pages = alloc_pages(GFP_KERNEL, 4);
	assert_non_null(module_pages);
	pa = (paddr_t)page_to_pfn(module_pages) << PAGE_SHIFT;
	mod = (struct ramfs_module){ pa, pa + pages * P - 100, "/boot/prog" };
	b = fake_phys_ptr(pa);
	for (size_t i = 0; i < pages; i++)
		memset(b + i * P, (int)(0xA0 + i), P);
	assert_int_equal(ramfs_init(&mod, 1), 1);
	return ramfs_lookup("prog");
}

struct seen {
	struct mm_struct *mm[4];
	vaddr_t addr[4];
	unsigned n;
};

static bool record(struct page *page, struct vm_area_struct *vma, vaddr_t address, void *arg)
{
	struct seen *s = arg;

	(void)page;
	if (s->n < 4) {
		s->mm[s->n] = vma->vm_mm;
		s->addr[s->n] = address;
	}
	s->n++;
	return true;
}

static void test_file_pages_shared_through_page_cache(void **state)
{
	struct inode *inode = make_file(8);
	struct file *f = file_open(inode, FMODE_READ);
	struct mm_struct *a = mm_alloc(), *b = mm_alloc();
	unsigned long xa, xb;
	struct page *pa, *pb;
	struct seen s = { { 0 }, { 0 }, 0 };
	uint8_t v;

	(void)state;
	xa = do_mmap(a, f, 0, 8 * P, PROT_READ, MAP_PRIVATE, 0);
	xb = do_mmap(b, f, BASE + 0x100000u, 6 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, 2 * P);
	assert_false(IS_ERR_VALUE(xa));
	assert_int_equal(xb, BASE + 0x100000u);
	assert_true(uget(a, (vaddr_t)xa + 3 * P, &v));
	assert_int_equal(v, 0xA3);
	assert_true(uget(b, (vaddr_t)xb + P, &v));
	assert_int_equal(v, 0xA3);
	pa = follow_page(a, (vaddr_t)xa + 3 * P, NULL);
	pb = follow_page(b, (vaddr_t)xb + P, NULL);
	assert_ptr_equal(pa, pb);
	assert_int_equal(page_count(pa), 3); /* the cache and two page tables */
	assert_int_equal(inode->i_mapping->nrpages, 1);
	assert_int_equal(rmap_walk(pa, record, &s), 2);
	assert_true((s.mm[0] == a && s.addr[0] == xa + 3 * P) || (s.mm[1] == a && s.addr[1] == xa + 3 * P));
	assert_true((s.mm[0] == b && s.addr[0] == xb + P) || (s.mm[1] == b && s.addr[1] == xb + P));
	/* The tail of the last page past the end of the file reads as zero. */
	assert_true(uget(a, (vaddr_t)xa + 8 * P - 1, &v));
	assert_int_equal(v, 0);
	/* A private write copies: b's page becomes anonymous, the cache page keeps its bytes. */
	assert_true(uput(b, (vaddr_t)xb + P, 0x11));
	assert_ptr_not_equal(follow_page(b, (vaddr_t)xb + P, NULL), pa);
	assert_true(PageAnon(follow_page(b, (vaddr_t)xb + P, NULL)));
	assert_int_equal(page_count(pa), 2);
	assert_true(uget(a, (vaddr_t)xa + 3 * P, &v));
	assert_int_equal(v, 0xA3);
	assert_int_equal(page_mapcount(pa), 1);
	/* Writing to a read-only private file mapping is refused. */
	assert_false(uput(a, (vaddr_t)xa, 1));
	/* The interval tree holds both regions. */
	assert_int_equal(inode->i_mapping->i_mmap_count, 2);
	assert_int_equal(vma_interval_tree_check(inode->i_mapping, stdout), 0);
	mmput(a);
	mmput(b);
	assert_int_equal(inode->i_mapping->i_mmap_count, 0);
	fput(f);
	/* The page cache keeps its pages (one reference each) until the file system goes. */
	assert_int_equal(page_count(pa), 1);
	truncate_inode_pages(inode->i_mapping);
	drop_module();
	assert_all_returned();
}

static void test_sigbus_beyond_end_of_file(void **state)
{
	struct inode *inode = make_file(2);
	struct file *f = file_open(inode, FMODE_READ);
	struct mm_struct *mm = mm_alloc();
	unsigned long x = do_mmap(mm, f, 0, 4 * P, PROT_READ, MAP_PRIVATE, 0);
	struct vm_area_struct *vma = find_vma(mm, (vaddr_t)x);

	(void)state;
	assert_int_equal(handle_mm_fault(mm, vma, (vaddr_t)x + P, 0), 0);
	assert_int_equal(handle_mm_fault(mm, vma, (vaddr_t)x + 2 * P, 0), VM_FAULT_SIGBUS);
	mmput(mm);
	fput(f);
	truncate_inode_pages(inode->i_mapping);
	drop_module();
	assert_all_returned();
}

static void test_interval_tree_against_brute_force(void **state)
{
	struct address_space m;
	static struct vm_area_struct v[300];
	bool in[300] = { false };

	(void)state;
	memset(&m, 0, sizeof(m));
	m.i_mmap = RB_ROOT;
	srandom(7);
	for (unsigned i = 0; i < 300; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].vm_pgoff = (unsigned long)(random() % 1000);
		v[i].vm_start = 0x10000000u;
		v[i].vm_end = v[i].vm_start + (vaddr_t)(1 + random() % 40) * P;
	}
	for (unsigned step = 0; step < 4000; step++) {
		unsigned i = (unsigned)random() % 300;
		unsigned long first = (unsigned long)(random() % 1100), last = first + (unsigned long)(random() % 30);
		unsigned brute = 0, tree = 0;

		if (in[i])
			vma_interval_tree_remove(&v[i], &m);
		else
			vma_interval_tree_insert(&v[i], &m);
		in[i] = !in[i];
		for (unsigned k = 0; k < 300; k++)
			if (in[k] && v[k].vm_pgoff <= last &&
			    v[k].vm_pgoff + (v[k].vm_end - v[k].vm_start) / P - 1 >= first)
				brute++;
		for (struct vm_area_struct *x = vma_interval_tree_iter_first(&m, first, last); x;
		     x = vma_interval_tree_iter_next(x, first, last)) {
			assert_true(x->vm_pgoff <= last);
			tree++;
		}
		assert_int_equal(tree, brute);
		if (step % 100 == 0)
			assert_int_equal(vma_interval_tree_check(&m, stdout), 0);
	}
}

static void test_shm_two_attachments_one_set_of_pages(void **state)
{
	struct mm_struct *a = mm_alloc(), *b = mm_alloc();
	int id = shm_get(0x1234, 3 * P, IPC_CREAT | 0600, 0);
	unsigned long xa, xb;
	uint8_t v;
	char *text = NULL;
	size_t len;
	FILE *out;

	(void)state;
	assert_true(id >= 0);
	assert_int_equal(shm_get(0x1234, 3 * P, IPC_CREAT | IPC_EXCL, 0), -EEXIST);
	assert_int_equal(shm_get(0x1234, 0, 0, 0), id);
	assert_int_equal(shm_get(0x999, P, 0, 0), -ENOENT);
	assert_int_equal(shm_get(IPC_PRIVATE, 0, IPC_CREAT, 0), -EINVAL);
	xa = shm_at(a, id, 0, 0);
	xb = shm_at(b, id, BASE + 0x200000u, 0);
	assert_false(IS_ERR_VALUE(xa));
	assert_int_equal(xb, BASE + 0x200000u);
	assert_int_equal((long)shm_at(b, id, BASE + 1, 0), -EINVAL);
	assert_int_equal((long)shm_at(b, 77, 0, 0), -EINVAL);
	assert_true(uput(a, (vaddr_t)xa + 2 * P, 0x5A));
	assert_true(uget(b, (vaddr_t)xb + 2 * P, &v));
	assert_int_equal(v, 0x5A);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(uget(a, (vaddr_t)xa + i * P, &v));
		assert_true(uget(b, (vaddr_t)xb + i * P, &v));
		assert_ptr_equal(follow_page(a, (vaddr_t)xa + i * P, NULL), follow_page(b, (vaddr_t)xb + i * P, NULL));
		assert_int_equal(page_mapcount(follow_page(a, (vaddr_t)xa + i * P, NULL)), 2);
	}
	out = open_memstream(&text, &len);
	show_maps(out, a);
	rmap_show(out, page_to_pfn(follow_page(a, (vaddr_t)xa, NULL)), NULL);
	fclose(out);
	assert_non_null(strstr(text, "rw-s 00000000 00:05"));
	assert_non_null(strstr(text, "/SYSV00001234"));
	assert_non_null(strstr(text, "2 mappings"));
	free(text);
	/* The same line as maps_row()'s fields. */
	struct maps_row row;

	maps_row(find_vma(a, (vaddr_t)xa), &row);
	assert_int_equal(row.start, (vaddr_t)xa);
	assert_string_equal(row.perms, "rw-s");
	assert_int_equal(row.major, 0);
	assert_int_equal(row.minor, 5);
	assert_string_equal(row.name, "/SYSV00001234");
	/* A fork's copy is one more attachment of the same pages. */
	struct mm_struct *c = mm_alloc();
	assert_int_equal(dup_mmap(c, a), 0);
	assert_true(uget(c, (vaddr_t)xa + 2 * P, &v));
	assert_int_equal(v, 0x5A);
	assert_int_equal(page_mapcount(follow_page(a, (vaddr_t)xa + 2 * P, NULL)), 3);
	mmput(c);
	/* IPC_RMID: the segment stays while attached, and goes with the last detach. */
	assert_int_equal(shm_rmid(id), 0);
	assert_int_equal(shm_count(), 1);
	assert_int_equal(shm_dt(a, (vaddr_t)xa + P), -EINVAL);
	assert_int_equal(shm_dt(a, (vaddr_t)xa), 0);
	assert_int_equal(shm_count(), 1);
	assert_true(uget(b, (vaddr_t)xb + 2 * P, &v));
	assert_int_equal(v, 0x5A);
	assert_int_equal(shm_dt(b, (vaddr_t)xb), 0);
	assert_int_equal(shm_count(), 0);
	mmput(a);
	mmput(b);
	assert_all_returned();
}

/*
 * A read-only attach stays read-only: mprotect cannot add PROT_WRITE (the attachment's file is
 * opened for reading only, so the region has no VM_MAYWRITE), and a write through it is refused.
 * A fixed attach over an existing mapping is -EINVAL unless SHM_REMAP asks for the replacement.
 */
static void test_shm_readonly_attach_and_remap(void **state)
{
	struct mm_struct *mm = mm_alloc();
	int id = shm_get(0x4321, 2 * P, IPC_CREAT | 0600, 0);
	unsigned long x, y;
	uint8_t v;

	(void)state;
	assert_true(id >= 0);
	x = shm_at(mm, id, BASE, SHM_RDONLY);
	assert_int_equal(x, BASE);
	assert_true(uget(mm, BASE, &v));
	assert_false(uput(mm, BASE, 1));
	assert_int_equal(do_mprotect(mm, BASE, 2 * P, PROT_READ | PROT_WRITE), -EACCES);
	assert_false(find_vma(mm, BASE)->vm_flags & VM_WRITE);
	assert_false(uput(mm, BASE + P, 1));

	/* Over the read-only attachment, and over part of an anonymous region: refused, nothing changed. */
	assert_int_equal((long)shm_at(mm, id, BASE, 0), -EINVAL);
	assert_int_equal(MMAP_ANON(mm, BASE + 8 * P, 4 * P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE + 8 * P);
	assert_true(uput(mm, BASE + 9 * P, 0x77));
	assert_int_equal((long)shm_at(mm, id, BASE + 7 * P, 0), -EINVAL);
	assert_true(uget(mm, BASE + 9 * P, &v));
	assert_int_equal(v, 0x77);
	assert_int_equal(nregions(mm), 2);
	/* SHM_REMAP replaces, writable as asked. */
	y = shm_at(mm, id, BASE + 8 * P, SHM_REMAP);
	assert_int_equal(y, BASE + 8 * P);
	assert_true(uput(mm, BASE + 9 * P, 0x42));
	assert_int_equal(shm_dt(mm, BASE), 0);
	assert_int_equal(shm_dt(mm, BASE + 8 * P), 0);
	assert_int_equal(shm_rmid(id), 0);
	assert_int_equal(shm_count(), 0);
	mmput(mm);
	assert_all_returned();
}

static void test_anon_rmap_after_mremap_and_split(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct page *pg;
	struct seen s = { { 0 }, { 0 }, 0 };
	unsigned long a;

	(void)state;
	assert_int_equal(MMAP_ANON(mm, BASE, 8 * P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE);
	assert_true(uput(mm, BASE + 5 * P, 1));
	pg = follow_page(mm, BASE + 5 * P, NULL);
	assert_int_equal(do_mprotect(mm, BASE + 4 * P, P, PROT_READ), 0); /* split around page 4 */
	assert_int_equal(rmap_walk(pg, record, &s), 1);
	assert_int_equal(s.addr[0], BASE + 5 * P);
	a = do_mremap(mm, BASE + 5 * P, 3 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 0x400000u);
	assert_int_equal(a, BASE + 0x400000u);
	s.n = 0;
	assert_int_equal(rmap_walk(pg, record, &s), 1);
	assert_int_equal(s.addr[0], BASE + 0x400000u);
	assert_int_equal(mm->nr_ptes, 2);
	mmput(mm);
	assert_all_returned();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_file_pages_shared_through_page_cache, setup_proc),
		cmocka_unit_test_setup(test_sigbus_beyond_end_of_file, setup_proc),
		cmocka_unit_test_setup(test_interval_tree_against_brute_force, setup_proc),
		cmocka_unit_test_setup(test_shm_two_attachments_one_set_of_pages, setup_proc),
		cmocka_unit_test_setup(test_shm_readonly_attach_and_remap, setup_proc),
		cmocka_unit_test_setup(test_anon_rmap_after_mremap_and_split, setup_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
