/*
 * Invariant checkers for the memory manager.  Each checker walks one
 * subsystem's own records and the page tables, prints every violation it
 * finds to a FILE* (one line each, "mmcheck: <part>: ..."), and returns
 * how many it found, so the `mmcheck`/`ptcheck` commands, the self tests,
 * the stress engine and the host tests all ask the same questions:
 *
 *   buddy   free lists, their counters and the struct page state agree;
 *   slab    every cache's slabs, free lists and poison are consistent;
 *   vmalloc every area lies inside VMALLOC_START..VMALLOC_END, in order,
 *           without overlap, its pages mapped and its guard page not;
 *   pkmap   pkmap_count[] agrees with the PKMAP page table and page->virtual;
 *   fixmap  only fixmap slots of the enum are mapped, with sane targets;
 *   pgtable no page directory, page table or user page mapped is a free frame;
 *   ptcheck a full walk of the kernel page directory that attributes every
 *           present mapping to a region of the layout and checks the
 *           permissions that region should have (see ptcheck()).
 *
 * Call them when the memory manager is quiescent (no allocation half done,
 * no kmap_atomic slot in use); they take the subsystems' locks themselves.
 * A report prints at most MMCHECK_PRINT_LIMIT lines per checker and then
 * says how many more it found.
 */
#ifndef MM_MMCHECK_H
#define MM_MMCHECK_H

#include <stdbool.h>
#include <stdio.h>

#include <hal/page.h>

#define MMCHECK_PRINT_LIMIT 24

/* The kernel image as ptcheck must see it: executable [text_start, text_end), read-only
 * [text_start, ro_end). */
struct mmcheck_image {
	vaddr_t text_start, text_end;
	vaddr_t ro_end;
};

/* Figures of one ptcheck walk, in 4 KiB pages (a large page counts as the pages it covers). */
struct ptcheck_stats {
	unsigned long tables;        /* page tables found in the kernel part of the directory */
	unsigned long large_pages;   /* directory entries that map a large page */
	unsigned long linear;        /* pages of the linear map of low memory */
	unsigned long linear_ro;     /* of which read-only (kernel text and rodata) */
	unsigned long vmalloc;       /* pages mapped inside live vmalloc/ioremap/vmap areas */
	unsigned long pkmap;         /* PKMAP slots mapped */
	unsigned long fixmap;        /* fixmap slots mapped */
	unsigned long writable_exec; /* pages both writable and executable */
	bool wx_enforced;            /* NX exists (PAE with NX): W+X pages are violations */
	unsigned long violations;
};

/* The subsystems' own checkers, which the mmcheck_* functions and the host tests call. */
struct kmem_cache;
struct address_space;

/* Walk every free list and check it against the counters; prints what is wrong to out and returns
 * the number of problems (0 when consistent). */
unsigned long check_free_lists(FILE *out);

/* Walk every slab of cache and check free lists, counts and poison; prints problems to out and
 * returns their number. */
unsigned long kmem_cache_check(struct kmem_cache *cache, FILE *out);

/* Check the interval tree of mapping (order and subtree maxima); returns the number of problems
 * printed to out. */
unsigned long vma_interval_tree_check(struct address_space *mapping, FILE *out);

/* Check buddy free lists and counters against the state of every struct page; returns the
 * violations. */
unsigned long mmcheck_buddy(FILE *out);

/* Check every kmem cache (kmem_cache_check) and the machine-wide slab page count; returns the
 * violations. */
unsigned long mmcheck_slab(FILE *out);

/* Check the vmalloc list: bounds, order, overlap, mapped pages and unmapped guard pages; returns
 * the violations. */
unsigned long mmcheck_vmalloc(FILE *out);

/* Check pkmap_count[] against the PKMAP page table and page->virtual; returns the violations. */
unsigned long mmcheck_pkmap(FILE *out);

/* Check the fixmap slots against the enum: index/address round trip, names, what the slots in use
 * map; returns the violations. */
unsigned long mmcheck_fixmap(FILE *out);

/*
 * Check that no frame page directory pgd uses is free in the buddy allocator: the directory's own
 * pages, every page table (of the kernel part, or with user of the user part), and with user every
 * frame the user part maps.  A frame that is both free and in use has two owners (a stray
 * __free_pages of a live page table or user page); returns the violations.
 */
unsigned long mmcheck_pgtables(FILE *out, paddr_t pgd, bool user);

/*
 * Walk every directory and table entry of the kernel page directory pgd
 * and attribute each present mapping to its region: nothing below
 * PAGE_OFFSET; the linear map exactly phys + PAGE_OFFSET up to
 * high_memory, without holes, writable except [text_start, ro_end) of img
 * (img may be NULL to skip that rule), never user-accessible; nothing in
 * the VMALLOC_OFFSET gap; vmalloc pages only inside live areas and never
 * on guard pages; PKMAP slots only with pkmap_count > 0; fixmaps only in
 * the enum's slots; nothing above FIXADDR_TOP.  W+X pages are counted,
 * and are violations only where NX exists (a PAE build on a CPU with NX);
 * there, executable pages outside the kernel text are violations too.
 * Fills st when not NULL and returns the number of violations.
 */
unsigned long ptcheck(FILE *out, paddr_t pgd, const struct mmcheck_image *img, struct ptcheck_stats *st);

/* Print ptcheck's figures and the W+X verdict ("not enforceable without NX" on 2-level paging). */
void ptcheck_print_stats(FILE *out, const struct ptcheck_stats *st);

/* A checker's running report: where to print, the part's name, violations so far (shared by
 * mmcheck.c and ptcheck.c). */
struct mmcheck_ctx {
	FILE *out;
	const char *part;
	unsigned long found;
};

/* Count one violation of c's part and print it as "mmcheck: PART: MESSAGE" while under
 * MMCHECK_PRINT_LIMIT. */
void mmcheck_violation(struct mmcheck_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Say how many violations of c's part were not printed, and return c->found. */
unsigned long mmcheck_finish(struct mmcheck_ctx *c);

/*
 * Run every checker above (mmcheck_pgtables and ptcheck on swapper_pg_dir, ptcheck with img) and
 * return the sum of their violations.
 */
unsigned long mmcheck_all(FILE *out, const struct mmcheck_image *img);

#endif
