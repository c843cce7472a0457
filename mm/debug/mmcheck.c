/*
 * The memory manager's invariants, checked from its own records (see
 * mm/mmcheck.h).  The checkers only read: they never fix what they find,
 * so a report describes the state that was there.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/layout.h>
#include <mm/debug/mmcheck.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/pcp.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

void mmcheck_violation(struct mmcheck_ctx *c, const char *fmt, ...)
{
	va_list ap;

	c->found++;
	if (!c->out || c->found > MMCHECK_PRINT_LIMIT)
		return;
	fprintf(c->out, "mmcheck: %s: ", c->part);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

unsigned long mmcheck_finish(struct mmcheck_ctx *c)
{
	if (c->out && c->found > MMCHECK_PRINT_LIMIT)
		fprintf(c->out, "mmcheck: %s: %lu more violations not shown\n", c->part,
			c->found - MMCHECK_PRINT_LIMIT);
	return c->found;
}

/* ---- buddy ---- */

/*
 * True when frame pfn lies inside a free buddy block: the block's head is pfn rounded down to some
 * order o and carries PG_buddy with an order of at least o (Linux's is_free_buddy_page()).  A frame
 * in the middle of a merged block has neither PG_buddy nor a telling count, so this is the test.
 */
static bool frame_is_free(pfn_t pfn)
{
	for (unsigned o = 0; o < MAX_ORDER; o++) {
		pfn_t head = pfn & ~((1u << o) - 1);

		if (head >= max_pfn)
			return false;
		if (PageBuddy(&mem_map[head]) && mem_map[head].private >= o)
			return true;
	}
	return false;
}

/* Check the pages of the free block of 2^order frames whose head is at pfn in zone z. */
static void check_free_block(struct mmcheck_ctx *c, int z, pfn_t pfn, unsigned order)
{
	const struct zone *zone = &contig_page_data.node_zones[z];
	const struct page *head = &mem_map[pfn];

	if (pfn & ((1u << order) - 1))
		mmcheck_violation(c, "free block pfn:%#x order %u is not aligned to its size", pfn, order);
	if (pfn + (1u << order) > zone_end_pfn(zone))
		mmcheck_violation(c, "free block pfn:%#x order %u runs past the end of zone %s", pfn, order,
				  zone->name);
	if (head->_count != 0 || PageReserved(head) || PageSlab(head))
		mmcheck_violation(c, "free block head pfn:%#x has count %d%s%s", pfn, head->_count,
				  PageReserved(head) ? ", reserved" : "", PageSlab(head) ? ", slab" : "");
	for (pfn_t i = 1; i < (1u << order) && pfn + i < zone_end_pfn(zone); i++) {
		const struct page *p = &mem_map[pfn + i];

		if (PageBuddy(p) || p->_count != 0 || PageReserved(p) || PageSlab(p) || (int)page_zonenum(p) != z) {
			mmcheck_violation(c, "pfn:%#x inside free block pfn:%#x order %u is in use (count %d, flags %#x)",
					  pfn + i, pfn, order, p->_count, p->flags);
			break;
		}
	}
}

unsigned long mmcheck_buddy(FILE *out)
{
	struct mmcheck_ctx c = { out, "buddy", 0 };
	unsigned long irq = hal_irq_save();

	c.found += check_free_lists(out);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &contig_page_data.node_zones[z];
		unsigned long blocks[MAX_ORDER] = { 0 }, free_pages = 0;
		pfn_t pfn = zone->zone_start_pfn;

		while (pfn < zone_end_pfn(zone)) {
			const struct page *page = &mem_map[pfn];
			unsigned order;

			if ((int)page_zonenum(page) != z)
				mmcheck_violation(&c, "pfn:%#x lies in zone %s but its flags say zone %u", pfn, zone->name,
						  (unsigned)page_zonenum(page));
			if (!PageBuddy(page)) {
				if (page->_count < 0)
					mmcheck_violation(&c, "pfn:%#x has a negative reference count %d", pfn,
							  page->_count);
				if (PageSlab(page) && !page->slab_cache)
					mmcheck_violation(&c, "pfn:%#x is a slab page without a cache", pfn);
				if (PageSlab(page) && PageReserved(page))
					mmcheck_violation(&c, "pfn:%#x is both reserved and a slab page", pfn);
				pfn++;
				continue;
			}
			order = page->private;
			if (order >= MAX_ORDER) {
				mmcheck_violation(&c, "free block pfn:%#x has order %u", pfn, order);
				pfn++;
				continue;
			}
			check_free_block(&c, z, pfn, order);
			blocks[order]++;
			free_pages += 1ul << order;
			pfn += 1u << order;
		}
		for (unsigned o = 0; o < MAX_ORDER; o++)
			if (blocks[o] != zone->free_area[o].nr_free)
				mmcheck_violation(&c, "zone %s order %u: %lu pages carry PG_buddy, nr_free says %lu",
						  zone->name, o, blocks[o], zone->free_area[o].nr_free);
		/* Pages on the per-CPU lists are free but not buddy blocks (check_free_lists walked
		 * them). */
		free_pages += zone_pcp_count(zone);
		if (free_pages != zone->free_pages)
			mmcheck_violation(&c, "zone %s: free blocks and per-CPU lists hold %lu pages, free_pages "
					  "says %lu", zone->name, free_pages, zone->free_pages);
		if (zone->free_pages > zone->managed_pages)
			mmcheck_violation(&c, "zone %s: %lu free pages but only %lu managed", zone->name,
					  zone->free_pages, zone->managed_pages);
	}
	hal_irq_restore(irq);
	return mmcheck_finish(&c);
}

/* ---- slab ---- */

unsigned long mmcheck_slab(FILE *out)
{
	struct mmcheck_ctx c = { out, "slab", 0 };
	unsigned long pages = 0;
	unsigned n = 0;

	for (struct kmem_cache *k = kmem_cache_first(); k; k = kmem_cache_next(k)) {
		if (++n > 4096) {
			mmcheck_violation(&c, "the cache chain does not end (a loop?)");
			break;
		}
		c.found += kmem_cache_check(k, out);
		pages += k->num_slabs << k->order;
		if (k->active_objs > k->num_slabs * k->num)
			mmcheck_violation(&c, "cache %s: %lu objects in use in %lu slabs of %u", k->name, k->active_objs,
					  k->num_slabs, k->num);
	}
	if (pages != slab_stats.slab_pages)
		mmcheck_violation(&c, "caches hold %lu pages, slab_stats says %lu", pages, slab_stats.slab_pages);
	return mmcheck_finish(&c);
}

/* ---- vmalloc ---- */

static const char *vm_kind(unsigned long flags)
{
	switch (flags & (VM_ALLOC | VM_IOREMAP | VM_MAP)) {
	case VM_ALLOC:
		return "vmalloc";
	case VM_IOREMAP:
		return "ioremap";
	case VM_MAP:
		return "vmap";
	default:
		return "?";
	}
}

/* Check the pages of one area: mapped, to the frames it records, and its guard page not. */
static void check_area_pages(struct mmcheck_ctx *c, const struct vm_struct *v)
{
	unsigned long npages = v->size / PAGE_SIZE - 1;
	vaddr_t guard = v->addr + (vaddr_t)(npages * PAGE_SIZE);

	if (hal_query_page(swapper_pg_dir, guard, NULL, NULL))
		mmcheck_violation(c, "guard page 0x%08lx of %s area 0x%08lx is mapped", (unsigned long)guard,
				  vm_kind(v->flags), (unsigned long)v->addr);
	if ((v->flags & VM_ALLOC) && v->nr_pages != npages)
		mmcheck_violation(c, "vmalloc area 0x%08lx has %u pages for %lu page slots", (unsigned long)v->addr,
				  v->nr_pages, npages);
	for (unsigned long i = 0; i < npages; i++) {
		vaddr_t va = v->addr + (vaddr_t)(i * PAGE_SIZE);
		paddr_t pa;
		unsigned prot;

		if (!hal_query_page(swapper_pg_dir, va, &pa, &prot)) {
			mmcheck_violation(c, "page %lu (0x%08lx) of %s area 0x%08lx is not mapped", i, (unsigned long)va,
					  vm_kind(v->flags), (unsigned long)v->addr);
			continue;
		}
		if (prot & HAL_PROT_USER)
			mmcheck_violation(c, "0x%08lx of %s area 0x%08lx is user-accessible", (unsigned long)va,
					  vm_kind(v->flags), (unsigned long)v->addr);
		if ((v->flags & VM_ALLOC) && v->pages && i < v->nr_pages) {
			const struct page *p = v->pages[i];

			if (!p || pa >> PAGE_SHIFT != page_to_pfn(p))
				mmcheck_violation(c, "0x%08lx maps pfn:%#llx, the area recorded pfn:%#x", (unsigned long)va,
						  (unsigned long long)(pa >> PAGE_SHIFT), p ? page_to_pfn(p) : 0);
			else if (p->_count < 1 || frame_is_free(page_to_pfn(p)))
				mmcheck_violation(c, "0x%08lx maps pfn:%#x, which is free", (unsigned long)va,
						  page_to_pfn(p));
		}
		if ((v->flags & VM_IOREMAP) && page_is_ram((pfn_t)(pa >> PAGE_SHIFT)))
			mmcheck_violation(c, "ioremap area 0x%08lx page %lu maps 0x%llx, which is RAM", (unsigned long)v->addr,
					  i, (unsigned long long)pa);
		if ((v->flags & VM_IOREMAP) && pa != v->phys_addr + (paddr_t)i * PAGE_SIZE)
			mmcheck_violation(c, "ioremap area 0x%08lx page %lu maps 0x%llx, not 0x%llx",
					  (unsigned long)v->addr, i, (unsigned long long)pa,
					  (unsigned long long)(v->phys_addr + (paddr_t)i * PAGE_SIZE));
	}
}

unsigned long mmcheck_vmalloc(FILE *out)
{
	struct mmcheck_ctx c = { out, "vmalloc", 0 };
	unsigned long max_areas = (VMALLOC_END - VMALLOC_START) / (2 * PAGE_SIZE) + 1, n = 0, used = 0, u;
	uint64_t prev_end = VMALLOC_START;
	unsigned listed;
	unsigned long irq;

	irq = read_lock_irqsave(&vmlist_lock);
	for (const struct vm_struct *v = vmlist; v; v = v->next) {
		uint64_t end = (uint64_t)v->addr + v->size;

		if (++n > max_areas) {
			mmcheck_violation(&c, "vmlist does not end (a loop?)");
			break;
		}
		used += v->size;
		if (v->addr & ~PAGE_MASK || v->size & ~PAGE_MASK || v->size < 2 * PAGE_SIZE) {
			mmcheck_violation(&c, "area 0x%08lx size %lu is not page aligned or has no page besides the guard",
					  (unsigned long)v->addr, v->size);
			continue;
		}
		if (v->addr < VMALLOC_START || end > VMALLOC_END)
			mmcheck_violation(&c, "area 0x%08lx-0x%08llx lies outside 0x%08lx-0x%08lx", (unsigned long)v->addr,
					  (unsigned long long)end, (unsigned long)VMALLOC_START,
					  (unsigned long)VMALLOC_END);
		if (v->addr < prev_end && n > 1)
			mmcheck_violation(&c, "area 0x%08lx starts below the end 0x%08llx of the area before it",
					  (unsigned long)v->addr, (unsigned long long)prev_end);
		if (!strcmp(vm_kind(v->flags), "?"))
			mmcheck_violation(&c, "area 0x%08lx has flags %#lx: not exactly one of vmalloc, ioremap, vmap",
					  (unsigned long)v->addr, v->flags);
		check_area_pages(&c, v);
		prev_end = end;
	}
	read_unlock_irqrestore(&vmlist_lock, irq);
	vmalloc_usage(&u, NULL, &listed);
	if (n <= max_areas && (listed != n || u != used))
		mmcheck_violation(&c, "vmalloc_usage says %u areas of %lu bytes, the list has %lu of %lu", listed, u, n,
				  used);
	return mmcheck_finish(&c);
}

/* ---- page tables ---- */

/* Report frame pa (what says what uses it) when the buddy allocator holds it as free. */
static void check_frame_in_use(struct mmcheck_ctx *c, paddr_t pa, const char *what, vaddr_t va)
{
	pfn_t pfn = (pfn_t)(pa >> PAGE_SHIFT);

	if (pa >> PAGE_SHIFT >= max_pfn || !frame_is_free(pfn))
		return;
	mmcheck_violation(c, "pfn:%#x is free but is %s 0x%08lx", pfn, what, (unsigned long)va);
}

unsigned long mmcheck_pgtables(FILE *out, paddr_t pgd, bool user)
{
	struct mmcheck_ctx c = { out, "pgtable", 0 };
	vaddr_t span = hal_table_span(), start = user ? 0 : PAGE_OFFSET;
	uint64_t end = user ? PAGE_OFFSET : 0x100000000ull;
	unsigned long irq = hal_irq_save();

	for (unsigned i = 0; i < (1u << HAL_PGD_ORDER); i++)
		check_frame_in_use(&c, pgd + (paddr_t)i * PAGE_SIZE, "a page of the page directory of", 0);
	for (uint64_t a = start; a < end; a += span) {
		vaddr_t va = (vaddr_t)a;
		paddr_t table, pa;

		if (!hal_query_table(pgd, va, &table))
			continue;
		check_frame_in_use(&c, table, "the page table covering", va);
		if (!user)
			continue;
		for (vaddr_t p = va; p - va < span; p += PAGE_SIZE)
			if (hal_query_page(pgd, p, &pa, NULL))
				check_frame_in_use(&c, pa, "mapped by a user page table at", p);
	}
	hal_irq_restore(irq);
	return mmcheck_finish(&c);
}

/* ---- pkmap ---- */

unsigned long mmcheck_pkmap(FILE *out)
{
	struct mmcheck_ctx c = { out, "pkmap", 0 };
	unsigned long irq = spin_lock_irqsave(&kmap_lock);

	if (last_pkmap_nr >= LAST_PKMAP)
		mmcheck_violation(&c, "last_pkmap_nr %u is not a slot", last_pkmap_nr);
	for (unsigned nr = 0; nr < LAST_PKMAP; nr++) {
		vaddr_t va = PKMAP_ADDR(nr);
		int count = pkmap_count[nr];
		paddr_t pa;
		pfn_t pfn;
		bool is_mapped = hal_query_page(swapper_pg_dir, va, &pa, NULL);
		const struct page *page;

		if (count < 0) {
			mmcheck_violation(&c, "slot %u has count %d", nr, count);
			continue;
		}
		if (count == 0) {
			if (is_mapped)
				mmcheck_violation(&c, "slot %u (0x%08lx) has count 0 but maps phys 0x%llx", nr,
						  (unsigned long)va, (unsigned long long)pa);
			continue;
		}
		if (!is_mapped) {
			mmcheck_violation(&c, "slot %u (0x%08lx) has count %d but maps nothing", nr, (unsigned long)va,
					  count);
			continue;
		}
		pfn = (pfn_t)(pa >> PAGE_SHIFT);
		if (!pfn_valid(pfn) || pfn < max_low_pfn) {
			mmcheck_violation(&c, "slot %u maps pfn:%#x, which is not a high page", nr, pfn);
			continue;
		}
		page = pfn_to_page(pfn);
		/* A slot at count 1 may keep its page after page->virtual was reset; in use it must
		 * agree. */
		if (page->virtual != va && (count > 1 || page->virtual != 0))
			mmcheck_violation(&c, "slot %u (count %d) maps pfn:%#x, whose page->virtual is 0x%08lx", nr, count,
					  pfn, (unsigned long)page->virtual);
		if (count > 1 && (page->_count < 1 || PageBuddy(page)))
			mmcheck_violation(&c, "slot %u is in use (count %d) but pfn:%#x is free", nr, count, pfn);
	}
	/* And the other way round: every high page with a virtual address owns that slot. */
	for (pfn_t pfn = max_low_pfn; pfn < max_pfn; pfn++) {
		const struct page *page = &mem_map[pfn];
		vaddr_t va = page->virtual;
		paddr_t pa;

		if (!va)
			continue;
		if (va < PKMAP_BASE || va >= PKMAP_END || va & ~PAGE_MASK) {
			mmcheck_violation(&c, "pfn:%#x has virtual 0x%08lx outside the PKMAP slots", pfn, (unsigned long)va);
			continue;
		}
		if (pkmap_count[PKMAP_NR(va)] < 1 || !hal_query_page(swapper_pg_dir, va, &pa, NULL) ||
		    pa >> PAGE_SHIFT != pfn)
			mmcheck_violation(&c, "pfn:%#x says it is at 0x%08lx, but slot %u does not map it", pfn,
					  (unsigned long)va, (unsigned)PKMAP_NR(va));
	}
	spin_unlock_irqrestore(&kmap_lock, irq);
	return mmcheck_finish(&c);
}

/* ---- fixmap ---- */

unsigned long mmcheck_fixmap(FILE *out)
{
	struct mmcheck_ctx c = { out, "fixmap", 0 };
	char name[48];

	if (__fix_to_virt(__end_of_fixed_addresses - 1) != FIXADDR_START)
		mmcheck_violation(&c, "the last fixmap index is not at FIXADDR_START 0x%08lx",
				  (unsigned long)FIXADDR_START);
	for (unsigned idx = 0; idx < __end_of_fixed_addresses; idx++) {
		vaddr_t va = __fix_to_virt(idx);
		paddr_t pa;
		unsigned prot;
		pfn_t pfn;

		if (virt_to_fix(va) != (int)idx || virt_to_fix(va + PAGE_SIZE - 1) != (int)idx)
			mmcheck_violation(&c, "index %u at 0x%08lx does not map back to itself", idx, (unsigned long)va);
		if (!strcmp(fixmap_name(idx, name, sizeof(name)), "?"))
			mmcheck_violation(&c, "index %u has no name in the enum", idx);
		if (!hal_query_page(swapper_pg_dir, va, &pa, &prot))
			continue;
		pfn = (pfn_t)(pa >> PAGE_SHIFT);
		if (prot & HAL_PROT_USER)
			mmcheck_violation(&c, "%s at 0x%08lx is user-accessible", name, (unsigned long)va);
		if (idx >= FIX_KMAP_BEGIN && idx <= FIX_KMAP_END) {
			/* kmap_atomic sections never span a check: a slot still mapped is a missing
			 * kunmap_atomic. */
			mmcheck_violation(&c, "%s still maps pfn:%#x (kunmap_atomic missing)", name, pfn);
			continue;
		}
		if (idx >= FIX_BTMAP_BEGIN && idx <= FIX_BTMAP_END) {
			mmcheck_violation(&c, "boot-time slot %s still maps phys 0x%llx after boot", name,
					  (unsigned long long)pa);
			continue;
		}
		/*
		 * The rest are device registers: uncached, and never RAM (reserved RAM included: the
		 * image).
		 */
		if (!(prot & HAL_PROT_NOCACHE))
			mmcheck_violation(&c, "%s maps device memory 0x%llx cached", name, (unsigned long long)pa);
		if (page_is_ram(pfn))
			mmcheck_violation(&c, "%s maps pfn:%#x, which is RAM", name, pfn);
	}
	return mmcheck_finish(&c);
}

unsigned long mmcheck_all(FILE *out, const struct mmcheck_image *img)
{
	unsigned long n = 0;

	n += mmcheck_buddy(out);
	n += mmcheck_slab(out);
	n += mmcheck_vmalloc(out);
	n += mmcheck_pkmap(out);
	n += mmcheck_fixmap(out);
	n += mmcheck_pgtables(out, swapper_pg_dir, false);
	n += ptcheck(out, swapper_pg_dir, img, NULL);
	return n;
}
