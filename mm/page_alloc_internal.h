/* The buddy allocator's list operations, shared by mm/page_alloc.c and the per-CPU page lists
 * (mm/pcp.c).  Both are called with zone->lock held and leave zone->free_pages alone: a page
 * moving between the buddy lists and a per-CPU list stays free. */
#ifndef MM_PAGE_ALLOC_INTERNAL_H
#define MM_PAGE_ALLOC_INTERNAL_H

#include <hal/page.h>
#include <mm/mmzone.h>

/* Take a block of 2^order frames off zone's buddy lists, splitting a larger one; NULL if none. */
struct page *__rmqueue(struct zone *zone, unsigned order);

/* Put the block of 2^order frames at pfn on zone's buddy lists, merging it with free buddies. */
void __free_one_page(pfn_t pfn, struct zone *zone, unsigned order);

#endif
