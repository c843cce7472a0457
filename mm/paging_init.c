/*
 * The kernel page directory, swapper_pg_dir, built once at boot.
 *
 * "page table entries exist to map physical memory to the virtual address range beginning at
 * PAGE_OFFSET" (Understanding the Linux Virtual Memory Manager, §5.1): all of low memory, holes
 * included, at virt = phys + PAGE_OFFSET. Nothing is mapped below PAGE_OFFSET, so the boot identity
 * map is gone once we switch.
 *
 * Preallocated shared kernel page tables: every page-directory slot above
 * the linear map, up to 0xFFFFFFFF (vmalloc area, PKMAP, fixmaps), gets a
 * zeroed page table now.  Kernel mappings made later (vmalloc, ioremap,
 * kmap, kmap_atomic) then only fill entries of tables that already exist,
 * so (1) kmap and kmap_atomic never allocate, and (2) every page directory
 * made later with hal_copy_kernel_pgd() shares those tables and sees every
 * later kernel mapping at once.  Linux instead creates these tables on
 * demand and copies directory entries into other directories lazily in
 * vmalloc_fault(); we pay at most 256 tables (1 MiB, with 32 MiB of RAM;
 * 32 tables with 896 MiB of low memory) to have no such fault path.
 *
 * PAE (CONFIG_X86_PAE): the same walk with the hal's 2 MiB table span,
 * 2 MiB large pages and NX on everything but the kernel text.  The
 * directory is a kernel directory block (hal/mmu.h: PDPT, four page
 * directories), all in boot-mapped memory below 4 GiB.  boot.S still runs
 * on 2-level tables, so instead of a plain CR3 load the switch goes
 * through hal_enable_pae_and_switch(), which turns paging off and on
 * around setting CR4.PAE (hal/i386/pae_switch.S).  Preallocation costs
 * twice as many tables (64 with a full 896 MiB linear map).
 */

#include <hal/cpu.h>
#include <hal/mmu.h>
#include <mm/bootmem.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/printk.h>

paddr_t swapper_pg_dir;
static unsigned long pagetable_pages;

unsigned long nr_pagetable_pages(void)
{
	return pagetable_pages;
}

void mod_pagetable_pages(long delta)
{
	pagetable_pages += (unsigned long)delta;
}

/* npages zeroed pages for a directory or table, from bootmem in memory that boot.S mapped. */
static paddr_t alloc_table_pages(unsigned npages)
{
	vaddr_t va = __alloc_bootmem((uint64_t)npages * PAGE_SIZE, PAGE_SIZE, 0);

	if (!va)
		return 0;
	pagetable_pages += npages;
	return __pa(va);
}

static paddr_t alloc_table_page(void)
{
	return alloc_table_pages(1);
}

/* Load the new directory: a CR3 load on 2-level paging, the PAE switch otherwise. */
static int switch_to(paddr_t pgd)
{
#ifdef CONFIG_X86_PAE
	int err = hal_enable_pae_and_switch(pgd);

	if (err != HAL_OK) {
		printk("paging_init: cannot turn PAE paging on (error %d%s)\n", err,
		       err == HAL_ENOTSUPP ? ": this CPU has no PAE; boot the 2-level highmem.elf" : "");
		return -1;
	}
	printk("PAE: paging switched to 3-level tables (PDPT at %#llx), %s\n", (unsigned long long)pgd,
	       hal_cpu_has(HAL_FEAT_NX) ? "NX in use: kernel data, rodata and user data not executable"
					: "NX not on this CPU: every mapped page is executable");
#else
	hal_switch_pgd(pgd);
#endif
	return 0;
}

static unsigned prot_for(const struct paging_layout *l, paddr_t pa, unsigned global)
{
	if (pa >= l->text_start && pa < l->text_end)
		return HAL_PROT_READ | HAL_PROT_EXEC | global;
	if (pa >= l->text_start && pa < l->rodata_end)
		return HAL_PROT_READ | global;
	return HAL_PROT_WRITE | global;
}

/* Map [pa, end) of one table's span with 4 KiB pages, in a new table. */
static int map_with_table(const struct paging_layout *l, paddr_t pgd, paddr_t pa, paddr_t end,
			  unsigned global)
{
	paddr_t table = alloc_table_page();

	if (!table || hal_set_table(pgd, __va(pa), table) != HAL_OK)
		return -1;
	for (; pa < end; pa += PAGE_SIZE)
		if (hal_map_page(pgd, __va(pa), pa, prot_for(l, pa, global)) != HAL_OK)
			return -1;
	return 0;
}

int paging_init(const struct paging_layout *l)
{
	uint64_t span = hal_table_span();
	bool large = hal_large_page_size() != 0;
	unsigned global = hal_cpu_has(HAL_FEAT_PGE) ? HAL_PROT_GLOBAL : 0;
	paddr_t pgd;
	uint64_t pa, va;

	pagetable_pages = 0;
	pgd = alloc_table_pages(HAL_KERNEL_PGD_PAGES);
	if (!pgd)
		goto nomem;

	for (pa = 0; pa < l->lowmem_end; pa += span) {
		uint64_t end = pa + span < l->lowmem_end ? pa + span : l->lowmem_end;
		bool touches_ro = l->text_start < l->rodata_end && pa < l->rodata_end && pa + span > l->text_start;

		/* A large page only where it is wholly RAM we map and all of it may be writable. */
		if (large && end == pa + span && !touches_ro) {
			if (hal_map_large(pgd, __va(pa), pa, HAL_PROT_WRITE | global) != HAL_OK)
				goto nomem;
			continue;
		}
		if (map_with_table(l, pgd, pa, end, global))
			goto nomem;
	}

	/* The shared kernel tables above the linear map (see the top of this file). */
	for (va = PAGE_OFFSET + ((l->lowmem_end + span - 1) / span) * span; va < 0x100000000ull; va += span) {
		paddr_t table = alloc_table_page();

		if (!table || hal_set_table(pgd, (vaddr_t)va, table) != HAL_OK)
			goto nomem;
	}

	swapper_pg_dir = pgd;
	if (switch_to(pgd))
		return -1;
	hal_flush_all();
	bootmem_set_mapped_end(l->lowmem_end);
	return 0;
nomem:
	printk("paging_init: out of boot memory below the boot mapping for page tables\n");
	return -1;
}
