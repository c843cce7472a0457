/*
 * kmalloc: general-purpose allocations served by one object cache per
 * power-of-two size class, kmalloc-32 ... kmalloc-131072, and a matching
 * dma-kmalloc-N cache made on first use for __GFP_DMA requests.
 */
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/layout.h>
#include <mm/page.h>
#include <mm/printk.h>
#include <mm/slab.h>

#define NR_KMALLOC (KMALLOC_SHIFT_HIGH - KMALLOC_SHIFT_LOW + 1)

static struct kmem_cache *kmalloc_caches[NR_KMALLOC];
static struct kmem_cache *kmalloc_dma_caches[NR_KMALLOC];

void kmalloc_init(void)
{
	char name[KMEM_CACHE_NAME_LEN];

	memset(kmalloc_dma_caches, 0, sizeof(kmalloc_dma_caches));
	for (unsigned i = 0; i < NR_KMALLOC; i++) {
		snprintf(name, sizeof(name), "kmalloc-%u", 1u << (i + KMALLOC_SHIFT_LOW));
		kmalloc_caches[i] = kmem_cache_create(name, (size_t)1 << (i + KMALLOC_SHIFT_LOW), 0, 0);
	}
}

/* The size-class index for size bytes (size >= 1 and <= KMALLOC_MAX_SIZE). */
static unsigned kmalloc_index(size_t size)
{
	unsigned shift = KMALLOC_SHIFT_LOW;

	while (((size_t)1 << shift) < size)
		shift++;
	return shift - KMALLOC_SHIFT_LOW;
}

struct kmem_cache *kmalloc_cache(size_t size)
{
	if (size == 0 || size > KMALLOC_MAX_SIZE)
		return NULL;
	return kmalloc_caches[kmalloc_index(size)];
}

static struct kmem_cache *kmalloc_dma_cache(unsigned i)
{
	char name[KMEM_CACHE_NAME_LEN];

	if (!kmalloc_dma_caches[i]) {
		snprintf(name, sizeof(name), "dma-kmalloc-%u", 1u << (i + KMALLOC_SHIFT_LOW));
		kmalloc_dma_caches[i] = kmem_cache_create(name, (size_t)1 << (i + KMALLOC_SHIFT_LOW), 0, SLAB_CACHE_DMA);
	}
	return kmalloc_dma_caches[i];
}

void *kmalloc(size_t size, gfp_t gfp)
{
	unsigned i;

	if (size == 0)
		return NULL;
	if (size > KMALLOC_MAX_SIZE) {
		if (!(gfp & __GFP_NOWARN))
			printk("kmalloc: %zu bytes is above the largest size class (%u)\n", size, KMALLOC_MAX_SIZE);
		return NULL;
	}
	i = kmalloc_index(size);
	return kmem_cache_alloc((gfp & __GFP_DMA) ? kmalloc_dma_cache(i) : kmalloc_caches[i], gfp);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

void kfree(const void *obj)
{
	struct kmem_cache *c;
	vaddr_t va;

	if (!obj)
		return;
	va = hal_ptr_va(obj);
	c = (va >= PAGE_OFFSET && va < high_memory) ? virt_to_cache(obj) : NULL;
	if (!c) {
		slab_stats.bad_kfree++;
		printk("kfree: %#x is not a slab object\n", va);
		return;
	}
	kmem_cache_free(c, (void *)(uintptr_t)obj);
}

size_t ksize(const void *obj)
{
	struct kmem_cache *c = obj ? virt_to_cache(obj) : NULL;

	return c ? c->object_size : 0;
}
