/*
 * The index of the vmalloc areas beside vmlist: a red-black tree of the live areas keyed by addr,
 * augmented so that every node knows the free gap after its area (up to the next live area; the
 * gaps below the first area and above the last one are tried through vmlist and vm_last) and the
 * largest gap of its subtree ("Introduction to Algorithms", §14.2, on augmenting a red-black tree).
 * First fit then walks down one or two root-to-leaf paths instead of the whole list, a new area is
 * linked right after the area whose gap it took (no second descent), and find_vm_area() and vfree()
 * find an area by descending the tree.  The linear walk of "Understanding the Linux Virtual Memory
 * Manager", §8.2 ("the vm_struct list is searched linearly by the function get_vm_area()") stays,
 * selected by vmalloc_linear_search, as the reference that must give the very same placements:
 * both searches share every other step, the tree upkeep included.
 */
#include <stdbool.h>
#include <stdint.h>

#include <mm/rbtree.h>
#include <mm/vmalloc.h>

#include "vmalloc_internal.h"

struct rb_root vm_area_root;
struct vm_struct *vm_last;
bool vmalloc_linear_search;

/*
 * ---- the augmented tree of live areas ----
 *
 * subtree_max_gap is an upper bound of the largest gap_after in the
 * node's subtree, not always the exact value: a gap that grows is
 * propagated up at once (until an ancestor already bounds it), but a gap
 * that shrinks leaves the bounds above it as they were.  First fit only
 * prunes a subtree whose bound is below the request, so a bound that is
 * too high never hides a fit; it can only send the search into a subtree
 * that holds none, and the search then tightens every node it climbs back
 * out of.  The common pair, an area taken from a gap and given back,
 * costs no walk to the root at all.
 */

/* Raise the bounds from n up (to stop) where they no longer cover the gaps below: the augmented
 * tree's propagate. */
static void gap_propagate(struct rb_node *n, struct rb_node *stop)
{
	while (n != stop) {
		struct vm_struct *v = rb_area(n);
		uint32_t m = compute_max_gap(v);

		if (v->subtree_max_gap >= m)
			break;
		v->subtree_max_gap = m;
		n = n->rb_parent;
	}
}

/* Recompute n's bound from its own gap and its children's bounds (a tighter, still valid bound). */
static inline void gap_tighten(struct rb_node *n)
{
	struct vm_struct *v = rb_area(n);

	v->subtree_max_gap = compute_max_gap(v);
}

static void gap_copy(struct rb_node *old, struct rb_node *new_node)
{
	rb_area(new_node)->subtree_max_gap = rb_area(old)->subtree_max_gap;
}

static void gap_rotate(struct rb_node *old, struct rb_node *new_node)
{
	struct vm_struct *o = rb_area(old);

	rb_area(new_node)->subtree_max_gap = o->subtree_max_gap;
	o->subtree_max_gap = compute_max_gap(o);
}

static const struct rb_augment_callbacks gap_callbacks = { gap_propagate, gap_copy, gap_rotate };

/*
 * Put area in the tree of live areas right after prev, its predecessor by
 * address (NULL: area becomes the first); area->next already names its
 * successor.  The in-order successor of prev is its right child when it has
 * none, else the successor's empty left link, so no descent from the root is
 * needed: the search that chose the gap already found the spot.
 */
static void area_tree_insert_after(struct vm_struct *prev, struct vm_struct *area)
{
	struct rb_node *parent, **link;

	if (prev && !prev->rb_node.rb_right) {
		parent = &prev->rb_node;
		link = &parent->rb_right;
	} else if (area->next) {
		/* The successor is the leftmost node of prev's right subtree (or of the tree): no
		 * left child. */
		parent = &area->next->rb_node;
		link = &parent->rb_left;
	} else {
		parent = NULL;
		link = &vm_area_root.rb_node;
	}
	area->gap_after = gap_to(area, area->next);
	area->subtree_max_gap = area->gap_after;
	rb_link_node(&area->rb_node, parent, link);
	rb_insert_augmented(&area->rb_node, &vm_area_root, &gap_callbacks);
	/*
	 * The new area shortened the gap after its predecessor, and the bounds
	 * above stay valid as they are; but the last area had no gap in the
	 * tree, and one placed beyond it with room between gives it one.
	 */
	if (prev) {
		prev->gap_after = gap_to(prev, area);
		gap_propagate(&prev->rb_node, NULL);
	}
}

/* The live area starting at addr, or (containing) whose range holds addr: one descent. */
static struct vm_struct *area_tree_lookup(vaddr_t addr, bool containing)
{
	struct rb_node *n = vm_area_root.rb_node;
	struct vm_struct *below = NULL;

	while (n) {
		struct vm_struct *v = rb_area(n);

		if (addr < v->addr) {
			n = n->rb_left;
		} else if (addr == v->addr) {
			return v;
		} else {
			below = v;
			n = n->rb_right;
		}
	}
	if (containing && below && addr - below->addr < below->size)
		return below;
	return NULL;
}

/* ---- first fit ---- */

static inline uint64_t align_up(uint64_t x, uint64_t align)
{
	return (x + align - 1) & ~(align - 1);
}

/* The fit in free range [gstart, gend): 1 with *addr, 0 if it does not fit, -1 if no later range
 * can fit either. */
static int try_gap(uint64_t gstart, uint64_t gend, uint64_t size, uint64_t align, uint64_t start, uint64_t end,
		   uint64_t *addr)
{
	uint64_t a = align_up(gstart > start ? gstart : start, align);

	/* Later ranges start higher, so their first candidate is no lower. */
	if (a + size > end)
		return -1;
	if (a + size <= gend) {
		*addr = a;
		return 1;
	}
	return 0;
}

/*
 * The lowest fit among the gaps after the live areas, in address order:
 * subtrees whose largest gap is smaller than size are skipped, and so are
 * left subtrees that lie wholly below start.  With page alignment a gap of
 * size bytes above start always fits, so only the path towards start and
 * one path down to the fit are walked: O(log n).  (A larger alignment may
 * also visit gaps that are long enough but misaligned; the result is still
 * the exact first fit.)  An in-order walk without recursion: down to the
 * left while the left subtree may hold a fit, else try the node's own gap
 * and go right; a subtree with no fit sends the walk up to the nearest
 * ancestor entered from its left, whose gap comes next.  Returns what
 * try_gap() does; on 1, *prev is the area the gap follows.
 */
static int gap_search(uint64_t size, uint64_t align, uint64_t start, uint64_t end, uint64_t *addr,
		      struct vm_struct **prev)
{
	struct rb_node *n = vm_area_root.rb_node, *parent = NULL;
	const struct vm_struct *v;
	/* The caller checked that size fits in [start, end), so it fits in 32 bits like the
	 * gaps. */
	uint32_t size32 = (uint32_t)size;
	int r;

	for (;;) {
		while (n && subtree_max_gap(n) >= size32) {
			v = rb_area(n);
			if (v->addr > start && subtree_max_gap(n->rb_left) >= size32) {
				parent = n;
				n = n->rb_left;
				continue;
			}
			/*
			 * A gap shorter than size fits at no alignment; skipping it
			 * cannot hide a -1, since any later gap that try_gap() does
			 * try starts higher and gives -1 too.
			 */
			r = v->gap_after < size32 ? 0 :
			    try_gap(area_end(v), area_end(v) + v->gap_after, size, align, start, end, addr);
			if (r) {
				*prev = rb_area(n);
				return r;
			}
			parent = n;
			n = n->rb_right;
		}
		/*
		 * The subtree at n has no fit.  The walk only ever enters a left
		 * subtree that may hold one, so n is a right child (or empty):
		 * climb while it is.
		 */
		while (parent && n == parent->rb_right) {
			n = parent;
			gap_tighten(n);
			parent = n->rb_parent;
		}
		if (!parent)
			return 0;
		v = rb_area(parent);
		r = v->gap_after < size32 ? 0 :
		    try_gap(area_end(v), area_end(v) + v->gap_after, size, align, start, end, addr);
		if (r) {
			*prev = rb_area(parent);
			return r;
		}
		n = parent->rb_right;
	}
}

/*
 * First fit: the lowest address in [start, end), a multiple of align,
 * where size bytes (guard page included) fit between the live areas.
 * Returns the address and, in *prev, the area the new one follows (NULL:
 * it becomes the first); false if nothing fits.  The indexed search and the
 * 2.4 linear walk differ only in how they find the gap.  Arithmetic is 64-bit
 * so that no sum wraps around the 32-bit space.
 */
bool vmlist_find_gap(uint64_t size, uint64_t align, vaddr_t start, vaddr_t end, vaddr_t *addr_out,
		     struct vm_struct **prev)
{
	uint64_t addr = align_up(start, align);
	struct vm_struct *tmp;

	*prev = NULL;
	if (!vmalloc_linear_search) {
		/* vmlist is the lowest area, so the gap below it is checked without the tree. */
		int r = try_gap(0, vmlist ? vmlist->addr : VA_TOP, size, align, start, end, &addr);

		if (r == 0)
			r = gap_search(size, align, start, end, &addr, prev);
		/* Last in address order: the gap above the highest area. */
		if (r == 0 && vm_last) {
			r = try_gap(area_end(vm_last), VA_TOP, size, align, start, end, &addr);
			*prev = vm_last;
		}
		if (r <= 0)
			return false;
		*addr_out = (vaddr_t)addr;
		return true;
	}
	/* The 2.4 linear walk: step over every area that ends above the candidate. */
	for (tmp = vmlist; tmp; *prev = tmp, tmp = tmp->next) {
		uint64_t tmp_end = area_end(tmp);

		if (tmp_end <= addr)
			continue;
		if (addr + size <= tmp->addr)
			break;
		addr = align_up(tmp_end, align);
		if (addr + size > end)
			return false;
	}
	if (addr + size > end)
		return false;
	*addr_out = (vaddr_t)addr;
	return true;
}

/* Insert area after prev (NULL: first) in the list and in the tree. */
void vmlist_link(struct vm_struct *prev, struct vm_struct *area)
{
	struct vm_struct **link = prev ? &prev->next : &vmlist;

	area->next = *link;
	area_tree_insert_after(prev, area);
	*link = area;
	if (!area->next)
		vm_last = area;
}

/* Take area, whose predecessor is prev (NULL: it is the first), out of the list and the tree. */
void vmlist_unlink(struct vm_struct *prev, struct vm_struct *area)
{
	if (prev)
		prev->next = area->next;
	else
		vmlist = area->next;
	/*
	 * The predecessor's gap grows by the area and the gap after it (or it
	 * becomes the last area, whose gap the tree does not hold).  Grown
	 * first, it covers the area's own gap, so the maxima above usually do
	 * not change when the area leaves and the erase stops early.
	 */
	if (prev) {
		prev->gap_after = area->next ? prev->gap_after + area->size + area->gap_after : 0;
		gap_propagate(&prev->rb_node, NULL);
	}
	if (vm_last == area)
		vm_last = prev;
	area->next = NULL;
	rb_erase_augmented(&area->rb_node, &vm_area_root, &gap_callbacks);
}

/*
 * The area starting at addr, or (containing) the one whose range holds
 * addr; NULL if none.  With prevp, also its predecessor (NULL: it is the
 * first), for vmlist_unlink().
 */
struct vm_struct *vmlist_lookup(vaddr_t addr, bool containing, struct vm_struct **prevp)
{
	struct vm_struct *prev = NULL, *tmp;

	if (!vmalloc_linear_search) {
		tmp = area_tree_lookup(addr, containing);
		if (tmp && prevp)
			*prevp = rb_area(rb_prev(&tmp->rb_node));
		return tmp;
	}
	for (tmp = vmlist; tmp; prev = tmp, tmp = tmp->next) {
		if (tmp->addr == addr)
			break;
		if (tmp->addr > addr)
			return NULL;
		if (containing && addr - tmp->addr < tmp->size)
			break;
	}
	if (tmp && prevp)
		*prevp = prev;
	return tmp;
}
