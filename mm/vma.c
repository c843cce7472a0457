/*
 * Regions of an address space and their primitives: allocation, the list and the tree, find_vma,
 * linking, unlinking, splitting and merging ("Understanding the Linux Virtual Memory Manager",
 * §4.4; Linux keeps the same in mm/vma.c).  "Each address space consists of a number of
 * page-aligned regions of memory that are in use.  They never overlap" (ibid., §4.1).  The list
 * (vm_next/vm_prev) and the tree (mm_rb, keyed by vm_start) always hold the same regions in the
 * same order; validate_mm() in the debug library checks that, and the host tests call it after
 * every operation of long random sequences.
 */
#include <stdlib.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/rmap.h>
#include <mm/slab.h>

#include "vma_internal.h"

static struct kmem_cache *vm_area_cachep;
static unsigned long nr_vmas;

void vm_area_cache_init(void)
{
	vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(struct vm_area_struct), 0, 0);
	nr_vmas = 0;
}

unsigned long nr_vm_areas(void)
{
	return nr_vmas;
}

unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* A zeroed region (not yet in any mm), or NULL. */
struct vm_area_struct *vm_area_alloc(void)
{
	struct vm_area_struct *vma = kmem_cache_alloc(vm_area_cachep, __GFP_ZERO);

	if (!vma)
		return NULL;
	RB_CLEAR_NODE(&vma->vm_rb);
	RB_CLEAR_NODE(&vma->shared.rb);
	INIT_LIST_HEAD(&vma->anon_vma_node);
	nr_vmas++;
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	if (!vma)
		return;
	nr_vmas--;
	kmem_cache_free(vm_area_cachep, vma);
}

/* ---- the tree and the list ---- */

struct vm_area_struct *find_vma(struct mm_struct *mm, vaddr_t addr)
{
	struct vm_area_struct *vma = mm->mmap_cache, *found = NULL;
	struct rb_node *node;

	mmap_stats.find_vma_calls++;
	if (vma && vma->vm_end > addr && vma->vm_start <= addr) {
		mmap_stats.find_vma_cache_hits++;
		return vma;
	}
	node = mm->mm_rb.rb_node;
	while (node) {
		vma = rb_entry(node, struct vm_area_struct, vm_rb);
		if (vma->vm_end > addr) {
			found = vma;
			if (vma->vm_start <= addr)
				break;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	if (found)
		mm->mmap_cache = found;
	return found;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, vaddr_t addr, struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (vma) {
		*pprev = vma->vm_prev;
	} else {
		struct rb_node *last = rb_last(&mm->mm_rb);

		*pprev = last ? rb_entry(last, struct vm_area_struct, vm_rb) : NULL;
	}
	return vma;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	if (vma && end <= vma->vm_start)
		vma = NULL;
	return vma;
}

/* Put vma into the tree, keyed by vm_start. */
static void vma_rb_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct rb_node **link = &mm->mm_rb.rb_node, *parent = NULL;

	while (*link) {
		struct vm_area_struct *v = rb_entry(*link, struct vm_area_struct, vm_rb);

		parent = *link;
		link = vma->vm_start < v->vm_start ? &(*link)->rb_left : &(*link)->rb_right;
	}
	rb_link_node(&vma->vm_rb, parent, link);
	rb_insert_color(&vma->vm_rb, &mm->mm_rb);
}

/* Link vma into mm after prev (NULL: first): list, tree, file, anon_vma, counters. */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev)
{
	struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;

	vma->vm_mm = mm;
	vma->vm_prev = prev;
	vma->vm_next = next;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	if (next)
		next->vm_prev = vma;
	vma_rb_insert(mm, vma);
	if (vma->vm_file)
		vma_interval_tree_insert(vma, vma->vm_file->f_inode->i_mapping);
	if (vma->anon_vma)
		anon_vma_link(vma);
	mm->map_count++;
	mm->total_vm += vma_pages(vma);
}

/* Take vma out of mm's list and tree (it keeps its file and anon_vma). */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (vma->vm_prev)
		vma->vm_prev->vm_next = vma->vm_next;
	else
		mm->mmap = vma->vm_next;
	if (vma->vm_next)
		vma->vm_next->vm_prev = vma->vm_prev;
	rb_erase(&vma->vm_rb, &mm->mm_rb);
	if (mm->mmap_cache == vma)
		mm->mmap_cache = NULL;
	mm->map_count--;
	mm->total_vm -= vma_pages(vma);
	vma->vm_next = vma->vm_prev = NULL;
}

/* Free a region that is in no mm: its file and i_mmap entry, its anon_vma link, the object. */
void remove_vma(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	if (vma->vm_file) {
		vma_interval_tree_remove(vma, vma->vm_file->f_inode->i_mapping);
		fput(vma->vm_file);
	}
	if (vma->anon_vma)
		anon_vma_unlink(vma);
	vm_area_free(vma);
}

int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev;

	if (mm->map_count >= sysctl_max_map_count)
		return -ENOMEM;
	if (find_vma_intersection(mm, vma->vm_start, vma->vm_end))
		return -ENOMEM;
	find_vma_prev(mm, vma->vm_start, &prev);
	vma_link(mm, vma, prev);
	return 0;
}

/* Change vma's bounds and offset, keeping the file's interval tree and total_vm exact (the tree
 * order cannot change). */
void vma_adjust(struct vm_area_struct *vma, vaddr_t start, vaddr_t end, unsigned long pgoff)
{
	struct address_space *mapping = vma->vm_file ? vma->vm_file->f_inode->i_mapping : NULL;

	if (mapping)
		vma_interval_tree_remove(vma, mapping);
	vma->vm_mm->total_vm -= vma_pages(vma);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
	vma->vm_mm->total_vm += vma_pages(vma);
	if (mapping)
		vma_interval_tree_insert(vma, mapping);
}

/* Split vma at addr into two regions using the preallocated new; cannot fail. */
void __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr, bool new_below,
			struct vm_area_struct *new)
{
	unsigned long off = (addr - vma->vm_start) >> PAGE_SHIFT;

	*new = *vma;
	RB_CLEAR_NODE(&new->vm_rb);
	RB_CLEAR_NODE(&new->shared.rb);
	INIT_LIST_HEAD(&new->anon_vma_node);
	new->vm_next = new->vm_prev = NULL;
	if (new_below) {
		new->vm_end = addr;
		vma_adjust(vma, addr, vma->vm_end, vma->vm_pgoff + off);
	} else {
		new->vm_start = addr;
		new->vm_pgoff += off;
		vma_adjust(vma, vma->vm_start, addr, vma->vm_pgoff);
	}
	if (new->vm_file)
		get_file(new->vm_file);
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	vma_link(mm, new, new_below ? vma->vm_prev : vma);
	mmap_stats.splits++;
}

int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr, bool new_below)
{
	struct vm_area_struct *new;

	if ((addr & ~PAGE_MASK) || addr <= vma->vm_start || addr >= vma->vm_end)
		return -EINVAL;
	if (mm->map_count >= sysctl_max_map_count)
		return -ENOMEM;
	new = vm_area_alloc();
	if (!new)
		return -ENOMEM;
	__split_vma(mm, vma, addr, new_below, new);
	return 0;
}

/* May a (below) and b (right above it) become one region? */
static bool can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (!a || !b || a->vm_end != b->vm_start)
		return false;
	if (a->vm_flags != b->vm_flags || a->vm_file != b->vm_file || a->vm_ops != b->vm_ops ||
	    a->vm_private_data != b->vm_private_data || (a->vm_flags & VM_SHM))
		return false;
	if (a->anon_vma && b->anon_vma && a->anon_vma != b->anon_vma)
		return false;
	/* The page offsets must run on when a file or anonymous pages depend on them. */
	if (a->vm_file || a->anon_vma || b->anon_vma)
		return a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
	return true;
}

/* Fold b into a (a right below b); b is removed and freed. */
static void merge_into(struct mm_struct *mm, struct vm_area_struct *a, struct vm_area_struct *b)
{
	vma_unlink(mm, b);
	vma_adjust(a, a->vm_start, b->vm_end, a->vm_pgoff);
	if (!a->anon_vma && b->anon_vma) {
		a->anon_vma = b->anon_vma;
		anon_vma_link(a);
	}
	remove_vma(b);
	mmap_stats.merges++;
}

/* Merge vma with its neighbours where compatible; returns the region that now covers vma's
 * range. */
struct vm_area_struct *vma_merge_neighbours(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev = vma->vm_prev, *next = vma->vm_next;

	if (can_merge(prev, vma)) {
		merge_into(mm, prev, vma);
		vma = prev;
	}
	if (can_merge(vma, next))
		merge_into(mm, vma, next);
	return vma;
}

struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev, vaddr_t addr, vaddr_t end,
				 unsigned long vm_flags, struct anon_vma *anon_vma, struct file *file,
				 unsigned long pgoff)
{
	struct vm_area_struct probe, *next = prev ? prev->vm_next : mm->mmap;

	memset(&probe, 0, sizeof(probe));
	probe.vm_start = addr;
	probe.vm_end = end;
	probe.vm_flags = vm_flags;
	probe.anon_vma = anon_vma;
	probe.vm_file = file;
	probe.vm_pgoff = pgoff;
	probe.vm_ops = file ? file->f_vm_ops : NULL;
	if (prev && can_merge(prev, &probe)) {
		vma_adjust(prev, prev->vm_start, end, prev->vm_pgoff);
		if (!prev->anon_vma && anon_vma) {
			prev->anon_vma = anon_vma;
			anon_vma_link(prev);
		}
		mmap_stats.merges++;
		if (can_merge(prev, next))
			merge_into(mm, prev, next);
		return prev;
	}
	if (next && can_merge(&probe, next)) {
		vma_adjust(next, addr, next->vm_end, pgoff);
		if (!next->anon_vma && anon_vma) {
			next->anon_vma = anon_vma;
			anon_vma_link(next);
		}
		mmap_stats.merges++;
		return next;
	}
	return NULL;
}

/* ---- preallocation for operations that split ---- */

int prealloc_get(struct vma_prealloc *pa, unsigned n)
{
	memset(pa, 0, sizeof(*pa));
	for (unsigned i = 0; i < n; i++)
		if (!(pa->v[i] = vm_area_alloc()))
			return -ENOMEM;
	return 0;
}

struct vm_area_struct *prealloc_take(struct vma_prealloc *pa)
{
	return pa->v[pa->used++];
}

void prealloc_put(struct vma_prealloc *pa)
{
	for (unsigned i = pa->used; i < 2; i++)
		vm_area_free(pa->v[i]);
	pa->used = 2;
}
