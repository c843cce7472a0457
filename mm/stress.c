/*
 * The stress engine of mm/stress.h.  Everything it holds lives in static
 * tables here, never in memory it allocates, so failure injection and the
 * leak accounting see only the operations under test.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/fault_inject.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/mmcheck.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <mm/stress.h>
#include <mm/vmalloc.h>

#define MAX_BLOCKS 1024
#define MAX_OBJS 2048
#define MAX_AREAS 128
#define MAX_IOMAPS 32
#define MAX_KMAPS 256          /* below LAST_PKMAP even with PAE's 512 */
#define MAX_VMALLOC_PAGES 64
#define MAX_IOREMAP_PAGES 16
#define ZERO_CHECK_MAX_ORDER 2 /* __GFP_ZERO only up to 16 KiB blocks: zeroing 4 MiB costs too much under TCG */
/* Physical space no PC puts RAM in below 4 GiB (QEMU pc stops RAM at 3 or 3.5 GiB): ioremap targets. */
#define IOREMAP_PHYS_BASE 0xE0000000ull
#define IOREMAP_PHYS_SLOTS 4096u

struct block {
	struct page *page;
	unsigned order;
	unsigned kmaps; /* kmap()s of the head page not yet undone */
	uint32_t stamp;
};

struct obj {
	uint8_t *p;
	uint32_t size;
	uint32_t stamp;
};

struct area {
	vaddr_t addr;
	uint32_t size;
	uint32_t stamp;
};

static struct {
	uint64_t rng;
	const struct stress_config *cfg;
	struct stress_result *res;
	struct block blocks[MAX_BLOCKS];
	unsigned nblocks;
	struct obj objs[MAX_OBJS];
	unsigned nobjs;
	struct area areas[MAX_AREAS];
	unsigned nareas;
	vaddr_t iomaps[MAX_IOMAPS];
	unsigned niomaps;
	unsigned nkmaps;
	unsigned long live_pages, budget;
} st;

/* What is counted for the leak check. */
struct snapshot {
	unsigned long free[MAX_NR_ZONES];
	unsigned long slab_objects, slab_pages;
	unsigned long vmalloc_bytes;
	unsigned vmalloc_areas;
	unsigned long pkmap_slots, kmap_atomic, pagetables;
};

const char *stress_op_name(enum stress_op op)
{
	static const char *const names[STRESS_NR_OPS] = {
		[STRESS_ALLOC_PAGES] = "alloc_pages", [STRESS_FREE_PAGES] = "free_pages",
		[STRESS_KMALLOC] = "kmalloc",         [STRESS_KFREE] = "kfree",
		[STRESS_VMALLOC] = "vmalloc",         [STRESS_VFREE] = "vfree",
		[STRESS_IOREMAP] = "ioremap",         [STRESS_IOUNMAP] = "iounmap",
		[STRESS_KMAP] = "kmap",               [STRESS_KUNMAP] = "kunmap",
		[STRESS_KMAP_ATOMIC] = "kmap_atomic",
	};

	return (unsigned)op < STRESS_NR_OPS ? names[op] : "?";
}

/* splitmix64, the same generator as failure injection's: any seed works, runs replay exactly. */
static uint64_t rnd64(void)
{
	uint64_t z = (st.rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number in [0, n), n >= 1. */
static uint32_t rnd(uint32_t n)
{
	return (uint32_t)((rnd64() >> 32) % n);
}

/* A non-zero stamp. */
static uint32_t rnd_stamp(void)
{
	uint32_t s = (uint32_t)rnd64();

	return s ? s : 0x5a5a5a5a;
}

/* Report a problem on the report stream (stdout may be the quiet sink). */
static void problem(const char *what, unsigned long a, unsigned long b)
{
	st.res->corruptions++;
	if (st.cfg->out)
		fprintf(st.cfg->out, "stress: op %lu: %s (0x%lx, 0x%lx)\n", st.res->ops_done, what, a, b);
}

/* ---- words in memory, reached through the kernel address the caller has ---- */

static void put_word(vaddr_t va, uint32_t v)
{
	memcpy(hal_va_ptr(va), &v, sizeof(v));
}

static uint32_t get_word(vaddr_t va)
{
	uint32_t v;

	memcpy(&v, hal_va_ptr(va), sizeof(v));
	return v;
}

/* Read (write when store) the word at byte offset off of page, kmap_atomic'ing a high page. */
static uint32_t page_word(struct page *page, unsigned off, bool store, uint32_t v)
{
	vaddr_t base = kmap_atomic(page, KM_USER0);
	uint32_t old;

	if (!base) {
		problem("kmap_atomic returned 0", page_to_pfn(page), 0);
		return v;
	}
	old = get_word(base + off);
	if (store)
		put_word(base + off, v);
	kunmap_atomic(base, KM_USER0);
	return old;
}

/* The first word of a block and the last word of its last page carry its stamp. */
static void stamp_block(const struct block *b)
{
	page_word(b->page, 0, true, b->stamp);
	page_word(b->page + (1u << b->order) - 1, PAGE_SIZE - 4, true, ~b->stamp);
}

static void check_block(const struct block *b)
{
	uint32_t first = page_word(b->page, 0, false, 0);
	uint32_t last = page_word(b->page + (1u << b->order) - 1, PAGE_SIZE - 4, false, 0);

	if (first != b->stamp || last != ~b->stamp)
		problem("page block stamp overwritten", page_to_pfn(b->page), first);
}

/* Offsets of the two stamp words of an object or area of size bytes (aligned, so neither crosses a page). */
static uint32_t tail_offset(uint32_t size)
{
	return size >= 8 ? (size - 4) & ~3u : 0;
}

static void stamp_bytes(vaddr_t va, uint32_t size, uint32_t stamp)
{
	if (size < 4) {
		memset(hal_va_ptr(va), (int)(stamp & 0xff), size);
		return;
	}
	put_word(va, stamp);
	if (size >= 8)
		put_word(va + tail_offset(size), ~stamp);
}

static bool bytes_ok(vaddr_t va, uint32_t size, uint32_t stamp)
{
	const uint8_t *p;

	if (size < 4) {
		p = hal_va_ptr(va);
		for (uint32_t i = 0; i < size; i++)
			if (p[i] != (stamp & 0xff))
				return false;
		return true;
	}
	return get_word(va) == stamp && (size < 8 || get_word(va + tail_offset(size)) == ~stamp);
}

/* ---- the accounting ---- */

static void take_snapshot(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int z = 0; z < MAX_NR_ZONES; z++)
		s->free[z] = contig_page_data.node_zones[z].free_pages;
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c))
		s->slab_objects += c->active_objs;
	s->slab_pages = slab_stats.slab_pages;
	vmalloc_usage(&s->vmalloc_bytes, NULL, &s->vmalloc_areas);
	for (unsigned i = 0; i < LAST_PKMAP; i++)
		s->pkmap_slots += pkmap_count[i] != 0;
	for (unsigned t = 0; t < KM_TYPE_NR; t++)
		s->kmap_atomic += fixmap_query(FIX_KMAP_BEGIN + t, NULL);
	s->pagetables = nr_pagetable_pages();
}

/* Return every count-1 PKMAP slot and every lazily freed vmalloc range, so that "free" means free. */
static void settle(void)
{
	flush_all_zero_pkmaps();
	vmalloc_purge_lazy();
}

static void run_checks(void)
{
	unsigned long n = mmcheck_all(st.cfg->out, st.cfg->img);

	st.res->checks++;
	st.res->violations += n;
	if (n && st.cfg->out)
		fprintf(st.cfg->out, "stress: %lu invariant violations after op %lu (seed %llu)\n", n,
			st.res->ops_done, (unsigned long long)st.cfg->seed);
}

static void failed_alloc(void)
{
	st.res->failures++;
}

/* ---- the operations; each returns false when it had nothing to do ---- */

static bool op_alloc_pages(void)
{
	static const gfp_t zones[4] = { GFP_KERNEL, GFP_DMA, GFP_HIGHUSER, GFP_HIGHUSER };
	unsigned order = rnd(2) ? 0 : 1 + rnd(MAX_ORDER - 1);
	gfp_t gfp = zones[rnd(4)] | __GFP_NOWARN;
	struct block *b;
	struct page *page;

	if (st.nblocks == MAX_BLOCKS || st.live_pages + (1ul << order) > st.budget)
		return false;
	if (order <= ZERO_CHECK_MAX_ORDER && rnd(4) == 0)
		gfp |= __GFP_ZERO;
	page = alloc_pages(gfp, order);
	if (!page) {
		failed_alloc();
		return true;
	}
	if (gfp & __GFP_ZERO)
		for (unsigned i = 0; i < (1u << order); i++)
			if (page_word(page + i, rnd(PAGE_SIZE / 4) * 4, false, 0) != 0)
				problem("__GFP_ZERO page not zeroed", page_to_pfn(page + i), 0);
	if ((gfp & __GFP_DMA) && page_to_pfn(page) + (1u << order) > MAX_DMA_PFN)
		problem("GFP_DMA block above 16 MiB", page_to_pfn(page), order);
	b = &st.blocks[st.nblocks++];
	*b = (struct block){ page, order, 0, rnd_stamp() };
	stamp_block(b);
	st.live_pages += 1ul << order;
	return true;
}

static void free_block(unsigned i)
{
	struct block *b = &st.blocks[i];

	while (b->kmaps) {
		kunmap(b->page);
		b->kmaps--;
		st.nkmaps--;
	}
	check_block(b);
	__free_pages(b->page, b->order);
	st.live_pages -= 1ul << b->order;
	*b = st.blocks[--st.nblocks];
}

static bool op_free_pages(void)
{
	if (!st.nblocks)
		return false;
	free_block(rnd(st.nblocks));
	return true;
}

static bool op_kmalloc(void)
{
	unsigned cls = rnd(KMALLOC_SHIFT_HIGH - KMALLOC_SHIFT_LOW + 1);
	uint32_t top = 1u << (cls + KMALLOC_SHIFT_LOW), size = cls ? top / 2 + 1 + rnd(top / 2) : 1 + rnd(top);
	gfp_t gfp = (rnd(10) == 0 ? GFP_DMA : GFP_KERNEL) | __GFP_NOWARN;
	unsigned long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	struct obj *o;
	uint8_t *p;

	if (st.nobjs == MAX_OBJS || st.live_pages + pages > st.budget)
		return false;
	if (rnd(8) == 0)
		gfp |= __GFP_ZERO;
	p = kmalloc(size, gfp);
	if (!p) {
		failed_alloc();
		return true;
	}
	if ((gfp & __GFP_ZERO) && (p[0] || p[size - 1]))
		problem("kzalloc object not zeroed", hal_ptr_va(p), size);
	if (ksize(p) < size)
		problem("kmalloc object smaller than asked", hal_ptr_va(p), size);
	o = &st.objs[st.nobjs++];
	*o = (struct obj){ p, size, rnd_stamp() };
	stamp_bytes(hal_ptr_va(p), size, o->stamp);
	st.live_pages += pages;
	return true;
}

static bool op_kfree(void)
{
	unsigned i;
	struct obj *o;

	if (!st.nobjs)
		return false;
	i = rnd(st.nobjs);
	o = &st.objs[i];
	if (!bytes_ok(hal_ptr_va(o->p), o->size, o->stamp))
		problem("kmalloc object stamp overwritten", hal_ptr_va(o->p), o->size);
	kfree(o->p);
	st.live_pages -= (o->size + PAGE_SIZE - 1) / PAGE_SIZE;
	*o = st.objs[--st.nobjs];
	return true;
}

static bool op_vmalloc(void)
{
	uint32_t size = 1 + rnd(MAX_VMALLOC_PAGES * PAGE_SIZE);
	unsigned long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	unsigned kind = rnd(3);
	struct area *a;
	vaddr_t va;

	if (st.nareas == MAX_AREAS || st.live_pages + pages > st.budget)
		return false;
	va = kind == 0 ? vmalloc(size) : kind == 1 ? vmalloc_32(size) : vzalloc(size);
	if (!va) {
		failed_alloc();
		return true;
	}
	if (kind == 2 && (get_word(va) || get_word(va + tail_offset(size < 8 ? 8 : size))))
		problem("vzalloc area not zeroed", va, size);
	a = &st.areas[st.nareas++];
	*a = (struct area){ va, size, rnd_stamp() };
	stamp_bytes(va, size, a->stamp);
	st.live_pages += pages;
	return true;
}

static bool op_vfree(void)
{
	unsigned i;
	struct area *a;

	if (!st.nareas)
		return false;
	i = rnd(st.nareas);
	a = &st.areas[i];
	if (!bytes_ok(a->addr, a->size, a->stamp))
		problem("vmalloc area stamp overwritten", a->addr, a->size);
	vfree(a->addr);
	st.live_pages -= (a->size + PAGE_SIZE - 1) / PAGE_SIZE;
	*a = st.areas[--st.nareas];
	return true;
}

static bool op_ioremap(void)
{
	paddr_t phys = IOREMAP_PHYS_BASE + (paddr_t)rnd(IOREMAP_PHYS_SLOTS) * PAGE_SIZE;
	unsigned long size = 1 + rnd(MAX_IOREMAP_PAGES * PAGE_SIZE);
	vaddr_t va;
	paddr_t pa;

	if (st.niomaps == MAX_IOMAPS)
		return false;
	if (rnd(2))
		phys += rnd(PAGE_SIZE); /* ioremap keeps the offset into the first page */
	va = ioremap(phys, size);
	if (!va) {
		failed_alloc();
		return true;
	}
	if (!hal_query_page(swapper_pg_dir, va, &pa, NULL) || pa != phys)
		problem("ioremap address does not map the physical address", va, (unsigned long)phys);
	st.iomaps[st.niomaps++] = va;
	return true;
}

static bool op_iounmap(void)
{
	unsigned i;

	if (!st.niomaps)
		return false;
	i = rnd(st.niomaps);
	iounmap(st.iomaps[i]);
	st.iomaps[i] = st.iomaps[--st.niomaps];
	return true;
}

static bool op_kmap(void)
{
	struct block *b;
	vaddr_t va;

	if (!st.nblocks || st.nkmaps == MAX_KMAPS)
		return false;
	b = &st.blocks[rnd(st.nblocks)];
	va = kmap(b->page);
	if (!va) {
		failed_alloc();
		return true;
	}
	if (get_word(va) != b->stamp)
		problem("kmap address does not show the block's stamp", va, page_to_pfn(b->page));
	b->kmaps++;
	st.nkmaps++;
	return true;
}

static bool op_kunmap(void)
{
	unsigned start, i;

	if (!st.nkmaps)
		return false;
	start = rnd(st.nblocks);
	for (i = 0; i < st.nblocks; i++) {
		struct block *b = &st.blocks[(start + i) % st.nblocks];

		if (b->kmaps) {
			kunmap(b->page);
			b->kmaps--;
			st.nkmaps--;
			return true;
		}
	}
	problem("kmap count without a kmapped block", st.nkmaps, 0);
	return false;
}

static bool op_kmap_atomic(void)
{
	struct block *b;
	vaddr_t va;

	if (!st.nblocks)
		return false;
	b = &st.blocks[rnd(st.nblocks)];
	va = kmap_atomic(b->page, KM_USER1);
	if (!va) {
		problem("kmap_atomic returned 0", page_to_pfn(b->page), 0);
		return true;
	}
	if (get_word(va) != b->stamp)
		problem("kmap_atomic address does not show the block's stamp", va, page_to_pfn(b->page));
	kunmap_atomic(va, KM_USER1);
	return true;
}

/* Percentages of the mix; a free with nothing to free turns into the matching allocation and back. */
static enum stress_op pick_op(void)
{
	uint32_t r = rnd(100);

	if (r < 14)
		return STRESS_ALLOC_PAGES;
	if (r < 28)
		return STRESS_FREE_PAGES;
	if (r < 44)
		return STRESS_KMALLOC;
	if (r < 60)
		return STRESS_KFREE;
	if (r < 68)
		return STRESS_VMALLOC;
	if (r < 76)
		return STRESS_VFREE;
	if (r < 80)
		return STRESS_IOREMAP;
	if (r < 84)
		return STRESS_IOUNMAP;
	if (r < 90)
		return STRESS_KMAP;
	if (r < 95)
		return STRESS_KUNMAP;
	return STRESS_KMAP_ATOMIC;
}

static bool do_op(enum stress_op op)
{
	switch (op) {
	case STRESS_ALLOC_PAGES:
		return op_alloc_pages();
	case STRESS_FREE_PAGES:
		return op_free_pages();
	case STRESS_KMALLOC:
		return op_kmalloc();
	case STRESS_KFREE:
		return op_kfree();
	case STRESS_VMALLOC:
		return op_vmalloc();
	case STRESS_VFREE:
		return op_vfree();
	case STRESS_IOREMAP:
		return op_ioremap();
	case STRESS_IOUNMAP:
		return op_iounmap();
	case STRESS_KMAP:
		return op_kmap();
	case STRESS_KUNMAP:
		return op_kunmap();
	case STRESS_KMAP_ATOMIC:
		return op_kmap_atomic();
	default:
		return false;
	}
}

/* The partner of op: an allocation for a free with nothing to free, a free for a full table. */
static enum stress_op partner(enum stress_op op)
{
	return op == STRESS_KMAP_ATOMIC ? STRESS_ALLOC_PAGES : (enum stress_op)((unsigned)op ^ 1u);
}

static void release_everything(void)
{
	while (st.nkmaps && op_kunmap())
		;
	while (st.nblocks)
		free_block(st.nblocks - 1);
	while (st.nobjs)
		op_kfree();
	while (st.nareas)
		op_vfree();
	while (st.niomaps)
		op_iounmap();
}

/* Make the caches that kmalloc creates on first use (dma-kmalloc-N), so the run itself creates none. */
static void warm_up(void)
{
	for (unsigned s = KMALLOC_SHIFT_LOW; s <= KMALLOC_SHIFT_HIGH; s++)
		kfree(kmalloc((size_t)1 << s, GFP_DMA | __GFP_NOWARN));
}

static long diff(unsigned long after, unsigned long before)
{
	return (long)(after - before);
}

/* How far the free pages of all zones are from where they were, zone by zone (0 only when each is exact). */
static long free_pages_off(const struct snapshot *before, const struct snapshot *after)
{
	long off = 0;

	for (int z = 0; z < MAX_NR_ZONES; z++) {
		long d = diff(before->free[z], after->free[z]);

		off += d < 0 ? -d : d;
	}
	return off;
}

static void print_summary(const struct stress_config *cfg, const struct stress_result *r)
{
	FILE *out = cfg->out;

	if (!out)
		return;
	fprintf(out, "stress: seed %llu: %lu operations:", (unsigned long long)cfg->seed, r->ops_done);
	for (unsigned i = 0; i < STRESS_NR_OPS; i++)
		fprintf(out, " %s %lu", stress_op_name((enum stress_op)i), r->op_count[i]);
	fputc('\n', out);
	fprintf(out, "stress: %lu allocations failed (%lu injected), most pages held %lu; %lu checks, %lu violations, "
		     "%lu corruptions\n", r->failures, r->injected, r->max_live_pages, r->checks, r->violations,
		r->corruptions);
	fprintf(out, "stress: leaks: free pages %ld, slab objects %ld, slab pages %ld, vmalloc bytes %ld, vmalloc "
		     "areas %ld, pkmap slots %ld, kmap_atomic slots %ld, page tables %ld\n",
		r->leak_free_pages, r->leak_slab_objects, r->leak_slab_pages, r->leak_vmalloc_bytes,
		r->leak_vmalloc_areas, r->leak_pkmap_slots, r->leak_kmap_atomic, r->leak_pagetables);
	fprintf(out, "stress: seed %llu %s\n", (unsigned long long)cfg->seed, r->ok ? "PASSED" : "FAILED");
}

int stress_run(const struct stress_config *cfg, struct stress_result *res)
{
	struct fault_inject_state inject = fault_inject;
	struct snapshot before, after;
	FILE *saved = stdout;
	unsigned long injected0, free_total = 0;

	memset(res, 0, sizeof(*res));
	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.res = res;
	st.rng = cfg->seed;

	/* Set-up and the baseline without failure injection: the run alone is under test. */
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	warm_up();
	settle();
	take_snapshot(&before);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		free_total += before.free[z];
	st.budget = free_total / 4;
	run_checks();
	fault_inject = inject;
	injected0 = fault_inject_count();

	if (cfg->quiet)
		stdout = cfg->quiet;
	for (res->ops_done = 0; res->ops_done < cfg->ops; res->ops_done++) {
		enum stress_op op = pick_op();

		if (!do_op(op)) {
			op = partner(op);
			do_op(op);
		}
		res->op_count[op]++;
		if (st.live_pages > res->max_live_pages)
			res->max_live_pages = st.live_pages;
		if (cfg->check_every && (res->ops_done + 1) % cfg->check_every == 0) {
			stdout = saved;
			run_checks();
			if (cfg->quiet)
				stdout = cfg->quiet;
		}
		if (cfg->progress_every && (res->ops_done + 1) % cfg->progress_every == 0 && cfg->out)
			fprintf(cfg->out, "stress: %lu/%lu operations, %lu pages held, %lu failed allocations\n",
				res->ops_done + 1, cfg->ops, st.live_pages, res->failures);
		if (res->violations || res->corruptions > 100)
			break;
	}
	release_everything();
	stdout = saved;
	res->injected = fault_inject_count() - injected0;

	/* The accounting, again without injection so that settling cannot fail. */
	inject = fault_inject;
	fault_inject_set(FAULT_INJECT_OFF, 0, 0);
	settle();
	take_snapshot(&after);
	run_checks();
	fault_inject = inject;

	res->leak_free_pages = free_pages_off(&before, &after);
	res->leak_slab_objects = diff(after.slab_objects, before.slab_objects);
	res->leak_slab_pages = diff(after.slab_pages, before.slab_pages);
	res->leak_vmalloc_bytes = diff(after.vmalloc_bytes, before.vmalloc_bytes);
	res->leak_vmalloc_areas = (long)after.vmalloc_areas - (long)before.vmalloc_areas;
	res->leak_pkmap_slots = diff(after.pkmap_slots, before.pkmap_slots);
	res->leak_kmap_atomic = diff(after.kmap_atomic, before.kmap_atomic);
	res->leak_pagetables = diff(after.pagetables, before.pagetables);
	res->ok = !res->violations && !res->corruptions && !res->leak_free_pages && !res->leak_slab_objects &&
		  !res->leak_slab_pages && !res->leak_vmalloc_bytes && !res->leak_vmalloc_areas &&
		  !res->leak_pkmap_slots && !res->leak_kmap_atomic && !res->leak_pagetables;
	print_summary(cfg, res);
	return res->ok ? 0 : 1;
}
