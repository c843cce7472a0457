/* Benchmarks of process address spaces, run in the image by `bench-proc`. */
#ifndef MM_BENCH_MM_H
#define MM_BENCH_MM_H

#include <stdio.h>

/*
 * Print BENCH lines for: find_vma over 10, 1,000 and 10,000 regions
 * (random addresses, so the one-entry cache rarely answers); an anonymous
 * page fault (allocate, zero through kmap_atomic, map); fork's copy of an
 * address space with 16 MiB touched (dup_mmap) and its teardown (mmput).
 * Leaves nothing allocated; returns the number of failures.
 */
int bench_mm(FILE *out);

#endif
