/*
 * The newlib heap arena: a bounded, contiguous break pointer over memory
 * reserved from bootmem by mm_init() (see mm/heap.h).
 */
#include <mm/heap.h>

static vaddr_t heap_start, heap_brk, heap_end;

void mm_heap_init(vaddr_t start, size_t size)
{
	heap_start = heap_brk = start;
	heap_end = start + (vaddr_t)size;
}

vaddr_t mm_heap_grow(size_t bytes)
{
	vaddr_t old = heap_brk;

	if (!heap_start || bytes > (size_t)(heap_end - heap_brk))
		return 0;
	heap_brk += (vaddr_t)bytes;
	return old;
}

vaddr_t mm_heap_shrink(size_t bytes)
{
	vaddr_t old = heap_brk;

	if (!heap_start || bytes > (size_t)(heap_brk - heap_start))
		return 0;
	heap_brk -= (vaddr_t)bytes;
	return old;
}

void mm_heap_range(vaddr_t *start, vaddr_t *brk, vaddr_t *end)
{
	if (start)
		*start = heap_start;
	if (brk)
		*brk = heap_brk;
	if (end)
		*end = heap_end;
}
