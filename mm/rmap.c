/*
 * Reverse mapping (see mm/rmap.h): anon_vma lists for anonymous pages, the
 * i_mmap interval tree for file pages, and the walk that finds every
 * mapping of a page from either.
 *
 * The interval tree is an augmented red-black tree of regions keyed by vm_pgoff; each node also
 * keeps the largest last page offset of its subtree, so a search for the regions meeting [first,
 * last] skips every subtree that ends before first. This is what Professional Linux Kernel
 * Architecture, ch. 4, calls the priority tree; Linux replaced that structure with this one in 3.7.
 */
#include <mm/layout.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/rmap.h>
#include <mm/slab.h>

#include "vma_internal.h"

static struct kmem_cache *anon_vma_cachep;
static unsigned long anon_vmas;

/* Create the anon_vma cache (proc_mm_init()). */
void anon_vma_init(void)
{
	anon_vma_cachep = kmem_cache_create("anon_vma", sizeof(struct anon_vma), 0, 0);
	anon_vmas = 0;
}

/* anon_vmas in existence. */
unsigned long nr_anon_vmas(void)
{
	return anon_vmas;
}

void put_page(struct page *page)
{
	if (page_count(page) == 1)
		page_clear_mapping(page);
	__free_page(page);
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	struct anon_vma *av;

	if (vma->anon_vma)
		return 0;
	av = kmem_cache_alloc(anon_vma_cachep, 0);
	if (!av)
		return -ENOMEM;
	anon_vmas++;
	INIT_LIST_HEAD(&av->head);
	vma->anon_vma = av;
	list_add_tail(&vma->anon_vma_node, &av->head);
	return 0;
}

void anon_vma_link(struct vm_area_struct *vma)
{
	list_add_tail(&vma->anon_vma_node, &vma->anon_vma->head);
}

void anon_vma_unlink(struct vm_area_struct *vma)
{
	struct anon_vma *av = vma->anon_vma;

	list_del(&vma->anon_vma_node);
	INIT_LIST_HEAD(&vma->anon_vma_node);
	vma->anon_vma = NULL;
	if (list_empty(&av->head)) {
		kmem_cache_free(anon_vma_cachep, av);
		anon_vmas--;
	}
}

unsigned long linear_page_index(const struct vm_area_struct *vma, vaddr_t address)
{
	return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, vaddr_t address)
{
	page_set_mapping(page, vma->anon_vma, true, linear_page_index(vma, address));
}

/* ---- the i_mmap interval tree ---- */

/* The largest last offset in node's subtree, from the node and its children's values. */
static unsigned long compute_subtree_last(const struct vm_area_struct *v)
{
	unsigned long max = vma_last_pgoff(v);

	if (v->shared.rb.rb_left && ivma(v->shared.rb.rb_left)->shared.rb_subtree_last > max)
		max = ivma(v->shared.rb.rb_left)->shared.rb_subtree_last;
	if (v->shared.rb.rb_right && ivma(v->shared.rb.rb_right)->shared.rb_subtree_last > max)
		max = ivma(v->shared.rb.rb_right)->shared.rb_subtree_last;
	return max;
}

static void it_propagate(struct rb_node *node, struct rb_node *stop)
{
	while (node != stop) {
		struct vm_area_struct *v = ivma(node);
		unsigned long last = compute_subtree_last(v);

		if (v->shared.rb_subtree_last == last)
			break;
		v->shared.rb_subtree_last = last;
		node = node->rb_parent;
	}
}

static void it_copy(struct rb_node *old, struct rb_node *new_node)
{
	ivma(new_node)->shared.rb_subtree_last = ivma(old)->shared.rb_subtree_last;
}

static void it_rotate(struct rb_node *old, struct rb_node *new_node)
{
	ivma(new_node)->shared.rb_subtree_last = ivma(old)->shared.rb_subtree_last;
	ivma(old)->shared.rb_subtree_last = compute_subtree_last(ivma(old));
}

static const struct rb_augment_callbacks it_callbacks = { it_propagate, it_copy, it_rotate };

void vma_interval_tree_insert(struct vm_area_struct *vma, struct address_space *mapping)
{
	struct rb_node **link = &mapping->i_mmap.rb_node, *parent = NULL;
	unsigned long start = vma->vm_pgoff, last = vma_last_pgoff(vma);

	while (*link) {
		struct vm_area_struct *v = ivma(*link);

		parent = *link;
		if (v->shared.rb_subtree_last < last)
			v->shared.rb_subtree_last = last;
		link = start < v->vm_pgoff ? &(*link)->rb_left : &(*link)->rb_right;
	}
	vma->shared.rb_subtree_last = last;
	rb_link_node(&vma->shared.rb, parent, link);
	rb_insert_augmented(&vma->shared.rb, &mapping->i_mmap, &it_callbacks);
	mapping->i_mmap_count++;
}

void vma_interval_tree_remove(struct vm_area_struct *vma, struct address_space *mapping)
{
	rb_erase_augmented(&vma->shared.rb, &mapping->i_mmap, &it_callbacks);
	RB_CLEAR_NODE(&vma->shared.rb);
	mapping->i_mmap_count--;
}

/* The leftmost region of node's subtree meeting [first, last], or NULL. */
static struct vm_area_struct *it_subtree_search(struct vm_area_struct *v, unsigned long first, unsigned long last)
{
	for (;;) {
		struct rb_node *l = v->shared.rb.rb_left, *r = v->shared.rb.rb_right;

		if (l && ivma(l)->shared.rb_subtree_last >= first) {
			v = ivma(l);
			continue;
		}
		if (v->vm_pgoff > last)
			return NULL; /* everything to the right starts later still */
		if (vma_last_pgoff(v) >= first)
			return v;
		if (r && ivma(r)->shared.rb_subtree_last >= first) {
			v = ivma(r);
			continue;
		}
		return NULL;
	}
}

struct vm_area_struct *vma_interval_tree_iter_first(struct address_space *mapping, unsigned long first,
						     unsigned long last)
{
	struct rb_node *root = mapping->i_mmap.rb_node;

	if (!root || ivma(root)->shared.rb_subtree_last < first)
		return NULL;
	return it_subtree_search(ivma(root), first, last);
}

struct vm_area_struct *vma_interval_tree_iter_next(struct vm_area_struct *v, unsigned long first,
						    unsigned long last)
{
	struct rb_node *r = v->shared.rb.rb_right, *from;

	for (;;) {
		if (r && ivma(r)->shared.rb_subtree_last >= first)
			return it_subtree_search(ivma(r), first, last);
		/* Climb until we arrive from a left child: that parent is next in order. */
		do {
			from = &v->shared.rb;
			if (!from->rb_parent)
				return NULL;
			v = ivma(from->rb_parent);
			r = v->shared.rb.rb_right;
		} while (r == from);
		if (v->vm_pgoff > last)
			return NULL;
		if (vma_last_pgoff(v) >= first)
			return v;
	}
}

/* ---- the walk ---- */

/* Does vma's page table map page at the address its index gives? Then call fn. */
static bool rmap_one(struct page *page, struct vm_area_struct *vma, rmap_one_fn fn, void *arg, unsigned long *n,
		     bool *stop)
{
	unsigned long index = page_index(page);
	vaddr_t address;
	paddr_t pa;

	if (index < vma->vm_pgoff || index - vma->vm_pgoff >= ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT))
		return false;
	address = vma->vm_start + (vaddr_t)((index - vma->vm_pgoff) << PAGE_SHIFT);
	if (!hal_query_page(vma->vm_mm->pgd, address, &pa, NULL) || (pfn_t)(pa >> PAGE_SHIFT) != page_to_pfn(page))
		return false;
	(*n)++;
	if (fn && !fn(page, vma, address, arg))
		*stop = true;
	return true;
}

unsigned long rmap_walk(struct page *page, rmap_one_fn fn, void *arg)
{
	unsigned long n = 0;
	bool stop = false;
	struct anon_vma *av = page_anon_vma(page);
	struct address_space *mapping = page_mapping(page);

	if (av) {
		struct list_head *p;

		list_for_each(p, &av->head) {
			rmap_one(page, list_entry(p, struct vm_area_struct, anon_vma_node), fn, arg, &n, &stop);
			if (stop)
				break;
		}
	} else if (mapping) {
		unsigned long index = page_index(page);

		for (struct vm_area_struct *v = vma_interval_tree_iter_first(mapping, index, index); v && !stop;
		     v = vma_interval_tree_iter_next(v, index, index))
			rmap_one(page, v, fn, arg, &n, &stop);
	}
	return n;
}

unsigned long page_mapcount(struct page *page)
{
	return rmap_walk(page, NULL, NULL);
}
