/*
 * The vmalloc allocator's test switches and index check.  How the gap search and the lookups run:
 * VMALLOC_SEARCH_INDEXED (the default, and what every boot starts with) through the tree in
 * O(log n), VMALLOC_SEARCH_LINEAR by walking vmlist ("the vm_struct list is searched linearly by
 * the function get_vm_area()", Understanding the Linux Virtual Memory Manager, §8.2), kept as the
 * reference the benchmark and the tests compare with.  Both give the same placements; the switch
 * may be flipped at any time.
 */
#ifndef MM_DEBUG_VMALLOC_DEBUG_H
#define MM_DEBUG_VMALLOC_DEBUG_H

#include <stdio.h>

enum vmalloc_search { VMALLOC_SEARCH_INDEXED = 0, VMALLOC_SEARCH_LINEAR = 1 };

/* Select how first fit and the lookups search from now on. */
void vmalloc_set_search(enum vmalloc_search mode);

/* How first fit and the lookups search now. */
enum vmalloc_search vmalloc_get_search(void);

/* Check the index beside vmlist: same areas in the same order, every recorded gap right and every
 * subtree bound covering its subtree; prints what is wrong to out and returns the number of
 * problems. */
unsigned long vmalloc_index_check(FILE *out);

#endif
