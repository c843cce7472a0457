/*
 * Object caches (kmem_cache_*) and kmalloc on top of the buddy allocator.
 *
 * Where each allocator's memory comes from:
 *   - alloc_pages(): the buddy allocator, every frame free_all_bootmem()
 *     and the high-memory hand-over gave it; the only page source after boot.
 *   - kmem_cache_alloc()/kmalloc(): slabs of 2^order low-memory pages taken
 *     with alloc_pages(GFP_KERNEL...) (ZONE_NORMAL, else ZONE_DMA), so every
 *     object has a linear-map address; an empty slab goes straight back.
 *   - mm_heap_grow() (newlib's malloc via _sbrk, see mm/heap.h): one
 *     contiguous arena of low memory reserved from bootmem in mm_init(),
 *     never returned to the buddy allocator.
 *   - bootmem: before mm_init() finishes only (mem_map, page tables, the
 *     heap arena); retired afterwards.
 *
 * Debugging is always on: a freed object is filled with POISON_FREE (0x6b)
 * except its first word, which links it into its slab's free list;
 * allocating it checks the poison and reports a write after free.  Freeing
 * an object that is on its slab's free list (double free) or a pointer that
 * is not an object is reported and changes nothing.  Reports go to stdout
 * and are counted in the cache.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <hal/page.h>
#include <mm/gfp.h>
#include <mm/list.h>
#include <mm/spinlock.h>

#define POISON_FREE 0x6b

/* kmem_cache_create() flags. */
#define SLAB_HWCACHE_ALIGN 0x1u /* align objects to L1_CACHE_BYTES */
#define SLAB_CACHE_DMA 0x2u     /* slabs from ZONE_DMA */

#define L1_CACHE_BYTES 64u
#define ARCH_KMALLOC_MINALIGN 8u
#define KMEM_CACHE_NAME_LEN 24

/* The largest slab: 2^5 pages (128 KiB), enough for one kmalloc-131072 object. */
#define KMALLOC_MAX_ORDER 5

struct kmem_cache {
	char name[KMEM_CACHE_NAME_LEN];
	size_t object_size;        /* what the creator asked for */
	size_t size;               /* stride between objects, aligned */
	size_t align;
	unsigned flags;
	unsigned order;            /* pages per slab = 2^order */
	unsigned num;              /* objects per slab */
	struct list_head slabs_partial; /* head pages of slabs with free objects */
	struct list_head slabs_full;    /* head pages of slabs without */
	struct list_head next;          /* the cache chain */
	unsigned long num_slabs;
	unsigned long active_objs;
	unsigned long total_allocs, total_frees;
	unsigned long alloc_fail;
	unsigned long poison_errors;    /* writes after free found on allocation */
	unsigned long double_frees;
	unsigned long bad_frees;        /* frees of addresses that are not objects of this cache */
	spinlock_t lock;                /* the slab lists and counters above */
};

/* Machine-wide slab counters. */
struct slab_stats {
	unsigned long slab_pages;  /* pages held by all caches (meminfo Slab) */
	unsigned long bad_kfree;   /* kfree() of addresses that are not slab objects */
};

extern struct slab_stats slab_stats;

/* Set up the cache of caches and forget every other cache; called by mm_init() once the buddy
 * allocator runs. */
void kmem_cache_init(void);

/* Failure injection's hook, asked first by kmem_cache_alloc(): NULL (never fail) unless a debug
 * layer installs a function that returns true when this object allocation must fail. */
extern bool (*should_fail_slab_alloc)(struct kmem_cache *c, gfp_t gfp);

/* A cache of objects of size bytes aligned to align (0: ARCH_KMALLOC_MINALIGN); NULL if it cannot
 * be made. */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align, unsigned flags);

/* One object from cache (zeroed with __GFP_ZERO), or NULL. */
void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp);

/* Return obj to cache; NULL is ignored, double frees and foreign pointers are reported. */
void kmem_cache_free(struct kmem_cache *cache, void *obj);

/* Destroy an empty cache; a cache with live objects is reported and kept. Returns 0 or -1. */
int kmem_cache_destroy(struct kmem_cache *cache);

/* The cache that owns obj, or NULL if obj is not inside a slab. */
struct kmem_cache *virt_to_cache(const void *obj);

/* The first cache on the chain, and the next (NULL at the end), for reports. */
struct kmem_cache *kmem_cache_first(void);
struct kmem_cache *kmem_cache_next(struct kmem_cache *cache);

/* /proc/slabinfo version 2.1 for every cache. */
void show_slabinfo(FILE *out);

/* kmalloc size classes: kmalloc-32 ... kmalloc-131072. */
#define KMALLOC_MIN_SIZE 32u
#define KMALLOC_MAX_SIZE (128u << 10)
#define KMALLOC_SHIFT_LOW 5
#define KMALLOC_SHIFT_HIGH 17

/* Create the kmalloc caches; called by mm_init() after kmem_cache_init(). */
void kmalloc_init(void);

/* size bytes from the smallest size class that holds them (aligned to at least 8, size classes up
 * to a page to their size); NULL for 0, above 128 KiB, or when memory is out. */
void *kmalloc(size_t size, gfp_t gfp);

/* kmalloc() with __GFP_ZERO. */
void *kzalloc(size_t size, gfp_t gfp);

/* Free a kmalloc() object; NULL is fine, anything else that is not one is reported. */
void kfree(const void *obj);

/* The usable size of a kmalloc() object (its size class), 0 if obj is not one. */
size_t ksize(const void *obj);

/* The kmalloc cache for objects of size bytes, or NULL. */
struct kmem_cache *kmalloc_cache(size_t size);

#endif
