/*
 * The page allocator benchmark behind `bench`: cycles per alloc_pages() +
 * __free_pages() pair, and per operation in bursts of 256 allocations then
 * 256 frees (so splitting and merging are paid too), for orders 0 and 3;
 * then the cycles mm_init() took and where mem_map went.  One
 * "BENCH name=... n=... ops=... cycles_per_op=..." line per case.
 */
#include <inttypes.h>

#include <hal/cpu.h>
#include <mm/debug/bench.h>
#include <mm/init.h>
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
	fprintf(out, "BENCH name=alloc_free_pair_order%u n=1 ops=%u cycles_per_op=%" PRIu64 "\n", order, BENCH_PAIRS,
		pair_cycles / BENCH_PAIRS);
	if (rounds)
		fprintf(out, "BENCH name=alloc_free_burst_order%u n=%u ops=%u cycles_per_op=%" PRIu64 "\n", order,
			BENCH_BURST, rounds * BENCH_BURST * 2, burst_cycles / ((uint64_t)rounds * BENCH_BURST * 2));
}

void bench_page_alloc(FILE *out)
{
	unsigned long before = nr_free_pages();

	bench_order(out, 0);
	bench_order(out, 3);
	if (nr_free_pages() != before)
		fprintf(out, "bench: free pages %lu before, %lu after\n", before, nr_free_pages());
	fprintf(out, "BENCH name=mm_init n=%lu ops=1 cycles_per_op=%" PRIu64 "\n", (unsigned long)max_pfn,
		mm_boot_facts.boot_cycles);
	fprintf(out, "# struct page %zu bytes; mem_map %" PRIu64 " KiB at [mem 0x%08" PRIx64 "-0x%08" PRIx64 "]\n",
		mm_boot_facts.struct_page_size,
		(uint64_t)(mm_boot_facts.mem_map_end - mm_boot_facts.mem_map_start) >> 10,
		(uint64_t)mm_boot_facts.mem_map_start, (uint64_t)mm_boot_facts.mem_map_end - 1);
}
