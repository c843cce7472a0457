/*
 * The kernel page-table service of the vmalloc, PKMAP, fixmap and ioremap areas: map one page in
 * the kernel page directory (supplying a page table paging_init() should have made), check that a
 * table covers an address at boot, and unmap a range with the TLB flushes it needs
 * ("Understanding the Linux Virtual Memory Manager", §4.6 and §8.3).
 */
#include <string.h>

#include <hal/mmu.h>
#include <mm/kernel_pgtable.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/printk.h>
#include <mm/vmalloc.h>
#include <mm/tlbflush.h>

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
	printk("vmalloc: paging_init left no page table for 0x%08lx; added one at phys 0x%08llx\n",
		(unsigned long)va, (unsigned long long)__pa(table_va));
	return HAL_OK;
}

int kernel_table_check(vaddr_t va, const char *what)
{
	if (hal_query_table(swapper_pg_dir, va, NULL))
		return 0;
	printk("BUG: paging_init made no page table for %s at 0x%08lx\n", what, (unsigned long)va);
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
	/* The other CPUs may hold any of the pages: one shootdown of the range (iounmap, vfree). */
	if (unmapped)
		vmalloc_stats.flush_ipis += flush_tlb_kernel_range_others(addr, addr + (vaddr_t)size);
}
