/*
 * The boot-time allocator: one bit per frame of low memory, set while the
 * frame is reserved.  It lives from mm_init() until free_all_bootmem()
 * hands every clear bit to the buddy allocator, page by page, and retires.
 *
 * All frames start reserved; the caller frees the e820 RAM ranges and then
 * reserves what is in use (page 0, the BIOS area, the kernel image, the
 * Multiboot data, e820 holes, mem_map, the page tables, the heap).
 */
#ifndef MM_BOOTMEM_H
#define MM_BOOTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hal/page.h>

typedef struct bootmem_data {
	pfn_t node_min_pfn;    /* first frame covered by the bitmap (0) */
	pfn_t node_low_pfn;    /* end of the frames covered (max_low_pfn) */
	paddr_t map_pa;        /* physical address of the bitmap */
	uint8_t *node_bootmem_map; /* the bitmap, a bit set = reserved */
	unsigned long map_pages;   /* pages holding the bitmap */
	/* memory below this is mapped at PAGE_OFFSET (zeroing allocs stay below) */
	paddr_t mapped_end;
	pfn_t last_success;    /* where the previous allocation ended, to speed up the next */
	bool retired;          /* true after free_all_bootmem() */
} bootmem_data_t;

extern bootmem_data_t bootmem_node_data;

/* Start bootmem over frames [0, max_low) with its bitmap at map_pa (mapped, writable); every frame
 * reserved; returns the bitmap's size in bytes. */
unsigned long init_bootmem(paddr_t map_pa, pfn_t max_low, paddr_t mapped_end);

/* Bytes of bitmap needed for max_low frames, rounded up to whole pages. */
unsigned long bootmem_bootmap_bytes(pfn_t max_low);

/* Mark the frames wholly inside [addr, addr + size) free. */
void free_bootmem(paddr_t addr, uint64_t size);

/* Mark every frame touching [addr, addr + size) reserved; returns how many were free before. */
unsigned long reserve_bootmem(paddr_t addr, uint64_t size);

/* True when frame pfn is reserved (or outside bootmem). */
bool bootmem_reserved(pfn_t pfn);

/* Frames currently free in bootmem. */
unsigned long bootmem_free_pages(void);

/* Reserve size bytes aligned to align (a power of two, at least a page) at or above goal and below
 * limit, trying from 0 if nothing fits above goal; the physical address, or 0 if nothing fits. */
paddr_t alloc_bootmem_phys(uint64_t size, uint64_t align, paddr_t goal, paddr_t limit);

/* Reserve and zero size bytes (page aligned) at or above goal in memory that is mapped now; the
 * linear address, or 0. */
vaddr_t __alloc_bootmem(uint64_t size, uint64_t align, paddr_t goal);

/* Tell bootmem that memory up to end is now mapped at PAGE_OFFSET (after paging_init). */
void bootmem_set_mapped_end(paddr_t end);

/* Hand every free frame to the buddy allocator, then the bitmap itself, and retire bootmem; returns
 * the frames handed over. */
unsigned long free_all_bootmem(void);

#endif
