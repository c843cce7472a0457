/*
 * In-image self tests of the kernel virtual areas: every high page reached
 * through kmap() and through kmap_atomic() with a pattern written through
 * one and read back through the other, the vmalloc list's order and guard
 * pages, PKMAP flushes per wrap, and fixmap round trips.  The host unit
 * tests include this file too, so the same code runs on the fake machine
 * (with their own shell_interrupted(), the Ctrl-C the long walk asks).
 */
#include <stdint.h>
#include <stdio.h>

#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/vmalloc.h>
#include <selftest.h>
#include <shell.h>

/* The words of a page the high-memory test touches: first, middle, last. */
#define PROBE_WORDS 3
static const unsigned probe_offset[PROBE_WORDS] = { 0, PAGE_SIZE / 2, PAGE_SIZE - 4 };

static uint32_t pattern(pfn_t pfn, unsigned word, uint32_t salt)
{
	return (pfn * 0x9E3779B1u) ^ (word * 0x85EBCA6Bu) ^ salt;
}

static volatile uint32_t *word_at(vaddr_t page_va, unsigned word)
{
	return (volatile uint32_t *)hal_va_ptr(page_va + probe_offset[word]);
}

/*
 * One high page: save three words through kmap, write pattern A, check it
 * and write pattern B through kmap_atomic, check B through kmap again and
 * put the saved words back.  Returns 0 or prints why not.
 */
static int check_high_page(struct page *page, pfn_t pfn)
{
	uint32_t saved[PROBE_WORDS];
	vaddr_t va, ava;
	int bad = 0;

	va = kmap(page);
	if (!va || va < PKMAP_BASE || va >= PKMAP_END) {
		printf("# kmap of pfn 0x%lx gave 0x%08lx\n", (unsigned long)pfn, (unsigned long)va);
		return 1;
	}
	for (unsigned w = 0; w < PROBE_WORDS; w++) {
		saved[w] = *word_at(va, w);
		*word_at(va, w) = pattern(pfn, w, 0xA5A5A5A5u);
	}
	kunmap(page);

	ava = kmap_atomic(page, KM_MEMTEST);
	if (ava != __fix_to_virt(FIX_KMAP_BEGIN + KM_MEMTEST)) {
		printf("# kmap_atomic of pfn 0x%lx gave 0x%08lx\n", (unsigned long)pfn, (unsigned long)ava);
		bad = 1;
	} else {
		for (unsigned w = 0; w < PROBE_WORDS; w++) {
			if (*word_at(ava, w) != pattern(pfn, w, 0xA5A5A5A5u))
				bad = 1;
			*word_at(ava, w) = pattern(pfn, w, 0x5A5A5A5Au);
		}
		kunmap_atomic(ava, KM_MEMTEST);
	}

	va = kmap(page);
	for (unsigned w = 0; va && w < PROBE_WORDS; w++) {
		if (!bad && *word_at(va, w) != pattern(pfn, w, 0x5A5A5A5Au))
			bad = 1;
		*word_at(va, w) = saved[w];
	}
	if (va)
		kunmap(page);
	if (bad)
		printf("# pfn 0x%lx: pattern did not survive kmap -> kmap_atomic -> kmap\n", (unsigned long)pfn);
	return bad;
}

static int selftest_highmem_every_page(const struct selftest *t)
{
	unsigned long checked = 0, failed = 0;

	for (pfn_t pfn = max_low_pfn; pfn < max_pfn; pfn++) {
		struct page *page;

		/* Seconds per GiB under QEMU: Ctrl-C stops it. */
		if ((pfn - max_low_pfn) % 1024 == 1023 && shell_interrupted()) {
			printf("# stopped by Ctrl-C at pfn 0x%lx\n", (unsigned long)pfn);
			failed++;
			break;
		}
		if (!pfn_valid(pfn))
			continue;
		page = pfn_to_page(pfn);
		/* Reserved frames may be firmware tables or holes: leave them alone. */
		if (PageReserved(page))
			continue;
		if (check_high_page(page, pfn) && ++failed > 10) {
			printf("# giving up after %lu failures\n", failed);
			break;
		}
		checked++;
	}
	printf("# %lu high pages checked through kmap and kmap_atomic, %lu failed\n", checked, failed);
	return failed != 0;
}

SELFTEST(highmem_every_page, selftest_highmem_every_page);

/* Fresh kmaps cost at most one global flush per LAST_PKMAP of them. */
static int selftest_pkmap_flush_per_wrap(const struct selftest *t)
{
	unsigned long flushes = pkmap_stats.flushes, fresh = pkmap_stats.fresh_maps, want_max;
	pfn_t pfn = max_low_pfn;
	unsigned long n = 0;

	for (; pfn < max_pfn && n < 3 * LAST_PKMAP; pfn++) {
		struct page *page;

		if (!pfn_valid(pfn) || PageReserved(pfn_to_page(pfn)))
			continue;
		page = pfn_to_page(pfn);
		if (!kmap(page)) {
			printf("# kmap failed with %u slots in use\n", pkmap_slots_in_use());
			return 1;
		}
		kunmap(page);
		n++;
	}
	fresh = pkmap_stats.fresh_maps - fresh;
	flushes = pkmap_stats.flushes - flushes;
	want_max = fresh / LAST_PKMAP + 1;
	printf("# %lu kmaps, %lu fresh, %lu global flushes (at most %lu allowed)\n", n, fresh, flushes, want_max);
	return flushes > want_max;
}

SELFTEST(pkmap_flush_per_wrap, selftest_pkmap_flush_per_wrap);

#define NR_TEST_AREAS 6

static int selftest_vmalloc_order_and_guards(const struct selftest *t)
{
	static const unsigned pages[NR_TEST_AREAS] = { 1, 3, 2, 5, 1, 4 };
	vaddr_t a[NR_TEST_AREAS], again;
	int bad = 0;

	for (unsigned i = 0; i < NR_TEST_AREAS; i++) {
		a[i] = vmalloc(pages[i] * PAGE_SIZE);
		if (!a[i]) {
			printf("# vmalloc of %u pages failed\n", pages[i]);
			while (i--)
				vfree(a[i]);
			return 1;
		}
		for (unsigned p = 0; p < pages[i]; p++)
			*(volatile uint32_t *)hal_va_ptr(a[i] + p * PAGE_SIZE) = a[i] + p;
	}
	/*
	 * Every area in address order, none overlapping, each followed by an unmapped guard page.
	 */
	for (struct vm_struct *v = vmlist; v; v = v->next) {
		vaddr_t guard = v->addr + (vaddr_t)v->size - PAGE_SIZE;

		if (v->next && v->next->addr < v->addr + v->size) {
			printf("# vmlist out of order at 0x%08lx\n", (unsigned long)v->addr);
			bad = 1;
		}
		if (hal_query_page(swapper_pg_dir, guard, NULL, NULL)) {
			printf("# guard page 0x%08lx is mapped\n", (unsigned long)guard);
			bad = 1;
		}
		if (v->addr < VMALLOC_START || v->addr + v->size > VMALLOC_END) {
			printf("# area 0x%08lx outside the vmalloc range\n", (unsigned long)v->addr);
			bad = 1;
		}
	}
	for (unsigned i = 0; i < NR_TEST_AREAS; i++) {
		struct vm_struct *v = find_vm_area(a[i]);

		if (!v || v->size != (pages[i] + 1) * PAGE_SIZE) {
			printf("# area 0x%08lx missing or of the wrong size\n", (unsigned long)a[i]);
			bad = 1;
			continue;
		}
		for (unsigned p = 0; p < pages[i]; p++)
			if (*(volatile uint32_t *)hal_va_ptr(a[i] + p * PAGE_SIZE) != a[i] + p) {
				printf("# 0x%08lx lost its pattern\n", (unsigned long)(a[i] + p * PAGE_SIZE));
				bad = 1;
			}
	}
	/* First fit: after freeing the 3-page area, a 2-page one lands no higher than its hole. */
	vfree(a[1]);
	again = vmalloc(2 * PAGE_SIZE);
	if (!again || again > a[1]) {
		printf("# first fit put a 2-page area at 0x%08lx, above the hole at 0x%08lx\n", (unsigned long)again,
		       (unsigned long)a[1]);
		bad = 1;
	}
	a[1] = again;
	for (unsigned i = 0; i < NR_TEST_AREAS; i++) {
		vfree(a[i]);
		if (a[i] && hal_query_page(swapper_pg_dir, a[i], NULL, NULL)) {
			printf("# 0x%08lx still mapped after vfree\n", (unsigned long)a[i]);
			bad = 1;
		}
	}
	return bad;
}

SELFTEST(vmalloc_order_and_guards, selftest_vmalloc_order_and_guards);

static int selftest_fixmap_round_trip(const struct selftest *t)
{
	int bad = 0;

	for (unsigned i = 0; i < __end_of_fixed_addresses; i++) {
		vaddr_t va = __fix_to_virt(i);

		if (__virt_to_fix(va) != i || virt_to_fix(va + 123) != (int)i || va < FIXADDR_START ||
		    va >= FIXADDR_END) {
			printf("# fixmap %u <-> 0x%08lx does not round-trip\n", i, (unsigned long)va);
			bad = 1;
		}
	}
	if (fix_to_virt(FIX_APIC_BASE) != FIXADDR_TOP || hal_query_page(swapper_pg_dir, FIXADDR_END, NULL, NULL)) {
		printf("# FIX_APIC_BASE must be FIXADDR_TOP and the page above it unmapped\n");
		bad = 1;
	}
	return bad;
}

SELFTEST(fixmap_round_trip, selftest_fixmap_round_trip);
