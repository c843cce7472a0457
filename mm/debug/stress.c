/*
 * The stress engine of mm/stress.h.  Everything it holds lives in static
 * tables here, never in memory it allocates, so failure injection and the
 * leak accounting see only the operations under test.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/debug/fault_inject.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/debug/mmcheck.h>
#include <mm/debug/validate_mm.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <mm/debug/stress.h>
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

/* The process mix: where its regions go, how big they get, and what each address space remembers. */
#define PROC_WINDOW 0x40000000u          /* TASK_UNMAPPED_BASE: non-fixed mmaps land here too */
#define PROC_WINDOW_PAGES 4096u          /* 16 MiB: four page tables at most per address space */
#define PROC_MAX_REGION_PAGES 8u
#define PROC_MAX_MAP_COUNT 24
#define PROC_RECORDS 16

/* A word written to a private page of an address space, to be read back. */
struct record {
	vaddr_t addr;
	uint32_t val;
};

struct pmm {
	struct mm_struct *mm;
	unsigned nrec;
	struct record rec[PROC_RECORDS];
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
	struct pmm pmms[STRESS_MAX_MMS];
	unsigned npmms;
} st;

/* What is counted for the leak check. */
struct snapshot {
	unsigned long free[MAX_NR_ZONES];
	unsigned long slab_objects, slab_pages;
	unsigned long vmalloc_bytes;
	unsigned vmalloc_areas;
	unsigned long pkmap_slots, kmap_atomic, pagetables;
	unsigned long mm_structs, vmas, anon_vmas, files; /* the process caches' objects */
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

const char *stress_proc_op_name(enum stress_proc_op op)
{
	static const char *const names[STRESS_PROC_NR_OPS] = {
		[STRESS_MMAP] = "mmap",   [STRESS_MUNMAP] = "munmap", [STRESS_MPROTECT] = "mprotect",
		[STRESS_TOUCH] = "touch", [STRESS_FORK] = "fork",     [STRESS_EXIT] = "exit",
	};

	return (unsigned)op < STRESS_PROC_NR_OPS ? names[op] : "?";
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
	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c)) {
		s->slab_objects += c->active_objs;
		if (!strcmp(c->name, "mm_struct"))
			s->mm_structs += c->active_objs;
		else if (!strcmp(c->name, "vm_area_struct"))
			s->vmas += c->active_objs;
		else if (!strcmp(c->name, "anon_vma"))
			s->anon_vmas += c->active_objs;
		else if (!strcmp(c->name, "filp"))
			s->files += c->active_objs;
	}
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

	for (unsigned i = 0; i < st.npmms; i++)
		n += validate_mm(st.pmms[i].mm, st.cfg->out ? st.cfg->out : stdout);

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

/* ---- the process mix ---- */

/* A live address space, or NULL when there is none. */
static struct pmm *pick_pmm(void)
{
	return st.npmms ? &st.pmms[rnd(st.npmms)] : NULL;
}

/* A region of mm picked at random, or NULL when it has none. */
static struct vm_area_struct *pick_vma(struct mm_struct *mm)
{
	struct vm_area_struct *vma = mm->mmap;

	if (!mm->map_count)
		return NULL;
	for (unsigned n = rnd((uint32_t)mm->map_count); n && vma; n--)
		vma = vma->vm_next;
	return vma;
}

/* A page-aligned range of 1..PROC_MAX_REGION_PAGES pages inside the window. */
static void pick_range(vaddr_t *start, unsigned long *len)
{
	uint32_t pages = 1 + rnd(PROC_MAX_REGION_PAGES);

	*start = PROC_WINDOW + rnd(PROC_WINDOW_PAGES - pages + 1) * PAGE_SIZE;
	*len = (unsigned long)pages * PAGE_SIZE;
}

/* Forget the remembered words of pm inside [start, start + len): that memory was unmapped or replaced. */
static void forget_range(struct pmm *pm, vaddr_t start, unsigned long len)
{
	for (unsigned i = 0; i < pm->nrec;)
		if (pm->rec[i].addr >= start && pm->rec[i].addr - start < len)
			pm->rec[i] = pm->rec[--pm->nrec];
		else
			i++;
}

/* An error from an mm call: out of memory is expected (injected or real), anything else is a bug. */
static void proc_error(const char *call, long err, unsigned long a)
{
	if (err == -ENOMEM)
		failed_alloc();
	else
		problem(call, a, (unsigned long)err);
}

/* Read back remembered word i of pm; a readable page must still hold it. */
static void check_record(struct pmm *pm, unsigned i)
{
	uint32_t v;

	if (access_process_vm(pm->mm, pm->rec[i].addr, &v, sizeof(v), false) != sizeof(v))
		return; /* PROT_NONE since, or no memory to fault the page in: nothing to compare */
	st.res->cow_checks++;
	if (v != pm->rec[i].val)
		problem("user page lost a word written to it (copy-on-write leak or lost page)", pm->rec[i].addr, v);
}

/* User pages present in all live address spaces. */
static unsigned long total_rss(void)
{
	unsigned long rss = 0;

	for (unsigned i = 0; i < st.npmms; i++)
		rss += st.pmms[i].mm->rss;
	return rss;
}

static void track_rss(void)
{
	unsigned long rss = total_rss();

	if (rss > st.res->max_rss)
		st.res->max_rss = rss;
}

static bool op_mmap(void)
{
	static const unsigned long prots[4] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
						PROT_READ | PROT_WRITE | PROT_EXEC };
	struct pmm *pm = pick_pmm();
	unsigned long len, flags, r;
	vaddr_t start;

	if (!pm || pm->mm->map_count >= PROC_MAX_MAP_COUNT)
		return false;
	pick_range(&start, &len);
	flags = MAP_ANONYMOUS | (rnd(5) ? MAP_PRIVATE : MAP_SHARED);
	if (rnd(2))
		flags |= MAP_FIXED;
	else if (rnd(2))
		start = 0;
	r = do_mmap(pm->mm, NULL, start, len, prots[rnd(4)], flags, 0);
	if (IS_ERR_VALUE(r)) {
		proc_error("mmap failed", (long)r, start);
		return true;
	}
	if ((flags & MAP_FIXED) && r != start)
		problem("MAP_FIXED mmap landed elsewhere", start, r);
	forget_range(pm, r, len);
	return true;
}

static bool op_munmap(void)
{
	struct pmm *pm = pick_pmm();
	unsigned long len;
	vaddr_t start;
	int err;

	if (!pm)
		return false;
	pick_range(&start, &len);
	if (rnd(2)) {
		struct vm_area_struct *vma = pick_vma(pm->mm);

		if (vma) /* often exactly a region, or its first pages */
			start = vma->vm_start;
	}
	err = do_munmap(pm->mm, start, len);
	if (err)
		proc_error("munmap failed", err, start);
	else
		forget_range(pm, start, len);
	return true;
}

static bool op_mprotect(void)
{
	static const unsigned long prots[5] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
						PROT_READ | PROT_WRITE | PROT_EXEC };
	struct pmm *pm = pick_pmm();
	struct vm_area_struct *vma = pm ? pick_vma(pm->mm) : NULL;
	unsigned long pages, first, len;
	int err;

	if (!vma)
		return false;
	pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
	first = rnd((uint32_t)pages);
	len = (1 + rnd((uint32_t)(pages - first))) * PAGE_SIZE;
	err = do_mprotect(pm->mm, vma->vm_start + first * PAGE_SIZE, len, prots[rnd(5)]);
	if (err)
		proc_error("mprotect failed", err, vma->vm_start + first * PAGE_SIZE);
	return true;
}

/* Fault a page of a region in (write when allowed, half the time), then stamp or check a word. */
static bool op_touch(void)
{
	struct pmm *pm = pick_pmm();
	struct vm_area_struct *vma = pm ? pick_vma(pm->mm) : NULL;
	bool write;
	vaddr_t addr;
	unsigned r;

	if (!vma)
		return false;
	if (pm->nrec && rnd(4) == 0) {
		check_record(pm, rnd(pm->nrec));
		return true;
	}
	addr = vma->vm_start + rnd((uint32_t)((vma->vm_end - vma->vm_start) >> PAGE_SHIFT)) * PAGE_SIZE;
	write = (vma->vm_flags & VM_WRITE) && rnd(2);
	if (!write && !(vma->vm_flags & VM_READ))
		return true; /* PROT_NONE: the task would get SIGSEGV, there is nothing to fault in */
	if (total_rss() >= st.budget / 2)
		return true; /* enough user pages held: exits and unmaps will bring the count down */
	r = handle_mm_fault(pm->mm, vma, addr, write ? FAULT_FLAG_WRITE | FAULT_FLAG_USER : FAULT_FLAG_USER);
	if (r & VM_FAULT_OOM) {
		failed_alloc();
		return true;
	}
	if (r) {
		problem("anonymous fault failed", addr, r);
		return true;
	}
	if (!follow_page(pm->mm, addr, NULL))
		problem("no page present after a fault", addr, 0);
	if (write && !(vma->vm_flags & VM_MAYSHARE)) {
		struct record rec = { addr + rnd(PAGE_SIZE / 4) * 4, rnd_stamp() };

		if (access_process_vm(pm->mm, rec.addr, &rec.val, sizeof(rec.val), true) != sizeof(rec.val)) {
			failed_alloc();
			return true;
		}
		forget_range(pm, rec.addr, 4);
		pm->rec[pm->nrec < PROC_RECORDS ? pm->nrec++ : rnd(PROC_RECORDS)] = rec;
	}
	track_rss();
	return true;
}

/* fork: a copy of a live address space (copy-on-write), or a fresh one when there is none. */
static bool op_fork(void)
{
	struct pmm *parent = pick_pmm(), *child;
	struct mm_struct *mm;

	if (st.npmms == STRESS_MAX_MMS)
		return false;
	mm = mm_alloc();
	if (!mm) {
		failed_alloc();
		return true;
	}
	if (parent) {
		int err = dup_mmap(mm, parent->mm);

		if (err) {
			proc_error("dup_mmap failed", err, 0);
			mmput(mm); /* holds what was copied */
			return true;
		}
	}
	child = &st.pmms[st.npmms++];
	child->mm = mm;
	child->nrec = parent ? parent->nrec : 0;
	if (parent)
		memcpy(child->rec, parent->rec, sizeof(child->rec));
	if (st.npmms > st.res->max_mms)
		st.res->max_mms = st.npmms;
	return true;
}

/* exit: read back every remembered word, then drop the address space. */
static void exit_pmm(unsigned i)
{
	struct pmm *pm = &st.pmms[i];

	for (unsigned k = 0; k < pm->nrec; k++)
		check_record(pm, k);
	mmput(pm->mm);
	*pm = st.pmms[--st.npmms];
}

static bool op_exit(void)
{
	if (!st.npmms)
		return false;
	exit_pmm(rnd(st.npmms));
	return true;
}

static enum stress_proc_op pick_proc_op(void)
{
	uint32_t r = rnd(100);

	if (!st.npmms)
		return STRESS_FORK;
	if (r < 24)
		return STRESS_MMAP;
	if (r < 38)
		return STRESS_MUNMAP;
	if (r < 52)
		return STRESS_MPROTECT;
	if (r < 86)
		return STRESS_TOUCH;
	if (r < 93)
		return STRESS_FORK;
	return STRESS_EXIT;
}

static bool do_proc_op(enum stress_proc_op op)
{
	switch (op) {
	case STRESS_MMAP:
		return op_mmap();
	case STRESS_MUNMAP:
		return op_munmap();
	case STRESS_MPROTECT:
		return op_mprotect();
	case STRESS_TOUCH:
		return op_touch();
	case STRESS_FORK:
		return op_fork();
	case STRESS_EXIT:
		return op_exit();
	default:
		return false;
	}
}

/* What to do instead of op when it had nothing to work on. */
static enum stress_proc_op proc_partner(enum stress_proc_op op)
{
	static const enum stress_proc_op partners[STRESS_PROC_NR_OPS] = {
		[STRESS_MMAP] = STRESS_MUNMAP, [STRESS_MUNMAP] = STRESS_FORK, [STRESS_MPROTECT] = STRESS_MMAP,
		[STRESS_TOUCH] = STRESS_MMAP,  [STRESS_FORK] = STRESS_EXIT,   [STRESS_EXIT] = STRESS_FORK,
	};

	return partners[op];
}

/* One operation of the process mix; the one that ran is counted. */
static void run_proc_op(void)
{
	enum stress_proc_op op = pick_proc_op();

	if (!do_proc_op(op)) {
		op = proc_partner(op);
		do_proc_op(op);
	}
	st.res->proc_op_count[op]++;
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
	while (st.npmms)
		exit_pmm(st.npmms - 1);
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
	if (cfg->proc_percent) {
		fprintf(out, "stress: processes (%u%% of operations):", cfg->proc_percent);
		for (unsigned i = 0; i < STRESS_PROC_NR_OPS; i++)
			fprintf(out, " %s %lu", stress_proc_op_name((enum stress_proc_op)i), r->proc_op_count[i]);
		fprintf(out, "; at most %lu address spaces and %lu user pages; %lu words read back\n", r->max_mms,
			r->max_rss, r->cow_checks);
		fprintf(out, "stress: process leaks: mm_struct %ld, vm_area_struct %ld, anon_vma %ld, filp %ld\n",
			r->leak_mm_structs, r->leak_vmas, r->leak_anon_vmas, r->leak_files);
	}
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
		enum stress_op op;

		if (cfg->proc_percent && rnd(100) < cfg->proc_percent) {
			run_proc_op();
		} else {
			op = pick_op();
			if (!do_op(op)) {
				op = partner(op);
				do_op(op);
			}
			res->op_count[op]++;
		}
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
	res->leak_mm_structs = diff(after.mm_structs, before.mm_structs);
	res->leak_vmas = diff(after.vmas, before.vmas);
	res->leak_anon_vmas = diff(after.anon_vmas, before.anon_vmas);
	res->leak_files = diff(after.files, before.files);
	res->ok = !res->violations && !res->leak_mm_structs && !res->leak_vmas && !res->leak_anon_vmas &&
		  !res->leak_files && !res->corruptions && !res->leak_free_pages && !res->leak_slab_objects &&
		  !res->leak_slab_pages && !res->leak_vmalloc_bytes && !res->leak_vmalloc_areas &&
		  !res->leak_pkmap_slots && !res->leak_kmap_atomic && !res->leak_pagetables;
	print_summary(cfg, res);
	return res->ok ? 0 : 1;
}
