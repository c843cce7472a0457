/*
 * The vmalloc area: an address-ordered list of vm_structs between
 * VMALLOC_START and VMALLOC_END, each followed by one unmapped guard page,
 * found by first fit as in the seeds ("the vm_struct list is searched
 * linearly by the function get_vm_area()", seed 002).
 *
 * Only four helpers touch the list structure (vmlist_find_gap,
 * vmlist_link, vmlist_unlink, vmlist_lookup); the O(log n) index of the
 * speed issue goes behind them, beside the list.
 */
#include <stdint.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/layout.h>
#include <mm/meminfo.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/region.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

struct vm_struct *vmlist;
struct irqlock vmlist_lock = IRQLOCK_INIT("vmlist_lock");
struct vmalloc_stats vmalloc_stats;

static struct kmem_cache *vm_struct_cachep;

/* Kernel mappings: writable, and global where the CPU has PGE (they are the same in every directory). */
#define PAGE_KERNEL (HAL_PROT_WRITE | HAL_PROT_GLOBAL)

int vmalloc_init(void)
{
	if (high_memory <= PAGE_OFFSET || VMALLOC_START >= VMALLOC_END) {
		printf("vmalloc: no vmalloc space: high_memory 0x%08lx, VMALLOC_START 0x%08lx, VMALLOC_END 0x%08lx\n",
			(unsigned long)high_memory, (unsigned long)VMALLOC_START, (unsigned long)VMALLOC_END);
		return -1;
	}
	/* A fresh start each time: host tests boot the fake machine again and again. */
	vmlist = NULL;
	vmlist_lock.held = 0;
	memset(&vmalloc_stats, 0, sizeof(vmalloc_stats));
	vm_struct_cachep = kmem_cache_create("vm_struct", sizeof(struct vm_struct), 0, 0);
	if (!vm_struct_cachep) {
		printf("vmalloc: cannot create the vm_struct cache\n");
		return -1;
	}
	return 0;
}

/* ---- the list and its search: the only code that knows vmlist is a list ---- */

/*
 * First fit: the lowest address in [start, end) where size bytes (guard
 * page included) fit between the areas.  Returns the address and, in
 * *link, where the new area goes in the list; false if nothing fits.
 * Arithmetic is 64-bit so that no sum wraps around the 32-bit space.
 */
static bool vmlist_find_gap(uint64_t size, vaddr_t start, vaddr_t end, vaddr_t *addr_out,
			    struct vm_struct ***link)
{
	uint64_t addr = start;
	struct vm_struct **p, *tmp;

	for (p = &vmlist; (tmp = *p) != NULL; p = &tmp->next) {
		uint64_t tmp_end = (uint64_t)tmp->addr + tmp->size;

		if (tmp_end <= addr)
			continue;
		if (addr + size <= tmp->addr)
			break;
		addr = tmp_end;
		if (addr + size > end)
			return false;
	}
	if (addr + size > end)
		return false;
	*addr_out = (vaddr_t)addr;
	*link = p;
	return true;
}

/* Insert area at link, the position vmlist_find_gap() returned. */
static void vmlist_link(struct vm_struct **link, struct vm_struct *area)
{
	area->next = *link;
	*link = area;
}

/* Unlink and return the area that starts at addr (only_if: and is that very struct), or NULL. */
static struct vm_struct *vmlist_unlink(vaddr_t addr, const struct vm_struct *only_if)
{
	struct vm_struct **p, *tmp;

	for (p = &vmlist; (tmp = *p) != NULL; p = &tmp->next) {
		if (tmp->addr == addr) {
			if (only_if && tmp != only_if)
				return NULL;
			*p = tmp->next;
			tmp->next = NULL;
			return tmp;
		}
		if (tmp->addr > addr)
			break;
	}
	return NULL;
}

/* The area starting at addr, or (containing) the one whose range holds addr; NULL if none. */
static struct vm_struct *vmlist_lookup(vaddr_t addr, bool containing)
{
	for (struct vm_struct *tmp = vmlist; tmp; tmp = tmp->next) {
		if (tmp->addr == addr)
			return tmp;
		if (tmp->addr > addr)
			break;
		if (containing && addr - tmp->addr < tmp->size)
			return tmp;
	}
	return NULL;
}

/* ---- areas ---- */

struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags, vaddr_t start, vaddr_t end,
				       const void *caller)
{
	struct vm_struct *area, **link;
	uint64_t pages, want;
	vaddr_t addr;
	unsigned long irq;

	if (!vm_struct_cachep) {
		printf("vmalloc: used before vmalloc_init()\n");
		goto fail;
	}
	if (size == 0) {
		printf("vmalloc: refusing an area of size 0\n");
		goto fail;
	}
	if (start & ~PAGE_MASK || end & ~PAGE_MASK || start >= end) {
		printf("vmalloc: bad range 0x%08lx-0x%08lx\n", (unsigned long)start, (unsigned long)end);
		goto fail;
	}
	/* Rounded up to pages, plus the guard page; checked before multiplying so nothing wraps. */
	pages = (uint64_t)size / PAGE_SIZE + ((uint64_t)size % PAGE_SIZE != 0) + 1;
	if (pages > (uint64_t)(end - start) / PAGE_SIZE) {
		printf("vmalloc: %lu bytes cannot fit in 0x%08lx-0x%08lx\n", size, (unsigned long)start,
			(unsigned long)end);
		goto fail;
	}
	want = pages * PAGE_SIZE;
	area = kmem_cache_alloc(vm_struct_cachep, GFP_KERNEL);
	if (!area) {
		printf("vmalloc: no memory for a vm_struct\n");
		goto fail;
	}
	irq = irqlock_acquire(&vmlist_lock);
	if (!vmlist_find_gap(want, start, end, &addr, &link)) {
		irqlock_release(&vmlist_lock, irq);
		kmem_cache_free(vm_struct_cachep, area);
		printf("vmalloc: no room for %lu bytes in 0x%08lx-0x%08lx (exhausted or fragmented)\n", size,
			(unsigned long)start, (unsigned long)end);
		goto fail;
	}
	*area = (struct vm_struct){
		.flags = flags,
		.addr = addr,
		.size = (unsigned long)want,
		.caller = caller,
	};
	vmlist_link(link, area);
	vmalloc_stats.areas++;
	irqlock_release(&vmlist_lock, irq);
	return area;
fail:
	vmalloc_stats.area_failures++;
	return NULL;
}

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	return __get_vm_area_caller(size, flags, VMALLOC_START, VMALLOC_END, __builtin_return_address(0));
}

struct vm_struct *find_vm_area(vaddr_t addr)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *area = vmlist_lookup(addr, false);

	irqlock_release(&vmlist_lock, irq);
	return area;
}

struct vm_struct *find_vm_area_containing(vaddr_t addr)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *area = vmlist_lookup(addr, true);

	irqlock_release(&vmlist_lock, irq);
	return area;
}

void unmap_kernel_range(vaddr_t addr, unsigned long size)
{
	unsigned long n = size / PAGE_SIZE, unmapped = 0;

	for (unsigned long i = 0; i < n; i++) {
		vaddr_t va = addr + (vaddr_t)(i * PAGE_SIZE);

		if (!hal_unmap_page(swapper_pg_dir, va))
			continue;
		unmapped++;
		if (n <= VMALLOC_FLUSH_ALL_PAGES) {
			hal_flush_page(va);
			vmalloc_stats.flush_pages++;
		}
	}
	if (unmapped && n > VMALLOC_FLUSH_ALL_PAGES) {
		hal_flush_all();
		vmalloc_stats.flush_alls++;
	}
}

/* Unlink the area at addr (only that struct if only_if is set) and unmap it; NULL if there is none. */
static struct vm_struct *take_vm_area(vaddr_t addr, const struct vm_struct *only_if)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *area = vmlist_unlink(addr, only_if);

	irqlock_release(&vmlist_lock, irq);
	if (area)
		unmap_kernel_range(area->addr, area->size - PAGE_SIZE);
	return area;
}

struct vm_struct *remove_vm_area(vaddr_t addr)
{
	struct vm_struct *area = take_vm_area(addr, NULL);

	if (!area) {
		printf("vmalloc: remove_vm_area: 0x%08lx starts no area\n", (unsigned long)addr);
		vmalloc_stats.bad_frees++;
	}
	return area;
}

void free_vm_area(struct vm_struct *area)
{
	if (!area)
		return;
	/* Still listed only if the caller did not remove_vm_area() it first; the struct pointer tells. */
	take_vm_area(area->addr, area);
	kmem_cache_free(vm_struct_cachep, area);
}

/* ---- mapping pages ---- */

/* Supply the missing page table for va from low memory (a paging_init() hole: see vmalloc.h). */
static int add_kernel_table(vaddr_t va)
{
	struct page *table = alloc_page(GFP_KERNEL);
	vaddr_t table_va;
	int err;

	if (!table)
		return HAL_ENOTABLE;
	table_va = lowmem_page_address(table);
	memset(hal_va_ptr(table_va), 0, PAGE_SIZE);
	err = hal_set_table(swapper_pg_dir, va, __pa(table_va));
	if (err != HAL_OK) {
		__free_page(table);
		return err == HAL_EEXIST ? HAL_OK : err;
	}
	mod_pagetable_pages(1);
	vmalloc_stats.tables_allocated++;
	printf("vmalloc: paging_init left no page table for 0x%08lx; added one at phys 0x%08llx\n",
		(unsigned long)va, (unsigned long long)__pa(table_va));
	return HAL_OK;
}

int kernel_table_check(vaddr_t va, const char *what)
{
	if (hal_query_table(swapper_pg_dir, va, NULL))
		return 0;
	printf("BUG: paging_init made no page table for %s at 0x%08lx\n", what, (unsigned long)va);
	return add_kernel_table(va) == HAL_OK ? 1 : -1;
}

int kernel_map_page(vaddr_t va, paddr_t pa, unsigned prot)
{
	int err = hal_map_page(swapper_pg_dir, va, pa, prot);

	if (err == HAL_ENOTABLE) {
		err = add_kernel_table(va);
		if (err == HAL_OK)
			err = hal_map_page(swapper_pg_dir, va, pa, prot);
	}
	return err;
}

static paddr_t page_phys(const struct page *page)
{
	return (paddr_t)page_to_pfn(page) << PAGE_SHIFT;
}

/* Map pages[0..count) at addr in order; on failure unmap what was mapped and return the hal error. */
static int map_pages(vaddr_t addr, struct page **pages, unsigned count, unsigned prot)
{
	for (unsigned i = 0; i < count; i++) {
		int err = kernel_map_page(addr + i * PAGE_SIZE, page_phys(pages[i]), prot);

		if (err != HAL_OK) {
			printf("vmalloc: cannot map 0x%08lx (hal error %d)\n",
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

/* Free the pages and pages array of a VM_ALLOC area and its vm_struct (already unlinked and unmapped). */
static void release_alloc_area(struct vm_struct *area)
{
	for (unsigned i = 0; i < area->nr_pages; i++) {
		ClearPageFlag(area->pages[i], PG_vmalloc);
		__free_page(area->pages[i]);
	}
	/* The array was sized for the whole area, even if allocation stopped part way. */
	if (area->pages)
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
	area->pages = pages_array_alloc(count);
	if (!area->pages) {
		printf("vmalloc: no memory for the page array of %u pages\n", count);
		goto fail;
	}
	for (; area->nr_pages < count; area->nr_pages++) {
		struct page *page = alloc_page(gfp);

		if (!page) {
			printf("vmalloc: out of pages after %u of %u\n", area->nr_pages, count);
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

struct vm_struct *remove_vm_area_of_kind(vaddr_t addr, unsigned long flag, const char *who)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *area = vmlist_lookup(addr, false);
	char why[160];

	if (area && (area->flags & flag)) {
		vmlist_unlink(addr, area);
		irqlock_release(&vmlist_lock, irq);
		unmap_kernel_range(area->addr, area->size - PAGE_SIZE);
		return area;
	}
	irqlock_release(&vmlist_lock, irq);
	vmalloc_stats.bad_frees++;
	if (area)
		printf("%s: 0x%08lx is a %s area, not one of mine; nothing freed\n", who, (unsigned long)addr,
			area->flags & VM_IOREMAP ? "ioremap" : area->flags & VM_MAP ? "vmap" : "vmalloc");
	else
		printf("%s: 0x%08lx does not start an area (%s); nothing freed\n", who, (unsigned long)addr,
			mm_region_name(addr, why, sizeof(why)));
	return NULL;
}

void vfree(vaddr_t addr)
{
	struct vm_struct *area;

	if (!addr)
		return;
	area = remove_vm_area_of_kind(addr, VM_ALLOC, "vfree");
	if (area)
		release_alloc_area(area);
}

vaddr_t vmap(struct page **pages, unsigned int count, unsigned long flags, unsigned prot)
{
	struct vm_struct *area;

	if (!pages || count == 0) {
		printf("vmap: nothing to map\n");
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
	free_vm_area(remove_vm_area_of_kind(addr, VM_MAP, "vunmap"));
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

/* ---- reports ---- */

void vmallocinfo_show(FILE *out)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	char caller[96];

	for (struct vm_struct *v = vmlist; v; v = v->next) {
		fprintf(out, "0x%08lx-0x%08lx %7ld", (unsigned long)v->addr, (unsigned long)(v->addr + v->size),
			(long)v->size);
		if (v->caller)
			fprintf(out, " %s", mm_caller_name(v->caller, caller, sizeof(caller)));
		if (v->nr_pages)
			fprintf(out, " pages=%u", v->nr_pages);
		if (v->flags & VM_IOREMAP)
			fprintf(out, " phys=0x%08llx", (unsigned long long)v->phys_addr);
		if (v->flags & VM_IOREMAP)
			fputs(" ioremap", out);
		if (v->flags & VM_ALLOC)
			fputs(" vmalloc", out);
		if (v->flags & VM_MAP)
			fputs(" vmap", out);
		fputc('\n', out);
	}
	irqlock_release(&vmlist_lock, irq);
}

void vmalloc_usage(unsigned long *used, unsigned long *largest_chunk, unsigned *nr_areas)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
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
	irqlock_release(&vmlist_lock, irq);
	if (used)
		*used = u;
	if (largest_chunk)
		*largest_chunk = chunk;
	if (nr_areas)
		*nr_areas = n;
}

void vmalloc_meminfo(FILE *out)
{
	unsigned long used, chunk;

	vmalloc_usage(&used, &chunk, NULL);
	meminfo_line(out, "VmallocTotal", (unsigned long)(VMALLOC_END - VMALLOC_START) >> 10);
	meminfo_line(out, "VmallocUsed", used >> 10);
	meminfo_line(out, "VmallocChunk", chunk >> 10);
}
