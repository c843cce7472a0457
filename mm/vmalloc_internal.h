/*
 * The vmalloc allocator's parts and what they share (private to mm/): the area list and
 * vmalloc/vfree proper (vmalloc.c), the index that finds gaps and areas (vmalloc_index.c, with the
 * linear first fit of "Understanding the Linux Virtual Memory Manager", §8.2, behind the same
 * calls), the lazy TLB purge (vmalloc_purge.c) and the kernel page-table service
 * (kernel_pgtable.c). Every function here is called with vmlist_lock held unless it says otherwise.
 */
#ifndef MM_VMALLOC_INTERNAL_H
#define MM_VMALLOC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <mm/rbtree.h>
#include <mm/vmalloc.h>

/* The top of the 32-bit address space, where the last gap ends. */
#define VA_TOP (1ull << 32)

/* Kernel mappings: writable, and global where the CPU has PGE (they are the same in every
 * directory). */
#define PAGE_KERNEL (HAL_PROT_WRITE | HAL_PROT_GLOBAL)

/* The live areas by addr, augmented with the gaps (the index beside vmlist). */
extern struct rb_root vm_area_root;
/* The highest live area (the tail of vmlist), whose gap up to 4 GiB is tried apart from the
 * tree's. */
extern struct vm_struct *vm_last;
/* True: find gaps and areas by walking vmlist as the 2.4 allocator does (Understanding the Linux
 * Virtual Memory Manager, §8.2); false: through the tree. */
extern bool vmalloc_linear_search;

static inline struct vm_struct *rb_area(const struct rb_node *n)
{
	return rb_entry_safe(n, struct vm_struct, rb_node);
}

static inline uint64_t area_end(const struct vm_struct *v)
{
	return (uint64_t)v->addr + v->size;
}

static inline uint32_t subtree_max_gap(const struct rb_node *n)
{
	return n ? rb_area(n)->subtree_max_gap : 0;
}

static inline uint32_t compute_max_gap(const struct vm_struct *v)
{
	uint32_t m = v->gap_after, l = subtree_max_gap(v->rb_node.rb_left), r = subtree_max_gap(v->rb_node.rb_right);

	if (l > m)
		m = l;
	if (r > m)
		m = r;
	return m;
}

/*
 * The gap the tree records after v when next is its successor by address:
 * the free bytes up to next, or 0 for the last area.  The two boundary
 * gaps, below the first area and above the last one, stay out of the tree
 * (first fit tries them through vmlist and vm_last), so allocating at or
 * freeing from the top of the used range, the common case, changes no
 * subtree maximum.  Areas end at or below 0xfffff000: gaps fit in 32 bits.
 */
static inline uint32_t gap_to(const struct vm_struct *v, const struct vm_struct *next)
{
	return next ? (uint32_t)(next->addr - area_end(v)) : 0;
}

/* First fit of size bytes aligned to align in [start, end): the address and, in *prev, the area the
 * new one follows (NULL: first); false if nothing fits. */
bool vmlist_find_gap(uint64_t size, uint64_t align, vaddr_t start, vaddr_t end, vaddr_t *addr_out,
		     struct vm_struct **prev);

/* Insert area after prev (NULL: first) in the list and in the tree. */
void vmlist_link(struct vm_struct *prev, struct vm_struct *area);

/* Take area, whose predecessor is prev (NULL: it is the first), out of the list and the tree. */
void vmlist_unlink(struct vm_struct *prev, struct vm_struct *area);

/* The area starting at addr, or (containing) the one whose range holds addr, and with prevp its
 * predecessor; NULL if none. */
struct vm_struct *vmlist_lookup(vaddr_t addr, bool containing, struct vm_struct **prevp);

/* The lazily freed ranges waiting for a flush, by address; the records not yet handed out from the
 * pool (lazy_pool_used of them are) and those returned to it. */
extern struct rb_root vm_purge_root;
extern unsigned lazy_pool_used;
struct lazy_range;
extern struct lazy_range *lazy_free_records;

/* First fit is about to hand out [addr, addr + size): flush whatever part of it was freed
 * lazily (under vmlist_lock: first fit's last resort). */
void flush_before_reuse(uint64_t addr, uint64_t size);

/* True when part of [addr, addr + size) is on the purge list (freed, not yet flushed), with in
 * *skip_to the first address from which an area of size might fit between the ranges there. */
bool lazy_overlap(uint64_t addr, uint64_t size, uint64_t *skip_to);

/* A retired range's hold on the purge list: its record (NULL: nothing to flush, or flushed
 * already) and the record's sequence number then, with the range itself. */
struct lazy_claim {
	struct lazy_range *r;
	unsigned long seq;
	vaddr_t addr;
	unsigned long pages; /* mapped pages, the guard page excluded */
};

/* Unmap area, just unlinked, without a flush and put its range on the purge list, where first fit
 * will not reuse it before its flush; lazy marks a vunmap(), whose flush may wait for a purge. */
struct lazy_claim retire_range_locked(struct vm_struct *area, bool lazy);

/* Called without vmlist_lock, after retire_range_locked(): flush the range on every CPU and take it
 * off the purge list (for lazy, only purge the list if it is due); when this returns, no CPU holds
 * a translation of the range unless lazy was set. */
void retire_range_finish(struct lazy_claim c, bool lazy);

#endif
