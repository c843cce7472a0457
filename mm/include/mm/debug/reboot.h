/*
 * Booting the fake machine again.  The image boots once, from the zeroed state its loader leaves,
 * so the core initialises only what that state does not already say.  A host test or benchmark
 * that calls mm_init() a second time in the same process first puts back, with mm_debug_reboot(),
 * what the previous run left behind: the vmalloc list, its index and search mode, the lazily freed
 * ranges, the lazy limit, the vmalloc counters and the lock flags.
 */
#ifndef MM_DEBUG_REBOOT_H
#define MM_DEBUG_REBOOT_H

/* Return the kernel virtual areas' run-time state to that of a freshly loaded image (call before
 * mm_init() and vmalloc_init() on a fake machine booted again). */
void mm_debug_reboot(void);

#endif
