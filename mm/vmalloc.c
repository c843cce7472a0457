/*
 * The vmalloc area: an address-ordered list of vm_structs between
 * VMALLOC_START and VMALLOC_END, each followed by one unmapped guard page,
 * found by first fit as in the seeds ("the vm_struct list is searched
 * linearly by the function get_vm_area()", seed 002).
 *
 * Only four helpers touch the list structure (vmlist_find_gap,
 * vmlist_link, vmlist_unlink, vmlist_lookup).  Beside the list they keep
 * an index: a red-black tree of the live areas keyed by addr, augmented so
 * that every node knows the free gap after its area (up to the next live
 * area; the gaps below the first area and above the last one are tried
 * through vmlist and vm_last) and the largest gap of its subtree.  First fit
 * then walks down one or two root-to-leaf paths instead of the whole list,
 * a new area is linked right after the area whose gap it took (no second
 * descent), and find_vm_area() and vfree() find an area by descending the
 * tree.  The seeds' linear walk stays, selected by vmalloc_search_mode, as
 * the reference that must give the very same placements: both searches
 * share every other step, the tree upkeep included.
 *
 * Freeing is lazy about the TLB (vfree, vunmap): the pages are unmapped at
 * once but the flush waits.  The freed range goes into a second tree, the
 * purge list, keyed by addr; it counts as free space for first fit, but
 * before any part of it is handed out again the range is flushed (page by
 * page, or by one global flush that empties the whole purge list), and one
 * global flush empties the list whenever more than vmalloc_lazy_max_pages
 * pages (or LAZY_POOL ranges) wait.  So no freed address is reused
 * before its flush, placements are those of the seeds' allocator, and a
 * run of vfree() calls costs one global flush per 32 MiB.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/layout.h>
#include <mm/meminfo.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/rbtree.h>
#include <mm/region.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

struct vm_struct *vmlist;
struct irqlock vmlist_lock = IRQLOCK_INIT("vmlist_lock");
struct vmalloc_stats vmalloc_stats;
enum vmalloc_search vmalloc_search_mode = VMALLOC_SEARCH_INDEXED;
unsigned long vmalloc_lazy_max_pages = VMALLOC_LAZY_MAX_PAGES;

static struct kmem_cache *vm_struct_cachep;

/* The live areas by addr, augmented with the gaps (the index beside vmlist). */
static struct rb_root vm_area_root;
/* The highest live area (the tail of vmlist), whose gap up to 4 GiB is tried apart from the tree's. */
static struct vm_struct *vm_last;
/* Lazily freed ranges by addr: unmapped, TLB not yet flushed, not to be reused before it is. */
static struct rb_root vm_purge_root;

static void lazy_pool_init(void);

/* The top of the 32-bit address space, where the last gap ends. */
#define VA_TOP (1ull << 32)

/* Kernel mappings: writable, and global where the CPU has PGE (they are the same in every directory). */
#define PAGE_KERNEL (HAL_PROT_WRITE | HAL_PROT_GLOBAL)

int vmalloc_init(void)
{
	if (high_memory <= PAGE_OFFSET || VMALLOC_START >= VMALLOC_END) {
		printf("vmalloc: no vmalloc space: high_memory 0x%08lx, VMALLOC_START 0x%08lx, VMALLOC_END 0x%08lx\n",
			(unsigned long)high_memory, (unsigned long)VMALLOC_START, (unsigned long)VMALLOC_END);
		return -1;
	}
	/* A fresh start each time: host tests boot the fake machine again and again. */
	vmlist = NULL;
	vm_area_root = RB_ROOT;
	vm_last = NULL;
	vm_purge_root = RB_ROOT;
	lazy_pool_init();
	vmlist_lock.held = 0;
	vmalloc_search_mode = VMALLOC_SEARCH_INDEXED;
	vmalloc_lazy_max_pages = VMALLOC_LAZY_MAX_PAGES;
	memset(&vmalloc_stats, 0, sizeof(vmalloc_stats));
	vm_struct_cachep = kmem_cache_create("vm_struct", sizeof(struct vm_struct), 0, 0);
	if (!vm_struct_cachep) {
		printf("vmalloc: cannot create the vm_struct cache\n");
		return -1;
	}
	return 0;
}

static inline struct vm_struct *rb_area(const struct rb_node *n)
{
	return rb_entry_safe(n, struct vm_struct, rb_node);
}

static inline uint64_t area_end(const struct vm_struct *v)
{
	return (uint64_t)v->addr + v->size;
}

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

static inline uint32_t subtree_max_gap(const struct rb_node *n)
{
	return n ? rb_area(n)->subtree_max_gap : 0;
}

static uint32_t compute_max_gap(const struct vm_struct *v)
{
	uint32_t m = v->gap_after, l = subtree_max_gap(v->rb_node.rb_left), r = subtree_max_gap(v->rb_node.rb_right);

	if (l > m)
		m = l;
	if (r > m)
		m = r;
	return m;
}

/* Raise the bounds from n up (to stop) where they no longer cover the gaps below: the augmented tree's propagate. */
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
		/* The successor is the leftmost node of prev's right subtree (or of the tree): no left child. */
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

/* The fit in free range [gstart, gend): 1 with *addr, 0 if it does not fit, -1 if no later range can fit either. */
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
	/* The caller checked that size fits in [start, end), so it fits in 32 bits like the gaps. */
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
 * seeds' walk differ only in how they find the gap.  Arithmetic is 64-bit
 * so that no sum wraps around the 32-bit space.
 */
static bool vmlist_find_gap(uint64_t size, uint64_t align, vaddr_t start, vaddr_t end, vaddr_t *addr_out,
			    struct vm_struct **prev)
{
	uint64_t addr = align_up(start, align);
	struct vm_struct *tmp;

	*prev = NULL;
	if (vmalloc_search_mode == VMALLOC_SEARCH_INDEXED) {
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
	/* The seeds' walk: step over every area that ends above the candidate. */
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
static void vmlist_link(struct vm_struct *prev, struct vm_struct *area)
{
	struct vm_struct **link = prev ? &prev->next : &vmlist;

	area->next = *link;
	area_tree_insert_after(prev, area);
	*link = area;
	if (!area->next)
		vm_last = area;
}

/* Take area, whose predecessor is prev (NULL: it is the first), out of the list and the tree. */
static void vmlist_unlink(struct vm_struct *prev, struct vm_struct *area)
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
static struct vm_struct *vmlist_lookup(vaddr_t addr, bool containing, struct vm_struct **prevp)
{
	struct vm_struct *prev = NULL, *tmp;

	if (vmalloc_search_mode == VMALLOC_SEARCH_INDEXED) {
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

unsigned long vmalloc_index_check(FILE *out)
{
	unsigned long problems = 0, irq = irqlock_acquire(&vmlist_lock);
	const struct vm_struct *v = vmlist, *tail = NULL;
	const struct rb_node *n = rb_first(&vm_area_root);

	for (; v || n; v = v ? v->next : NULL, n = n ? rb_next(n) : NULL) {
		if (!v || rb_area(n) != v) {
			fprintf(out, "vmalloc index: the tree and vmlist disagree at 0x%08lx\n",
				(unsigned long)(v ? v->addr : rb_area(n)->addr));
			problems++;
			break;
		}
		if (v->gap_after != gap_to(v, v->next) || v->subtree_max_gap < compute_max_gap(v)) {
			fprintf(out, "vmalloc index: area 0x%08lx records gap %#x and subtree bound %#x, wants %#x and at least %#x\n",
				(unsigned long)v->addr, v->gap_after, v->subtree_max_gap, gap_to(v, v->next),
				compute_max_gap(v));
			problems++;
		}
		tail = v;
	}
	if (tail != vm_last) {
		fprintf(out, "vmalloc index: the last area is 0x%08lx, vm_last says 0x%08lx\n",
			(unsigned long)(tail ? tail->addr : 0), (unsigned long)(vm_last ? vm_last->addr : 0));
		problems++;
	}
	irqlock_release(&vmlist_lock, irq);
	return problems;
}

/* ---- lazy TLB purging ---- */

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

static struct lazy_range lazy_pool[LAZY_POOL];
static struct lazy_range *lazy_free_records;

static inline struct lazy_range *rb_lazy(const struct rb_node *n)
{
	return rb_entry_safe(n, struct lazy_range, rb);
}

static inline uint64_t lazy_end(const struct lazy_range *r)
{
	return (uint64_t)r->addr + (uint64_t)r->pages * PAGE_SIZE;
}

static void lazy_pool_init(void)
{
	lazy_free_records = NULL;
	for (unsigned i = LAZY_POOL; i-- > 0;) {
		lazy_pool[i].next = lazy_free_records;
		lazy_free_records = &lazy_pool[i];
	}
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
	hal_flush_all();
	vmalloc_stats.flush_alls++;
	vmalloc_stats.lazy_purges++;
	while ((n = vm_purge_root.rb_node) != NULL)
		lazy_release(rb_lazy(n));
}

/* Record [addr, addr + pages) as unmapped and unflushed; purge when the batch is full (vmlist_lock held). */
static void purge_list_add(vaddr_t addr, unsigned long pages)
{
	struct rb_node **link = &vm_purge_root.rb_node, *parent = NULL;
	struct lazy_range *r;

	if (!lazy_free_records)
		purge_all_locked();
	r = lazy_free_records;
	lazy_free_records = r->next;
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
static void flush_before_reuse(uint64_t addr, uint64_t size)
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
		vmalloc_stats.lazy_reuse_flushes++;
		lazy_release(r);
		r = next;
	}
}

unsigned long vmalloc_purge_lazy(void)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	unsigned long n = vmalloc_stats.lazy_pending_areas;

	purge_all_locked();
	irqlock_release(&vmlist_lock, irq);
	return n;
}

void vmalloc_vmstat_show(FILE *out)
{
	fprintf(out, "vmalloc_areas %lu\n", vmalloc_stats.areas);
	fprintf(out, "vmalloc_flush_pages %lu\n", vmalloc_stats.flush_pages);
	fprintf(out, "vmalloc_flush_alls %lu\n", vmalloc_stats.flush_alls);
	fprintf(out, "vmalloc_lazy_frees %lu\n", vmalloc_stats.lazy_frees);
	fprintf(out, "vmalloc_lazy_purges %lu\n", vmalloc_stats.lazy_purges);
	fprintf(out, "vmalloc_lazy_reuse_flushes %lu\n", vmalloc_stats.lazy_reuse_flushes);
	fprintf(out, "vmalloc_lazy_pending_pages %lu\n", vmalloc_stats.lazy_pending_pages);
	fprintf(out, "vmalloc_lazy_max_pages %lu\n", vmalloc_lazy_max_pages);
	fprintf(out, "vmalloc_search %s\n", vmalloc_search_mode == VMALLOC_SEARCH_LINEAR ? "linear" : "indexed");
}

/* ---- areas ---- */

/* __get_vm_area_align() sets every field by name: inline_page must stay the last one. */
_Static_assert(offsetof(struct vm_struct, inline_page) + sizeof(struct page *) + _Alignof(struct vm_struct) >
		       sizeof(struct vm_struct),
	       "struct vm_struct grew: update __get_vm_area_align()");

struct vm_struct *__get_vm_area_align(unsigned long size, unsigned long align, unsigned long flags, vaddr_t start,
				      vaddr_t end, const void *caller)
{
	struct vm_struct *area, *prev;
	uint64_t pages, want;
	vaddr_t addr;
	unsigned long irq;
	bool found;

	if (!vm_struct_cachep) {
		printf("vmalloc: used before vmalloc_init()\n");
		goto fail;
	}
	if (size == 0) {
		printf("vmalloc: refusing an area of size 0\n");
		goto fail;
	}
	if (start & ~PAGE_MASK || end & ~PAGE_MASK || start >= end) {
		printf("vmalloc: bad range 0x%08lx-0x%08lx\n", (unsigned long)start, (unsigned long)end);
		goto fail;
	}
	if (align < PAGE_SIZE || (align & (align - 1))) {
		printf("vmalloc: bad alignment 0x%lx\n", align);
		goto fail;
	}
	/* Rounded up to pages, plus the guard page; checked before multiplying so nothing wraps. */
	pages = (uint64_t)size / PAGE_SIZE + ((uint64_t)size % PAGE_SIZE != 0) + 1;
	if (pages > (uint64_t)(end - start) / PAGE_SIZE) {
		printf("vmalloc: %lu bytes cannot fit in 0x%08lx-0x%08lx\n", size, (unsigned long)start,
			(unsigned long)end);
		goto fail;
	}
	want = pages * PAGE_SIZE;
	area = kmem_cache_alloc(vm_struct_cachep, GFP_KERNEL);
	if (!area) {
		printf("vmalloc: no memory for a vm_struct\n");
		goto fail;
	}
	irq = irqlock_acquire(&vmlist_lock);
	found = vmlist_find_gap(want, align, start, end, &addr, &prev);
	if (!found) {
		irqlock_release(&vmlist_lock, irq);
		kmem_cache_free(vm_struct_cachep, area);
		printf("vmalloc: no room for %lu bytes in 0x%08lx-0x%08lx (exhausted or fragmented)\n", size,
			(unsigned long)start, (unsigned long)end);
		goto fail;
	}
	/* Lazily freed space is free for first fit, but flushed before it is handed out. */
	flush_before_reuse(addr, want);
	/*
	 * Field by field: a compound literal becomes a `rep stosl` of the whole
	 * struct, one translation block per word under TCG.  vmlist_link() sets
	 * next, rb_node, gap_after and subtree_max_gap.
	 */
	area->flags = flags;
	area->addr = addr;
	area->size = (unsigned long)want;
	area->pages = NULL;
	area->nr_pages = 0;
	area->phys_addr = 0;
	area->caller = caller;
	area->inline_page = NULL;
	vmlist_link(prev, area);
	vmalloc_stats.areas++;
	irqlock_release(&vmlist_lock, irq);
	return area;
fail:
	vmalloc_stats.area_failures++;
	return NULL;
}

struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags, vaddr_t start, vaddr_t end,
				       const void *caller)
{
	return __get_vm_area_align(size, PAGE_SIZE, flags, start, end, caller);
}

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	return __get_vm_area_caller(size, flags, VMALLOC_START, VMALLOC_END, __builtin_return_address(0));
}

struct vm_struct *find_vm_area(vaddr_t addr)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *area = vmlist_lookup(addr, false, NULL);

	irqlock_release(&vmlist_lock, irq);
	return area;
}

struct vm_struct *find_vm_area_containing(vaddr_t addr)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *area = vmlist_lookup(addr, true, NULL);

	irqlock_release(&vmlist_lock, irq);
	return area;
}

void unmap_kernel_range(vaddr_t addr, unsigned long size)
{
	unsigned long n = size / PAGE_SIZE, unmapped = 0;

	for (unsigned long i = 0; i < n; i++) {
		vaddr_t va = addr + (vaddr_t)(i * PAGE_SIZE);

		if (!hal_unmap_page(swapper_pg_dir, va))
			continue;
		unmapped++;
		if (n <= VMALLOC_FLUSH_ALL_PAGES) {
			hal_flush_page(va);
			vmalloc_stats.flush_pages++;
		}
	}
	if (unmapped && n > VMALLOC_FLUSH_ALL_PAGES) {
		hal_flush_all();
		vmalloc_stats.flush_alls++;
	}
}

/* Unlink the area at addr (only that struct if only_if is set) and unmap it; NULL if there is none. */
static struct vm_struct *take_vm_area(vaddr_t addr, const struct vm_struct *only_if)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *prev, *area = vmlist_lookup(addr, false, &prev);

	if (area && only_if && area != only_if)
		area = NULL;
	if (area)
		vmlist_unlink(prev, area);
	irqlock_release(&vmlist_lock, irq);
	if (area)
		unmap_kernel_range(area->addr, area->size - PAGE_SIZE);
	return area;
}

struct vm_struct *remove_vm_area(vaddr_t addr)
{
	struct vm_struct *area = take_vm_area(addr, NULL);

	if (!area) {
		printf("vmalloc: remove_vm_area: 0x%08lx starts no area\n", (unsigned long)addr);
		vmalloc_stats.bad_frees++;
	}
	return area;
}

void free_vm_area(struct vm_struct *area)
{
	if (!area)
		return;
	/* Still listed only if the caller did not remove_vm_area() it first; the struct pointer tells. */
	take_vm_area(area->addr, area);
	kmem_cache_free(vm_struct_cachep, area);
}

/* ---- mapping pages ---- */

/* Supply the missing page table for va from low memory (a paging_init() hole: see vmalloc.h). */
static int add_kernel_table(vaddr_t va)
{
	struct page *table = alloc_page(GFP_KERNEL);
	vaddr_t table_va;
	int err;

	if (!table)
		return HAL_ENOTABLE;
	table_va = lowmem_page_address(table);
	memset(hal_va_ptr(table_va), 0, PAGE_SIZE);
	err = hal_set_table(swapper_pg_dir, va, __pa(table_va));
	if (err != HAL_OK) {
		__free_page(table);
		return err == HAL_EEXIST ? HAL_OK : err;
	}
	mod_pagetable_pages(1);
	vmalloc_stats.tables_allocated++;
	printf("vmalloc: paging_init left no page table for 0x%08lx; added one at phys 0x%08llx\n",
		(unsigned long)va, (unsigned long long)__pa(table_va));
	return HAL_OK;
}

int kernel_table_check(vaddr_t va, const char *what)
{
	if (hal_query_table(swapper_pg_dir, va, NULL))
		return 0;
	printf("BUG: paging_init made no page table for %s at 0x%08lx\n", what, (unsigned long)va);
	return add_kernel_table(va) == HAL_OK ? 1 : -1;
}

int kernel_map_page(vaddr_t va, paddr_t pa, unsigned prot)
{
	int err = hal_map_page(swapper_pg_dir, va, pa, prot);

	if (err == HAL_ENOTABLE) {
		err = add_kernel_table(va);
		if (err == HAL_OK)
			err = hal_map_page(swapper_pg_dir, va, pa, prot);
	}
	return err;
}

static paddr_t page_phys(const struct page *page)
{
	return (paddr_t)page_to_pfn(page) << PAGE_SHIFT;
}

/* Map pages[0..count) at addr in order; on failure unmap what was mapped and return the hal error. */
static int map_pages(vaddr_t addr, struct page **pages, unsigned count, unsigned prot)
{
	for (unsigned i = 0; i < count; i++) {
		int err = kernel_map_page(addr + i * PAGE_SIZE, page_phys(pages[i]), prot);

		if (err != HAL_OK) {
			printf("vmalloc: cannot map 0x%08lx (hal error %d)\n",
				(unsigned long)(addr + i * PAGE_SIZE), err);
			unmap_kernel_range(addr, (unsigned long)i * PAGE_SIZE);
			return err;
		}
	}
	return HAL_OK;
}

/*
 * The pages array of an area: from kmalloc while it fits in a page, else
 * from whole low-memory pages (a big vmalloc needs a big array).
 */
static unsigned array_order(unsigned count)
{
	unsigned long bytes = (unsigned long)count * sizeof(struct page *);
	unsigned order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static struct page **pages_array_alloc(unsigned count)
{
	unsigned long bytes = (unsigned long)count * sizeof(struct page *);
	vaddr_t va;

	if (bytes <= PAGE_SIZE)
		return kmalloc(bytes, GFP_KERNEL);
	va = __get_free_pages(GFP_KERNEL, array_order(count));
	return va ? hal_va_ptr(va) : NULL;
}

static void pages_array_free(struct page **pages, unsigned count)
{
	if ((unsigned long)count * sizeof(struct page *) <= PAGE_SIZE)
		kfree(pages);
	else
		free_pages(hal_ptr_va(pages), array_order(count));
}

/* Free the pages and pages array of a VM_ALLOC area and its vm_struct (already unlinked and unmapped). */
static void release_alloc_area(struct vm_struct *area)
{
	for (unsigned i = 0; i < area->nr_pages; i++) {
		ClearPageFlag(area->pages[i], PG_vmalloc);
		__free_page(area->pages[i]);
	}
	/* The array was sized for the whole area, even if allocation stopped part way. */
	if (area->pages && area->pages != &area->inline_page)
		pages_array_free(area->pages, (unsigned)(area->size / PAGE_SIZE - 1));
	kmem_cache_free(vm_struct_cachep, area);
}

/* vmalloc and friends with an explicit caller for vmallocinfo. */
static vaddr_t vmalloc_caller(unsigned long size, gfp_t gfp, unsigned prot, bool zero, const void *caller)
{
	struct vm_struct *area = __get_vm_area_caller(size, VM_ALLOC, VMALLOC_START, VMALLOC_END, caller);
	unsigned count;

	if (!area)
		return 0;
	count = (unsigned)(area->size / PAGE_SIZE - 1);
	/* A one-page area keeps its page pointer in the vm_struct: no kmalloc, no kfree. */
	area->pages = count == 1 ? &area->inline_page : pages_array_alloc(count);
	if (!area->pages) {
		printf("vmalloc: no memory for the page array of %u pages\n", count);
		goto fail;
	}
	for (; area->nr_pages < count; area->nr_pages++) {
		struct page *page = alloc_page(gfp);

		if (!page) {
			printf("vmalloc: out of pages after %u of %u\n", area->nr_pages, count);
			goto fail;
		}
		SetPageFlag(page, PG_vmalloc);
		area->pages[area->nr_pages] = page;
	}
	if (map_pages(area->addr, area->pages, count, prot) != HAL_OK)
		goto fail;
	if (zero)
		for (unsigned i = 0; i < count; i++)
			memset(hal_va_ptr(area->addr + i * PAGE_SIZE), 0, PAGE_SIZE);
	return area->addr;
fail:
	vmalloc_stats.page_failures++;
	take_vm_area(area->addr, area);
	release_alloc_area(area);
	return 0;
}

vaddr_t __vmalloc(unsigned long size, gfp_t gfp, unsigned prot)
{
	return vmalloc_caller(size, gfp & ~__GFP_ZERO, prot, gfp & __GFP_ZERO, __builtin_return_address(0));
}

vaddr_t vmalloc(unsigned long size)
{
	return vmalloc_caller(size, GFP_HIGHUSER, PAGE_KERNEL, false, __builtin_return_address(0));
}

vaddr_t vmalloc_32(unsigned long size)
{
	return vmalloc_caller(size, GFP_KERNEL, PAGE_KERNEL, false, __builtin_return_address(0));
}

vaddr_t vzalloc(unsigned long size)
{
	return vmalloc_caller(size, GFP_HIGHUSER, PAGE_KERNEL, true, __builtin_return_address(0));
}

/*
 * Retire an area just unlinked from vmlist whose vm_struct is ours to
 * free (vmlist_lock held): unmap it without a flush and put the range on
 * the purge list, which is purged by one global flush once more than
 * vmalloc_lazy_max_pages pages wait (eagerly, as the seeds, when
 * vmalloc_lazy_max_pages is 0).
 */
static void lazy_unmap_locked(struct vm_struct *area)
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

/*
 * Unlink the area at addr if it is of kind flag (and, with lazy, unmap it
 * onto the purge list) under one hold of vmlist_lock; NULL after reporting
 * otherwise, changing nothing.
 */
static struct vm_struct *unlink_area_of_kind(vaddr_t addr, unsigned long flag, const char *who, bool lazy)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	struct vm_struct *prev, *area = vmlist_lookup(addr, false, &prev);
	char why[160];

	if (area && (area->flags & flag)) {
		vmlist_unlink(prev, area);
		if (lazy)
			lazy_unmap_locked(area);
		irqlock_release(&vmlist_lock, irq);
		return area;
	}
	irqlock_release(&vmlist_lock, irq);
	vmalloc_stats.bad_frees++;
	if (area)
		printf("%s: 0x%08lx is a %s area, not one of mine; nothing freed\n", who, (unsigned long)addr,
			area->flags & VM_IOREMAP ? "ioremap" : area->flags & VM_MAP ? "vmap" : "vmalloc");
	else
		printf("%s: 0x%08lx does not start an area (%s); nothing freed\n", who, (unsigned long)addr,
			mm_region_name(addr, why, sizeof(why)));
	return NULL;
}

struct vm_struct *remove_vm_area_of_kind(vaddr_t addr, unsigned long flag, const char *who)
{
	struct vm_struct *area = unlink_area_of_kind(addr, flag, who, false);

	/* The caller keeps the vm_struct, so this path flushes at once. */
	if (area)
		unmap_kernel_range(area->addr, area->size - PAGE_SIZE);
	return area;
}

void vfree(vaddr_t addr)
{
	struct vm_struct *area;

	if (!addr)
		return;
	/* Unmapped now; only the TLB flush of the old addresses waits.  Then the pages go back. */
	area = unlink_area_of_kind(addr, VM_ALLOC, "vfree", true);
	if (area)
		release_alloc_area(area);
}

vaddr_t vmap(struct page **pages, unsigned int count, unsigned long flags, unsigned prot)
{
	struct vm_struct *area;

	if (!pages || count == 0) {
		printf("vmap: nothing to map\n");
		vmalloc_stats.area_failures++;
		return 0;
	}
	area = __get_vm_area_caller((unsigned long)count * PAGE_SIZE, flags | VM_MAP, VMALLOC_START, VMALLOC_END,
				    __builtin_return_address(0));
	if (!area)
		return 0;
	if (map_pages(area->addr, pages, count, prot) != HAL_OK) {
		free_vm_area(area);
		return 0;
	}
	return area->addr;
}

void vunmap(vaddr_t addr)
{
	struct vm_struct *area = unlink_area_of_kind(addr, VM_MAP, "vunmap", true);

	if (area)
		kmem_cache_free(vm_struct_cachep, area);
}

struct page *vmalloc_to_page(vaddr_t addr)
{
	paddr_t pa;

	if (!hal_query_page(swapper_pg_dir, addr, &pa, NULL))
		return NULL;
	if (!pfn_valid((pfn_t)(pa >> PAGE_SHIFT)))
		return NULL;
	return pfn_to_page((pfn_t)(pa >> PAGE_SHIFT));
}

/* ---- reports ---- */

void vmallocinfo_show(FILE *out)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	char caller[96];

	for (struct vm_struct *v = vmlist; v; v = v->next) {
		fprintf(out, "0x%08lx-0x%08lx %7ld", (unsigned long)v->addr, (unsigned long)(v->addr + v->size),
			(long)v->size);
		if (v->caller)
			fprintf(out, " %s", mm_caller_name(v->caller, caller, sizeof(caller)));
		if (v->nr_pages)
			fprintf(out, " pages=%u", v->nr_pages);
		if (v->flags & VM_IOREMAP)
			fprintf(out, " phys=0x%08llx", (unsigned long long)v->phys_addr);
		if (v->flags & VM_IOREMAP)
			fputs(" ioremap", out);
		if (v->flags & VM_ALLOC)
			fputs(" vmalloc", out);
		if (v->flags & VM_MAP)
			fputs(" vmap", out);
		fputc('\n', out);
	}
	irqlock_release(&vmlist_lock, irq);
}

void vmalloc_usage(unsigned long *used, unsigned long *largest_chunk, unsigned *nr_areas)
{
	unsigned long irq = irqlock_acquire(&vmlist_lock);
	vaddr_t prev_end = VMALLOC_START;
	unsigned long u = 0, chunk = 0;
	unsigned n = 0;

	for (struct vm_struct *v = vmlist; v; v = v->next) {
		if (v->addr > prev_end && v->addr - prev_end > chunk)
			chunk = v->addr - prev_end;
		prev_end = v->addr + v->size;
		u += v->size;
		n++;
	}
	if (VMALLOC_END > prev_end && VMALLOC_END - prev_end > chunk)
		chunk = VMALLOC_END - prev_end;
	irqlock_release(&vmlist_lock, irq);
	if (used)
		*used = u;
	if (largest_chunk)
		*largest_chunk = chunk;
	if (nr_areas)
		*nr_areas = n;
}

void vmalloc_meminfo(FILE *out)
{
	unsigned long used, chunk;

	vmalloc_usage(&used, &chunk, NULL);
	meminfo_line(out, "VmallocTotal", (unsigned long)(VMALLOC_END - VMALLOC_START) >> 10);
	meminfo_line(out, "VmallocUsed", used >> 10);
	meminfo_line(out, "VmallocChunk", chunk >> 10);
}
