/*
 * ioremap: a VM_IOREMAP area mapped page by page onto a physical range.
 * Any RAM frame is refused, as Linux refuses it: a second, uncached and
 * writable alias of a page the allocator owns invites corruption, and one
 * of a reserved frame (the kernel image, mem_map, the page tables) would
 * let a write through it change kernel text.  Only holes and non-RAM
 * entries of the e820 map (MMIO, ROM, the PCI hole) are mapped.
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

static vaddr_t ioremap_caller(paddr_t phys, unsigned long size, const void *caller)
{
	uint64_t last = (uint64_t)phys + size - 1;
	paddr_t first_page;
	unsigned long offset;
	uint64_t span; /* 64 bits: an unaligned range of nearly 4 GiB spans more than 2^32 bytes */
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
	if (phys_range_has_ram((uint64_t)phys & ~(uint64_t)(PAGE_SIZE - 1), (last | (PAGE_SIZE - 1)) + 1)) {
		printk("ioremap: refusing 0x%llx-0x%llx: it holds RAM (map RAM through kmap or the linear map)\n",
			(unsigned long long)phys, (unsigned long long)last);
		vmalloc_stats.area_failures++;
		return 0;
	}
	offset = (unsigned long)(phys & (PAGE_SIZE - 1)); /* not ~PAGE_MASK: a 32-bit mask */
	first_page = phys - offset;
	span = ((last >> PAGE_SHIFT) - (first_page >> PAGE_SHIFT) + 1) << PAGE_SHIFT;
	if (span > (uint64_t)(VMALLOC_END - VMALLOC_START)) {
		printk("ioremap: 0x%llx-0x%llx spans %llu pages, more than the vmalloc space holds\n",
			(unsigned long long)phys, (unsigned long long)last, (unsigned long long)(span >> PAGE_SHIFT));
		vmalloc_stats.area_failures++;
		return 0;
	}
	area = __get_vm_area_caller((unsigned long)span, VM_IOREMAP, VMALLOC_START, VMALLOC_END, caller);
	if (!area)
		return 0;
	area->phys_addr = first_page;
	for (uint64_t done = 0; done < span; done += PAGE_SIZE) {
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
