/*
 * The kernel page-table service: mapping and unmapping pages of the kernel page directory
 * (swapper_pg_dir) for the vmalloc, PKMAP, fixmap and ioremap areas ("Understanding the Linux
 * Virtual Memory Manager", §4.6).
 */
#ifndef MM_KERNEL_PGTABLE_H
#define MM_KERNEL_PGTABLE_H

#include <hal/page.h>

/* Map the page at va to pa in the kernel page directory, supplying a missing page table; a hal
 * error code otherwise. */
int kernel_map_page(vaddr_t va, paddr_t pa, unsigned prot);

/* Check at boot that a page table covers va (the PKMAP or fixmap table, named what); 0 if so, 1
 * after reporting the paging_init bug and adding one, -1 if none could be added. */
int kernel_table_check(vaddr_t va, const char *what);

/* Unmap every mapped page of [addr, addr + size) in the kernel page directory and flush the TLB for
 * them. */
void unmap_kernel_range(vaddr_t addr, unsigned long size);

#endif
