/*
 * Naming the region of a kernel address for a person, from the bottom of the address space up
 * (the layout of "Understanding the Linux Virtual Memory Manager", §5.1 and §10.1).  Used by the
 * oops handler and the `pt` command, so it takes no lock that a faulting path could hold for long
 * and never touches the memory it describes.
 */
#include <stdint.h>
#include <stdio.h>

#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/region.h>
#include <mm/vmalloc.h>

static mm_symbolizer_fn symbolizer;

void mm_set_symbolizer(mm_symbolizer_fn fn)
{
	symbolizer = fn;
}

const char *mm_caller_name(const void *caller, char *buf, size_t len)
{
	if (!symbolizer || symbolizer((uintptr_t)caller, buf, len) != 0)
		snprintf(buf, len, "0x%lx", (unsigned long)(uintptr_t)caller);
	return buf;
}

static const char *area_kind(const struct vm_struct *a)
{
	if (a->flags & VM_IOREMAP)
		return "ioremap";
	if (a->flags & VM_MAP)
		return "vmap";
	return "vmalloc";
}

static const char *vmalloc_region(vaddr_t addr, char *buf, size_t len)
{
	struct vm_struct *a = find_vm_area_containing(addr);
	char caller[80];
	vaddr_t guard;

	if (!a) {
		snprintf(buf, len, "unused vmalloc space (0x%08lx-0x%08lx)", (unsigned long)VMALLOC_START,
			 (unsigned long)VMALLOC_END);
		return buf;
	}
	guard = a->addr + (vaddr_t)a->size - PAGE_SIZE;
	mm_caller_name(a->caller, caller, sizeof(caller));
	if (addr >= guard)
		snprintf(buf, len, "guard page after %s area 0x%08lx-0x%08lx (%lu bytes, caller %s)", area_kind(a),
			 (unsigned long)a->addr, (unsigned long)guard, a->size - PAGE_SIZE, caller);
	else
		snprintf(buf, len, "inside %s area 0x%08lx-0x%08lx (%lu bytes, caller %s), page %lu", area_kind(a),
			 (unsigned long)a->addr, (unsigned long)guard, a->size - PAGE_SIZE, caller,
			 (unsigned long)((addr - a->addr) >> PAGE_SHIFT));
	return buf;
}

static const char *pkmap_region(vaddr_t addr, char *buf, size_t len)
{
	unsigned nr = PKMAP_NR(addr);
	int count = pkmap_count[nr];
	paddr_t pa;

	if (count > 1 && hal_query_page(swapper_pg_dir, PKMAP_ADDR(nr), &pa, NULL))
		snprintf(buf, len, "PKMAP slot %u (in use by %d, pfn 0x%lx)", nr, count - 1,
			 (unsigned long)(pa >> PAGE_SHIFT));
	else if (count == 1)
		snprintf(buf, len, "PKMAP slot %u (unused, mapping kept until the next flush)", nr);
	else
		snprintf(buf, len, "PKMAP slot %u (unused)", nr);
	return buf;
}

static const char *fixmap_region(vaddr_t addr, char *buf, size_t len)
{
	unsigned idx = (unsigned)__virt_to_fix(addr);
	char name[48];
	paddr_t pa;

	fixmap_name(idx, name, sizeof(name));
	if (fixmap_query(idx, &pa))
		snprintf(buf, len, "fixmap slot %u %s (in use, phys 0x%08llx)", idx, name,
			 (unsigned long long)(pa & ~(paddr_t)(PAGE_SIZE - 1)));
	else
		snprintf(buf, len, "fixmap slot %u %s (unused)", idx, name);
	return buf;
}

const char *mm_region_name(vaddr_t addr, char *buf, size_t len)
{
	if (addr < PAGE_SIZE)
		snprintf(buf, len, "NULL page");
	else if (addr < PAGE_OFFSET)
		snprintf(buf, len, "user space");
	else if (high_memory <= PAGE_OFFSET)
		snprintf(buf, len, "kernel space (memory management not set up yet)");
	else if (addr < high_memory)
		snprintf(buf, len, "low memory (linear map of phys 0x%08lx)", (unsigned long)__pa(addr));
	else if (addr < VMALLOC_START)
		snprintf(buf, len, "VMALLOC_OFFSET gap 0x%08lx-0x%08lx (catches overruns off the end of low memory)",
			 (unsigned long)high_memory, (unsigned long)VMALLOC_START);
	else if (addr < VMALLOC_END)
		return vmalloc_region(addr, buf, len);
	else if (addr < PKMAP_BASE)
		snprintf(buf, len, "2-page gap between VMALLOC_END 0x%08lx and PKMAP_BASE", (unsigned long)VMALLOC_END);
	else if (addr < PKMAP_END)
		return pkmap_region(addr, buf, len);
	else if (addr < FIXADDR_START)
		snprintf(buf, len, "unused space between PKMAP 0x%08lx and the fixmaps 0x%08lx", (unsigned long)PKMAP_END,
			 (unsigned long)FIXADDR_START);
	else if (addr < FIXADDR_END)
		return fixmap_region(addr, buf, len);
	else
		snprintf(buf, len, "the page above FIXADDR_TOP (never mapped)");
	return buf;
}
