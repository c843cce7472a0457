/*
 * What both Multiboot parsers (multiboot.c for v1, multiboot2.c) share to
 * fill a struct boot_params: warnings, reservations, bounded copies out of
 * the loader's memory through a phys_reader, and the e820 table.  Pure code;
 * private to the two parsers.
 */
#ifndef FIRMWARE_BOOT_PARAMS_INTERNAL_H
#define FIRMWARE_BOOT_PARAMS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <multiboot.h>

/* Append one printf-formatted warning to bp->warnings (dropped once BOOT_MAX_WARNINGS are kept). */
void boot_warn(struct boot_params *bp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record [start, start + len) as loader data the memory manager must not hand out (end clipped at 4 GiB). */
void boot_reserve(struct boot_params *bp, uint32_t start, uint32_t len, const char *what);

/* Copy len bytes at physical pa into dst through read; false (dst untouched) if they cannot be read. */
bool boot_read_copy(phys_reader read, void *ctx, uint32_t pa, void *dst, uint32_t len);

/*
 * Copy the NUL-terminated string at pa, reading at most limit bytes, into
 * dst of size bytes (always NUL-terminated); *len is the bytes read, NUL
 * included.  False when the string was cut short (no NUL within limit or
 * size - 1 bytes, or memory unreadable).
 */
bool boot_copy_string(phys_reader read, void *ctx, uint32_t pa, uint32_t limit, char *dst, size_t size,
		      uint32_t *len);

/*
 * Add one memory range to bp->e820: empty ranges dropped, wrapping ones
 * clipped, unknown types reserved; a full table is sorted and merged first.
 */
void boot_add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type);

/* Sort bp->e820 by address and merge neighbours of one type that touch, as Linux's e820 sanitising does. */
void boot_sort_e820(struct boot_params *bp);

#endif
