/*
 * Building a struct boot_params from a loader's information: the helpers
 * both Multiboot parsers use.  Every read goes through the caller's
 * phys_reader, every copy is bounded, and every problem becomes a warning
 * the boot log prints rather than a failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <boot_params_internal.h>

void boot_warn(struct boot_params *bp, const char *fmt, ...)
{
	va_list ap;

	if (bp->nr_warnings >= BOOT_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(bp->warnings[bp->nr_warnings++], sizeof(bp->warnings[0]), fmt, ap);
	va_end(ap);
}

void boot_reserve(struct boot_params *bp, uint32_t start, uint32_t len, const char *what)
{
	if (!len)
		return;
	if (bp->nr_reserved >= BOOT_MAX_RESERVED) {
		boot_warn(bp, "more than %d loader ranges to keep; %s at 0x%x not reserved", BOOT_MAX_RESERVED, what,
			  (unsigned)start);
		return;
	}
	bp->reserved[bp->nr_reserved].start = start;
	bp->reserved[bp->nr_reserved].end = start + len < start ? UINT32_MAX : start + len;
	bp->reserved[bp->nr_reserved].what = what;
	bp->nr_reserved++;
}

bool boot_read_copy(phys_reader read, void *ctx, uint32_t pa, void *dst, uint32_t len)
{
	const void *src = read(ctx, pa, len);

	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

/* Reads one byte at a time, so it never asks the accessor for bytes past the string. */
bool boot_copy_string(phys_reader read, void *ctx, uint32_t pa, uint32_t limit, char *dst, size_t size,
		      uint32_t *len)
{
	size_t i;

	for (i = 0; i + 1 < size && i < limit; i++) {
		const char *c;

		if (pa + i < pa)
			break;
		c = read(ctx, pa + (uint32_t)i, 1);
		if (!c)
			break;
		dst[i] = *c;
		if (!*c) {
			*len = (uint32_t)i + 1;
			return true;
		}
	}
	dst[i] = '\0';
	*len = (uint32_t)i;
	return false;
}

static int by_addr(const void *a, const void *b)
{
	const struct e820_entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void boot_sort_e820(struct boot_params *bp)
{
	struct e820_table *t = &bp->e820;
	unsigned n = 0;

	qsort(t->entries, t->nr_entries, sizeof(t->entries[0]), by_addr);
	for (unsigned i = 0; i < t->nr_entries; i++) {
		struct e820_entry *prev = n ? &t->entries[n - 1] : NULL;

		if (prev && prev->type == t->entries[i].type && prev->addr + prev->size == t->entries[i].addr &&
		    prev->addr + prev->size + t->entries[i].size > prev->addr + prev->size) {
			prev->size += t->entries[i].size;
			continue;
		}
		t->entries[n++] = t->entries[i];
	}
	t->nr_entries = n;
}

void boot_add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	struct e820_table *t = &bp->e820;

	if (!size)
		return;
	if (addr + size < addr) {
		boot_warn(bp, "memory map entry at 0x%llx wraps around; clipped", (unsigned long long)addr);
		size = 0 - addr;
	}
	if (t->nr_entries >= E820_MAX_ENTRIES)
		boot_sort_e820(bp);
	if (t->nr_entries >= E820_MAX_ENTRIES) {
		boot_warn(bp, "memory map has more than %d distinct ranges; the rest ignored", E820_MAX_ENTRIES);
		return;
	}
	t->entries[t->nr_entries].addr = addr;
	t->entries[t->nr_entries].size = size;
	t->entries[t->nr_entries].type = type >= E820_RAM && type <= E820_UNUSABLE ? type : E820_RESERVED;
	t->nr_entries++;
}
