/*
 * The kernel page directory: the linear map of low memory at PAGE_OFFSET
 * and the page tables shared by every later page directory.
 */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include <stdint.h>

#include <hal/page.h>

/* Physical address of the kernel page directory that paging_init() built (Linux's
 * swapper_pg_dir). */
extern paddr_t swapper_pg_dir;

/* Physical ranges paging_init() maps read-only ([text_start, rodata_end)) and executable
 * ([text_start, text_end)). */
struct paging_layout {
	paddr_t lowmem_end;    /* map [0, lowmem_end) at PAGE_OFFSET */
	paddr_t text_start, text_end, rodata_end;
};

/*
 * Build swapper_pg_dir from bootmem: low memory mapped with 4 MiB pages
 * where the CPU has PSE (4 KiB tables where it has not or where text must
 * be read-only), global where it has PGE, and zeroed page tables for the
 * whole kernel range above high_memory; then switch to it and flush.
 * Returns 0, or -1 if bootmem ran out.
 */
int paging_init(const struct paging_layout *layout);

/* Page-table pages in use (the directory included), for meminfo's PageTables. */
unsigned long nr_pagetable_pages(void);

/* Account delta page-table pages allocated (or freed, if negative) after boot. */
void mod_pagetable_pages(long delta);

#endif
