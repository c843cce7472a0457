/*
 * Object caches and kmalloc: every size class, alignment, reuse,
 * poisoning that catches writes after free, double and foreign frees,
 * exhaustion, and the slabinfo/meminfo numbers.
 */
#include "test_mm_fixture.h"

#include <stdlib.h>

#include <hal/mmu.h>
#include <mm/debug/mmcheck.h>
#include <mm/heap.h>
#include <mm/layout.h>
#include <mm/meminfo.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

#define MB (1ull << 20)

static unsigned long boot_free, boot_slab_pages;

static int setup(void **state)
{
	(void)state;
	fix_boot(64 * MB);
	boot_free = nr_free_pages();
	boot_slab_pages = slab_stats.slab_pages;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* Every test gives back everything it took. */
	assert_int_equal(nr_free_pages(), boot_free);
	assert_int_equal(slab_stats.slab_pages, boot_slab_pages);
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c))
		assert_int_equal(kmem_cache_check(c, stderr), 0);
	fake_hal_fini();
	return 0;
}

static void test_every_size_class(void **state)
{
	(void)state;
	for (unsigned shift = KMALLOC_SHIFT_LOW; shift <= KMALLOC_SHIFT_HIGH; shift++) {
		size_t size = (size_t)1 << shift;
		size_t align = size < PAGE_SIZE ? size : PAGE_SIZE;
		const size_t asks[] = { size / 2 + 1, size - 1, size };
		void *objs[3];

		for (unsigned i = 0; i < 3; i++) {
			struct kmem_cache *c = kmalloc_cache(asks[i]);

			objs[i] = kmalloc(asks[i], GFP_KERNEL);
			assert_non_null(objs[i]);
			assert_non_null(c);
			assert_int_equal(c->object_size, size);
			assert_ptr_equal(virt_to_cache(objs[i]), c);
			assert_int_equal(ksize(objs[i]), size);
			assert_int_equal(hal_ptr_va(objs[i]) % align, 0);
			assert_int_equal(hal_ptr_va(objs[i]) % ARCH_KMALLOC_MINALIGN, 0);
			memset(objs[i], (int)i + 1, asks[i]);
		}
		assert_ptr_not_equal(objs[0], objs[1]);
		for (unsigned i = 0; i < 3; i++) {
			const uint8_t *p = objs[i];

			for (size_t k = 0; k < asks[i]; k++)
				assert_int_equal(p[k], i + 1);
			kfree(objs[i]);
		}
	}
	/* kmalloc-32 serves everything down to one byte. */
	assert_ptr_equal(kmalloc_cache(1), kmalloc_cache(32));
	assert_null(kmalloc_cache(KMALLOC_MAX_SIZE + 1));
	assert_null(kmalloc(0, GFP_KERNEL));
	assert_null(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN));
	kfree(NULL);
}

static void test_reuse_and_slab_growth(void **state)
{
	struct kmem_cache *c = kmalloc_cache(256);
	void *keep, *a, *b, *objs[100];

	(void)state;
	keep = kmalloc(256, GFP_KERNEL);
	a = kmalloc(256, GFP_KERNEL);
	kfree(a);
	/* The most recently freed object comes back first. */
	b = kmalloc(256, GFP_KERNEL);
	assert_ptr_equal(a, b);
	kfree(b);
	/* 100 objects need ceil(100 / 16) slabs; objects never overlap. */
	for (int i = 0; i < 100; i++) {
		objs[i] = kmalloc(200, GFP_KERNEL);
		memset(objs[i], i, 200);
	}
	assert_int_equal(c->active_objs, 101);
	assert_int_equal(c->num_slabs, (101 + c->num - 1) / c->num);
	assert_int_equal(kmem_cache_check(c, stderr), 0);
	for (int i = 0; i < 100; i++) {
		const uint8_t *p = objs[i];

		for (int k = 0; k < 200; k++)
			assert_int_equal(p[k], i);
		kfree(objs[i]);
	}
	kfree(keep);
	/* Empty slabs went straight back to the buddy allocator. */
	assert_int_equal(c->num_slabs, 0);
	assert_int_equal(c->active_objs, 0);
}

static void test_poison_catches_use_after_free(void **state)
{
	struct kmem_cache *c = kmalloc_cache(64);
	FILE *devnull = fopen("/dev/null", "w");
	uint8_t *keep, *a, *b;

	(void)state;
	keep = kmalloc(64, GFP_KERNEL);
	a = kmalloc(64, GFP_KERNEL);
	kfree(a);
	/* A freed object is poisoned past its free pointer. */
	for (size_t i = sizeof(vaddr_t); i < 64; i++)
		assert_int_equal(a[i], POISON_FREE);
	assert_int_equal(c->poison_errors, 0);
	a[40] = 0; /* write after free */
	assert_int_equal(kmem_cache_check(c, devnull), 1);
	fclose(devnull);
	b = kmalloc(64, GFP_KERNEL);
	assert_ptr_equal(a, b);
	assert_int_equal(c->poison_errors, 1);
	kfree(b);

	/* Overwriting the free pointer itself is caught too, and the cache stays usable. */
	b = kmalloc(64, GFP_KERNEL);
	kfree(b);
	memset(b, 0x11, 4);
	a = kmalloc(64, GFP_KERNEL);
	assert_ptr_equal(a, b);
	assert_int_equal(c->poison_errors, 2);
	kfree(a);
	kfree(keep);
}

static void test_double_and_foreign_frees(void **state)
{
	struct kmem_cache *c = kmalloc_cache(128);
	unsigned long bad_kfree = slab_stats.bad_kfree;
	uint8_t *keep, *a;
	vaddr_t page;

	(void)state;
	keep = kmalloc(128, GFP_KERNEL);
	a = kmalloc(128, GFP_KERNEL);
	kfree(a);
	kfree(a);
	assert_int_equal(c->double_frees, 1);
	assert_int_equal(c->active_objs, 1);
	/* A pointer into the middle of an object. */
	kfree(keep + 8);
	assert_int_equal(c->bad_frees, 1);
	/* A page that the slab does not own. */
	page = __get_free_pages(GFP_KERNEL, 0);
	kfree(hal_va_ptr(page));
	assert_int_equal(slab_stats.bad_kfree, bad_kfree + 1);
	free_pages(page, 0);
	/* An object of another cache handed to kmem_cache_free(). */
	kmem_cache_free(kmalloc_cache(32), keep);
	assert_int_equal(kmalloc_cache(32)->bad_frees, 1);
	assert_int_equal(c->active_objs, 1);
	assert_int_equal(kmem_cache_check(c, stderr), 0);
	kfree(keep);
}

struct thing {
	uint32_t a;
	uint8_t b[93];
};

static void test_kmem_cache_create(void **state)
{
	struct kmem_cache *c, *hw;
	void *objs[50];

	(void)state;
	c = kmem_cache_create("thing", sizeof(struct thing), 0, 0);
	assert_non_null(c);
	assert_int_equal(c->size, 104);
	assert_true(c->num * c->size <= (PAGE_SIZE << c->order));
	/* At most an eighth of a slab is wasted. */
	assert_true(((PAGE_SIZE << c->order) - c->num * c->size) * 8 <= (PAGE_SIZE << c->order));
	hw = kmem_cache_create("thing_hw", sizeof(struct thing), 0, SLAB_HWCACHE_ALIGN);
	assert_int_equal(hw->size, 128);
	for (int i = 0; i < 50; i++) {
		objs[i] = kmem_cache_alloc(i % 2 ? hw : c, GFP_KERNEL | (i % 3 ? 0 : __GFP_ZERO));
		assert_non_null(objs[i]);
		assert_int_equal(hal_ptr_va(objs[i]) % (i % 2 ? 64 : 8), 0);
		if (i % 3 == 0)
			for (size_t k = 0; k < sizeof(struct thing); k++)
				assert_int_equal(((uint8_t *)objs[i])[k], 0);
	}
	/* A cache with live objects is not destroyed. */
	assert_int_equal(kmem_cache_destroy(c), -1);
	for (int i = 0; i < 50; i++)
		kmem_cache_free(i % 2 ? hw : c, objs[i]);
	assert_int_equal(kmem_cache_destroy(c), 0);
	assert_int_equal(kmem_cache_destroy(hw), 0);
	/* Bad geometry is refused. */
	assert_null(kmem_cache_create("bad", 100, 3, 0));
	assert_null(kmem_cache_create("huge", (PAGE_SIZE << KMALLOC_MAX_ORDER) + 1, 0, 0));
	assert_null(kmem_cache_create("none", 0, 0, 0));
	/* Caches are objects of the cache of caches, and leave slabinfo when destroyed. */
	for (struct kmem_cache *k = kmem_cache_first(); k; k = kmem_cache_next(k))
		assert_string_not_equal(k->name, "thing");
}

static void test_kzalloc_and_dma(void **state)
{
	uint8_t *p = kmalloc(300, GFP_KERNEL);
	struct page *page;

	(void)state;
	memset(p, 0xee, 300);
	kfree(p);
	p = kzalloc(300, GFP_KERNEL);
	for (int i = 0; i < 300; i++)
		assert_int_equal(p[i], 0);
	kfree(p);
	p = kmalloc(100, GFP_DMA);
	page = virt_to_page(hal_ptr_va(p));
	assert_true(page_zonenum(page) == ZONE_DMA);
	assert_string_equal(virt_to_cache(p)->name, "dma-kmalloc-128");
	kfree(p);
}

static void test_exhaustion(void **state)
{
	enum { MAX = 1024 };
	static void *objs[MAX];
	struct kmem_cache *c = kmalloc_cache(KMALLOC_MAX_SIZE);
	unsigned n = 0;

	(void)state;
	while (n < MAX && (objs[n] = kmalloc(KMALLOC_MAX_SIZE, GFP_KERNEL | __GFP_NOWARN)))
		n++;
	/* 64 MiB cannot hold 1024 objects of 128 KiB: the cache ran dry cleanly. */
	assert_true(n > 100 && n < MAX);
	assert_int_equal(c->alloc_fail, 1);
	while (n)
		kfree(objs[--n]);
}

/* Random kmalloc/kfree with a fill pattern per object, checked on free. */
static void test_random(void **state)
{
	enum { LIVE = 2000, OPS = 60000 };
	static uint8_t *ptr[LIVE];
	static size_t len[LIVE];
	static uint8_t tag[LIVE];
	unsigned n = 0, seed = 777;

	(void)state;
	for (unsigned op = 0; op < OPS; op++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;

		if (n < LIVE && (n == 0 || r % 100 < 52)) {
			size_t size = 1 + (r >> 4) % ((r & 7) == 0 ? 20000 : 600);

			ptr[n] = kmalloc(size, GFP_KERNEL);
			assert_non_null(ptr[n]);
			len[n] = size;
			tag[n] = (uint8_t)op;
			memset(ptr[n], tag[n], size);
			n++;
		} else {
			unsigned i = r % n;

			for (size_t k = 0; k < len[i]; k++)
				if (ptr[i][k] != tag[i])
					fail_msg("object %p overwritten at %zu", (void *)ptr[i], k);
			kfree(ptr[i]);
			n--;
			ptr[i] = ptr[n];
			len[i] = len[n];
			tag[i] = tag[n];
		}
	}
	while (n)
		kfree(ptr[--n]);
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c))
		assert_int_equal(c->poison_errors + c->double_frees + c->bad_frees, 0);
}

static void test_slabinfo_and_meminfo(void **state)
{
	char buf[8192], line[256];
	void *p = kmalloc(40, GFP_KERNEL);
	unsigned long active, num, objsize, per, pages, kb;
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	char *at;

	(void)state;
	show_slabinfo(f);
	fclose(f);
	assert_memory_equal(buf, "slabinfo - version: 2.1\n# name ", 31);
	at = strstr(buf, "\nkmalloc-64 ");
	assert_non_null(at);
	assert_int_equal(sscanf(at + 1, "%255s %lu %lu %lu %lu %lu : tunables", line, &active, &num, &objsize, &per,
				&pages),
			 6);
	assert_int_equal(active, 1);
	assert_int_equal(num, 64);
	assert_int_equal(objsize, 64);
	assert_int_equal(pages, 1);
	assert_non_null(strstr(buf, "\nkmalloc-131072 "));

	f = fmemopen(buf, sizeof(buf), "w");
	show_meminfo(f);
	fclose(f);
	/* "MemTotal:" padded to 16 columns, then the number in 8. */
	snprintf(line, sizeof(line), "MemTotal:       %8lu kB\n", totalram_pages * 4);
	assert_memory_equal(buf, line, strlen(line));
	assert_int_equal(sscanf(strstr(buf, "Slab:"), "Slab: %lu kB", &kb), 1);
	assert_int_equal(kb, slab_stats.slab_pages * 4);
	assert_int_equal(sscanf(strstr(buf, "MemFree:"), "MemFree: %lu kB", &kb), 1);
	assert_int_equal(kb, nr_free_pages() * 4);
	assert_non_null(strstr(buf, "HighTotal:             0 kB\n"));
	kfree(p);
}

static void test_heap_arena(void **state)
{
	vaddr_t start, brk, end, a;

	(void)state;
	mm_heap_range(&start, &brk, &end);
	assert_int_equal(end - start, MM_HEAP_DEFAULT_SIZE);
	assert_int_equal(start, brk);
	/* The arena is low memory, reserved (never in the buddy allocator), clear of ZONE_DMA here. */
	assert_true(start >= PAGE_OFFSET + (16u << 20) && end <= high_memory);
	for (vaddr_t va = start; va < end; va += PAGE_SIZE)
		assert_true(PageReserved(virt_to_page(va)));
	a = mm_heap_grow(100);
	assert_int_equal(a, start);
	memset(hal_va_ptr(a), 1, 100);
	assert_int_equal(mm_heap_grow(0), start + 100);
	assert_int_equal(mm_heap_grow(MM_HEAP_DEFAULT_SIZE), 0);
	assert_int_equal(mm_heap_grow(MM_HEAP_DEFAULT_SIZE - 100), start + 100);
	assert_int_equal(mm_heap_grow(1), 0);
	assert_int_equal(mm_heap_shrink(MM_HEAP_DEFAULT_SIZE), end);
	assert_int_equal(mm_heap_shrink(1), 0);
	mm_heap_range(NULL, &brk, NULL);
	assert_int_equal(brk, start);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_size_class, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_and_slab_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poison_catches_use_after_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_and_foreign_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kmem_cache_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kzalloc_and_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slabinfo_and_meminfo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heap_arena, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
