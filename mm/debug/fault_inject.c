/*
 * Allocation-failure injection (see mm/debug/fault_inject.h): the functions fault_inject_set()
 * installs in the core allocators' hooks (should_fail_alloc_page in mm/page_alloc.c,
 * should_fail_slab_alloc in mm/slab.c); they are inert while the mode is off.
 */
#include <stdio.h>
#include <string.h>

#include <mm/debug/fault_inject.h>
#include <mm/page_alloc.h>
#include <mm/slab.h>

struct fault_inject_state fault_inject;

/* splitmix64: a full-period 64-bit generator that turns any seed, 0 included, into a good
 * stream. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool fault_inject_page(gfp_t gfp, unsigned order);
static bool fault_inject_slab(struct kmem_cache *cache, gfp_t gfp);

void fault_inject_set(enum fault_inject_mode mode, unsigned long n, uint64_t seed)
{
	memset(&fault_inject, 0, sizeof(fault_inject));
	if (mode != FAULT_INJECT_OFF && n == 0)
		mode = FAULT_INJECT_OFF;
	fault_inject.mode = mode;
	fault_inject.n = mode == FAULT_INJECT_OFF ? 0 : n;
	fault_inject.seed = mode == FAULT_INJECT_RANDOM ? seed : 0;
	fault_inject.rng = fault_inject.seed;
	/* Installed from the first call on; the hooks themselves do nothing while the mode is off,
	 * so a caller may save and restore the state by assignment. */
	should_fail_alloc_page = fault_inject_page;
	should_fail_slab_alloc = fault_inject_slab;
}

unsigned long fault_inject_count(void)
{
	return fault_inject.page_injected + fault_inject.slab_injected;
}

/* Count one allocation and decide whether the schedule fails it. */
static bool decide(void)
{
	fault_inject.calls++;
	switch (fault_inject.mode) {
	case FAULT_INJECT_NTH:
		return fault_inject.calls % fault_inject.n == 0;
	case FAULT_INJECT_RANDOM:
		return next_random(&fault_inject.rng) % fault_inject.n == 0;
	default:
		return false;
	}
}

/* The page allocator's hook: count the allocation and decide. */
static bool fault_inject_page(gfp_t gfp, unsigned order)
{
	(void)gfp;
	(void)order;
	if (fault_inject.mode == FAULT_INJECT_OFF)
		return false;
	fault_inject.page_calls++;
	if (!decide())
		return false;
	fault_inject.page_injected++;
	/* alloc_pages() reports the failure itself unless __GFP_NOWARN. */
	return true;
}

/* The slab allocator's hook: count the allocation, decide, and report an injected failure. */
static bool fault_inject_slab(struct kmem_cache *cache, gfp_t gfp)
{
	if (fault_inject.mode == FAULT_INJECT_OFF)
		return false;
	fault_inject.slab_calls++;
	if (!decide())
		return false;
	fault_inject.slab_injected++;
	if (!(gfp & __GFP_NOWARN))
		printf("slab %s: allocation failure (injected failure %lu)\n", cache ? cache->name : "?",
		       fault_inject_count());
	return true;
}

void fault_inject_show(FILE *out)
{
	switch (fault_inject.mode) {
	case FAULT_INJECT_NTH:
		fprintf(out, "failinject: nth %lu: allocation %lu fails, then every %lu-th\n", fault_inject.n,
			fault_inject.n, fault_inject.n);
		break;
	case FAULT_INJECT_RANDOM:
		fprintf(out, "failinject: random %lu seed %llu: each allocation fails with probability 1/%lu\n",
			fault_inject.n, (unsigned long long)fault_inject.seed, fault_inject.n);
		break;
	default:
		fprintf(out, "failinject: off\n");
		break;
	}
	fprintf(out, "failinject: %lu page allocations (%lu failed), %lu object allocations (%lu failed)\n",
		fault_inject.page_calls, fault_inject.page_injected, fault_inject.slab_calls,
		fault_inject.slab_injected);
}
