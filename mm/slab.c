/*
 * Object caches.  A slab is a block of 2^order low-memory pages from
 * alloc_pages(); its objects sit back to back from the first byte.  The
 * slab's state lives in the struct page of its first ("head") page:
 * freelist (first free object), private (objects in use) and lru (the
 * cache's slabs_partial or slabs_full list); every page of the slab has
 * PG_slab and slab_cache set, so any address inside finds its cache.
 *
 * A free object holds the address of the next free object in its first
 * word and POISON_FREE in every other byte.  Where each allocator's memory
 * comes from, and the debugging rules, are described in mm/slab.h.
 */
#include <stdio.h>
#include <string.h>

#include <hal/irq.h>
#include <hal/mmu.h>
#include <mm/layout.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/printk.h>
#include <mm/slab.h>

#include "slab_internal.h"

struct slab_stats slab_stats;

/* The cache of struct kmem_cache, bootstrapped statically like Linux's cache_cache. */
static struct kmem_cache cache_cache;
static struct list_head cache_chain;

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static size_t slab_bytes(const struct kmem_cache *c)
{
	return (size_t)PAGE_SIZE << c->order;
}

/* Choose the stride and the smallest slab order that wastes at most an eighth; false if the object
 * cannot fit. */
static bool cache_geometry(struct kmem_cache *c, size_t size, size_t align, unsigned flags)
{
	if (align & (align - 1))
		return false;
	if (!align)
		align = ARCH_KMALLOC_MINALIGN;
	if (flags & SLAB_HWCACHE_ALIGN && align < L1_CACHE_BYTES)
		align = L1_CACHE_BYTES;
	if (align < ARCH_KMALLOC_MINALIGN)
		align = ARCH_KMALLOC_MINALIGN;
	if (align > PAGE_SIZE || size == 0 || size > (size_t)PAGE_SIZE << KMALLOC_MAX_ORDER)
		return false;
	c->object_size = size;
	c->align = align;
	c->flags = flags;
	c->size = align_up(size < FREEPTR_SIZE ? FREEPTR_SIZE : size, align);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned order = 0; order <= KMALLOC_MAX_ORDER; order++) {
			size_t bytes = (size_t)PAGE_SIZE << order;
			size_t num = bytes / c->size;

			if (num == 0 || (pass == 0 && (bytes - num * c->size) * 8 > bytes))
				continue;
			c->order = order;
			c->num = (unsigned)num;
			return true;
		}
	}
	return false;
}

static void cache_setup(struct kmem_cache *c, const char *name)
{
	snprintf(c->name, sizeof(c->name), "%s", name);
	spin_lock_init(&c->lock, "kmem_cache->lock");
	INIT_LIST_HEAD(&c->slabs_partial);
	INIT_LIST_HEAD(&c->slabs_full);
	c->num_slabs = c->active_objs = c->total_allocs = c->total_frees = 0;
	c->alloc_fail = c->poison_errors = c->double_frees = c->bad_frees = 0;
}

void kmem_cache_init(void)
{
	memset(&slab_stats, 0, sizeof(slab_stats));
	memset(&cache_cache, 0, sizeof(cache_cache));
	INIT_LIST_HEAD(&cache_chain);
	cache_geometry(&cache_cache, sizeof(struct kmem_cache), 0, SLAB_HWCACHE_ALIGN);
	cache_setup(&cache_cache, "kmem_cache");
	list_add_tail(&cache_cache.next, &cache_chain);
}

static void set_freeptr(vaddr_t obj, vaddr_t next)
{
	__builtin_memcpy(obj_ptr(obj), &next, sizeof(next));
}

/*
 * True when the object at va could be on its slab's free list: every free
 * object carries a free pointer (0 or an object of the slab) in its first
 * word and POISON_FREE in the rest, and a write after free spoils at most
 * part of that.  A live object normally fails both tests at its first
 * words, so kmem_cache_free() walks the free list for a double free only
 * when this is true.
 */
static bool may_be_free(const struct kmem_cache *c, vaddr_t base, vaddr_t va)
{
	vaddr_t next = get_freeptr(va);

	return !next || is_object_at(c, base, next) || poison_mismatch(c, va) == 0;
}

static struct page *cache_grow(struct kmem_cache *c, gfp_t gfp)
{
	gfp_t page_gfp = (gfp & (__GFP_ATOMIC | __GFP_NOWARN | __GFP_MEMALLOC)) |
			 ((c->flags & SLAB_CACHE_DMA) ? __GFP_DMA : 0);
	struct page *head = alloc_pages(page_gfp, c->order);
	vaddr_t base;

	if (!head)
		return NULL;
	for (unsigned i = 0; i < (1u << c->order); i++) {
		SetPageFlag(&head[i], PG_slab);
		head[i].slab_cache = c;
	}
	base = lowmem_page_address(head);
	memset(obj_ptr(base), POISON_FREE, slab_bytes(c));
	for (unsigned i = 0; i < c->num; i++)
		set_freeptr(base + i * (vaddr_t)c->size, i + 1 < c->num ? base + (i + 1) * (vaddr_t)c->size : 0);
	head->freelist = base;
	head->private = 0;
	list_add(&head->lru, &c->slabs_partial);
	c->num_slabs++;
	__atomic_fetch_add(&slab_stats.slab_pages, 1ul << c->order, __ATOMIC_RELAXED);
	return head;
}

static void slab_destroy(struct kmem_cache *c, struct page *head)
{
	list_del(&head->lru);
	for (unsigned i = 0; i < (1u << c->order); i++) {
		ClearPageFlag(&head[i], PG_slab);
		head[i].slab_cache = NULL;
	}
	head->freelist = 0;
	head->private = c->order; /* what __free_pages checks */
	c->num_slabs--;
	__atomic_fetch_sub(&slab_stats.slab_pages, 1ul << c->order, __ATOMIC_RELAXED);
	__free_pages(head, c->order);
}

bool (*should_fail_slab_alloc)(struct kmem_cache *c, gfp_t gfp);

void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	struct page *head;
	vaddr_t obj, next;
	size_t bad;
	unsigned long irq;

	if (!c)
		return NULL;
	if (should_fail_slab_alloc && should_fail_slab_alloc(c, gfp)) {
		c->alloc_fail++;
		return NULL;
	}
	irq = spin_lock_irqsave(&c->lock);
	if (list_empty(&c->slabs_partial) && !cache_grow(c, gfp)) {
		c->alloc_fail++;
		spin_unlock_irqrestore(&c->lock, irq);
		return NULL;
	}
	head = list_first_entry(&c->slabs_partial, struct page, lru);
	obj = head->freelist;
	next = get_freeptr(obj);
	if (next && !is_object_of(c, head, next)) {
		printk("slab %s: free pointer of object %#x overwritten (%#x): use after free; dropping the rest of "
		       "the slab's free list\n", c->name, obj, next);
		c->poison_errors++;
		next = 0;
	}
	bad = poison_mismatch(c, obj);
	if (bad) {
		printk("slab %s: use after free: object %#x was written at offset %zu after it was freed\n", c->name,
		       obj, bad);
		c->poison_errors++;
	}
	head->freelist = next;
	head->private++;
	if (!next) {
		list_del(&head->lru);
		list_add(&head->lru, &c->slabs_full);
	}
	c->active_objs++;
	c->total_allocs++;
	spin_unlock_irqrestore(&c->lock, irq);
	if (gfp & __GFP_ZERO)
		memset(obj_ptr(obj), 0, c->object_size);
	return obj_ptr(obj);
}

/* Check obj (at va) against c; report and return false when it is not a live object of c. */
static bool free_check(struct kmem_cache *c, vaddr_t va, struct page **headp)
{
	struct page *page, *head;
	vaddr_t f, base;
	unsigned steps = 0;

	if (va < PAGE_OFFSET || va >= high_memory) {
		printk("slab %s: free of %#x, which is not in low memory\n", c->name, va);
		c->bad_frees++;
		return false;
	}
	page = mem_map + (pfn_t)(__pa(va) >> PAGE_SHIFT); /* virt_to_page(), inline */
	if (!PageSlab(page) || page->slab_cache != c) {
		printk("slab %s: free of %#x, which is not an object of this cache\n", c->name, va);
		c->bad_frees++;
		return false;
	}
	head = slab_head(c, page);
	base = slab_base(head);
	if (!is_object_at(c, base, va)) {
		printk("slab %s: free of %#x, which is inside an object, not at its start\n", c->name, va);
		c->bad_frees++;
		return false;
	}
	/* The head of the free list is checked always, the rest only for an object that looks
	 * free. */
	f = head->freelist;
	if (f != va && f && !may_be_free(c, base, va))
		f = 0;
	for (; f && steps <= c->num; f = get_freeptr(f), steps++) {
		if (f == va) {
			printk("slab %s: double free of object %#x\n", c->name, va);
			c->double_frees++;
			return false;
		}
		if (!is_object_at(c, base, f))
			break;
	}
	*headp = head;
	return true;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *head;
	vaddr_t va;
	unsigned long irq;

	if (!obj || !c)
		return;
	va = hal_ptr_va(obj);
	irq = spin_lock_irqsave(&c->lock);
	if (!free_check(c, va, &head)) {
		spin_unlock_irqrestore(&c->lock, irq);
		return;
	}
	memset(obj_ptr(va), POISON_FREE, c->size);
	set_freeptr(va, head->freelist);
	if (!head->freelist) {
		list_del(&head->lru);
		list_add(&head->lru, &c->slabs_partial);
	}
	head->freelist = va;
	head->private--;
	c->active_objs--;
	c->total_frees++;
	/* An empty slab goes straight back to the buddy allocator. */
	if (head->private == 0)
		slab_destroy(c, head);
	spin_unlock_irqrestore(&c->lock, irq);
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align, unsigned flags)
{
	struct kmem_cache tmp, *c;

	memset(&tmp, 0, sizeof(tmp));
	if (!name || !cache_geometry(&tmp, size, align, flags)) {
		printk("kmem_cache_create %s: cannot make a cache of %zu-byte objects aligned to %zu\n",
		       name ? name : "(null)", size, align);
		return NULL;
	}
	c = kmem_cache_alloc(&cache_cache, GFP_KERNEL);
	if (!c)
		return NULL;
	*c = tmp;
	cache_setup(c, name);
	list_add_tail(&c->next, &cache_chain);
	return c;
}

int kmem_cache_destroy(struct kmem_cache *c)
{
	if (!c)
		return 0;
	if (c == &cache_cache || c->active_objs) {
		printk("kmem_cache_destroy %s: Slab cache still has objects (%lu)\n", c->name, c->active_objs);
		return -1;
	}
	list_del(&c->next);
	kmem_cache_free(&cache_cache, c);
	return 0;
}

struct kmem_cache *virt_to_cache(const void *obj)
{
	vaddr_t va = hal_ptr_va(obj);
	struct page *page;

	if (va < PAGE_OFFSET || va >= high_memory)
		return NULL;
	page = virt_to_page(va);
	return PageSlab(page) ? page->slab_cache : NULL;
}

struct kmem_cache *kmem_cache_first(void)
{
	return list_empty(&cache_chain) ? NULL : list_first_entry(&cache_chain, struct kmem_cache, next);
}

struct kmem_cache *kmem_cache_next(struct kmem_cache *c)
{
	return c->next.next == &cache_chain ? NULL : list_entry(c->next.next, struct kmem_cache, next);
}

