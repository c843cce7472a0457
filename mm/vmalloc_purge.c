/*
 * Lazy TLB purging of freed vmalloc ranges.  Every area that leaves vmlist is unmapped at once, under
 * vmlist_lock, and its range goes into a second tree, the purge list, keyed by addr: a range on it is
 * not handed out again until it has been flushed on every CPU.  The flush itself is never sent with
 * vmlist_lock held: a shootdown waits for every other CPU to acknowledge, and a CPU spinning on the
 * lock would make every lock user wait for the slowest CPU.  So:
 *  - vfree(), iounmap() and remove_vm_area() retire their range, drop the lock, flush the range on
 *    every CPU, and take the lock again only to take the range off the purge list (the pages go back
 *    to the allocator after that flush);
 *  - vunmap() leaves its range on the list; one global flush empties the list whenever more than
 *    vmalloc_lazy_max_pages pages (or nearly LAZY_POOL ranges) wait, so a run of vunmap() calls costs
 *    one global flush per 32 MiB ("Understanding the Linux Virtual Memory Manager", §4.8, on TLB
 *    flushing);
 *  - first fit prefers space that is not on the list, and purges (again outside the lock) only when
 *    nothing else fits.
 * A purge takes a snapshot of the list's sequence number under the lock, flushes without it, and
 * then releases only the ranges retired before the snapshot: a range retired during the flush waits
 * for the next one.
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

/* flush_tlb_kernel_range() flushes up to FLUSH_TLB_RANGE_PAGES page by page, as the page counts
 * here assume. */
_Static_assert(VMALLOC_FLUSH_ALL_PAGES <= FLUSH_TLB_RANGE_PAGES, "vmalloc's flushes are not page by page");

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
	unsigned long seq;      /* when it was retired (lazy_seq); 0 while in the pool */
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
/* The sequence number of the last retired range (vmlist_lock held to change it). */
static unsigned long lazy_seq;

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
	r->seq = 0;
	r->next = lazy_free_records;
	lazy_free_records = r;
}

/* One global flush, then every lazily freed range is free space again (vmlist_lock held: only where
 * nothing else is possible, as it makes every CPU wait on the lock for the acknowledgements). */
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

/* Record [addr, addr + pages) as unmapped and unflushed; NULL when every record is in use
 * (vmlist_lock held). */
static struct lazy_range *purge_list_add(vaddr_t addr, unsigned long pages)
{
	struct rb_node **link = &vm_purge_root.rb_node, *parent = NULL;
	struct lazy_range *r = lazy_take();

	if (!r)
		return NULL;
	r->addr = addr;
	r->pages = pages;
	r->seq = ++lazy_seq;
	while (*link) {
		parent = *link;
		link = addr < rb_lazy(parent)->addr ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&r->rb, parent, link);
	rb_insert_color(&r->rb, &vm_purge_root);
	vmalloc_stats.lazy_pending_areas++;
	vmalloc_stats.lazy_pending_pages += pages;
	return r;
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

bool lazy_overlap(uint64_t addr, uint64_t size, uint64_t *skip_to)
{
	struct lazy_range *r;

	if (RB_EMPTY_ROOT(&vm_purge_root))
		return false;
	r = purge_list_from(addr);
	if (!r || r->addr >= addr + size)
		return false;
	/* Over the run of ranges closer together than size: no candidate between them fits. */
	*skip_to = lazy_end(r);
	for (r = rb_lazy(rb_next(&r->rb)); r && r->addr < *skip_to + size; r = rb_lazy(rb_next(&r->rb)))
		if (lazy_end(r) > *skip_to)
			*skip_to = lazy_end(r);
	return true;
}

/*
 * First fit is about to hand out [addr, addr + size): flush whatever part
 * of it was freed lazily.  Up to VMALLOC_FLUSH_ALL_PAGES pages are
 * flushed one by one and leave the purge list; more cost one global flush,
 * which purges the whole list (vmlist_lock held).  The last resort of first
 * fit, when purging outside the lock has not freed enough clean space.
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

		/* At most VMALLOC_FLUSH_ALL_PAGES pages: page by page here, one shootdown for the rest. */
		vmalloc_stats.flush_ipis +=
			flush_tlb_kernel_range(r->addr, r->addr + (vaddr_t)(r->pages * PAGE_SIZE));
		vmalloc_stats.flush_pages += r->pages;
		vmalloc_stats.lazy_reuse_flushes++;
		lazy_release(r);
		r = next;
	}
}

unsigned long vmalloc_purge_lazy(void)
{
	unsigned long irq = write_lock_irqsave(&vmlist_lock);
	unsigned long snap = lazy_seq, n = 0, ipis;
	struct rb_node *node;

	if (RB_EMPTY_ROOT(&vm_purge_root)) {
		write_unlock_irqrestore(&vmlist_lock, irq);
		return 0;
	}
	write_unlock_irqrestore(&vmlist_lock, irq);
	ipis = flush_tlb_all();
	irq = write_lock_irqsave(&vmlist_lock);
	for (node = rb_first(&vm_purge_root); node;) {
		struct lazy_range *r = rb_lazy(node);

		node = rb_next(node);
		if (r->seq <= snap) {
			lazy_release(r);
			n++;
		}
	}
	vmalloc_stats.flush_ipis += ipis;
	vmalloc_stats.flush_alls++;
	vmalloc_stats.lazy_purges++;
	write_unlock_irqrestore(&vmlist_lock, irq);
	return n;
}

/* True when the purge list should be emptied: too many pages wait, or too few records are left for
 * the CPUs' next retirements. */
static bool purge_due(void)
{
	unsigned long areas = __atomic_load_n(&vmalloc_stats.lazy_pending_areas, __ATOMIC_RELAXED);
	unsigned long pages = __atomic_load_n(&vmalloc_stats.lazy_pending_pages, __ATOMIC_RELAXED);

	return areas + NR_CPUS >= LAZY_POOL || (vmalloc_lazy_max_pages && pages > vmalloc_lazy_max_pages);
}

struct lazy_claim retire_range_locked(struct vm_struct *area, bool lazy)
{
	unsigned long n = area->size / PAGE_SIZE - 1, unmapped = 0;
	struct lazy_claim c = { NULL, 0, area->addr, n };

	for (unsigned long i = 0; i < n; i++)
		unmapped += hal_unmap_page(swapper_pg_dir, area->addr + (vaddr_t)(i * PAGE_SIZE));
	if (!unmapped)
		return c; /* never mapped (a bare get_vm_area): nothing to flush */
	c.r = purge_list_add(area->addr, n);
	if (!c.r) {
		/* Every record waits for a flush: the one case that flushes under the lock. */
		purge_all_locked();
		return c;
	}
	c.seq = c.r->seq;
	if (lazy && vmalloc_lazy_max_pages)
		vmalloc_stats.lazy_frees++;
	return c;
}

void retire_range_finish(struct lazy_claim c, bool lazy)
{
	unsigned long irq, ipis, pages = c.pages;
	vaddr_t addr = c.addr;

	if (!c.r)
		return;
	if (lazy && vmalloc_lazy_max_pages) {
		if (purge_due())
			vmalloc_purge_lazy();
		return;
	}
	/* A big range, or a full list: one global flush covers the range and empties the list. */
	if (pages > VMALLOC_FLUSH_ALL_PAGES || purge_due()) {
		vmalloc_purge_lazy();
		return;
	}
	/* At most VMALLOC_FLUSH_ALL_PAGES pages: page by page here, one shootdown for the rest. */
	ipis = flush_tlb_kernel_range(addr, addr + (vaddr_t)(pages * PAGE_SIZE));
	irq = write_lock_irqsave(&vmlist_lock);
	if (c.r->seq == c.seq)
		lazy_release(c.r);
	vmalloc_stats.flush_pages += pages;
	vmalloc_stats.flush_ipis += ipis;
	write_unlock_irqrestore(&vmlist_lock, irq);
}
