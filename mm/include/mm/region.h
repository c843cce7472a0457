/*
 * Faults that explain themselves: the name of the region of the kernel
 * address map that an address falls in, for the oops handler and the
 * `pt`/`md` commands, and the callers recorded in vm_structs.
 */
#ifndef MM_REGION_H
#define MM_REGION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hal/page.h>

/* Describe the region of addr in buf (e.g. "guard page after vmalloc area 0xc2800000-0xc2802000
 * (8192 bytes, caller ...)") and return buf. */
const char *mm_region_name(vaddr_t addr, char *buf, size_t len);

/* Turns a code address into "symbol+0xoff" in buf; returns 0 on success, non-zero if it cannot. */
typedef int (*mm_symbolizer_fn)(uintptr_t addr, char *buf, size_t len);

/* Install the firmware's symbol lookup for callers (NULL: print raw addresses). */
void mm_set_symbolizer(mm_symbolizer_fn fn);

/* Write caller as a symbol if the symbolizer knows it, else as 0x-hex, into buf and return buf. */
const char *mm_caller_name(const void *caller, char *buf, size_t len);

#endif
