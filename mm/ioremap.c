/*
 * ioremap: a VM_IOREMAP area mapped page by page onto a physical range.
 * RAM that the page allocator owns is refused, as Linux refuses it: a
 * second, uncached alias of an allocated page invites corruption.
 */
#include <stdint.h>

#include <hal/mmu.h>
#include <mm/io.h>
#include <mm/kernel_pgtable.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/printk.h>
#include <mm/vmalloc.h>

/* Where hal_map_page() can still name a frame: 4 GiB with 2-level entries; with PAE 64 GiB or the
 * CPU's width. */
#define IOREMAP_PHYS_LIMIT hal_phys_limit()

/* True if a frame of [first, last] is RAM that the page allocator manages (not reserved). */
static bool range_has_ram_in_use(pfn_t first, pfn_t last)
{
	for (uint64_t pfn = first; pfn <= last; pfn++)
		if (pfn_valid((pfn_t)pfn) && !PageReserved(pfn_to_page((pfn_t)pfn)))
			return true;
	return false;
}

static vaddr_t ioremap_caller(paddr_t phys, unsigned long size, const void *caller)
{
	uint64_t last = (uint64_t)phys + size - 1;
	paddr_t first_page;
	unsigned long offset, span;
	struct vm_struct *area;

	if (size == 0 || last < phys) {
		printk("ioremap: bad range 0x%llx + 0x%lx (empty or wraps around)\n", (unsigned long long)phys,
			size);
		vmalloc_stats.area_failures++;
		return 0;
	}
	if (last >= IOREMAP_PHYS_LIMIT) {
		printk("ioremap: 0x%llx-0x%llx lies above %llu GiB, which these page tables cannot name\n",
			(unsigned long long)phys, (unsigned long long)last, (unsigned long long)(IOREMAP_PHYS_LIMIT >> 30));
		vmalloc_stats.area_failures++;
		return 0;
	}
	if (range_has_ram_in_use((pfn_t)(phys >> PAGE_SHIFT), (pfn_t)(last >> PAGE_SHIFT))) {
		printk("ioremap: refusing 0x%llx-0x%llx: it holds RAM the page allocator owns\n",
			(unsigned long long)phys, (unsigned long long)last);
		vmalloc_stats.area_failures++;
		return 0;
	}
	offset = (unsigned long)(phys & ~(paddr_t)PAGE_MASK);
	first_page = phys - offset;
	span = (unsigned long)(((last >> PAGE_SHIFT) - (first_page >> PAGE_SHIFT) + 1) << PAGE_SHIFT);
	area = __get_vm_area_caller(span, VM_IOREMAP, VMALLOC_START, VMALLOC_END, caller);
	if (!area)
		return 0;
	area->phys_addr = first_page;
	for (unsigned long done = 0; done < span; done += PAGE_SIZE) {
		int err = kernel_map_page(area->addr + (vaddr_t)done, first_page + done,
					  HAL_PROT_WRITE | HAL_PROT_NOCACHE | HAL_PROT_GLOBAL);

		if (err != HAL_OK) {
			printk("ioremap: cannot map 0x%08lx (hal error %d)\n",
				(unsigned long)(area->addr + done), err);
			free_vm_area(area);
			return 0;
		}
	}
	return area->addr + (vaddr_t)offset;
}

vaddr_t ioremap(paddr_t phys, unsigned long size)
{
	return ioremap_caller(phys, size, __builtin_return_address(0));
}

vaddr_t ioremap_nocache(paddr_t phys, unsigned long size)
{
	return ioremap_caller(phys, size, __builtin_return_address(0));
}

void iounmap(vaddr_t addr)
{
	free_vm_area(remove_vm_area_of_kind(addr & PAGE_MASK, VM_IOREMAP, "iounmap"));
}
