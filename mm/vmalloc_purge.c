/*
 * Lazy TLB purging of freed vmalloc ranges.  vfree() and vunmap() unmap the pages at once but the
 * flush waits: the freed range goes into a second tree, the purge list, keyed by addr; it counts as
 * free space for first fit, but before any part of it is handed out again the range is flushed
 * (page by page, or by one global flush that empties the whole purge list), and one global flush
 * empties the list whenever more than vmalloc_lazy_max_pages pages (or LAZY_POOL ranges) wait.  So
 * no freed address is reused before its flush, and a run of vfree() calls costs one global flush
 * per 32 MiB ("Understanding the Linux Virtual Memory Manager", §4.8, on TLB flushing).
 */
#include <stdint.h>

#include <hal/mmu.h>
#include <mm/kernel_pgtable.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/rbtree.h>
#include <mm/vmalloc.h>
#include <mm/tlbflush.h>

#include "vmalloc_internal.h"

/* Lazily freed ranges by addr: unmapped, TLB not yet flushed, not to be reused before it is. */
struct rb_root vm_purge_root;

/*
 * A lazily freed range: its pages are unmapped but may still sit in the
 * TLB.  The records come from a fixed pool, so a free needs no memory and
 * holds none after it returns (the vm_struct goes back at once).
 */
struct lazy_range {
	struct rb_node rb;      /* in vm_purge_root, by addr */
	vaddr_t addr;
	unsigned long pages;    /* mapped pages, the guard page excluded */
	struct lazy_range *next; /* the free pool, or a chain being released */
};

/* A full pool purges too: 2048 ranges, so 10,000 frees in a row cost at most 5 global flushes. */
#define LAZY_POOL 2048u

/* Records are handed out from lazy_pool in order (lazy_pool_used) until it is used up, then from
 * lazy_free_records, where purged records return; the zeroed state of a fresh image is the empty
 * pool, so nothing needs initialising. */
static struct lazy_range lazy_pool[LAZY_POOL];
struct lazy_range *lazy_free_records;
unsigned lazy_pool_used;

static inline struct lazy_range *rb_lazy(const struct rb_node *n)
{
	return rb_entry_safe(n, struct lazy_range, rb);
}

static inline uint64_t lazy_end(const struct lazy_range *r)
{
	return (uint64_t)r->addr + (uint64_t)r->pages * PAGE_SIZE;
}

/* A record from the pool, or NULL when all LAZY_POOL are on the purge list. */
static struct lazy_range *lazy_take(void)
{
	struct lazy_range *r = lazy_free_records;

	if (r)
		lazy_free_records = r->next;
	else if (lazy_pool_used < LAZY_POOL)
		r = &lazy_pool[lazy_pool_used++];
	return r;
}

/* Take r off the purge list and back into the pool (vmlist_lock held). */
static void lazy_release(struct lazy_range *r)
{
	rb_erase(&r->rb, &vm_purge_root);
	vmalloc_stats.lazy_pending_areas--;
	vmalloc_stats.lazy_pending_pages -= r->pages;
	r->next = lazy_free_records;
	lazy_free_records = r;
}

/* One global flush, then every lazily freed range is free space again (vmlist_lock held). */
static void purge_all_locked(void)
{
	struct rb_node *n;

	if (RB_EMPTY_ROOT(&vm_purge_root))
		return;
	vmalloc_stats.flush_ipis += flush_tlb_all();
	vmalloc_stats.flush_alls++;
	vmalloc_stats.lazy_purges++;
	while ((n = vm_purge_root.rb_node) != NULL)
		lazy_release(rb_lazy(n));
}

/* Record [addr, addr + pages) as unmapped and unflushed; purge when the batch is full (vmlist_lock
 * held). */
static void purge_list_add(vaddr_t addr, unsigned long pages)
{
	struct rb_node **link = &vm_purge_root.rb_node, *parent = NULL;
	struct lazy_range *r;

	r = lazy_take();
	if (!r) {
		purge_all_locked();
		r = lazy_take();
	}
	r->addr = addr;
	r->pages = pages;
	while (*link) {
		parent = *link;
		link = addr < rb_lazy(parent)->addr ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&r->rb, parent, link);
	rb_insert_color(&r->rb, &vm_purge_root);
	vmalloc_stats.lazy_frees++;
	vmalloc_stats.lazy_pending_areas++;
	vmalloc_stats.lazy_pending_pages += pages;
	if (vmalloc_stats.lazy_pending_pages > vmalloc_lazy_max_pages)
		purge_all_locked();
}

/* The lowest lazily freed range that ends above addr, or NULL. */
static struct lazy_range *purge_list_from(uint64_t addr)
{
	struct rb_node *n = vm_purge_root.rb_node;
	struct lazy_range *best = NULL;

	while (n) {
		struct lazy_range *r = rb_lazy(n);

		if (lazy_end(r) > addr) {
			best = r;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/*
 * First fit is about to hand out [addr, addr + size): flush whatever part
 * of it was freed lazily.  Up to VMALLOC_FLUSH_ALL_PAGES pages are
 * flushed one by one and leave the purge list; more cost one global flush,
 * which purges the whole list (vmlist_lock held).
 */
void flush_before_reuse(uint64_t addr, uint64_t size)
{
	struct lazy_range *first, *r;
	unsigned long pages = 0;

	if (RB_EMPTY_ROOT(&vm_purge_root))
		return;
	first = purge_list_from(addr);
	if (!first || first->addr >= addr + size)
		return;
	for (r = first; r && r->addr < addr + size; r = rb_lazy(rb_next(&r->rb)))
		pages += r->pages;
	if (pages > VMALLOC_FLUSH_ALL_PAGES) {
		purge_all_locked();
		return;
	}
	for (r = first; r && r->addr < addr + size;) {
		struct lazy_range *next = rb_lazy(rb_next(&r->rb));

		for (unsigned long i = 0; i < r->pages; i++) {
			hal_flush_page(r->addr + (vaddr_t)(i * PAGE_SIZE));
			vmalloc_stats.flush_pages++;
		}
		vmalloc_stats.flush_ipis += flush_tlb_kernel_range_others(
			r->addr, r->addr + (vaddr_t)(r->pages * PAGE_SIZE));
		vmalloc_stats.lazy_reuse_flushes++;
		lazy_release(r);
		r = next;
	}
}

unsigned long vmalloc_purge_lazy(void)
{
	unsigned long irq = write_lock_irqsave(&vmlist_lock);
	unsigned long n = vmalloc_stats.lazy_pending_areas;

	purge_all_locked();
	write_unlock_irqrestore(&vmlist_lock, irq);
	return n;
}

/*
 * Retire an area just unlinked from vmlist whose vm_struct is ours to
 * free (vmlist_lock held): unmap it without a flush and put the range on
 * the purge list, which is purged by one global flush once more than
 * vmalloc_lazy_max_pages pages wait (eagerly, as the 2.4 kernel does, when
 * vmalloc_lazy_max_pages is 0).
 */
void lazy_unmap_locked(struct vm_struct *area)
{
	unsigned long n = area->size / PAGE_SIZE - 1, unmapped = 0;

	if (!vmalloc_lazy_max_pages) {
		unmap_kernel_range(area->addr, area->size - PAGE_SIZE);
		return;
	}
	for (unsigned long i = 0; i < n; i++)
		unmapped += hal_unmap_page(swapper_pg_dir, area->addr + (vaddr_t)(i * PAGE_SIZE));
	if (unmapped)
		purge_list_add(area->addr, n);
}
