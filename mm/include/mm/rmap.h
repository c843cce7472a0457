/*
 * Reverse mapping: from a physical page to every (address space, virtual address) that maps it, the
 * way Professional Linux Kernel Architecture, ch. 4, describes it. A file page is found through its
 * address_space, whose i_mmap interval tree holds every region mapping the file ("all
 * vm_area_struct instances are additionally managed in a priority tree"); an anonymous page through
 * its anon_vma, whose list holds every region that may map it ("Mappings that point to the same
 * pages are held on a doubly linked list"). In both cases the page's index (its offset in the file,
 * or the page number it had when the anonymous region was born) gives the address in each region:
 *     address = vm_start + ((index - vm_pgoff) << PAGE_SHIFT).
 *
 * struct page has no room for a mapping and an index (it is held to 32
 * bytes), so a page mapped into user space lends two fields that only a
 * slab page or a free page uses: lru.next holds its mapping (an
 * address_space, or an anon_vma with bit 0 set, Linux's PAGE_MAPPING_ANON)
 * and freelist its index.  The buddy allocator overwrites lru when the page
 * is freed; page_clear_mapping() leaves both fields as a fresh page has them.
 */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mm/mm_types.h>
#include <mm/page.h>

#define PAGE_MAPPING_ANON 0x1u

/* Record that page belongs to mapping (anon: an anon_vma) at index. */
static inline void page_set_mapping(struct page *page, void *mapping, bool anon, unsigned long index)
{
	page->lru.next = (struct list_head *)((uintptr_t)mapping | (anon ? PAGE_MAPPING_ANON : 0u));
	page->lru.prev = NULL;
	page->freelist = (vaddr_t)index;
}

/* Forget page's mapping and index. */
static inline void page_clear_mapping(struct page *page)
{
	page->lru.next = page->lru.prev = NULL;
	page->freelist = 0;
}

/* True when page is an anonymous page. */
static inline bool PageAnon(const struct page *page)
{
	return ((uintptr_t)page->lru.next & PAGE_MAPPING_ANON) != 0;
}

/* The anon_vma of an anonymous page, else NULL. */
static inline struct anon_vma *page_anon_vma(const struct page *page)
{
	return PageAnon(page) ? (struct anon_vma *)((uintptr_t)page->lru.next & ~(uintptr_t)PAGE_MAPPING_ANON) : NULL;
}

/* The address_space of a page-cache page, else NULL. */
static inline struct address_space *page_mapping(const struct page *page)
{
	return PageAnon(page) ? NULL : (struct address_space *)(void *)page->lru.next;
}

/* The page's offset in its file, or its anonymous page number. */
static inline unsigned long page_index(const struct page *page)
{
	return page->freelist;
}

/* Drop one reference to a user page; the last one forgets its mapping and frees it. */
void put_page(struct page *page);

/* Give vma an anon_vma (reusing a neighbour's when they may merge) before its first anonymous page;
 * 0 or -ENOMEM. */
int anon_vma_prepare(struct vm_area_struct *vma);

/* Put vma on the list of its anon_vma (after a split or a fork copied the pointer). */
void anon_vma_link(struct vm_area_struct *vma);

/* Take vma off its anon_vma's list; the anon_vma is freed when its list becomes empty. */
void anon_vma_unlink(struct vm_area_struct *vma);

/* Mark the new anonymous page as mapped at address in vma (its index follows vma->vm_pgoff). */
void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, vaddr_t address);

/* The page offset of address in vma (linear_page_index). */
unsigned long linear_page_index(const struct vm_area_struct *vma, vaddr_t address);

/* Insert vma into mapping's i_mmap interval tree. */
void vma_interval_tree_insert(struct vm_area_struct *vma, struct address_space *mapping);

/* Remove vma from mapping's i_mmap interval tree. */
void vma_interval_tree_remove(struct vm_area_struct *vma, struct address_space *mapping);

/* The first region of mapping whose page range meets [first, last], or NULL. */
struct vm_area_struct *vma_interval_tree_iter_first(struct address_space *mapping, unsigned long first,
						     unsigned long last);

/* The next region after vma meeting [first, last], or NULL. */
struct vm_area_struct *vma_interval_tree_iter_next(struct vm_area_struct *vma, unsigned long first,
						    unsigned long last);

/* Called for every mapping of a page; return false to stop the walk. */
typedef bool (*rmap_one_fn)(struct page *page, struct vm_area_struct *vma, vaddr_t address, void *arg);

/* Call fn for every (region, address) whose page table maps page; returns how many there were. */
unsigned long rmap_walk(struct page *page, rmap_one_fn fn, void *arg);

/* The number of page-table entries that map page (found by rmap_walk). */
unsigned long page_mapcount(struct page *page);

/* Print the mappings of frame pfn ("what maps it", then one line per mapping); pid_of names a
 * region's owner (NULL: print the mm address). */
void rmap_show(FILE *out, pfn_t pfn, int (*pid_of)(struct mm_struct *mm));

#endif
