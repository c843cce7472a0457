/*
 * The arena behind newlib's malloc: firmware's _sbrk() calls
 * mm_heap_grow().  mm_init() reserves it from bootmem as one contiguous
 * range of low memory (above the 16 MiB mark when RAM allows), so the
 * linear map covers it and it never moves; it is never given back to the
 * buddy allocator.  Before mm_init() there is no arena: _sbrk() must fail
 * or use a small early arena of its own below this one.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>

#include <hal/page.h>

#define MM_HEAP_DEFAULT_SIZE (4u << 20)

/* Set the arena to [start, start + size) (linear addresses, page aligned), empty; called by
 * mm_init(). */
void mm_heap_init(vaddr_t start, size_t size);

/* Grow the heap by bytes and return the old break (sbrk semantics), or 0 when the arena is
 * exhausted or absent. */
vaddr_t mm_heap_grow(size_t bytes);

/* Shrink the heap by bytes (newlib trims with a negative sbrk) and return the old break, or 0 if
 * that goes below the start. */
vaddr_t mm_heap_shrink(size_t bytes);

/* The arena's start, current break and end. */
void mm_heap_range(vaddr_t *start, vaddr_t *brk, vaddr_t *end);

#endif
