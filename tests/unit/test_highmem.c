/*
 * PKMAP kmap on the fake machine: the 0/1/n meaning of pkmap_count, reuse
 * of a live mapping, exactly one global flush per LAST_PKMAP fresh
 * mappings, running out of slots without hanging, kmap_atomic's page
 * flushes, and the in-image self tests run on the host.
 */
#include "test_vm_boot.h"

#include <mm/debug/bench_vm.h>

/* The self tests of the image, compiled here against the fake hal. */
#include "../../firmware/selftest/selftest_vm.c"

/* Calls of shell_interrupted() before it says Ctrl-C was typed (0: never). */
static unsigned long interrupt_after;

bool shell_interrupted(void)
{
	return interrupt_after && --interrupt_after == 0;
}

/* The n-th free high page, allocated once per boot. */
#define NR_HIGH 4096
static struct page *high[NR_HIGH];

static int setup1g(void **state)
{
	vm_boot(1 * GiB);
	for (unsigned i = 0; i < NR_HIGH; i++) {
		high[i] = alloc_page(GFP_HIGHUSER);
		assert_non_null(high[i]);
		assert_true(page_is_highmem(high[i]));
	}
	return 0;
}

static int teardown1g(void **state)
{
	for (unsigned i = 0; i < NR_HIGH; i++)
		__free_page(high[i]);
	assert_int_equal(nr_free_pages(), vm_boot_free_pages);
	return 0;
}

static void test_lowmem_page_needs_no_slot(void **state)
{
	struct page *low = alloc_page(GFP_KERNEL);

	assert_int_equal(kmap(low), lowmem_page_address(low));
	assert_int_equal(page_address(low), lowmem_page_address(low));
	kunmap(low);
	assert_int_equal(pkmap_stats.fresh_maps, 0);
	assert_int_equal(kmap_atomic(low, KM_USER0), lowmem_page_address(low));
	kunmap_atomic(lowmem_page_address(low), KM_USER0);
	assert_int_equal(fixmap_cpu_stats[0].errors, 0);
	__free_page(low);
}

static void test_count_semantics(void **state)
{
	struct page *p = high[0];
	vaddr_t va, va2;
	unsigned nr;

	assert_int_equal(page_address(p), 0);
	va = kmap(p);
	assert_true(va >= PKMAP_BASE && va < PKMAP_END);
	nr = PKMAP_NR(va);
	assert_int_equal(nr, 1); /* the search starts after last_pkmap_nr 0 */
	assert_int_equal(pkmap_count[nr], 2); /* one user */
	assert_int_equal(page_address(p), va);
	assert_true(mapped(va));
	*(uint32_t *)hal_va_ptr(va) = 0xfeedbeef;

	va2 = kmap(p); /* a live mapping is reused: same slot, count raised */
	assert_int_equal(va2, va);
	assert_int_equal(pkmap_count[nr], 3);
	assert_int_equal(pkmap_stats.reuses, 1);
	assert_int_equal(pkmap_slots_in_use(), 1);

	kunmap(p);
	assert_int_equal(pkmap_count[nr], 2);
	kunmap(p);
	/* 1: unused but still mapped until the next wrap flushes it. */
	assert_int_equal(pkmap_count[nr], 1);
	assert_int_equal(page_address(p), va);
	assert_true(mapped(va));
	assert_int_equal(pkmap_slots_in_use(), 0);

	assert_int_equal(kmap(p), va); /* back from 1 without a new slot */
	assert_int_equal(pkmap_count[nr], 2);
	assert_int_equal(pkmap_stats.fresh_maps, 1);
	assert_int_equal(*(uint32_t *)hal_va_ptr(va), 0xfeedbeef);
	kunmap(p);

	flush_all_zero_pkmaps();
	assert_int_equal(pkmap_count[nr], 0);
	assert_int_equal(page_address(p), 0);
	assert_false(mapped(va));
	assert_int_equal(fake_hal_stats.flush_all, pkmap_stats.flushes);
	assert_unlocked();
}

static void test_bad_kunmap(void **state)
{
	kunmap(high[5]); /* never mapped */
	assert_int_equal(pkmap_stats.bad_kunmaps, 1);
	kmap(high[5]);
	kunmap(high[5]);
	kunmap(high[5]); /* one too many: count stays 1 */
	assert_int_equal(pkmap_stats.bad_kunmaps, 2);
	assert_int_equal(pkmap_count[PKMAP_NR(page_address(high[5]))], 1);
}

/* One global flush per LAST_PKMAP fresh mappings, and none in between. */
static void test_one_flush_per_wrap(void **state)
{
	unsigned long flush0 = fake_hal_stats.flush_all;

	for (unsigned i = 0; i < 3 * LAST_PKMAP; i++) {
		struct page *p = high[i % NR_HIGH];
		vaddr_t va = kmap(p);

		assert_int_equal(PKMAP_NR(va), (i + 1) % LAST_PKMAP);
		kunmap(p);
		/* Fresh mapping number i + 1 wraps to slot 0 at every multiple of LAST_PKMAP. */
		assert_int_equal(fake_hal_stats.flush_all - flush0, (i + 1) / LAST_PKMAP);
	}
	assert_int_equal(pkmap_stats.fresh_maps, 3 * LAST_PKMAP);
	assert_int_equal(pkmap_stats.flushes, 3);
	assert_int_equal(pkmap_stats.wraps, 3);
	assert_int_equal(fake_hal_stats.flush_page, 0);
	/* Pages flushed out of their slot lost their address; the last LAST_PKMAP - 1 are still mapped. */
	assert_int_equal(page_address(high[0]), 0);
	assert_int_equal(page_address(high[3 * LAST_PKMAP - 1]), PKMAP_ADDR(0));
	assert_unlocked();
}

static void test_out_of_slots_is_an_error_not_a_hang(void **state)
{
	vaddr_t va;

	for (unsigned i = 0; i < LAST_PKMAP; i++)
		assert_true(kmap(high[i]));
	assert_int_equal(pkmap_slots_in_use(), LAST_PKMAP);
	assert_int_equal(kmap(high[LAST_PKMAP]), 0);
	assert_int_equal(pkmap_stats.exhausted, 1);
	assert_int_equal(kmap(high[LAST_PKMAP + 1]), 0);
	assert_int_equal(pkmap_stats.exhausted, 2);
	/* Pages already mapped can still be kmapped again. */
	assert_int_equal(kmap(high[7]), page_address(high[7]));
	kunmap(high[7]);
	assert_unlocked();

	/* One slot back: the next kmap finds it after a wrap and a flush. */
	kunmap(high[100]);
	va = kmap(high[LAST_PKMAP]);
	assert_int_equal(va, PKMAP_ADDR(PKMAP_NR(va)));
	assert_int_equal(page_address(high[100]), 0);
	for (unsigned i = 0; i <= LAST_PKMAP; i++)
		if (i != 100)
			kunmap(high[i]);
	assert_int_equal(pkmap_slots_in_use(), 0);
	assert_int_equal(pkmap_stats.bad_kunmaps, 0);
}

/* The "other CPU" of test_kmap_waits_for_a_slot: after a few spins, it kunmaps high[100]. */
static unsigned relax_turns;

static void other_cpu_releases(void)
{
	if (++relax_turns == 5) {
		fake_hal_set_cpu(1);
		kunmap(high[100]);
		fake_hal_set_cpu(0);
	}
}

/*
 * pkmap_map_wait: with a second CPU online, a kmap that finds every slot in use waits (spinning
 * with kmap_lock dropped) until a slot is released, then maps the page in it, instead of failing.
 */
static void test_kmap_waits_for_a_slot(void **state)
{
	vaddr_t va, released;

	for (unsigned i = 0; i < LAST_PKMAP; i++)
		assert_true(kmap(high[i]));
	released = page_address(high[100]);
	fake_hal_set_online(0x3u);
	relax_turns = 0;
	fake_hal_set_relax_hook(other_cpu_releases);
	va = kmap(high[LAST_PKMAP]);
	fake_hal_set_relax_hook(NULL);
	assert_true(va != 0);
	assert_int_equal(relax_turns, 5);
	assert_int_equal(pkmap_stats.waits, 1);
	assert_int_equal(pkmap_stats.exhausted, 0);
	assert_int_equal(page_address(high[100]), 0); /* its slot went to the waiter */
	assert_int_equal(va, released);
	assert_int_equal(pkmap_stats.flush_ipis, pkmap_stats.flushes);
	fake_hal_set_online(0x1u);
	for (unsigned i = 0; i <= LAST_PKMAP; i++)
		if (i != 100)
			kunmap(high[i]);
	assert_int_equal(pkmap_slots_in_use(), 0);
	assert_unlocked();
}

/* kmap from an interrupt handler is refused with a message; kmap_atomic(KM_IRQ0) works there. */
static void test_kmap_refused_in_interrupt(void **state)
{
	struct page *low = alloc_page(GFP_KERNEL);
	vaddr_t va;

	assert_non_null(low);
	fake_hal_set_in_interrupt(1);
	assert_int_equal(kmap(high[3]), 0);
	assert_int_equal(kmap(low), 0);
	__free_page(low);
	assert_int_equal(pkmap_stats.irq_refused, 2);
	assert_int_equal(pkmap_slots_in_use(), 0);
	va = kmap_atomic(high[3], KM_IRQ0);
	assert_true(va != 0);
	kunmap_atomic(va, KM_IRQ0);
	fake_hal_set_in_interrupt(0);
	assert_true(kmap(high[3]) != 0);
	kunmap(high[3]);
	assert_unlocked();
}

static void test_kmap_atomic_flushes_one_page(void **state)
{
	struct page *p = high[9];
	vaddr_t va, kva;
	unsigned long fp = fake_hal_stats.flush_page, fa = fake_hal_stats.flush_all;

	va = kmap_atomic(p, KM_USER1);
	assert_int_equal(va, __fix_to_virt(FIX_KMAP_BEGIN + KM_USER1));
	assert_int_equal(fake_hal_stats.flush_page, fp + 1);
	assert_int_equal(fake_hal_stats.last_flush_va, va);
	memset(hal_va_ptr(va), 0x3c, PAGE_SIZE);
	kunmap_atomic(va, KM_USER1);
	assert_int_equal(fake_hal_stats.flush_page, fp + 2);
	assert_false(mapped(va));
	assert_int_equal(fake_hal_stats.flush_all, fa);

	/* The same frame through kmap. */
	kva = kmap(p);
	assert_int_equal(((uint8_t *)hal_va_ptr(kva))[4095], 0x3c);
	kunmap(p);

	/* A missing kunmap_atomic is reported when the slot is taken again, and still one flush. */
	va = kmap_atomic(p, KM_USER0);
	fp = fake_hal_stats.flush_page;
	assert_int_equal(kmap_atomic(high[10], KM_USER0), va);
	assert_int_equal(fake_hal_stats.flush_page, fp + 1);
	assert_int_equal(fixmap_cpu_stats[0].atomic_overwrites, 1);
	kunmap_atomic(va, KM_USER0);
	kunmap_atomic(va, KM_USER0); /* both uses undone */
	assert_int_equal(fixmap_cpu_stats[0].atomic_unbalanced, 0);

	/* Wrong type or address: reported, nothing unmapped. */
	va = kmap_atomic(p, KM_IRQ0);
	kunmap_atomic(va, KM_USER0);
	kunmap_atomic(va, (enum km_type)KM_TYPE_NR);
	assert_int_equal(kmap_atomic(p, (enum km_type)99), 0);
	assert_int_equal(fixmap_cpu_stats[0].errors, 3);
	assert_true(mapped(va));
	kunmap_atomic(va, KM_IRQ0);
	assert_false(mapped(va));
	assert_unlocked();
}

/*
 * kmap_atomic per CPU: the same slot type on four CPUs gives four fixmap pages
 * (FIX_KMAP_BEGIN + KM_TYPE_NR * cpu + type), each mapping its own frame at once, each flushed on
 * its own CPU only (no shootdown IPI); a CPU cannot undo another CPU's slot.
 */
static void test_kmap_atomic_per_cpu(void **state)
{
	vaddr_t va[4];
	unsigned long fp = fake_hal_stats.flush_page;

	(void)state;
	fake_hal_set_online(0xfu);
	for (unsigned c = 0; c < 4; c++) {
		fake_hal_set_cpu(c);
		va[c] = kmap_atomic(high[20 + c], KM_USER0);
		assert_int_equal(va[c], __fix_to_virt(KMAP_ATOMIC_IDX(c, KM_USER0)));
		assert_int_equal(va[c], __fix_to_virt(FIX_KMAP_BEGIN + KM_TYPE_NR * c + KM_USER0));
		memset(hal_va_ptr(va[c]), 0x50 + (int)c, PAGE_SIZE);
	}
	for (unsigned c = 0; c < 4; c++) {
		paddr_t pa;

		assert_true(hal_query_page(swapper_pg_dir, va[c], &pa, NULL));
		assert_int_equal(pa, (paddr_t)page_to_pfn(high[20 + c]) << PAGE_SHIFT);
		assert_int_equal(fixmap_cpu_stats[c].atomic_depth[KM_USER0], 1);
		assert_int_equal(fixmap_cpu_stats[c].atomic_maps, 1);
		assert_int_equal(fixmap_cpu_stats[c].atomic_overwrites, 0);
	}
	assert_int_equal(fake_hal_stats.flush_page, fp + 4);
	assert_int_equal(fake_hal_stats.tlb_others_calls, 0);
	/* CPU 0 cannot undo CPU 1's slot: reported, still mapped. */
	fake_hal_set_cpu(0);
	kunmap_atomic(va[1], KM_USER0);
	assert_int_equal(fixmap_cpu_stats[0].errors, 1);
	assert_true(mapped(va[1]));
	for (unsigned c = 0; c < 4; c++) {
		char name[48];

		fake_hal_set_cpu(c);
		kunmap_atomic(va[c], KM_USER0);
		assert_false(mapped(va[c]));
		assert_int_equal(((uint8_t *)hal_va_ptr(kmap(high[20 + c])))[7], 0x50 + c);
		kunmap(high[20 + c]);
		fixmap_name(KMAP_ATOMIC_IDX(c, KM_MEMTEST), name, sizeof(name));
		assert_non_null(strstr(name, "KM_MEMTEST@cpu"));
		assert_int_equal(name[strlen(name) - 1], '0' + (int)c);
	}
	fake_hal_set_cpu(0);
	assert_int_equal(fake_hal_stats.tlb_others_calls, 0);
	assert_unlocked();
}

/*
 * Slot discipline: each kmap_atomic slot holds one use at a time, a low page's use included (it
 * takes no mapping, but nesting it with a high page in the same slot is the same mistake).  A
 * nested use is warned about and counted, so is a kunmap_atomic without a use, and `fixmap` shows
 * the counts; properly nested uses of different slots say nothing.
 */
static void test_kmap_atomic_slot_discipline(void **state)
{
	struct page *low = alloc_page(GFP_KERNEL);
	vaddr_t a, b;
	char buf[8192];
	FILE *f;

	assert_non_null(low);
	assert_false(page_is_highmem(low));
	/* Different slots, properly nested: silent. */
	a = kmap_atomic(high[11], KM_USER0);
	b = kmap_atomic(low, KM_USER1);
	assert_int_equal(b, lowmem_page_address(low));
	kunmap_atomic(b, KM_USER1);
	kunmap_atomic(a, KM_USER0);
	assert_int_equal(fixmap_cpu_stats[0].atomic_overwrites, 0);
	assert_int_equal(fixmap_cpu_stats[0].atomic_unbalanced, 0);

	/* A low page holds KM_USER0, then a high page takes it. */
	a = kmap_atomic(low, KM_USER0);
	b = kmap_atomic(high[12], KM_USER0);
	assert_int_equal(fixmap_cpu_stats[0].atomic_overwrites, 1);
	assert_int_equal(fixmap_cpu_stats[0].atomic_depth[KM_USER0], 2);
	kunmap_atomic(b, KM_USER0);
	kunmap_atomic(a, KM_USER0);
	assert_int_equal(fixmap_cpu_stats[0].atomic_depth[KM_USER0], 0);

	/* A high page holds KM_USER1, then a low page takes it: its mapping stays, but it is caught. */
	a = kmap_atomic(high[12], KM_USER1);
	b = kmap_atomic(low, KM_USER1);
	assert_int_equal(fixmap_cpu_stats[0].atomic_overwrites, 2);
	assert_true(mapped(a));
	kunmap_atomic(b, KM_USER1);
	kunmap_atomic(a, KM_USER1);
	assert_false(mapped(a));
	assert_int_equal(fixmap_cpu_stats[0].atomic_unbalanced, 0);

	/* kunmap_atomic without kmap_atomic, low and high. */
	kunmap_atomic(lowmem_page_address(low), KM_USER0);
	kunmap_atomic(__fix_to_virt(FIX_KMAP_BEGIN + KM_IRQ0), KM_IRQ0);
	assert_int_equal(fixmap_cpu_stats[0].atomic_unbalanced, 2);

	f = fmemopen(buf, sizeof(buf), "w");
	fixmap_show(f);
	fclose(f);
	assert_non_null(strstr(buf, "2 nested uses of a busy slot, 2 unbalanced kunmaps"));
	assert_non_null(strstr(buf, "KM_USER0 0 KM_USER1 0"));
	__free_page(low);
	assert_unlocked();
}

/* A random walk of kmap/kunmap against counted references, over more pages than slots. */
static void test_random_against_model(void **state)
{
	static int refs[NR_HIGH];
	uint32_t seed = 99;
	unsigned live = 0;

	memset(refs, 0, sizeof(refs));
	for (unsigned step = 0; step < 60000; step++) {
		unsigned i;

		seed = seed * 1664525u + 1013904223u;
		i = (seed >> 8) % (LAST_PKMAP + LAST_PKMAP / 2);
		if (refs[i] && (seed >> 28) < 9) {
			kunmap(high[i]);
			if (--refs[i] == 0)
				live--;
		} else if (refs[i] || live < LAST_PKMAP) {
			vaddr_t va = kmap(high[i]);

			assert_true(va);
			if (refs[i]++ == 0) {
				live++;
				*(uint32_t *)hal_va_ptr(va) = i;
			}
			assert_int_equal(*(uint32_t *)hal_va_ptr(va), i);
			assert_int_equal(pkmap_count[PKMAP_NR(va)], refs[i] + 1);
		}
		if (step % 1000 == 0)
			assert_int_equal(pkmap_slots_in_use(), live);
	}
	for (unsigned i = 0; i < NR_HIGH; i++)
		while (refs[i]--)
			kunmap(high[i]);
	assert_int_equal(pkmap_slots_in_use(), 0);
	assert_int_equal(pkmap_stats.exhausted, 0);
	assert_int_equal(pkmap_stats.bad_kunmaps, 0);
	/* Flushes never exceed one per wrap and every wrap that freed a slot flushed. */
	assert_true(pkmap_stats.flushes <= pkmap_stats.wraps);
	assert_int_equal(fake_hal_stats.flush_all, pkmap_stats.flushes);
	assert_unlocked();
}

static void test_pkmap_show(void **state)
{
	char *text;

	kmap(high[1]);
	kmap(high[2]);
	kunmap(high[2]);
	CAPTURE(text, pkmap_show(out));
	assert_non_null(strstr(text, "1024 slots: 1 in use, 1 unused awaiting flush, 1022 free"));
	assert_non_null(strstr(text, "slot    1 0xfe001000 count 2 (in use)"));
	assert_non_null(strstr(text, "slot    2 0xfe002000 count 1 (unused, flush pending)"));
	free(text);
	kunmap(high[1]);
}

static void test_selftests_on_host(void **state)
{
	assert_int_equal(selftest_highmem_every_page(&__selftest_entry_highmem_every_page), 0);
	assert_int_equal(selftest_pkmap_flush_per_wrap(&__selftest_entry_pkmap_flush_per_wrap), 0);
	assert_int_equal(selftest_vmalloc_order_and_guards(&__selftest_entry_vmalloc_order_and_guards), 0);
	assert_int_equal(selftest_fixmap_round_trip(&__selftest_entry_fixmap_round_trip), 0);
	assert_null(vmlist);
	assert_int_equal(pkmap_slots_in_use(), 0);
	assert_unlocked();
}

/* Ctrl-C stops the walk over every high page: a failure that says so, with every kmap dropped. */
static void test_highmem_every_page_stops_on_ctrl_c(void **state)
{
	char *text;
	int r = 0;

	interrupt_after = 2;
	CAPTURE(text, {
		FILE *saved = stdout;

		stdout = out;
		r = selftest_highmem_every_page(&__selftest_entry_highmem_every_page);
		stdout = saved;
	});
	interrupt_after = 0;
	assert_int_equal(r, 1);
	assert_non_null(strstr(text, "# stopped by Ctrl-C at pfn"));
	free(text);
	assert_int_equal(pkmap_slots_in_use(), 0);
	assert_unlocked();
}

static void test_bench_lines(void **state)
{
	static const char *const cases[] = {
		"BENCH name=vmalloc_vfree n=10 ops=500 cycles_per_op=",
		"BENCH name=vmalloc_vfree n=100 ops=500 cycles_per_op=",
		"BENCH name=vmalloc_vfree n=1000 ops=500 cycles_per_op=",
		"BENCH name=vmalloc_vfree n=10000 ops=200 cycles_per_op=",
		"BENCH name=vmalloc_vfree_linear n=10000 ops=20 cycles_per_op=",
		"BENCH name=fix_size n=0 ops=500 cycles_per_op=",
		"BENCH name=full_fit n=100 ops=200 cycles_per_op=",
		"BENCH name=random_size n=0 ops=50 cycles_per_op=",
		"BENCH name=vfree_batch n=1000 ops=1000 cycles_per_op=",
		"BENCH name=kmap_kunmap n=1 ops=10000 cycles_per_op=",
		"BENCH name=kmap_kunmap n=1000 ops=10000 cycles_per_op=",
		"BENCH name=kmap_atomic n=1 ops=10000 cycles_per_op=",
		"BENCH name=kmap_fresh n=1000 ops=409 cycles_per_op=",
		"BENCH name=kmap_fresh_flushes n=100000 ops=100000 cycles_per_op=",
		"TARGET vmalloc_vfree n=10000 / n=10 = ",
	};
	unsigned long free_before = nr_free_pages();
	char *text;

	/* The quick run (a tenth of the operations, one repetition); long_busy_list takes what fits at 1 GiB. */
	bench_opts = (struct bench_opts){ .quick = 1, .reps = 1 };
	bench_nr_records = 0;
	CAPTURE(text, { bench_vm(out); bench_targets(out); });
	fputs(text, stdout);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_non_null(strstr(text, cases[i]));
	assert_null(strstr(text, "skipped"));
	assert_null(strstr(text, "failed"));
	free(text);
	assert_null(vmlist);
	assert_int_equal(nr_free_pages(), free_before);
	assert_int_equal(pkmap_slots_in_use(), 0);
	assert_unlocked();
}


/* The 2.4 kernels' slot walk, as a model: pkmap counts, last_pkmap_nr and the flushes it would do. */
static int model_count[LAST_PKMAP];
static unsigned model_last, model_flushes, model_wraps;
static struct page *model_page[LAST_PKMAP];

static void model_flush_zero(void)
{
	bool flushed = false;

	for (unsigned i = 0; i < LAST_PKMAP; i++)
		if (model_count[i] == 1) {
			model_count[i] = 0;
			model_page[i] = NULL;
			flushed = true;
		}
	model_flushes += flushed;
}

/* The slot the walk gives page (its live slot if it has one), or -1 when all are in use. */
static int model_kmap(struct page *page)
{
	unsigned count = LAST_PKMAP;

	for (unsigned i = 0; i < LAST_PKMAP; i++)
		if (model_count[i] && model_page[i] == page) {
			model_count[i]++;
			return (int)i;
		}
	for (;;) {
		model_last = (model_last + 1) & LAST_PKMAP_MASK;
		if (model_last == 0) {
			model_wraps++;
			model_flush_zero();
			count = LAST_PKMAP;
		}
		if (model_count[model_last] == 0)
			break;
		if (--count == 0)
			return -1;
	}
	model_count[model_last] = 2;
	model_page[model_last] = page;
	return (int)model_last;
}

/* The bitmap search picks exactly the slot the 2.4 kernels' one-by-one walk picks, wraps and flushes as often. */
static void test_bitmap_matches_seed_walk(void **state)
{
	static int refs[NR_HIGH];
	uint32_t seed = 4711;

	memset(refs, 0, sizeof(refs));
	memset(model_count, 0, sizeof(model_count));
	memset(model_page, 0, sizeof(model_page));
	model_last = model_flushes = model_wraps = 0;
	for (unsigned step = 0; step < 40000; step++) {
		unsigned i;

		seed = seed * 1664525u + 1013904223u;
		/* A working set a little larger than the window, and phases where most slots stay in use. */
		i = (seed >> 8) % ((step / 5000) % 2 ? LAST_PKMAP + 64 : 3 * LAST_PKMAP);
		if (refs[i] && (seed >> 28) < 8) {
			vaddr_t va = high[i]->virtual;

			kunmap(high[i]);
			refs[i]--;
			model_count[PKMAP_NR(va)]--;
		} else {
			int want = model_kmap(high[i]);
			vaddr_t va = kmap(high[i]);

			if (want < 0) {
				assert_int_equal(va, 0);
				continue;
			}
			assert_int_equal(va, PKMAP_ADDR((unsigned)want));
			refs[i]++;
		}
		assert_int_equal(last_pkmap_nr, model_last);
		assert_int_equal(pkmap_stats.flushes, model_flushes);
		assert_int_equal(pkmap_stats.wraps, model_wraps);
		if (step % 500 == 0)
			assert_memory_equal(pkmap_count, model_count, sizeof(model_count));
	}
	for (unsigned i = 0; i < NR_HIGH; i++)
		while (refs[i]--)
			kunmap(high[i]);
	assert_unlocked();
}

/* n fresh kmaps cost at most ceil(n / LAST_PKMAP) global flushes (the target in tests/BENCHMARKS.md, at n = 200,000 to stay quick). */
static void test_fresh_kmaps_flush_budget(void **state)
{
	unsigned long before = fake_hal_stats.flush_all, n = 200000;

	/* Fresh kmaps cycling through more pages than slots: every kmap takes a new slot. */
	for (unsigned long k = 0; k < n; k++) {
		struct page *p = high[k % (LAST_PKMAP + 1)];

		assert_true(kmap(p));
		kunmap(p);
	}
	assert_int_equal(pkmap_stats.fresh_maps, n);
	assert_true(fake_hal_stats.flush_all - before <= (n + LAST_PKMAP - 1) / LAST_PKMAP);
	assert_unlocked();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lowmem_page_needs_no_slot, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_count_semantics, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_bad_kunmap, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_one_flush_per_wrap, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_out_of_slots_is_an_error_not_a_hang, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_kmap_waits_for_a_slot, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_kmap_refused_in_interrupt, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_kmap_atomic_flushes_one_page, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_kmap_atomic_slot_discipline, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_kmap_atomic_per_cpu, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_pkmap_show, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_selftests_on_host, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_highmem_every_page_stops_on_ctrl_c, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_bench_lines, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_bitmap_matches_seed_walk, setup1g, teardown1g),
		cmocka_unit_test_setup_teardown(test_fresh_kmaps_flush_budget, setup1g, teardown1g),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
