/* The consistency check of one address space, run by the stress engines, the tests and the
 * fuzzer. */
#ifndef MM_DEBUG_VALIDATE_MM_H
#define MM_DEBUG_VALIDATE_MM_H

#include <stdio.h>

struct mm_struct;

/* Check that list, tree, map_count, total_vm and the i_mmap/anon_vma links of mm agree; print
 * problems to out and return their number. */
unsigned long validate_mm(struct mm_struct *mm, FILE *out);

#endif
