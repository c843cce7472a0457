/*
 * TLB shootdown (mm/tlbflush.c) against the fake hal at 1, 2 and 4 online CPUs: a PKMAP wrap sends
 * exactly (online CPUs - 1) IPIs per flush, kernel range flushes (vfree, the lazy purge) reach
 * every other online CPU, and a user flush (munmap, mprotect) reaches only the CPUs in the
 * mm_struct's cpu_vm_mask, which mm_cpu_activate/mm_cpu_deactivate maintain.
 */
#include "test_vma_fixture.h"

#include <mm/highmem.h>
#include <mm/tlbflush.h>
#include <mm/vmalloc.h>

static int teardown(void **state)
{
	(void)state;
	fake_hal_set_cpu(0);
	fake_hal_set_online(1u);
	assert_unlocked();
	return 0;
}

/* Fresh kmaps through two wraps of the PKMAP ring at n online CPUs: IPIs = flushes x (n - 1). */
static void test_pkmap_wrap_ipis(void **state)
{
	static struct page *pages[LAST_PKMAP + 1];

	(void)state;
	for (unsigned i = 0; i <= LAST_PKMAP; i++) {
		pages[i] = alloc_page(GFP_HIGHUSER);
		assert_non_null(pages[i]);
		assert_true(page_is_highmem(pages[i]));
	}
	for (unsigned n = 1; n <= 4; n *= 2) {
		unsigned long f0 = pkmap_stats.flushes, i0 = pkmap_stats.flush_ipis;
		unsigned long h0 = fake_hal_stats.tlb_others_ipis;
		unsigned long s0 = tlb_cpu_stats[0].ipis_sent;

		fake_hal_set_online((1u << n) - 1);
		for (unsigned k = 0; k < 2 * LAST_PKMAP; k++) {
			struct page *p = pages[k % (LAST_PKMAP + 1)];

			kmap(p);
			kunmap(p);
		}
		assert_true(pkmap_stats.flushes - f0 >= 1);
		assert_int_equal(pkmap_stats.flush_ipis - i0, (pkmap_stats.flushes - f0) * (n - 1));
		assert_int_equal(fake_hal_stats.tlb_others_ipis - h0, (pkmap_stats.flushes - f0) * (n - 1));
		assert_int_equal(tlb_cpu_stats[0].ipis_sent - s0, (pkmap_stats.flushes - f0) * (n - 1));
		if (n > 1) {
			assert_int_equal(fake_hal_stats.last_tlb_others_mask, ((1u << n) - 1) & ~1u);
			assert_int_equal(fake_hal_stats.last_tlb_others_end, 0); /* everything */
		}
	}
	for (unsigned i = 0; i <= LAST_PKMAP; i++)
		__free_page(pages[i]);
}

/* vfree's unmapping (eager) and the lazy purge shoot down every other online CPU. */
static void test_vmalloc_shootdown(void **state)
{
	vaddr_t va;
	unsigned long ipis, rx[4];

	(void)state;
	fake_hal_set_online(0xfu);
	fake_hal_set_cpu(2);
	for (unsigned c = 0; c < 4; c++)
		rx[c] = fake_hal_stats.tlb_others_received[c];
	/* Lazy vunmap: the purge sends the flush, to every other online CPU. */
	struct page *pg[2] = { alloc_page(GFP_HIGHUSER), alloc_page(GFP_HIGHUSER) };

	va = vmap(pg, 2, VM_MAP, HAL_PROT_WRITE);
	assert_true(va != 0);
	vunmap(va);
	ipis = vmalloc_stats.flush_ipis;
	assert_int_equal(vmalloc_purge_lazy(), 1);
	assert_int_equal(vmalloc_stats.flush_ipis - ipis, 3);
	assert_int_equal(fake_hal_stats.last_tlb_others_mask, 0xbu);
	__free_page(pg[0]);
	__free_page(pg[1]);
	/* vfree flushes the lazily unmapped range before its pages go back: one ranged shootdown. */
	va = vmalloc(8 * PAGE_SIZE);
	assert_true(va != 0);
	ipis = vmalloc_stats.flush_ipis;
	vfree(va);
	assert_int_equal(vmalloc_stats.flush_ipis - ipis, 3);
	/* Eager: unmap_kernel_range sends one ranged shootdown. */
	vmalloc_lazy_max_pages = 0;
	va = vmalloc(4 * PAGE_SIZE);
	assert_true(va != 0);
	ipis = vmalloc_stats.flush_ipis;
	vfree(va);
	assert_int_equal(vmalloc_stats.flush_ipis - ipis, 3);
	assert_int_equal(fake_hal_stats.last_tlb_others_start, va);
	assert_int_equal(fake_hal_stats.last_tlb_others_end, va + 4 * PAGE_SIZE);
	vmalloc_lazy_max_pages = VMALLOC_LAZY_MAX_PAGES;
	for (unsigned c = 0; c < 4; c++)
		assert_int_equal(fake_hal_stats.tlb_others_received[c] - rx[c], c == 2 ? 0 : 3);
	/* flush_tlb_all / kernel_range directly. */
	assert_int_equal(flush_tlb_all(), 3);
	assert_int_equal(flush_tlb_kernel_range(va, va + PAGE_SIZE), 3);
	assert_int_equal(flush_tlb_kernel_range(va, va), 0);
	fake_hal_set_online(1u);
	fake_hal_set_cpu(0);
	assert_int_equal(flush_tlb_all(), 0);
}

/* A user flush reaches only the CPUs in cpu_vm_mask: munmap and mprotect on a 4-CPU machine. */
static void test_user_flush_reaches_mm_cpus(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long calls, rx[4];
	vaddr_t a;

	(void)state;
	assert_non_null(mm);
	fake_hal_set_online(0xfu);
	a = do_mmap(mm, NULL, BASE, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
	assert_int_equal(a, BASE);
	for (unsigned i = 0; i < 4; i++)
		assert_true(uput(mm, a + i * P, (uint8_t)i));
	/* Nobody runs mm: no IPI at all. */
	calls = fake_hal_stats.tlb_others_calls;
	assert_int_equal(do_mprotect(mm, a, P, PROT_READ), 0);
	assert_int_equal(fake_hal_stats.tlb_others_calls, calls);

	/* Threads of mm on CPUs 1 and 3. */
	mm_cpu_activate(mm, 1);
	mm_cpu_activate(mm, 3);
	assert_int_equal(mm_cpu_mask(mm), 0xau);
	for (unsigned c = 0; c < 4; c++)
		rx[c] = fake_hal_stats.tlb_others_received[c];
	assert_int_equal(do_munmap(mm, a + P, P), 0);
	assert_int_equal(fake_hal_stats.last_tlb_others_mask, 0xau);
	assert_true(fake_hal_stats.tlb_others_received[1] > rx[1]);
	assert_true(fake_hal_stats.tlb_others_received[3] > rx[3]);
	assert_int_equal(fake_hal_stats.tlb_others_received[0], rx[0]);
	assert_int_equal(fake_hal_stats.tlb_others_received[2], rx[2]);
	/* From CPU 3 (one of mm's): it flushes itself, and only CPU 1 gets an IPI. */
	fake_hal_set_cpu(3);
	assert_int_equal(flush_tlb_page(mm, a), 1);
	assert_int_equal(fake_hal_stats.last_tlb_others_mask, 0x2u);
	assert_int_equal(flush_tlb_range(mm, a, a + 2 * P), 1);
	assert_int_equal(flush_tlb_mm(mm), 1);
	/* CPU 1 switched away: nothing to shoot. */
	mm_cpu_deactivate(mm, 1);
	assert_int_equal(flush_tlb_page(mm, a), 0);
	fake_hal_set_cpu(0);
	mm_cpu_deactivate(mm, 3);
	assert_int_equal(mm_cpu_mask(mm), 0);
	mmput(mm);
	assert_all_returned();
}

/* The `tlbinfo` report: a line per online CPU and the totals. */
static void test_tlbinfo(void **state)
{
	char *text;

	(void)state;
	tlb_stats_reset();
	fake_hal_set_online(0x3u);
	flush_tlb_all();
	fake_hal_set_cpu(1);
	flush_tlb_all();
	flush_tlb_all();
	fake_hal_set_cpu(0);
	CAPTURE(text, tlbflush_show(out));
	assert_non_null(strstr(text, "cpu0               1              0            1"));
	assert_non_null(strstr(text, "cpu1               2              0            2"));
	assert_non_null(strstr(text, "total              3              0            3"));
	assert_null(strstr(text, "cpu2"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pkmap_wrap_ipis, setup_proc, teardown),
		cmocka_unit_test_setup_teardown(test_vmalloc_shootdown, setup_proc, teardown),
		cmocka_unit_test_setup_teardown(test_user_flush_reaches_mm_cpus, setup_proc, teardown),
		cmocka_unit_test_setup_teardown(test_tlbinfo, setup_proc, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
