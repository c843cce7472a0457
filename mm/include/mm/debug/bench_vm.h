/* Benchmarks of the kernel virtual areas, run in the image by `bench` and on the host by
 * tests/bench. */
#ifndef MM_BENCH_VM_H
#define MM_BENCH_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What to run and how: set by `bench NAME` and by the host benchmark's options. */
struct bench_opts {
	const char *only;       /* run only the cases whose name starts with this (NULL: all) */
	unsigned long only_n;   /* and (non-zero) only the size n */
	unsigned reps;          /* repetitions of each timed loop; the fastest counts (0: 3) */
	unsigned quick;         /* non-zero: a tenth of the operations (the ctest smoke run) */
	const char *skip;       /* leave out the cases whose name starts with this (NULL: none) */
	unsigned exact;         /* non-zero: only must be the whole name, not a prefix */
	bool (*stop)(void);     /* asked before each case (NULL: never); true skips every case left */
	bool stopped;           /* set once stop said true */
};

extern struct bench_opts bench_opts;

/* One measured case, kept for the target checks. */
struct bench_record {
	const char *name;
	unsigned long n, ops;
	uint64_t cycles_per_op;
	unsigned long flushes;  /* global TLB flushes during the case, where it counts them */
};

#define BENCH_MAX_RECORDS 64
extern struct bench_record bench_records[BENCH_MAX_RECORDS];
extern unsigned bench_nr_records;

/* The loop every timed case runs through (callgrind collects inside it only:
 * --toggle-collect=bench_timed). */
void bench_timed(void (*fn)(void *ctx, unsigned long ops), void *ctx, unsigned long ops);

/* Print "BENCH name=<case> n=<n> ops=<ops> cycles_per_op=<c>" and record it; returns the record. */
struct bench_record *bench_report(FILE *out, const char *name, unsigned long n, unsigned long ops, uint64_t cycles);

/* Whether the options select case name at size n. */
bool bench_selected(const char *name, unsigned long n);

/*
 * Print one line per case, "BENCH name=<case> n=<live areas, slots or
 * pages> ops=<count> cycles_per_op=<value>" (or "skipped=<why>"):
 * vmalloc+vfree of one page with 10, 100, 1000 and 10000 live areas, by the
 * index and by the 2.4 linear walk; the Linux test_vmalloc shapes
 * (fix_size, full_fit, long_busy_list, random_size); vfree of 10,000 areas
 * in a row and its global flushes; kmap+kunmap with 1, 100 and 1000 slots
 * in use; fresh kmaps and their flushes; kmap_atomic+kunmap_atomic.
 * Leaves nothing allocated.
 */
void bench_vm(FILE *out);

/* Check the targets of tests/BENCHMARKS.md as ratios of the recorded cases and print "TARGET ...
 * PASS|MISS" lines; returns the misses. */
unsigned bench_targets(FILE *out);

#endif
