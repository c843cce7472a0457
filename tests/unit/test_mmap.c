/*
 * Regions of one address space on the fake machine: find_vma and its
 * cache, mmap/munmap/mprotect/mremap/brk with Linux's errno for every bad
 * argument, split and merge at every boundary, the map-count limit that
 * must change nothing, and long random sequences checked against a simple
 * per-page model (mapping, protection and contents) with the list, the
 * tree and the counters validated after every step.
 */
#include "test_vma_fixture.h"

/* ---- find_vma ---- */

static void test_find_vma_and_cache(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct vm_area_struct *prev;

	(void)state;
	assert_non_null(mm);
	assert_null(find_vma(mm, 0));
	assert_int_equal(MMAP_ANON(mm, BASE, 2 * P, PROT_READ, MAP_FIXED), BASE);
	assert_int_equal(MMAP_ANON(mm, BASE + 4 * P, 2 * P, PROT_WRITE, MAP_FIXED), BASE + 4 * P);
	assert_int_equal(nregions(mm), 2);
	assert_int_equal(find_vma(mm, 0)->vm_start, BASE);
	assert_int_equal(find_vma(mm, BASE + 2 * P)->vm_start, BASE + 4 * P); /* in the hole: the next one */
	assert_null(find_vma(mm, BASE + 6 * P));
	assert_int_equal(find_vma_prev(mm, BASE + 3 * P, &prev)->vm_start, BASE + 4 * P);
	assert_int_equal(prev->vm_start, BASE);
	assert_null(find_vma_prev(mm, BASE + 6 * P, &prev));
	assert_int_equal(prev->vm_start, BASE + 4 * P);
	assert_null(find_vma_prev(mm, 0, &prev) == NULL ? NULL : prev);
	/* The cache answers a repeated lookup. */
	find_vma(mm, BASE + 5 * P);
	unsigned long hits = mmap_stats.find_vma_cache_hits;
	find_vma(mm, BASE + 4 * P);
	assert_int_equal(mmap_stats.find_vma_cache_hits, hits + 1);
	assert_null(find_vma_intersection(mm, BASE + 2 * P, BASE + 4 * P));
	assert_non_null(find_vma_intersection(mm, BASE + 2 * P, BASE + 4 * P + 1));
	assert_mm_ok(mm);
	mmput(mm);
	assert_all_returned();
}

/* ---- errno for every bad argument ---- */

/* The regions of mm as (start, end, flags) triples, to show that a failed call changed nothing. */
struct snap {
	int n;
	unsigned long v[3 * 64];
	unsigned long rss;
};

static void snap_take(struct mm_struct *mm, struct snap *s)
{
	s->n = 0;
	for (struct vm_area_struct *v = mm->mmap; v && s->n < 64; v = v->vm_next, s->n++) {
		s->v[3 * s->n] = v->vm_start;
		s->v[3 * s->n + 1] = v->vm_end;
		s->v[3 * s->n + 2] = v->vm_flags;
	}
	s->rss = mm->rss;
}

static void assert_unchanged(struct mm_struct *mm, const struct snap *before)
{
	struct snap now;

	snap_take(mm, &now);
	assert_int_equal(now.n, before->n);
	assert_memory_equal(now.v, before->v, sizeof(unsigned long) * 3 * (size_t)now.n);
	assert_int_equal(now.rss, before->rss);
	assert_mm_ok(mm);
}

#define EXPECT_ERR(call, err)                               \
	do {                                                \
		snap_take(mm, &s);                          \
		assert_int_equal((long)(call), (long)-(err)); \
		assert_unchanged(mm, &s);                   \
	} while (0)

static void test_errno(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct inode *inode;
	struct file *ro;
	struct snap s;
	static const char data[] = "file contents";
	struct page *modpage = alloc_page(GFP_KERNEL);
	paddr_t pa = (paddr_t)page_to_pfn(modpage) << PAGE_SHIFT;
	struct ramfs_module mod = { pa, pa + sizeof(data), "boot/data.bin" };

	(void)state;
	memcpy(fake_phys_ptr(mod.start), data, sizeof(data));
	assert_int_equal(ramfs_init(&mod, 1), 1);
	inode = ramfs_lookup("data.bin");
	assert_non_null(inode);
	ro = file_open(inode, FMODE_READ);
	assert_int_equal(MMAP_ANON(mm, BASE, 4 * P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE);
	assert_true(uput(mm, BASE, 1));

	/* mmap */
	EXPECT_ERR(MMAP_ANON(mm, 0, 0, PROT_READ, 0), EINVAL);                          /* len 0 */
	EXPECT_ERR(MMAP_ANON(mm, 0, 0xFFFFF001u, PROT_READ, 0), ENOMEM);               /* rounds up to 0 */
	EXPECT_ERR(MMAP_ANON(mm, 0, TASK_SIZE, PROT_READ, 0), ENOMEM);                 /* larger than user space */
	EXPECT_ERR(MMAP_ANON(mm, BASE + 1, P, PROT_READ, MAP_FIXED), EINVAL);          /* unaligned fixed */
	EXPECT_ERR(MMAP_ANON(mm, TASK_SIZE - P, 2 * P, PROT_READ, MAP_FIXED), ENOMEM); /* past the top */
	EXPECT_ERR(do_mmap(mm, NULL, 0, P, PROT_READ, MAP_ANONYMOUS, 0), EINVAL);      /* neither shared nor private */
	EXPECT_ERR(do_mmap(mm, NULL, 0, P, PROT_READ, MAP_ANONYMOUS | MAP_SHARED | MAP_PRIVATE, 0), EINVAL);
	EXPECT_ERR(do_mmap(mm, ro, 0, P, PROT_READ, MAP_PRIVATE, 100), EINVAL);        /* unaligned offset */
	EXPECT_ERR(do_mmap(mm, ro, 0, P, PROT_READ | PROT_WRITE, MAP_SHARED, 0), EACCES); /* read-only file */
	EXPECT_ERR(do_mmap_pgoff(mm, ro, 0, 2 * P, PROT_READ, MAP_PRIVATE, ~0ul), LINUX_EOVERFLOW);

	/* munmap */
	EXPECT_ERR(do_munmap(mm, BASE + 1, P), EINVAL);
	EXPECT_ERR(do_munmap(mm, BASE, 0), EINVAL);
	EXPECT_ERR(do_munmap(mm, TASK_SIZE, P), EINVAL);
	EXPECT_ERR(do_munmap(mm, TASK_SIZE - P, 2 * P), EINVAL);
	snap_take(mm, &s);
	assert_int_equal(do_munmap(mm, BASE + 16 * P, P), 0); /* nothing there: fine */
	assert_unchanged(mm, &s);

	/* mprotect */
	EXPECT_ERR(do_mprotect(mm, BASE + 1, P, PROT_READ), EINVAL);
	EXPECT_ERR(do_mprotect(mm, BASE, P, 0x80), EINVAL);                             /* unknown bit */
	EXPECT_ERR(do_mprotect(mm, BASE, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), EINVAL);
	EXPECT_ERR(do_mprotect(mm, BASE, P, PROT_READ | PROT_GROWSDOWN), EINVAL);       /* not a stack */
	EXPECT_ERR(do_mprotect(mm, BASE + 8 * P, P, PROT_READ), ENOMEM);                /* unmapped */
	EXPECT_ERR(do_mprotect(mm, BASE + 2 * P, 4 * P, PROT_READ), ENOMEM);            /* runs into a hole */
	EXPECT_ERR(do_mprotect(mm, 0xFFFFF000u, 2 * P, PROT_READ), ENOMEM);             /* wraps */
	snap_take(mm, &s);
	assert_int_equal(do_mprotect(mm, BASE, 0, PROT_NONE), 0);                       /* len 0 is fine */
	assert_unchanged(mm, &s);
	{
		unsigned long a = do_mmap(mm, ro, 0, P, PROT_READ, MAP_SHARED, 0);

		assert_false(IS_ERR_VALUE(a));
		EXPECT_ERR(do_mprotect(mm, a, P, PROT_READ | PROT_WRITE), EACCES);      /* no VM_MAYWRITE */
		assert_int_equal(do_munmap(mm, a, P), 0);
	}

	/* mremap */
	EXPECT_ERR(do_mremap(mm, BASE, P, 2 * P, 4, 0), EINVAL);                        /* unknown flag */
	EXPECT_ERR(do_mremap(mm, BASE, P, 2 * P, MREMAP_FIXED, BASE + 32 * P), EINVAL); /* FIXED without MAYMOVE */
	EXPECT_ERR(do_mremap(mm, BASE + 1, P, 2 * P, 0, 0), EINVAL);
	EXPECT_ERR(do_mremap(mm, BASE, P, 0, 0, 0), EINVAL);
	EXPECT_ERR(do_mremap(mm, BASE + 8 * P, P, 2 * P, MREMAP_MAYMOVE, 0), EFAULT);    /* not mapped */
	EXPECT_ERR(do_mremap(mm, BASE, 8 * P, 9 * P, MREMAP_MAYMOVE, 0), EFAULT);        /* beyond the region */
	EXPECT_ERR(do_mremap(mm, BASE, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + P), EINVAL); /* overlap */
	EXPECT_ERR(do_mremap(mm, BASE, P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 16 * P + 1), EINVAL);
	assert_int_equal(MMAP_ANON(mm, BASE + 4 * P, P, PROT_READ, MAP_FIXED), BASE + 4 * P);
	EXPECT_ERR(do_mremap(mm, BASE, 4 * P, 8 * P, 0, 0), ENOMEM);                    /* cannot grow, may not move */

	/* brk below start_brk or into a region returns the old break */
	mm->start_brk = mm->brk = BASE - 2 * P;
	snap_take(mm, &s);
	assert_int_equal(do_brk_syscall(mm, BASE - 3 * P), BASE - 2 * P);
	assert_int_equal(do_brk_syscall(mm, BASE + P), BASE - 2 * P);
	assert_unchanged(mm, &s);

	fput(ro);
	mmput(mm);
	__free_page(modpage);
	assert_all_returned();
}

/* ---- split and merge at every boundary ---- */

static void test_split_merge_every_boundary(void **state)
{
	struct mm_struct *mm = mm_alloc();
	const unsigned n = 8;

	(void)state;
	assert_int_equal(MMAP_ANON(mm, BASE, n * P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE);
	for (unsigned i = 0; i < n; i++)
		assert_true(uput(mm, BASE + i * P, (uint8_t)(i + 1)));
	for (unsigned i = 1; i < n; i++) {
		/* mprotect of [i, n) splits at i; putting it back merges. */
		assert_int_equal(do_mprotect(mm, BASE + i * P, (n - i) * P, PROT_READ), 0);
		assert_int_equal(nregions(mm), 2);
		assert_int_equal(mm->mmap->vm_end, BASE + i * P);
		assert_mm_ok(mm);
		assert_int_equal(do_mprotect(mm, BASE + i * P, (n - i) * P, PROT_READ | PROT_WRITE), 0);
		assert_int_equal(nregions(mm), 1);
		assert_mm_ok(mm);
		/* A single page in the middle: three regions, then one. */
		assert_int_equal(do_mprotect(mm, BASE + (i - 1) * P, P, PROT_NONE), 0);
		assert_int_equal(nregions(mm), i == 1 ? 2 : 3);
		assert_int_equal(do_mprotect(mm, BASE + (i - 1) * P, P, PROT_READ | PROT_WRITE), 0);
		assert_int_equal(nregions(mm), 1);
		/* munmap of page i splits; mapping it again merges (contents elsewhere kept). */
		assert_int_equal(do_munmap(mm, BASE + i * P, P), 0);
		assert_int_equal(nregions(mm), i == n - 1 ? 1 : 2);
		assert_int_equal(MMAP_ANON(mm, BASE + i * P, P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE + i * P);
		assert_int_equal(nregions(mm), 1);
		assert_true(uput(mm, BASE + i * P, (uint8_t)(i + 1)));
		assert_mm_ok(mm);
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t v;

		assert_true(uget(mm, BASE + i * P, &v));
		assert_int_equal(v, i + 1);
	}
	/* Incompatible neighbours stay apart: a read-only region next to a writable one. */
	assert_int_equal(MMAP_ANON(mm, BASE + n * P, P, PROT_READ, MAP_FIXED), BASE + n * P);
	assert_int_equal(nregions(mm), 2);
	/* A hint lands right above and merges with a compatible neighbour. */
	assert_int_equal(MMAP_ANON(mm, BASE + (n + 1) * P, P, PROT_READ, 0), BASE + (n + 1) * P);
	assert_int_equal(nregions(mm), 2);
	assert_int_equal(mmap_stats.splits > 0 && mmap_stats.merges > 0, 1);
	assert_mm_ok(mm);
	mmput(mm);
	assert_all_returned();
}

/* ---- the map count limit: failures change nothing ---- */

static void test_map_count_limit(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct snap s;

	(void)state;
	sysctl_max_map_count = 3;
	assert_int_equal(MMAP_ANON(mm, BASE, 8 * P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE);
	assert_int_equal(MMAP_ANON(mm, BASE + 10 * P, P, PROT_READ, MAP_FIXED), BASE + 10 * P);
	assert_true(uput(mm, BASE + 3 * P, 7));
	/* Two more regions would be needed: refused, unchanged. */
	EXPECT_ERR(do_mprotect(mm, BASE + 2 * P, 2 * P, PROT_READ), ENOMEM);
	assert_int_equal(do_munmap(mm, BASE + 2 * P, P), 0); /* one region more: 3 is allowed */
	assert_int_equal(nregions(mm), 3);
	EXPECT_ERR(do_munmap(mm, BASE + 5 * P, P), ENOMEM);
	EXPECT_ERR(MMAP_ANON(mm, BASE + 20 * P, P, PROT_READ, MAP_FIXED), ENOMEM);
	EXPECT_ERR(MMAP_ANON(mm, BASE + 5 * P, P, PROT_EXEC, MAP_FIXED), ENOMEM);
	sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
	mmput(mm);
	assert_all_returned();
}

/* ---- mremap ---- */

static void test_mremap(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long a;
	uint8_t v;

	(void)state;
	assert_int_equal(MMAP_ANON(mm, BASE, 4 * P, PROT_READ | PROT_WRITE, MAP_FIXED), BASE);
	for (unsigned i = 0; i < 4; i++)
		assert_true(uput(mm, BASE + i * P, (uint8_t)(0x10 + i)));
	/* shrink */
	assert_int_equal(do_mremap(mm, BASE, 4 * P, 3 * P, 0, 0), BASE);
	assert_int_equal(mm->mmap->vm_end, BASE + 3 * P);
	assert_int_equal(mm->rss, 3);
	/* grow in place */
	assert_int_equal(do_mremap(mm, BASE, 3 * P, 6 * P, 0, 0), BASE);
	assert_int_equal(mm->mmap->vm_end, BASE + 6 * P);
	assert_true(uget(mm, BASE + 3 * P, &v));
	assert_int_equal(v, 0);
	/* blocked above: move, the contents and the page frames come along */
	assert_int_equal(MMAP_ANON(mm, BASE + 6 * P, P, PROT_READ, MAP_FIXED), BASE + 6 * P);
	struct page *pg = follow_page(mm, BASE + P, NULL);
	a = do_mremap(mm, BASE, 6 * P, 10 * P, MREMAP_MAYMOVE, 0);
	assert_false(IS_ERR_VALUE(a));
	assert_int_not_equal(a, BASE);
	assert_ptr_equal(follow_page(mm, a + P, NULL), pg);
	assert_null(find_vma_intersection(mm, BASE, BASE + 6 * P));
	for (unsigned i = 0; i < 3; i++) {
		assert_true(uget(mm, a + i * P, &v));
		assert_int_equal(v, 0x10 + i);
	}
	/* The moved page is still found by its reverse mapping. */
	assert_int_equal(page_mapcount(pg), 1);
	/* MREMAP_FIXED onto an existing mapping replaces it. */
	assert_int_equal(MMAP_ANON(mm, BASE + 40 * P, 4 * P, PROT_READ, MAP_FIXED), BASE + 40 * P);
	assert_int_equal(do_mremap(mm, a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 41 * P), BASE + 41 * P);
	assert_int_equal(nregions(mm), 5);
	assert_true(uget(mm, BASE + 42 * P, &v));
	assert_int_equal(v, 0x11);
	assert_true(uput(mm, BASE + 42 * P, 3)); /* still writable: the region's flags came along */
	assert_mm_ok(mm);
	mmput(mm);
	assert_all_returned();
}

/* ---- brk and the stack ---- */

static void test_brk_and_stack(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct vm_area_struct *stack;
	char buf[64];
	FILE *out;
	char *text = NULL;
	size_t len;

	(void)state;
	mm->start_brk = mm->brk = 0x08050000u;
	assert_int_equal(do_brk_syscall(mm, 0), 0x08050000u);
	assert_int_equal(do_brk_syscall(mm, 0x08050010u), 0x08050010u);
	assert_int_equal(nregions(mm), 1);
	assert_int_equal(do_brk_syscall(mm, 0x08060000u), 0x08060000u);
	assert_int_equal(nregions(mm), 1); /* grown, merged */
	assert_int_equal(mm->mmap->vm_end, 0x08060000u);
	assert_true(uput(mm, 0x0805F000u, 9));
	assert_int_equal(do_brk_syscall(mm, 0x08052000u), 0x08052000u);
	assert_int_equal(mm->mmap->vm_end, 0x08052000u);
	assert_int_equal(mm->rss, 0);

	/* A stack region that grows down on a touch below it, up to the limit. */
	mm->start_stack = STACK_TOP - 16;
	assert_int_equal(MMAP_ANON(mm, STACK_TOP - 4 * P, 4 * P, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_GROWSDOWN),
			 STACK_TOP - 4 * P);
	stack = find_vma(mm, STACK_TOP - P);
	assert_true(stack->vm_flags & VM_GROWSDOWN);
	assert_int_equal(expand_stack(stack, STACK_TOP - 10 * P + 5), 0);
	assert_int_equal(stack->vm_start, STACK_TOP - 10 * P);
	assert_true(uput(mm, STACK_TOP - 10 * P, 1));
	assert_int_equal(expand_stack(stack, STACK_TOP - STACK_LIMIT_DEFAULT - P), -ENOMEM);
	mm->stack_limit = 64 * P;
	assert_int_equal(expand_stack(stack, STACK_TOP - 65 * P), -ENOMEM);
	assert_int_equal(expand_stack(stack, STACK_TOP - 64 * P), 0);
	assert_mm_ok(mm);

	/* maps names them as Linux does. */
	out = open_memstream(&text, &len);
	show_maps(out, mm);
	fclose(out);
	snprintf(buf, sizeof(buf), "%08x-%08x rw-p 00000000 00:00 0", 0x08050000u, 0x08052000u);
	assert_non_null(strstr(text, buf));
	/* 39 characters, padded to 48, one space, the name (as in the /proc/PID/maps example of Understanding the Linux Virtual Memory Manager, ch. 5). */
	strcat(buf, "          [heap]\n");
	assert_non_null(strstr(text, buf));
	assert_non_null(strstr(text, "[stack]\n"));
	free(text);
	/* maps_row() gives the same fields one by one, for `maps PID -j`. */
	struct maps_row row;

	maps_row(find_vma(mm, 0x08050000u), &row);
	assert_int_equal(row.start, 0x08050000u);
	assert_int_equal(row.end, 0x08052000u);
	assert_string_equal(row.perms, "rw-p");
	assert_int_equal(row.offset, 0);
	assert_int_equal(row.ino, 0);
	assert_string_equal(row.name, "[heap]");
	maps_row(stack, &row);
	assert_int_equal(row.start, STACK_TOP - 64 * P);
	assert_string_equal(row.name, "[stack]");
	mmput(mm);
	assert_all_returned();
}

/* ---- random sequences against a model ---- */

#define WIN 128u

struct model {
	int prot[WIN];    /* -1: unmapped */
	uint8_t val[WIN]; /* contents of the first byte */
};

static unsigned rnd(unsigned n)
{
	return (unsigned)random() % n;
}

static void model_set(struct model *m, unsigned s, unsigned n, int prot)
{
	for (unsigned i = s; i < s + n && i < WIN; i++) {
		m->prot[i] = prot;
		m->val[i] = 0;
	}
}

/* The regions must be exactly the model's pages, with its protections; adjacent equal regions without pages must have merged. */
static void model_check(struct mm_struct *mm, const struct model *m, bool contents)
{
	int got[WIN];
	unsigned long present = 0;

	for (unsigned i = 0; i < WIN; i++)
		got[i] = -1;
	assert_mm_ok(mm);
	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
		assert_true(v->vm_start >= BASE && v->vm_end <= BASE + WIN * P);
		for (vaddr_t a = v->vm_start; a < v->vm_end; a += P)
			got[(a - BASE) / P] = (int)(v->vm_flags & VM_ACCESS_FLAGS);
		if (v->vm_next && v->vm_end == v->vm_next->vm_start && v->vm_flags == v->vm_next->vm_flags &&
		    !v->anon_vma && !v->vm_next->anon_vma)
			fail_msg("unmerged neighbours at %08lx", (unsigned long)v->vm_end);
		for (vaddr_t a = v->vm_start; a < v->vm_end; a += P)
			present += follow_page(mm, a, NULL) != NULL;
	}
	for (unsigned i = 0; i < WIN; i++)
		if (got[i] != m->prot[i])
			fail_msg("page %u: regions say %d, model %d", i, got[i], m->prot[i]);
	assert_int_equal(present, mm->rss);
	if (!contents)
		return;
	for (unsigned i = 0; i < WIN; i++) {
		uint8_t v = 0xEE;

		if (m->prot[i] <= 0)
			continue;
		assert_true(uget(mm, BASE + i * P, &v));
		if (v != m->val[i])
			fail_msg("page %u holds %u, model %u", i, v, m->val[i]);
	}
}

static void random_sequence(unsigned seed, unsigned steps)
{
	struct mm_struct *mm = mm_alloc();
	static struct model m;
	unsigned counts[6] = { 0 };

	srandom(seed);
	mm->mmap_base = mm->free_area_cache = BASE;
	for (unsigned i = 0; i < WIN; i++)
		m.prot[i] = -1;
	memset(m.val, 0, sizeof(m.val));
	for (unsigned step = 0; step < steps; step++) {
		unsigned op = rnd(6), s = rnd(WIN), n = 1 + rnd(12);
		int prot = (int)rnd(8);

		if (s + n > WIN)
			n = WIN - s;
		counts[op]++;
		switch (op) {
		case 0: /* mmap, fixed or at a hint */
			if (rnd(2)) {
				assert_int_equal(MMAP_ANON(mm, BASE + s * P, n * P, prot, MAP_FIXED), BASE + s * P);
				model_set(&m, s, n, prot);
			} else {
				unsigned long a = MMAP_ANON(mm, BASE + s * P, n * P, prot, 0);

				assert_false(IS_ERR_VALUE(a));
				if (a < BASE || a + n * P > BASE + WIN * P) {
					assert_int_equal(do_munmap(mm, (vaddr_t)a, n * P), 0);
					break;
				}
				for (unsigned i = 0; i < n; i++)
					assert_int_equal(m.prot[(a - BASE) / P + i], -1);
				model_set(&m, (unsigned)((a - BASE) / P), n, prot);
			}
			break;
		case 1: /* munmap */
			assert_int_equal(do_munmap(mm, BASE + s * P, n * P), 0);
			for (unsigned i = s; i < s + n; i++)
				m.prot[i] = -1;
			break;
		case 2: { /* mprotect */
			bool all = true;

			for (unsigned i = s; i < s + n; i++)
				all &= m.prot[i] >= 0;
			assert_int_equal(do_mprotect(mm, BASE + s * P, n * P, (unsigned long)prot), all ? 0 : -ENOMEM);
			if (all)
				for (unsigned i = s; i < s + n; i++)
					m.prot[i] = prot;
			break;
		}
		case 3: { /* mremap of part of one region */
			struct vm_area_struct *vma = find_vma(mm, BASE + s * P);
			unsigned os, ol, nl, flags = rnd(3);
			unsigned long r;
			vaddr_t t = 0;
			uint8_t saved[WIN];
			int vprot;

			if (!vma || vma->vm_start > BASE + s * P)
				break;
			os = s;
			ol = 1 + rnd((unsigned)((vma->vm_end - (BASE + s * P)) / P));
			nl = 1 + rnd(12);
			if (os + nl > WIN)
				break;
			vprot = m.prot[os];
			if (flags == 2) {
				unsigned ts = rnd(WIN);

				if (ts + nl > WIN || (ts < os + ol && ts + nl > os))
					break;
				t = BASE + ts * P;
			}
			memcpy(saved, m.val, sizeof(saved));
			r = do_mremap(mm, BASE + os * P, ol * P, nl * P,
				      flags == 0 ? 0 : flags == 1 ? MREMAP_MAYMOVE : MREMAP_MAYMOVE | MREMAP_FIXED, t);
			if (IS_ERR_VALUE(r)) {
				assert_int_equal((long)r, -ENOMEM);
				assert_int_equal(flags, 0);
				break;
			}
			if (r == BASE + os * P) {
				/* In place: shrunk or grown. */
				for (unsigned i = os + nl; i < os + ol; i++)
					m.prot[i] = -1;
				for (unsigned i = os + ol; i < os + nl; i++) {
					assert_int_equal(m.prot[i], -1);
					m.prot[i] = vprot;
					m.val[i] = 0;
				}
				break;
			}
			if (r < BASE || r + nl * P > BASE + WIN * P) {
				/* Moved out of the window: forget it. */
				for (unsigned i = os; i < os + ol; i++)
					m.prot[i] = -1;
				assert_int_equal(do_munmap(mm, (vaddr_t)r, nl * P), 0);
				break;
			}
			{
				unsigned ns = (unsigned)((r - BASE) / P);

				for (unsigned i = os; i < os + ol; i++)
					m.prot[i] = -1;
				for (unsigned i = 0; i < nl; i++) {
					if (flags != 2)
						assert_int_equal(m.prot[ns + i], -1);
					m.prot[ns + i] = vprot;
					m.val[ns + i] = i < ol ? saved[os + i] : 0;
				}
			}
			break;
		}
		default: { /* write a byte */
			uint8_t v = (uint8_t)(1 + rnd(255));
			bool ok = uput(mm, BASE + s * P, v);

			assert_int_equal(ok, m.prot[s] >= 0 && (m.prot[s] & PROT_WRITE));
			if (ok)
				m.val[s] = v;
			break;
		}
		}
		model_check(mm, &m, step % 16 == 0);
	}
	model_check(mm, &m, true);
	for (unsigned i = 0; i < 6; i++)
		assert_true(counts[i] > 0);
	mmput(mm);
	assert_all_returned();
}

static void test_random_sequences(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 6; seed++)
		random_sequence(seed, 1500);
}

/* ---- many regions: the tree stays balanced and find_vma exact ---- */

static void test_ten_thousand_regions(void **state)
{
	struct mm_struct *mm = mm_alloc();
	const unsigned n = 10000;

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		/* Alternate protections so neighbours never merge. */
		unsigned long a = MMAP_ANON(mm, 0, P, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE, 0);

		assert_int_equal(a, BASE + i * P);
	}
	assert_int_equal(mm->map_count, n);
	for (unsigned i = 0; i < n; i += 97)
		assert_int_equal(find_vma(mm, BASE + i * P + 5)->vm_start, BASE + i * P);
	assert_mm_ok(mm);
	/* Punch every third page out, then fill the holes with hints: they merge nothing but fit exactly. */
	for (unsigned i = 0; i < n; i += 3)
		assert_int_equal(do_munmap(mm, BASE + i * P, P), 0);
	assert_int_equal(mm->map_count, n - (n + 2) / 3);
	assert_mm_ok(mm);
	mmput(mm);
	assert_all_returned();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_find_vma_and_cache, setup_proc),
		cmocka_unit_test_setup(test_errno, setup_proc),
		cmocka_unit_test_setup(test_split_merge_every_boundary, setup_proc),
		cmocka_unit_test_setup(test_map_count_limit, setup_proc),
		cmocka_unit_test_setup(test_mremap, setup_proc),
		cmocka_unit_test_setup(test_brk_and_stack, setup_proc),
		cmocka_unit_test_setup(test_random_sequences, setup_proc),
		cmocka_unit_test_setup(test_ten_thousand_regions, setup_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
