/*
 * The i386 architecture's page anchors: address types, the page size and
 * PAGE_OFFSET.  Everything else in the kernel address map is derived from
 * these in mm/include/mm/layout.h.
 */
#ifndef HAL_PAGE_H
#define HAL_PAGE_H

#include <stdint.h>

/* A kernel or user virtual address on i386: always 32 bits, also on the host. */
typedef uint32_t vaddr_t;

/* A physical address: 64 bits, so PAE can name RAM above 4 GiB. */
typedef uint64_t paddr_t;

/* A page frame number. */
typedef uint32_t pfn_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/*
 * "The location of the split is determined by the value of PAGE_OFFSET
 * which is at 0xC0000000 on the x86.  This means that 3GiB is available for
 * the process to use while the remaining 1GiB is always mapped by the
 * kernel." (Understanding the Linux Virtual Memory Manager, §5.1)
 */
#define PAGE_OFFSET 0xC0000000u

#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

#endif
