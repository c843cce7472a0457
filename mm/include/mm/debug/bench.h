/* Benchmarks of mm/ run in the image by `bench` and on the host by tests/bench. */
#ifndef MM_BENCH_H
#define MM_BENCH_H

#include <stdio.h>

/* Time alloc_pages/__free_pages pairs and bursts of order 0 and order 3 and print the rates to
 * out. */
void bench_page_alloc(FILE *out);

#endif
