/*
 * struct page: one per physical page frame ("a struct page for every page frame", Understanding the
 * Linux Virtual Memory Manager, ch. 3), and the conversions between pages, frame numbers, physical
 * and kernel virtual addresses. Implemented in mm/mmzone.c (mem_map and the conversions),
 * mm/page_alloc.c (buddy) and mm/highmem.c (page_address of high pages).
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/page.h>
#include <mm/gfp.h>
#include <mm/list.h>

/* Bits of page->flags below PG_ZONE_SHIFT; the zone number sits above. */
enum pageflags {
	PG_reserved,  /* never handed to the buddy allocator */
	PG_buddy,     /* free, at the head of a buddy block of order page->private */
	PG_slab,      /* owned by a kmem cache (page->slab_cache) */
	PG_highmem,   /* above high_memory: reachable only through kmap */
	PG_vmalloc,   /* mapped into a vmalloc area */
	PG_poison,    /* freed and poisoned by a debug path */
};
#define PG_ZONE_SHIFT 28

struct kmem_cache;

struct page {
	uint32_t flags;           /* PG_* bits and the zone number */
	int32_t _count;           /* references; 0 when free */
	struct list_head lru;     /* buddy free list, or a slab cache's list */
	uint32_t private;         /* buddy order while PG_buddy; slab: objects in use */
	vaddr_t virtual;          /* kernel virtual address of a kmap'ed high page, else 0 */
	struct kmem_cache *slab_cache; /* PG_slab: the owning cache */
	vaddr_t freelist;         /* PG_slab head page: first free object, 0 when none */
};

/* At most 32 bytes a page: 786,432 of them describe 3 GiB. */
#if UINTPTR_MAX == 0xffffffff
_Static_assert(sizeof(struct page) <= 32, "struct page must stay at most 32 bytes on i386");
#endif

/* Every struct page, indexed by frame number from frame 0 (flat memory model; holes have reserved
 * pages). */
extern struct page *mem_map;
/* Frame numbers: first RAM frame, end of low memory, end of all RAM (exclusive). */
extern pfn_t min_low_pfn, max_low_pfn, max_pfn;

#define PageReserved(p) (((p)->flags >> PG_reserved) & 1u)
#define PageBuddy(p) (((p)->flags >> PG_buddy) & 1u)
#define PageSlab(p) (((p)->flags >> PG_slab) & 1u)
#define PageHighMem(p) (((p)->flags >> PG_highmem) & 1u)
#define SetPageFlag(p, bit) ((p)->flags |= 1u << (bit))
#define ClearPageFlag(p, bit) ((p)->flags &= ~(1u << (bit)))

/* The reference count of page: 1 for the head page of an allocated block, 0 while free. */
static inline int page_count(const struct page *page)
{
	return page->_count;
}

/* Take one more reference to an allocated page. */
static inline void get_page(struct page *page)
{
	page->_count++;
}

/* The frame number of page. */
pfn_t page_to_pfn(const struct page *page);

/* The struct page of frame pfn; pfn must satisfy pfn_valid(). */
struct page *pfn_to_page(pfn_t pfn);

/* True when pfn has a struct page. */
bool pfn_valid(pfn_t pfn);

struct e820_table;

/* Remember which frames are RAM (the E820_RAM entries of t) for page_is_ram(); mm_init calls it. */
void mm_set_ram_map(const struct e820_table *t);

/* True when frame pfn is RAM in the e820 map: a struct page alone (the PCI hole below max_pfn) is not. */
bool page_is_ram(pfn_t pfn);

/* True when any byte of [start, end) is RAM in the e820 map (reserved or not). */
bool phys_range_has_ram(uint64_t start, uint64_t end);

/* The physical address of low-memory kernel virtual address va. */
static inline paddr_t __pa(vaddr_t va)
{
	return (paddr_t)(va - PAGE_OFFSET);
}

/* The linear-map virtual address of low-memory physical address pa. */
static inline vaddr_t __va(paddr_t pa)
{
	return (vaddr_t)pa + PAGE_OFFSET;
}

/* The struct page behind a low-memory kernel virtual address. */
struct page *virt_to_page(vaddr_t va);

/* The linear-map address of a low-memory page. */
vaddr_t lowmem_page_address(const struct page *page);

/* The kernel virtual address of page: its linear address in low memory, its kmap address if a high
 * page is mapped, else 0. */
vaddr_t page_address(const struct page *page);

/* Allocate 2^order contiguous pages honouring gfp; NULL (and a counted failure) if that cannot be
 * done. */
struct page *alloc_pages(gfp_t gfp, unsigned order);

/* Return 2^order pages obtained from alloc_pages(); double frees and reserved pages are reported
 * and ignored. */
void __free_pages(struct page *page, unsigned order);

#define alloc_page(gfp) alloc_pages(gfp, 0)
#define __free_page(page) __free_pages(page, 0)

/* Allocate 2^order low-memory pages and return their linear address, or 0. */
vaddr_t __get_free_pages(gfp_t gfp, unsigned order);

/* Allocate one zeroed low-memory page and return its linear address, or 0. */
vaddr_t get_zeroed_page(gfp_t gfp);

/* Free 2^order pages at linear address addr obtained from __get_free_pages(). */
void free_pages(vaddr_t addr, unsigned order);

#endif
