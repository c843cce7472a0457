/*
 * early_ioremap: short-lived mappings of physical memory (firmware tables,
 * device registers) through the boot-time fixmap slots FIX_BTMAP_BEGIN ..
 * FIX_BTMAP_END, for the window after paging_init() has built the fixmap
 * page table and before vmalloc (and so ioremap) exists.  Linux reads its
 * ACPI tables this way before its allocators are up ("Professional Linux
 * Kernel Architecture", ch. 3, on the fixmap area; "Understanding the Linux
 * Virtual Memory Manager", §5.1 on the fixed virtual addresses).
 *
 * A mapping spans one or more contiguous slots; the slots of a mapping are
 * consecutive indices, so its pages are consecutive virtual pages (the
 * highest index is the lowest address).  Once vmalloc is up the firmware
 * calls early_ioremap_reset(), which reports and removes anything still
 * mapped and refuses later calls: from then on ioremap() is the way.
 */
#ifndef MM_EARLY_IOREMAP_H
#define MM_EARLY_IOREMAP_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/page.h>

/* Concurrent early mappings at most (each holds one or more FIX_BTMAP slots). */
#define EARLY_IOREMAP_MAX 8

/* Map [phys, phys + size) uncached through free boot-time fixmap slots; 0 (reported) if bad, too
 * large, no slots, or after early_ioremap_reset(). */
vaddr_t early_ioremap(paddr_t phys, unsigned long size);

/* As early_ioremap(), but mapped cached: for tables in RAM (the ACPI and SMBIOS tables). */
vaddr_t early_memremap(paddr_t phys, unsigned long size);

/* Undo early_ioremap()/early_memremap(): addr and size as returned/passed; a mismatch is reported
 * and ignored. */
void early_iounmap(vaddr_t addr, unsigned long size);

/* True while early mappings may be made (after paging_init(), before early_ioremap_reset()). */
bool early_ioremap_active(void);

/* Mappings currently held. */
unsigned early_ioremap_in_use(void);

/* End the early phase once vmalloc is up: report and remove every mapping still held, clear every
 * FIX_BTMAP slot, refuse later calls; returns how many were left. */
unsigned early_ioremap_reset(void);

/* Start a new early phase (boot, and tests booting a fresh fake machine): every slot free, calls
 * allowed. */
void early_ioremap_init(void);

/* Counters for tests and the `fixmap` command. */
struct early_ioremap_stats {
	unsigned long maps;    /* successful early_ioremap/early_memremap calls */
	unsigned long unmaps;  /* successful early_iounmap calls */
	unsigned long refused; /* calls refused: bad range, too large, no slots, too late */
	unsigned long leaked;  /* mappings early_ioremap_reset() found still held */
};

extern struct early_ioremap_stats early_ioremap_stats;

#endif
