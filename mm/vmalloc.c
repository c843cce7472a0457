/*
 * The vmalloc area: an address-ordered list of vm_structs between VMALLOC_START and VMALLOC_END,
 * each followed by one unmapped guard page, found by first fit ("Understanding the Linux Virtual
 * Memory Manager", §8.1-§8.3), and vmalloc()/vfree()/vmap()/vunmap() on it.  Only four calls touch
 * the list structure (vmlist_find_gap, vmlist_link, vmlist_unlink, vmlist_lookup, in
 * vmalloc_index.c); freeing is lazy about the TLB (vmalloc_purge.c); pages are mapped through the
 * kernel page-table service (kernel_pgtable.c).
 *
 * What the lazy purge promises: a freed range is unmapped at once, and no address of it is handed
 * out again before its TLB entries are flushed.  It does not make a freed page unreachable: the
 * kernel's entries are global, so a stale one outlives the unmapping and reaches whatever the frame
 * holds next.  So vfree() flushes its own range on every CPU (page by page, or by the global flush
 * that purges the whole list), with vmlist_lock dropped, before its pages go back to the allocator.  vunmap() frees no page; its caller owns them and must call vmalloc_purge_lazy() before
 * freeing them (what Linux calls vm_unmap_aliases()).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/kernel_pgtable.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/printk.h>
#include <mm/region.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

#include "vmalloc_internal.h"

struct vm_struct *vmlist;
rwlock_t vmlist_lock = RW_LOCK_UNLOCKED("vmlist_lock");
struct vmalloc_stats vmalloc_stats;
unsigned long vmalloc_lazy_max_pages = VMALLOC_LAZY_MAX_PAGES;

static struct kmem_cache *vm_struct_cachep;

int vmalloc_init(void)
{
	if (high_memory <= PAGE_OFFSET || VMALLOC_START >= VMALLOC_END) {
		printk("vmalloc: no vmalloc space: high_memory 0x%08lx, VMALLOC_START 0x%08lx, VMALLOC_END 0x%08lx\n",
			(unsigned long)high_memory, (unsigned long)VMALLOC_START, (unsigned long)VMALLOC_END);
		return -1;
	}
	vm_struct_cachep = kmem_cache_create("vm_struct", sizeof(struct vm_struct), 0, 0);
	if (!vm_struct_cachep) {
		printk("vmalloc: cannot create the vm_struct cache\n");
		return -1;
	}
	return 0;
}

/* __get_vm_area_align() sets every field by name: inline_page must stay the last one. */
_Static_assert(offsetof(struct vm_struct, inline_page) + sizeof(struct page *) + _Alignof(struct vm_struct) >
		       sizeof(struct vm_struct),
	       "struct vm_struct grew: update __get_vm_area_align()");

/* How often first fit purges the lazily freed ranges and looks again before it flushes under
 * vmlist_lock. */
#define FIRST_FIT_PURGES 2

/*
 * First fit of size bytes that skips lazily freed ranges still waiting for their flush: true with a
 * clean gap; false, with *dirty set, when only space on the purge list would fit.
 */
static bool first_fit_clean(uint64_t size, uint64_t align, vaddr_t start, vaddr_t end, vaddr_t *addr,
			    struct vm_struct **prev, bool *dirty)
{
	uint64_t from = start, skip;

	*dirty = false;
	while (from < end && vmlist_find_gap(size, align, (vaddr_t)from, end, addr, prev)) {
		if (!lazy_overlap(*addr, size, &skip))
			return true;
		*dirty = true;
		from = skip;
	}
	return false;
}

struct vm_struct *__get_vm_area_align(unsigned long size, unsigned long align, unsigned long flags, vaddr_t start,
				      vaddr_t end, const void *caller)
{
	struct vm_struct *area, *prev;
	uint64_t pages, want;
	vaddr_t addr;
	unsigned long irq;
	bool found;

	if (!vm_struct_cachep) {
		printk("vmalloc: used before vmalloc_init()\n");
		goto fail;
	}
	if (size == 0) {
		printk("vmalloc: refusing an area of size 0\n");
		goto fail;
	}
	if (start & ~PAGE_MASK || end & ~PAGE_MASK || start >= end) {
		printk("vmalloc: bad range 0x%08lx-0x%08lx\n", (unsigned long)start, (unsigned long)end);
		goto fail;
	}
	if (align < PAGE_SIZE || (align & (align - 1))) {
		printk("vmalloc: bad alignment 0x%lx\n", align);
		goto fail;
	}
	/* Rounded up to pages, plus the guard page; checked before multiplying so nothing wraps. */
	pages = (uint64_t)size / PAGE_SIZE + ((uint64_t)size % PAGE_SIZE != 0) + 1;
	if (pages > (uint64_t)(end - start) / PAGE_SIZE) {
		printk("vmalloc: %lu bytes cannot fit in 0x%08lx-0x%08lx\n", size, (unsigned long)start,
			(unsigned long)end);
		goto fail;
	}
	want = pages * PAGE_SIZE;
	area = kmem_cache_alloc(vm_struct_cachep, GFP_KERNEL);
	if (!area) {
		printk("vmalloc: no memory for a vm_struct\n");
		goto fail;
	}
	for (unsigned tries = 0;; tries++) {
		bool dirty;

		irq = write_lock_irqsave(&vmlist_lock);
		found = first_fit_clean(want, align, start, end, &addr, &prev, &dirty);
		if (found || !dirty)
			break;
		if (tries == FIRST_FIT_PURGES) {
			/* Other CPUs keep freeing into the only space that fits: flush it here. */
			found = vmlist_find_gap(want, align, start, end, &addr, &prev);
			if (found)
				flush_before_reuse(addr, want);
			break;
		}
		/* Only freed, unflushed space fits: purge it without the lock, then look again. */
		write_unlock_irqrestore(&vmlist_lock, irq);
		vmalloc_purge_lazy();
	}
	if (!found) {
		write_unlock_irqrestore(&vmlist_lock, irq);
		kmem_cache_free(vm_struct_cachep, area);
		printk("vmalloc: no room for %lu bytes in 0x%08lx-0x%08lx (exhausted or fragmented)\n", size,
			(unsigned long)start, (unsigned long)end);
		goto fail;
	}
	/*
	 * Field by field: a compound literal becomes a `rep stosl` of the whole
	 * struct, one translation block per word under TCG.  vmlist_link() sets
	 * next, rb_node, gap_after and subtree_max_gap.
	 */
	area->flags = flags;
	area->addr = addr;
	area->size = (unsigned long)want;
	area->pages = NULL;
	area->nr_pages = 0;
	area->phys_addr = 0;
	area->caller = caller;
	area->inline_page = NULL;
	vmlist_link(prev, area);
	vmalloc_stats.areas++;
	write_unlock_irqrestore(&vmlist_lock, irq);
	return area;
fail:
	vmalloc_stats.area_failures++;
	return NULL;
}

struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags, vaddr_t start, vaddr_t end,
				       const void *caller)
{
	return __get_vm_area_align(size, PAGE_SIZE, flags, start, end, caller);
}

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	return __get_vm_area_caller(size, flags, VMALLOC_START, VMALLOC_END, __builtin_return_address(0));
}

struct vm_struct *find_vm_area(vaddr_t addr)
{
	unsigned long irq = read_lock_irqsave(&vmlist_lock);
	struct vm_struct *area = vmlist_lookup(addr, false, NULL);

	read_unlock_irqrestore(&vmlist_lock, irq);
	return area;
}

struct vm_struct *find_vm_area_containing(vaddr_t addr)
{
	unsigned long irq = read_lock_irqsave(&vmlist_lock);
	struct vm_struct *area = vmlist_lookup(addr, true, NULL);

	read_unlock_irqrestore(&vmlist_lock, irq);
	return area;
}

/* Unlink the area at addr (only that struct if only_if is set), unmap it and flush it on every
 * CPU; NULL if there is none. */
static struct vm_struct *take_vm_area(vaddr_t addr, const struct vm_struct *only_if)
{
	unsigned long irq = write_lock_irqsave(&vmlist_lock);
	struct vm_struct *prev, *area = vmlist_lookup(addr, false, &prev);
	struct lazy_claim c = { 0 };

	if (area && only_if && area != only_if)
		area = NULL;
	/* Unmapped before the lock goes; the purge list keeps the range from reuse until flushed. */
	if (area) {
		vmlist_unlink(prev, area);
		c = retire_range_locked(area, false);
	}
	write_unlock_irqrestore(&vmlist_lock, irq);
	retire_range_finish(c, false);
	return area;
}

struct vm_struct *remove_vm_area(vaddr_t addr)
{
	struct vm_struct *area = take_vm_area(addr, NULL);

	if (!area) {
		printk("vmalloc: remove_vm_area: 0x%08lx starts no area\n", (unsigned long)addr);
		vmalloc_stats.bad_frees++;
	}
	return area;
}

void free_vm_area(struct vm_struct *area)
{
	if (!area)
		return;
	/* Still listed only if the caller did not remove_vm_area() it first; the struct pointer
	 * tells. */
	take_vm_area(area->addr, area);
	kmem_cache_free(vm_struct_cachep, area);
}

/* ---- mapping pages ---- */

static paddr_t page_phys(const struct page *page)
{
	return (paddr_t)page_to_pfn(page) << PAGE_SHIFT;
}

/* Map pages[0..count) at addr in order; on failure unmap what was mapped and return the hal
 * error. */
static int map_pages(vaddr_t addr, struct page **pages, unsigned count, unsigned prot)
{
	for (unsigned i = 0; i < count; i++) {
		int err = kernel_map_page(addr + i * PAGE_SIZE, page_phys(pages[i]), prot);

		if (err != HAL_OK) {
			printk("vmalloc: cannot map 0x%08lx (hal error %d)\n",
				(unsigned long)(addr + i * PAGE_SIZE), err);
			unmap_kernel_range(addr, (unsigned long)i * PAGE_SIZE);
			return err;
		}
	}
	return HAL_OK;
}

/*
 * The pages array of an area: from kmalloc while it fits in a page, else
 * from whole low-memory pages (a big vmalloc needs a big array).
 */
static unsigned array_order(unsigned count)
{
	unsigned long bytes = (unsigned long)count * sizeof(struct page *);
	unsigned order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static struct page **pages_array_alloc(unsigned count)
{
	unsigned long bytes = (unsigned long)count * sizeof(struct page *);
	vaddr_t va;

	if (bytes <= PAGE_SIZE)
		return kmalloc(bytes, GFP_KERNEL);
	va = __get_free_pages(GFP_KERNEL, array_order(count));
	return va ? hal_va_ptr(va) : NULL;
}

static void pages_array_free(struct page **pages, unsigned count)
{
	if ((unsigned long)count * sizeof(struct page *) <= PAGE_SIZE)
		kfree(pages);
	else
		free_pages(hal_ptr_va(pages), array_order(count));
}

/* Free the pages and pages array of a VM_ALLOC area and its vm_struct (already unlinked and
 * unmapped). */
static void release_alloc_area(struct vm_struct *area)
{
	for (unsigned i = 0; i < area->nr_pages; i++) {
		ClearPageFlag(area->pages[i], PG_vmalloc);
		__free_page(area->pages[i]);
	}
	/* The array was sized for the whole area, even if allocation stopped part way. */
	if (area->pages && area->pages != &area->inline_page)
		pages_array_free(area->pages, (unsigned)(area->size / PAGE_SIZE - 1));
	kmem_cache_free(vm_struct_cachep, area);
}

/* vmalloc and friends with an explicit caller for vmallocinfo. */
static vaddr_t vmalloc_caller(unsigned long size, gfp_t gfp, unsigned prot, bool zero, const void *caller)
{
	struct vm_struct *area = __get_vm_area_caller(size, VM_ALLOC, VMALLOC_START, VMALLOC_END, caller);
	unsigned count;

	if (!area)
		return 0;
	count = (unsigned)(area->size / PAGE_SIZE - 1);
	/* A one-page area keeps its page pointer in the vm_struct: no kmalloc, no kfree. */
	area->pages = count == 1 ? &area->inline_page : pages_array_alloc(count);
	if (!area->pages) {
		printk("vmalloc: no memory for the page array of %u pages\n", count);
		goto fail;
	}
	for (; area->nr_pages < count; area->nr_pages++) {
		struct page *page = alloc_page(gfp);

		if (!page) {
			printk("vmalloc: out of pages after %u of %u\n", area->nr_pages, count);
			goto fail;
		}
		SetPageFlag(page, PG_vmalloc);
		area->pages[area->nr_pages] = page;
	}
	if (map_pages(area->addr, area->pages, count, prot) != HAL_OK)
		goto fail;
	if (zero)
		for (unsigned i = 0; i < count; i++)
			memset(hal_va_ptr(area->addr + i * PAGE_SIZE), 0, PAGE_SIZE);
	return area->addr;
fail:
	vmalloc_stats.page_failures++;
	take_vm_area(area->addr, area);
	release_alloc_area(area);
	return 0;
}

vaddr_t __vmalloc(unsigned long size, gfp_t gfp, unsigned prot)
{
	return vmalloc_caller(size, gfp & ~__GFP_ZERO, prot, gfp & __GFP_ZERO, __builtin_return_address(0));
}

vaddr_t vmalloc(unsigned long size)
{
	return vmalloc_caller(size, GFP_HIGHUSER, PAGE_KERNEL, false, __builtin_return_address(0));
}

vaddr_t vmalloc_32(unsigned long size)
{
	return vmalloc_caller(size, GFP_KERNEL, PAGE_KERNEL, false, __builtin_return_address(0));
}

vaddr_t vzalloc(unsigned long size)
{
	return vmalloc_caller(size, GFP_HIGHUSER, PAGE_KERNEL, true, __builtin_return_address(0));
}

/*
 * Unlink the area at addr if it is of kind flag, unmap it and (unless lazy)
 * flush it on every CPU, the flush after vmlist_lock is dropped; NULL after
 * reporting otherwise, changing nothing.
 */
static struct vm_struct *unlink_area_of_kind(vaddr_t addr, unsigned long flag, const char *who, bool lazy)
{
	unsigned long irq = write_lock_irqsave(&vmlist_lock);
	struct vm_struct *prev, *area = vmlist_lookup(addr, false, &prev);
	char why[160];

	if (area && (area->flags & flag)) {
		struct lazy_claim c;

		vmlist_unlink(prev, area);
		c = retire_range_locked(area, lazy);
		write_unlock_irqrestore(&vmlist_lock, irq);
		retire_range_finish(c, lazy);
		return area;
	}
	write_unlock_irqrestore(&vmlist_lock, irq);
	vmalloc_stats.bad_frees++;
	if (area)
		printk("%s: 0x%08lx is a %s area, not one of mine; nothing freed\n", who, (unsigned long)addr,
			area->flags & VM_IOREMAP ? "ioremap" : area->flags & VM_MAP ? "vmap" : "vmalloc");
	else
		printk("%s: 0x%08lx does not start an area (%s); nothing freed\n", who, (unsigned long)addr,
			mm_region_name(addr, why, sizeof(why)));
	return NULL;
}

struct vm_struct *remove_vm_area_of_kind(vaddr_t addr, unsigned long flag, const char *who)
{
	/* The caller keeps the vm_struct, so this path flushes at once. */
	return unlink_area_of_kind(addr, flag, who, false);
}

void vfree(vaddr_t addr)
{
	struct vm_struct *area;

	if (!addr)
		return;
	/* Unmapped and flushed on every CPU before the pages go back, so no stale TLB entry reaches a
	 * page after the allocator has given it to someone else. */
	area = unlink_area_of_kind(addr, VM_ALLOC, "vfree", false);
	if (area)
		release_alloc_area(area);
}

vaddr_t vmap(struct page **pages, unsigned int count, unsigned long flags, unsigned prot)
{
	struct vm_struct *area;

	if (!pages || count == 0) {
		printk("vmap: nothing to map\n");
		vmalloc_stats.area_failures++;
		return 0;
	}
	/* Checked before multiplying: count * PAGE_SIZE wraps in 32 bits from 2^20 pages on. */
	if (count > (VMALLOC_END - VMALLOC_START) / PAGE_SIZE) {
		printk("vmap: %u pages cannot fit in 0x%08lx-0x%08lx\n", count, (unsigned long)VMALLOC_START,
			(unsigned long)VMALLOC_END);
		vmalloc_stats.area_failures++;
		return 0;
	}
	area = __get_vm_area_caller((unsigned long)count * PAGE_SIZE, flags | VM_MAP, VMALLOC_START, VMALLOC_END,
				    __builtin_return_address(0));
	if (!area)
		return 0;
	if (map_pages(area->addr, pages, count, prot) != HAL_OK) {
		free_vm_area(area);
		return 0;
	}
	return area->addr;
}

void vunmap(vaddr_t addr)
{
	struct vm_struct *area = unlink_area_of_kind(addr, VM_MAP, "vunmap", true);

	if (area)
		kmem_cache_free(vm_struct_cachep, area);
}

struct page *vmalloc_to_page(vaddr_t addr)
{
	paddr_t pa;

	if (!hal_query_page(swapper_pg_dir, addr, &pa, NULL))
		return NULL;
	if (!pfn_valid((pfn_t)(pa >> PAGE_SHIFT)))
		return NULL;
	return pfn_to_page((pfn_t)(pa >> PAGE_SHIFT));
}

void vmalloc_usage(unsigned long *used, unsigned long *largest_chunk, unsigned *nr_areas)
{
	unsigned long irq = read_lock_irqsave(&vmlist_lock);
	vaddr_t prev_end = VMALLOC_START;
	unsigned long u = 0, chunk = 0;
	unsigned n = 0;

	for (struct vm_struct *v = vmlist; v; v = v->next) {
		if (v->addr > prev_end && v->addr - prev_end > chunk)
			chunk = v->addr - prev_end;
		prev_end = v->addr + v->size;
		u += v->size;
		n++;
	}
	if (VMALLOC_END > prev_end && VMALLOC_END - prev_end > chunk)
		chunk = VMALLOC_END - prev_end;
	read_unlock_irqrestore(&vmlist_lock, irq);
	if (used)
		*used = u;
	if (largest_chunk)
		*largest_chunk = chunk;
	if (nr_areas)
		*nr_areas = n;
}
