/*
 * The memory test engine behind `memtest`: pure C that sees physical
 * memory only through callbacks that map one page at a time, so it runs in
 * the image (kmap_atomic) and in host tests (a fake memory with injected
 * stuck bits and address faults) unchanged.
 *
 * One pass runs these patterns over every range, each written over all the
 * ranges before any of it is read back, so an address fault that makes two
 * pages alias shows up:
 *   walking ones    word at phys p holds 1 << ((p / 4) % 32)
 *   walking zeros   the complement; together the two set every bit of
 *                   every word to 1 and to 0 once
 *   own address     each word holds its own physical address, then its complement
 *   random          an xorshift32 sequence from the pass's seed
 *   moving inv.     fill 0, then upwards check 0 and write ~0, then
 *                   downwards check ~0 and write 0 (memtest86's test 3)
 */
#ifndef FIRMWARE_MEMTEST_H
#define FIRMWARE_MEMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMTEST_PAGE_SIZE 4096u

/* A physically contiguous run of whole pages. */
struct memtest_range {
	uint64_t start; /* page aligned */
	uint64_t pages;
};

struct memtest_ops {
	void *ctx;
	/* Map the page at physical address phys and return its MEMTEST_PAGE_SIZE bytes. */
	uint32_t *(*map)(void *ctx, uint64_t phys);
	/* Undo map() of the page at phys, which was mapped at p. */
	void (*unmap)(void *ctx, uint32_t *p, uint64_t phys);
	/* Polled between pages: true stops the test (Ctrl-C); may be NULL. */
	bool (*should_stop)(void *ctx);
	/*
	 * Called each time another tenth of the pass is done, with the pattern running; may be
	 * NULL.
	 */
	void (*progress)(void *ctx, unsigned percent, const char *pattern);
	/* One word read back wrong. */
	void (*bad_word)(void *ctx, uint64_t phys, uint32_t expected, uint32_t actual, const char *pattern);
};

struct memtest_config {
	const struct memtest_range *ranges; /* in ascending address order */
	size_t nr_ranges;
	uint32_t seed;         /* for the random pattern (0 is replaced by a fixed non-zero seed) */
	uint64_t inject_phys;  /* test hook: flip inject_mask in every read back of this word */
	uint32_t inject_mask;  /* 0: no fault injection */
};

struct memtest_result {
	uint64_t errors;        /* words read back wrong */
	uint64_t bytes_read;    /* memory traffic, for the throughput */
	uint64_t bytes_written;
	bool stopped;           /* should_stop() ended the pass early */
};

/* The number of patterns, and the name of pattern i (0 <= i < MEMTEST_NR_PATTERNS). */
#define MEMTEST_NR_PATTERNS 5
const char *memtest_pattern_name(unsigned i);

/*
 * Run one pass of every pattern over cfg's ranges; adds to *res (zero it first); returns the number
 * of bad words found in this pass.
 */
uint64_t memtest_pass(const struct memtest_config *cfg, const struct memtest_ops *ops, struct memtest_result *res);

/*
 * Run pattern i alone over cfg's ranges (host tests); adds to *res; returns the number of bad words
 * it found.
 */
uint64_t memtest_pattern(unsigned i, const struct memtest_config *cfg, const struct memtest_ops *ops,
			 struct memtest_result *res);

/* One step of the xorshift32 generator (state must not be 0). */
static inline uint32_t memtest_xorshift32(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

#endif
