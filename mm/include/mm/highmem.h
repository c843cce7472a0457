/*
 * High memory: frames above max_low_pfn have no permanent kernel address.
 * kmap() maps one into the PKMAP window (PKMAP_BASE .. PKMAP_END, one page
 * table) until kunmap(); kmap_atomic() (mm/fixmap.h) maps one into a
 * per-type fixmap slot.
 *
 * pkmap_count[i] follows the 2.4 kernels (Understanding the Linux Virtual Memory Manager, §10.1): 0
 * means slot i is free and no TLB holds it; 1 means it still maps a page that nobody uses, and its
 * TLB entry may be stale until the next flush_all_zero_pkmaps(); n > 1 means n - 1 users. A page
 * that is still mapped (count 1 or more) is found through page->virtual and its count raised: no
 * second slot. New slots are taken going round from last_pkmap_nr; every time the search wraps to
 * slot 0, flush_all_zero_pkmaps() frees the count-1 slots with one global TLB flush. There is no
 * scheduler to sleep on, so when every slot is in use kmap() reports the failure, counts it and
 * returns 0.
 */
#ifndef MM_HIGHMEM_H
#define MM_HIGHMEM_H

#include <stdbool.h>
#include <stdio.h>

#include <hal/page.h>
#include <mm/fixmap.h>
#include <mm/spinlock.h>
#include <mm/layout.h>

struct page;

extern int pkmap_count[LAST_PKMAP];
extern unsigned int last_pkmap_nr;
extern spinlock_t kmap_lock;

/* Counters of the PKMAP code, for tests and the `pkmap` command. */
struct pkmap_stats {
	unsigned long fresh_maps;   /* kmap_high calls that took a new slot */
	unsigned long reuses;       /* kmap_high calls that found the page still mapped */
	unsigned long wraps;        /* times last_pkmap_nr went round to 0 */
	unsigned long flushes;      /* global TLB flushes by flush_all_zero_pkmaps */
	unsigned long flush_ipis;   /* shootdown IPIs they sent: flushes x (online CPUs - 1) */
	unsigned long slots_freed;  /* count-1 slots returned to 0 by flush_all_zero_pkmaps */
	unsigned long exhausted;    /* kmap_high failures: every slot in use */
	unsigned long bad_kunmaps;  /* kunmap of a page that kmap did not map */
	unsigned long waits;        /* kmap_high calls that waited for another CPU to free a slot */
	unsigned long irq_refused;  /* kmap calls from interrupt context, refused */
	unsigned long releases;     /* slots whose count fell to 1 (what a waiting kmap watches) */
};

extern struct pkmap_stats pkmap_stats;

/* Reset the PKMAP state and check its page table (reporting a missing one as a paging_init bug and
 * supplying it); call once after mm_init(); 0 when all is well. */
int kmap_init(void);

/* True when page lies above low memory and has no permanent kernel address. */
bool page_is_highmem(const struct page *page);

/* Map the high page into the PKMAP window (or raise the count of its live mapping) and return its
 * address; 0 with a message when every slot is in use. */
vaddr_t kmap_high(struct page *page);

/* Drop one use of the high page's PKMAP mapping; -EINVAL (counted in pkmap_stats.bad_kunmaps,
 * nothing changed) when the page is not kmapped. */
int kunmap_high(struct page *page);

/* The kernel address of page for as long as it is kmapped: its linear address in low memory, a
 * PKMAP address for a high page; 0 on failure.  When every PKMAP slot is in use it waits for
 * another CPU to release one (2.4's pkmap_map_wait, spinning with kmap_lock dropped); with no
 * other CPU online nothing could, so it reports and fails.  Refused (reported, 0) from interrupt
 * context, which must use kmap_atomic(KM_IRQ0). */
vaddr_t kmap(struct page *page);

/* Undo kmap(page) (nothing to do for a low page); 0, or -EINVAL when a high page is not kmapped. */
int kunmap(struct page *page);

/* Free every PKMAP slot whose count is 1 and flush the TLB once if any was freed (called when
 * last_pkmap_nr wraps). */
void flush_all_zero_pkmaps(void);

/* The number of PKMAP slots with a count above 1 (mapped and in use). */
unsigned pkmap_slots_in_use(void);

/* The page mapped in PKMAP slot nr, or NULL. */
struct page *pkmap_page(unsigned nr);

/* Print the PKMAP summary (slots in use, pending, counters) and every slot in use (the `pkmap`
 * command). */
void pkmap_show(FILE *out);

#endif
