/*
 * The page allocator benchmark behind `bench`: cycles per alloc_pages() +
 * __free_pages() pair, and per operation in bursts that drain and refill
 * the free lists (so splitting and merging are paid too).
 */
#include <inttypes.h>

#include <hal/cpu.h>
#include <mm/bench.h>
#include <mm/page.h>
#include <mm/page_alloc.h>

#define BENCH_PAIRS 20000u
#define BENCH_BURST 256u

static void bench_order(FILE *out, unsigned order)
{
	struct page *burst[BENCH_BURST];
	uint64_t t0, pair_cycles, burst_cycles;
	unsigned n = 0, rounds = 0;

	t0 = hal_cycles();
	for (unsigned i = 0; i < BENCH_PAIRS; i++) {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

		if (!page) {
			fprintf(out, "bench: order %u: allocation failed after %u pairs\n", order, i);
			return;
		}
		__free_pages(page, order);
	}
	pair_cycles = hal_cycles() - t0;

	t0 = hal_cycles();
	for (unsigned r = 0; r < BENCH_PAIRS / BENCH_BURST; r++, rounds++) {
		for (n = 0; n < BENCH_BURST; n++) {
			burst[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
			if (!burst[n])
				break;
		}
		for (unsigned i = 0; i < n; i++)
			__free_pages(burst[i], order);
		if (n < BENCH_BURST)
			break;
	}
	burst_cycles = hal_cycles() - t0;
	fprintf(out, "alloc_pages order %u: %" PRIu64 " cycles per alloc+free pair (%u pairs), %" PRIu64
		     " cycles per op in bursts of %u (%u bursts)\n",
		order, pair_cycles / BENCH_PAIRS, BENCH_PAIRS,
		rounds ? burst_cycles / ((uint64_t)rounds * BENCH_BURST * 2) : 0, BENCH_BURST, rounds);
}

void bench_page_alloc(FILE *out)
{
	unsigned long before = nr_free_pages();

	bench_order(out, 0);
	bench_order(out, 3);
	if (nr_free_pages() != before)
		fprintf(out, "bench: free pages %lu before, %lu after\n", before, nr_free_pages());
}
