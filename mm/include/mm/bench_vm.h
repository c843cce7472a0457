/* Benchmarks of the kernel virtual areas, run in the image by `bench` and on the host by tests. */
#ifndef MM_BENCH_VM_H
#define MM_BENCH_VM_H

#include <stdio.h>

/*
 * Print one line per case, "BENCH name=<case> n=<live areas or pages>
 * ops=<count> cycles_per_op=<value>" (or "skipped=<why>"): vmalloc+vfree of
 * one page with 10, 100, 1000 and 10000 live areas, kmap+kunmap of a mapped
 * high page, kmap+kunmap of fresh high pages (one global flush per
 * LAST_PKMAP), and kmap_atomic+kunmap_atomic.  Leaves nothing allocated.
 */
void bench_vm(FILE *out);

#endif
