/*
 * The kernel mix of the stress engine: alloc_pages/__free_pages, kmalloc/kfree, vmalloc/vfree,
 * ioremap/iounmap, kmap/kunmap and kmap_atomic on blocks stamped at both ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/debug/fault_inject.h>
#include <mm/debug/mmcheck.h>
#include <mm/debug/stress.h>
#include <mm/debug/validate_mm.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

#include "stress_internal.h"

/* ---- the operations; each returns false when it had nothing to do ---- */

static bool op_alloc_pages(void)
{
	static const gfp_t zones[4] = { GFP_KERNEL, GFP_DMA, GFP_HIGHUSER, GFP_HIGHUSER };
	unsigned order = stress_rnd(2) ? 0 : 1 + stress_rnd(MAX_ORDER - 1);
	gfp_t gfp = zones[stress_rnd(4)] | __GFP_NOWARN;
	struct block *b;
	struct page *page;

	if (stress_st.nblocks == MAX_BLOCKS || stress_st.live_pages + (1ul << order) > stress_st.budget)
		return false;
	if (order <= ZERO_CHECK_MAX_ORDER && stress_rnd(4) == 0)
		gfp |= __GFP_ZERO;
	page = alloc_pages(gfp, order);
	if (!page) {
		stress_failed_alloc();
		return true;
	}
	if (gfp & __GFP_ZERO)
		for (unsigned i = 0; i < (1u << order); i++)
			if (stress_page_word(page + i, stress_rnd(PAGE_SIZE / 4) * 4, false, 0) != 0)
				stress_problem("__GFP_ZERO page not zeroed", page_to_pfn(page + i), 0);
	if ((gfp & __GFP_DMA) && page_to_pfn(page) + (1u << order) > MAX_DMA_PFN)
		stress_problem("GFP_DMA block above 16 MiB", page_to_pfn(page), order);
	b = &stress_st.blocks[stress_st.nblocks++];
	*b = (struct block){ page, order, 0, stress_rnd_stamp() };
	stress_stamp_block(b);
	stress_st.live_pages += 1ul << order;
	return true;
}

void stress_free_block(unsigned i)
{
	struct block *b = &stress_st.blocks[i];

	while (b->kmaps) {
		kunmap(b->page);
		b->kmaps--;
		stress_st.nkmaps--;
	}
	stress_check_block(b);
	__free_pages(b->page, b->order);
	stress_st.live_pages -= 1ul << b->order;
	*b = stress_st.blocks[--stress_st.nblocks];
}

static bool op_free_pages(void)
{
	if (!stress_st.nblocks)
		return false;
	stress_free_block(stress_rnd(stress_st.nblocks));
	return true;
}

static bool op_kmalloc(void)
{
	unsigned cls = stress_rnd(KMALLOC_SHIFT_HIGH - KMALLOC_SHIFT_LOW + 1);
	uint32_t top = 1u << (cls + KMALLOC_SHIFT_LOW), size = cls ? top / 2 + 1 + stress_rnd(top / 2) : 1 + stress_rnd(top);
	gfp_t gfp = (stress_rnd(10) == 0 ? GFP_DMA : GFP_KERNEL) | __GFP_NOWARN;
	unsigned long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	struct obj *o;
	uint8_t *p;

	if (stress_st.nobjs == MAX_OBJS || stress_st.live_pages + pages > stress_st.budget)
		return false;
	if (stress_rnd(8) == 0)
		gfp |= __GFP_ZERO;
	p = kmalloc(size, gfp);
	if (!p) {
		stress_failed_alloc();
		return true;
	}
	if ((gfp & __GFP_ZERO) && (p[0] || p[size - 1]))
		stress_problem("kzalloc object not zeroed", hal_ptr_va(p), size);
	if (ksize(p) < size)
		stress_problem("kmalloc object smaller than asked", hal_ptr_va(p), size);
	o = &stress_st.objs[stress_st.nobjs++];
	*o = (struct obj){ p, size, stress_rnd_stamp() };
	stress_stamp_bytes(hal_ptr_va(p), size, o->stamp);
	stress_st.live_pages += pages;
	return true;
}

bool stress_op_kfree(void)
{
	unsigned i;
	struct obj *o;

	if (!stress_st.nobjs)
		return false;
	i = stress_rnd(stress_st.nobjs);
	o = &stress_st.objs[i];
	if (!stress_bytes_ok(hal_ptr_va(o->p), o->size, o->stamp))
		stress_problem("kmalloc object stamp overwritten", hal_ptr_va(o->p), o->size);
	kfree(o->p);
	stress_st.live_pages -= (o->size + PAGE_SIZE - 1) / PAGE_SIZE;
	*o = stress_st.objs[--stress_st.nobjs];
	return true;
}

static bool op_vmalloc(void)
{
	uint32_t size = 1 + stress_rnd(MAX_VMALLOC_PAGES * PAGE_SIZE);
	unsigned long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	unsigned kind = stress_rnd(3);
	struct area *a;
	vaddr_t va;

	if (stress_st.nareas == MAX_AREAS || stress_st.live_pages + pages > stress_st.budget)
		return false;
	va = kind == 0 ? vmalloc(size) : kind == 1 ? vmalloc_32(size) : vzalloc(size);
	if (!va) {
		stress_failed_alloc();
		return true;
	}
	if (kind == 2 && (stress_get_word(va) || stress_get_word(va + stress_tail_offset(size < 8 ? 8 : size))))
		stress_problem("vzalloc area not zeroed", va, size);
	a = &stress_st.areas[stress_st.nareas++];
	*a = (struct area){ va, size, stress_rnd_stamp() };
	stress_stamp_bytes(va, size, a->stamp);
	stress_st.live_pages += pages;
	return true;
}

bool stress_op_vfree(void)
{
	unsigned i;
	struct area *a;

	if (!stress_st.nareas)
		return false;
	i = stress_rnd(stress_st.nareas);
	a = &stress_st.areas[i];
	if (!stress_bytes_ok(a->addr, a->size, a->stamp))
		stress_problem("vmalloc area stamp overwritten", a->addr, a->size);
	vfree(a->addr);
	stress_st.live_pages -= (a->size + PAGE_SIZE - 1) / PAGE_SIZE;
	*a = stress_st.areas[--stress_st.nareas];
	return true;
}

static bool op_ioremap(void)
{
	paddr_t phys = IOREMAP_PHYS_BASE + (paddr_t)stress_rnd(IOREMAP_PHYS_SLOTS) * PAGE_SIZE;
	unsigned long size = 1 + stress_rnd(MAX_IOREMAP_PAGES * PAGE_SIZE);
	vaddr_t va;
	paddr_t pa;

	if (stress_st.niomaps == MAX_IOMAPS)
		return false;
	if (stress_rnd(2))
		phys += stress_rnd(PAGE_SIZE); /* ioremap keeps the offset into the first page */
	va = ioremap(phys, size);
	if (!va) {
		stress_failed_alloc();
		return true;
	}
	if (!hal_query_page(swapper_pg_dir, va, &pa, NULL) || pa != phys)
		stress_problem("ioremap address does not map the physical address", va, (unsigned long)phys);
	stress_st.iomaps[stress_st.niomaps++] = va;
	return true;
}

bool stress_op_iounmap(void)
{
	unsigned i;

	if (!stress_st.niomaps)
		return false;
	i = stress_rnd(stress_st.niomaps);
	iounmap(stress_st.iomaps[i]);
	stress_st.iomaps[i] = stress_st.iomaps[--stress_st.niomaps];
	return true;
}

static bool op_kmap(void)
{
	struct block *b;
	vaddr_t va;

	if (!stress_st.nblocks || stress_st.nkmaps == MAX_KMAPS)
		return false;
	b = &stress_st.blocks[stress_rnd(stress_st.nblocks)];
	va = kmap(b->page);
	if (!va) {
		stress_failed_alloc();
		return true;
	}
	if (stress_get_word(va) != b->stamp)
		stress_problem("kmap address does not show the block's stamp", va, page_to_pfn(b->page));
	b->kmaps++;
	stress_st.nkmaps++;
	return true;
}

bool stress_op_kunmap(void)
{
	unsigned start, i;

	if (!stress_st.nkmaps)
		return false;
	start = stress_rnd(stress_st.nblocks);
	for (i = 0; i < stress_st.nblocks; i++) {
		struct block *b = &stress_st.blocks[(start + i) % stress_st.nblocks];

		if (b->kmaps) {
			kunmap(b->page);
			b->kmaps--;
			stress_st.nkmaps--;
			return true;
		}
	}
	stress_problem("kmap count without a kmapped block", stress_st.nkmaps, 0);
	return false;
}

static bool op_kmap_atomic(void)
{
	struct block *b;
	vaddr_t va;

	if (!stress_st.nblocks)
		return false;
	b = &stress_st.blocks[stress_rnd(stress_st.nblocks)];
	va = kmap_atomic(b->page, KM_USER1);
	if (!va) {
		stress_problem("kmap_atomic returned 0", page_to_pfn(b->page), 0);
		return true;
	}
	if (stress_get_word(va) != b->stamp)
		stress_problem("kmap_atomic address does not show the block's stamp", va, page_to_pfn(b->page));
	kunmap_atomic(va, KM_USER1);
	return true;
}

/* Percentages of the mix; a free with nothing to free turns into the matching allocation and
 * back. */
enum stress_op stress_pick_op(void)
{
	uint32_t r = stress_rnd(100);

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

bool stress_do_op(enum stress_op op)
{
	switch (op) {
	case STRESS_ALLOC_PAGES:
		return op_alloc_pages();
	case STRESS_FREE_PAGES:
		return op_free_pages();
	case STRESS_KMALLOC:
		return op_kmalloc();
	case STRESS_KFREE:
		return stress_op_kfree();
	case STRESS_VMALLOC:
		return op_vmalloc();
	case STRESS_VFREE:
		return stress_op_vfree();
	case STRESS_IOREMAP:
		return op_ioremap();
	case STRESS_IOUNMAP:
		return stress_op_iounmap();
	case STRESS_KMAP:
		return op_kmap();
	case STRESS_KUNMAP:
		return stress_op_kunmap();
	case STRESS_KMAP_ATOMIC:
		return op_kmap_atomic();
	default:
		return false;
	}
}

/* The partner of op: an allocation for a free with nothing to free, a free for a full table. */
enum stress_op stress_partner(enum stress_op op)
{
	return op == STRESS_KMAP_ATOMIC ? STRESS_ALLOC_PAGES : (enum stress_op)((unsigned)op ^ 1u);
}
