/*
 * The layout of a slab, shared by the allocator (slab.c) and its checker (debug/slab_check.c):
 * where a slab's objects start, which addresses are objects, the free pointer in an object's first
 * word and the POISON_FREE in the rest ("Understanding the Linux Virtual Memory Manager", §8.2).
 * Not part of the interface of mm/ (see mm/include/mm/slab.h for that).
 */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hal/mmu.h>
#include <mm/layout.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/slab.h>

#define FREEPTR_SIZE sizeof(vaddr_t)

static inline uint8_t *obj_ptr(vaddr_t va)
{
	return hal_va_ptr(va);
}

/*
 * The image is built -ffreestanding, where a plain memcpy() of one word is
 * a call into newlib; __builtin_memcpy() is one load or store everywhere.
 */
static inline vaddr_t get_freeptr(vaddr_t obj)
{
	vaddr_t next;

	__builtin_memcpy(&next, obj_ptr(obj), sizeof(next));
	return next;
}

static inline struct page *slab_head(const struct kmem_cache *c, struct page *page)
{
	return mem_map + ((pfn_t)(page - mem_map) & ~((1u << c->order) - 1));
}

/* The linear address of a slab's first object (lowmem_page_address() of its head page, without the
 * calls). */
static inline vaddr_t slab_base(const struct page *head)
{
	return __va((paddr_t)(pfn_t)(head - mem_map) << PAGE_SHIFT);
}

/* True when va is the start of an object of the slab whose first object is at base (the range test
 * first, the division last). */
static inline bool is_object_at(const struct kmem_cache *c, vaddr_t base, vaddr_t va)
{
	return va >= base && va - base < c->num * c->size && (va - base) % c->size == 0;
}

/* True when va is the start of an object of the slab whose head page is head. */
static inline bool is_object_of(const struct kmem_cache *c, const struct page *head, vaddr_t va)
{
	return is_object_at(c, slab_base(head), va);
}

/* POISON_FREE in every byte of a 32-bit word. */
#define POISON_FREE_WORD ((uint32_t)POISON_FREE * 0x01010101u)

/*
 * The offset of the first byte after the free pointer that is not
 * POISON_FREE, or 0.  Objects are at least ARCH_KMALLOC_MINALIGN aligned
 * and the free pointer is one word, so the poison is compared a word at a
 * time; the byte loop only finds the offset within a word that differs.
 */
static inline size_t poison_mismatch(const struct kmem_cache *c, vaddr_t obj)
{
	const uint8_t *p = obj_ptr(obj);
	size_t i = FREEPTR_SIZE;

	for (; i + sizeof(uint32_t) <= c->size; i += sizeof(uint32_t)) {
		uint32_t w;

		__builtin_memcpy(&w, p + i, sizeof(w));
		if (w != POISON_FREE_WORD)
			break;
	}
	for (; i < c->size; i++)
		if (p[i] != POISON_FREE)
			return i;
	return 0;
}

#endif
