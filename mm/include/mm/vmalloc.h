/*
 * Non-contiguous memory: the vmalloc area between VMALLOC_START and
 * VMALLOC_END (mm/layout.h), carved into areas described by struct
 * vm_struct.  "The vmalloc address space is managed with a resource map
 * allocator [...] They are ordered by address and the list is protected by
 * the vmlist_lock lock. [...] Each area is separated by at least one page to
 * protect against overruns." (Understanding the Linux Virtual Memory Manager, §8.1)
 *
 * Addresses are vaddr_t, not pointers: the kernel reaches vmalloc memory a
 * page at a time through hal_va_ptr(), because on the host (and in any
 * other address space) the pages behind an area are not contiguous.
 *
 * Kernel page tables for this range are shared by every page directory:
 * paging_init() preallocates all of them from high_memory to the top of the
 * address space and process directories copy those entries with
 * hal_copy_kernel_pgd(), so a mapping made here is seen everywhere without
 * a fault-time sync (Linux's vmalloc_fault).  The on-demand table allocation
 * in this file is a fallback that only runs if paging_init() left a hole; it
 * is counted in vmalloc_stats.tables_allocated and reported, because a table
 * added later would have to be copied into every existing directory.
 */
#ifndef MM_VMALLOC_H
#define MM_VMALLOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hal/page.h>
#include <mm/gfp.h>
#include <mm/spinlock.h>
#include <mm/rbtree.h>

struct page;

/* vm_struct flags: which interface made the area (one of them is set). */
#define VM_IOREMAP 0x1ul /* ioremap(): device memory, pages not owned */
#define VM_ALLOC 0x2ul   /* vmalloc(): pages allocated and owned by the area */
#define VM_MAP 0x4ul     /* vmap(): caller's pages, not owned */

struct vm_struct {
	unsigned long flags;     /* VM_ALLOC, VM_IOREMAP or VM_MAP */
	vaddr_t addr;            /* first byte of the area (page aligned) */
	unsigned long size;      /* bytes, including the unmapped guard page at the end */
	struct vm_struct *next;  /* the next area up in address order (vmlist) */
	struct page **pages;     /* VM_ALLOC: the nr_pages pages mapped in order */
	unsigned int nr_pages;   /* VM_ALLOC: pages owned by the area */
	paddr_t phys_addr;       /* VM_IOREMAP: physical address of the first page */
	const void *caller;      /* return address of whoever asked for the area */
	/* The index beside vmlist (vmalloc.c); nobody else reads these. */
	struct rb_node rb_node;         /* in the tree of live areas, by addr */
	/* free bytes from the end of this area to the next live one (0 for the last) */
	uint32_t gap_after;
	/* at least the largest gap_after in this node's subtree (an upper bound) */
	uint32_t subtree_max_gap;
	struct page *inline_page;       /* VM_ALLOC of one page: pages points here */
};

/*
 * The address-ordered list of live areas, as in the 2.4 kernel the books describe. Every insertion,
 * removal and lookup goes through four helpers in vmalloc.c (gap search, link, unlink, lookup);
 * beside the list they keep an O(log n) index, a red-black tree of the live areas keyed by addr in
 * which every node also carries the free gap after its area and the largest such gap in its
 * subtree, so first fit, find_vm_area() and vfree() cost O(log n).
 */
extern struct vm_struct *vmlist;
extern rwlock_t vmlist_lock;

/* Create the vm_struct cache and check the vmalloc bounds against high_memory; call once after
 * mm_init(), 0 on success. */
int vmalloc_init(void);

/* Reserve an unmapped area of size bytes (rounded up to pages, plus a guard page) anywhere in the
 * vmalloc range; NULL with a message on failure. */
struct vm_struct *get_vm_area(unsigned long size, unsigned long flags);

/* Reserve an area of size bytes (plus guard) by first fit within [start, end), recording caller;
 * NULL with a message for size 0, wrap-around or no room. */
struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags, vaddr_t start, vaddr_t end,
				       const void *caller);

/* __get_vm_area_caller() with the area's address a multiple of align (a power of two, at least
 * PAGE_SIZE). */
struct vm_struct *__get_vm_area_align(unsigned long size, unsigned long align, unsigned long flags, vaddr_t start,
				      vaddr_t end, const void *caller);

/*
 * Lazy TLB purging: vfree() and vunmap() unmap an area at once but do not
 * flush the TLB for it; the range waits on a purge list, and is flushed
 * either all together by one global flush when more than
 * vmalloc_lazy_max_pages pages wait, or just before first fit hands any part
 * of it out again.  0 turns laziness off (flush at every free, as the 2.4 kernel does).
 * Only the addresses are lazy: vfree() flushes its range before its pages go back.
 */
extern unsigned long vmalloc_lazy_max_pages;

/* The default of vmalloc_lazy_max_pages: 32 MiB worth of pages. */
#define VMALLOC_LAZY_MAX_PAGES ((32ul << 20) >> PAGE_SHIFT)

/* Flush the TLB once and make every lazily freed range free again; returns how many ranges were
 * purged. */
unsigned long vmalloc_purge_lazy(void);

/* Print the vmalloc counters as vmstat-style "name value" lines (flushes, purges, lazily freed
 * pages). */
void vmalloc_vmstat_show(FILE *out);

/* Unlink the area starting at addr, unmap whatever is mapped in it and flush; returns it (release
 * with free_vm_area), or NULL if addr starts no area. */
struct vm_struct *remove_vm_area(vaddr_t addr);

/* Remove area from vmlist if it is still there and return its vm_struct to the cache (pages it maps
 * are not freed). */
void free_vm_area(struct vm_struct *area);

/* Unlink and unmap the area starting at addr if its flags include flag; otherwise report it (as
 * who) and return NULL, changing nothing. */
struct vm_struct *remove_vm_area_of_kind(vaddr_t addr, unsigned long flag, const char *who);

/* The area that starts at addr, or NULL. */
struct vm_struct *find_vm_area(vaddr_t addr);

/* The area whose range (guard page included) contains addr, or NULL. */
struct vm_struct *find_vm_area_containing(vaddr_t addr);

/* Allocate size bytes of virtually contiguous memory from pages of gfp's zones, mapped with hal
 * prot; 0 with a message on failure. */
vaddr_t __vmalloc(unsigned long size, gfp_t gfp, unsigned prot);

/* Allocate size bytes of virtually contiguous kernel memory, taking ZONE_HIGHMEM pages first; 0 on
 * failure. */
vaddr_t vmalloc(unsigned long size);

/* Like vmalloc() but with pages from low memory only (ZONE_NORMAL, then ZONE_DMA). */
vaddr_t vmalloc_32(unsigned long size);

/* Like vmalloc() with the memory zeroed. */
vaddr_t vzalloc(unsigned long size);

/* Free an area from vmalloc(), vmalloc_32() or vzalloc() and its pages; 0 is ignored; any other
 * address that does not start such an area is reported and changes nothing. */
void vfree(vaddr_t addr);

/* Map count pages in order into a new VM_MAP area with hal prot; 0 on failure. The pages stay the
 * caller's. */
vaddr_t vmap(struct page **pages, unsigned int count, unsigned long flags, unsigned prot);

/* Unmap an area made by vmap() without freeing its pages, which stay reachable through stale TLB
 * entries until vmalloc_purge_lazy() (call it before freeing them); a bad address is reported and
 * changes nothing. */
void vunmap(vaddr_t addr);

/* The struct page mapped at vmalloc address addr, or NULL if none. */
struct page *vmalloc_to_page(vaddr_t addr);

/* Print every area in /proc/vmallocinfo format, in address order (the `vmallocinfo` command). */
void vmallocinfo_show(FILE *out);

/* Print the VmallocTotal, VmallocUsed and VmallocChunk lines of /proc/meminfo. */
void vmalloc_meminfo(FILE *out);

/* Totals over the current areas: bytes in use (guard pages included) and the largest free gap. */
void vmalloc_usage(unsigned long *used, unsigned long *largest_chunk, unsigned *nr_areas);

/* Counters of the vmalloc code, for tests and reports. */
struct vmalloc_stats {
	unsigned long areas;            /* areas handed out */
	/* get_vm_area failures: size 0, too big, wrap-around, no room */
	unsigned long area_failures;
	unsigned long page_failures;    /* vmalloc failures for want of physical pages */
	/* vfree/vunmap/iounmap/remove of an address that starts no such area */
	unsigned long bad_frees;
	/* single-page TLB flushes issued by unmap_kernel_range and reuse of lazy ranges */
	unsigned long flush_pages;
	unsigned long flush_alls;       /* global TLB flushes: unmap_kernel_range and lazy purges */
	unsigned long flush_ipis;       /* shootdown IPIs those flushes sent to the other CPUs */
	unsigned long tables_allocated; /* page tables paging_init() should have made */
	unsigned long lazy_frees;       /* areas freed lazily (unmapped, TLB flush deferred) */
	unsigned long lazy_purges;      /* global flushes that purged the lazily freed ranges */
	/* lazily freed ranges flushed page by page because first fit reused them */
	unsigned long lazy_reuse_flushes;
	unsigned long lazy_pending_pages; /* pages unmapped but not yet flushed, now */
	unsigned long lazy_pending_areas; /* ranges waiting on the purge list, now */
};

extern struct vmalloc_stats vmalloc_stats;

/* Unmapping up to this many pages flushes them one by one; more costs one global flush. */
#define VMALLOC_FLUSH_ALL_PAGES 32u

#endif
