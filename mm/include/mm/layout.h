/*
 * The kernel virtual address map, derived from a handful of anchors: the
 * page size and PAGE_OFFSET (hal/page.h), VMALLOC_OFFSET, VMALLOC_RESERVE,
 * PKMAP_BASE and FIXADDR_TOP (mm/fixmap.h).  Boundaries that depend on the
 * amount of RAM are functions of high_memory ("Understanding the Linux
 * Virtual Memory Manager", §5.1 and figure 5.1 draw the picture).  Constants
 * and their static asserts only; mm/layout_report.h prints and checks them.
 */
#ifndef MM_LAYOUT_H
#define MM_LAYOUT_H

#include <hal/page.h>
#include <mm/fixmap.h>

/* "Between the physical memory map and the vmalloc address space, there is a gap of space
 * VMALLOC_OFFSET in size, which on the x86 is 8MiB, to guard against out of bounds errors."
 * (Understanding the Linux Virtual Memory Manager, §5.1) */
#define VMALLOC_OFFSET (8u << 20)

/* "a region of at least VMALLOC_RESERVE will be reserved at the top of the address space.
 * VMALLOC_RESERVE is architecture specific but on the x86, it is defined as 128MiB." (Understanding
 * the Linux Virtual Memory Manager, §5.1) */
#define VMALLOC_RESERVE (128u << 20)

/* The most low memory the linear map can hold: "the 1GiB of the upper potion of the linear address
 * space minus the minimum 128MiB" (Understanding the Linux Virtual Memory Manager, §5.1), i.e. 896
 * MiB. */
#define MAXMEM ((vaddr_t)(0u - PAGE_OFFSET) - VMALLOC_RESERVE)
#define MAXMEM_PFN (MAXMEM >> PAGE_SHIFT)

/* ZONE_DMA ends at 16 MiB, the reach of ISA DMA. */
#define MAX_DMA_ADDRESS (16u << 20)
#define MAX_DMA_PFN (MAX_DMA_ADDRESS >> PAGE_SHIFT)

/* The PKMAP window for kmap(): exactly one page table's worth of pages, "an area reserved for the
 * mapping of high memory pages into low memory with kmap()" (Understanding the Linux Virtual Memory
 * Manager, §5.1). */
#define PKMAP_BASE 0xFE000000u
#ifdef CONFIG_X86_PAE
#define LAST_PKMAP 512u
#else
#define LAST_PKMAP 1024u
#endif
#define LAST_PKMAP_MASK (LAST_PKMAP - 1)
#define PKMAP_END (PKMAP_BASE + LAST_PKMAP * PAGE_SIZE)
#define PKMAP_NR(virt) (((virt) - PKMAP_BASE) >> PAGE_SHIFT)
#define PKMAP_ADDR(nr) (PKMAP_BASE + ((vaddr_t)(nr) << PAGE_SHIFT))

/* "In high memory systems, the vmalloc area extends as far as PKMAP_BASE minus the two page gap"
 * (Understanding the Linux Virtual Memory Manager, §5.1). */
#define VMALLOC_END (PKMAP_BASE - 2 * PAGE_SIZE)

/*
 * The start of the vmalloc area for a given end of the linear map: at least
 * VMALLOC_OFFSET above it, on a VMALLOC_OFFSET boundary.  "For
 * illustration, on a x86 with 32MiB of RAM, VMALLOC_START will be located
 * at PAGE_OFFSET + 0x02000000 + 0x00800000." (Understanding the Linux Virtual Memory Manager, §5.1)
 */
#define __VMALLOC_START(high_mem) (((vaddr_t)(high_mem) + 2 * VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1))

/* The start of the vmalloc area when the linear map ends at high_mem. */
static inline vaddr_t vmalloc_start_for(vaddr_t high_mem)
{
	return __VMALLOC_START(high_mem);
}

/* The first virtual address past the linear map of low memory; set once by mm_init(). */
extern vaddr_t high_memory;

#define VMALLOC_START vmalloc_start_for(high_memory)

/*
 * The order of the fixed regions, checked where the compiler can see it.
 * Low to high: user space, PAGE_OFFSET, linear map (at most MAXMEM), the
 * VMALLOC_OFFSET gap, vmalloc, the 2-page gap, PKMAP, (unused), fixmaps,
 * the unmapped last page.
 */
_Static_assert(__VMALLOC_START(PAGE_OFFSET + (32u << 20)) == PAGE_OFFSET + 0x02000000u + 0x00800000u,
	       "the worked example of Understanding the Linux Virtual Memory Manager, §5.1: 32 MiB of RAM puts VMALLOC_START at 0xC2800000");
_Static_assert(__VMALLOC_START(PAGE_OFFSET + MAXMEM) == 0xF8800000u, "a full linear map puts VMALLOC_START at 0xF8800000");
_Static_assert(PAGE_OFFSET % (4u << 20) == 0, "PAGE_OFFSET must start a page table");
_Static_assert(MAXMEM == (896u << 20), "ZONE_NORMAL is \"generally referred to being only 896MiB in size\" (Understanding the Linux Virtual Memory Manager, §5.1)");
_Static_assert((VMALLOC_OFFSET & (VMALLOC_OFFSET - 1)) == 0, "VMALLOC_OFFSET must be a power of two");
_Static_assert(PAGE_OFFSET + MAXMEM + 2 * VMALLOC_OFFSET <= VMALLOC_END,
	       "a full linear map must leave room for the VMALLOC_OFFSET gap and some vmalloc space");
_Static_assert(VMALLOC_END + 2 * PAGE_SIZE == PKMAP_BASE && VMALLOC_END == 0xFDFFE000u,
	       "the 2-page gap below PKMAP_BASE");
#ifdef CONFIG_X86_PAE
_Static_assert(PKMAP_BASE % (LAST_PKMAP * PAGE_SIZE) == 0 && LAST_PKMAP * PAGE_SIZE == (2u << 20),
	       "PKMAP must be exactly one page table (512 entries of 4 KiB with PAE)");
#else
_Static_assert(PKMAP_BASE % (LAST_PKMAP * PAGE_SIZE) == 0 && LAST_PKMAP * PAGE_SIZE == (4u << 20),
	       "PKMAP must be exactly one page table");
#endif
_Static_assert((LAST_PKMAP & LAST_PKMAP_MASK) == 0, "LAST_PKMAP must be a power of two");
_Static_assert(PKMAP_END <= FIXADDR_START, "PKMAP must not overlap the fixmaps");
_Static_assert(__fix_to_virt(FIX_BTMAP_END) == FIXADDR_START &&
		       __fix_to_virt(FIX_BTMAP_BEGIN) < __fix_to_virt(FIX_KMAP_END),
	       "the boot-time fixmaps start the fixmap region, below the permanent ones and above PKMAP");
_Static_assert(__end_of_fixed_addresses <= 1023, "the fixmap enum must fit one page table below the last page");
_Static_assert(FIXADDR_TOP + PAGE_SIZE == 0xFFFFF000u, "the last page of the address space stays unmapped");

#endif
