/*
 * Allocation-failure injection: make page allocations (alloc_pages(), the
 * buddy allocator's single choke point) and slab object allocations
 * (kmem_cache_alloc(), hence kmalloc) fail on purpose, so that every
 * caller's error path runs and can be checked for leaks.
 *
 * Two schedules, counted over page and object allocations together from
 * the moment the mode is set:
 *   nth N     the Nth allocation fails, then every Nth after it;
 *   random N  each allocation fails with probability 1/N, drawn from a
 *             generator seeded with SEED, so a run is reproducible.
 * An injected failure looks exactly like running out of memory to the
 * caller; it is counted here and in page_alloc_stats.injected, and unless
 * the request has __GFP_NOWARN it is reported on the console like a real
 * failure ("page allocation failure", "slab ...: allocation failure").
 */
#ifndef MM_DEBUG_FAULT_INJECT_H
#define MM_DEBUG_FAULT_INJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mm/gfp.h>

struct kmem_cache;

enum fault_inject_mode {
	FAULT_INJECT_OFF,
	FAULT_INJECT_NTH,
	FAULT_INJECT_RANDOM,
};

struct fault_inject_state {
	enum fault_inject_mode mode;
	unsigned long n;             /* the N of the schedule */
	uint64_t seed;               /* FAULT_INJECT_RANDOM: the seed the generator started from */
	uint64_t rng;                /* the generator's state */
	unsigned long calls;         /* allocations seen since the mode was set */
	unsigned long page_calls, slab_calls;
	unsigned long page_injected, slab_injected;
};

extern struct fault_inject_state fault_inject;

/* Set the schedule (n >= 1; FAULT_INJECT_OFF ignores n and seed) and reset the counters. */
void fault_inject_set(enum fault_inject_mode mode, unsigned long n, uint64_t seed);

/* Injected failures so far, pages and objects together. */
unsigned long fault_inject_count(void);

/* Print the schedule and the counters on one line each (the `failinject` command). */
void fault_inject_show(FILE *out);

#endif
