/*
 * Bringing memory management up: the firmware fills a struct mm_boot_info
 * from the Multiboot information and its linker symbols, and calls
 * mm_init() once, early, with interrupts off.  On return the kernel runs
 * on its own page directory (swapper_pg_dir) with all low memory mapped at
 * PAGE_OFFSET and nothing below it, the buddy allocator owns every free
 * frame, and kmalloc, kmem_cache_* and mm_heap_grow() work.
 *
 * The order inside mm_init(), as Linux 2.4/2.6 on i386 does it:
 *   1. find min/max frames and max_low_pfn from the e820 map;
 *   2. bootmem over low memory, its bitmap just above the kernel, and the
 *      reservations (page 0, BIOS area, kernel, Multiboot data, e820 holes);
 *   3. place mem_map (the 16 MiB mark when RAM allows) and the heap arena;
 *   4. paging_init(): the new kernel page directory, switched to;
 *   5. free_area_init(): zones and every struct page;
 *   6. free_all_bootmem() and the high frames to the buddy allocator;
 *   7. watermarks, then the slab allocator and kmalloc caches.
 */
#ifndef MM_INIT_H
#define MM_INIT_H

#include <stddef.h>
#include <stdint.h>

#include <hal/page.h>
#include <mm/e820.h>

/* Room for every range the firmware's Multiboot parsers record (4 + 2 per module, 8 modules). */
#define MM_BOOT_MAX_RESERVED 20

/* A physical range [start, end) in use before mm_init(), e.g. "multiboot info", "cmdline", "module
 * 0". */
struct mm_reserved_range {
	paddr_t start, end;
	const char *name;
};

struct mm_boot_info {
	const struct e820_table *e820;   /* the memory map (required) */
	paddr_t kernel_start, kernel_end; /* the whole image, .bss included, physical */
	/*
	 * Mapped read-only: [text_start, rodata_end); executable: [text_start,
	 * text_end).  All three 0 maps the whole image writable.
	 */
	paddr_t text_start, text_end, rodata_end;
	unsigned nr_reserved;
	struct mm_reserved_range reserved[MM_BOOT_MAX_RESERVED];
	/* What boot.S mapped at PAGE_OFFSET (0: the usual 8 MiB); early page tables must lie below
	 * it. */
	paddr_t boot_mapped_end;
	/* Size of the arena behind mm_heap_grow() (newlib's heap); 0: MM_HEAP_DEFAULT_SIZE. */
	size_t heap_size;
};

/*
 * "8MiB (the amount of memory addressed by two PGDs) is reserved at PAGE_OFFSET for loading the
 * kernel image to run." (Understanding the Linux Virtual Memory Manager, §5.1)
 */
#define BOOT_MAPPED_DEFAULT (8u << 20)

/* Facts about the boot, kept for the boot log, meminfo and the shell. */
struct mm_boot_facts {
	paddr_t mem_map_start, mem_map_end; /* where mem_map lives */
	size_t struct_page_size;
	unsigned long reserved_pages;       /* low RAM frames never handed to the buddy allocator */
	unsigned long kernel_pages;
	unsigned long pagetable_boot_pages;
	unsigned long bootmem_handed;       /* frames free_all_bootmem() gave away */
	unsigned long highmem_handed;       /* high frames given to the buddy allocator */
	uint64_t boot_cycles;               /* hal_cycles() spent in mm_init() */
};

extern struct mm_boot_facts mm_boot_facts;

/* Bring memory management up from bi (see above); prints the Linux-style boot lines on stdout;
 * returns 0, or -1 after printing why memory cannot be set up. */
int mm_init(const struct mm_boot_info *bi);

#endif
