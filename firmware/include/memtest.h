/*
 * The memory test engine behind `memtest`: pure C that sees physical
 * memory only through callbacks that map one page at a time, so it runs in
 * the image (kmap_atomic) and in host tests (a fake memory with injected
 * stuck bits and address faults) unchanged.
 *
 * The patterns carry memtest86+'s test numbers (0-10) so the two can be compared; 11 is
 * highmem's own.  Each is written from the published description of the algorithm:
 *   0 addrwalk    address test, walking ones: from the first word of every range, the word
 *                 at each single-bit flip of its address holds its own address (an address
 *                 line stuck or shorted makes two of them one cell); no uncached mode
 *   1 ownaddr     own address, one range at a time: write every word with its address, check
 *   2 ownaddrwin  own address over all ranges at once, the bits above 4 GiB folded in, then
 *                 its complement (catches high address bits that alias whole windows)
 *   3 mi          moving inversions, all zeros then all ones
 *   4 mi8         moving inversions, 8-bit walking one in every byte (8 patterns; the moving
 *                 inversion writes the complements, the walking zeros)
 *   5 mirand      moving inversions, a different random number in every word
 *   6 mi32        moving inversions, 32-bit walking one rotated by one bit on each successive
 *                 word, for all 32 starting bits
 *   7 blockmove   block move: each page filled with a shifting pattern inverted every 8 bytes,
 *                 then moved onto itself (memmove, up and down, four distances), checked last
 *   8 randseq     random number sequence: write, check and write the complement, check
 *   9 modulo20    modulo 20 for a random pattern and its complement: for each offset 0-19 the
 *                 words at that offset mod 20 get the pattern, all others the complement, then
 *                 those words are checked
 *  10 bitfade     bit fade: fill all zeros, wait, check; the same with all ones
 *  11 walkbits    data walking ones and zeros: the word at p holds 1 << ((p / 4) % 32), then
 *                 the complement (every bit of every word set to 1 and to 0 once)
 * Every pattern that reads back writes all of its ranges before it reads any of them, so an
 * address fault that makes two pages alias shows up.
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
	/* Called after each page visit with the visits done so far in this call; may be NULL. */
	void (*progress)(void *ctx, uint64_t visits, const char *pattern);
	/* One word read back wrong. */
	void (*bad_word)(void *ctx, uint64_t phys, uint32_t expected, uint32_t actual, const char *pattern);
	/* Wait seconds for bit fade; false when stopped meanwhile; NULL: no wait. */
	bool (*sleep)(void *ctx, unsigned seconds);
};

struct memtest_config {
	const struct memtest_range *ranges; /* in ascending address order */
	size_t nr_ranges;
	uint32_t seed;         /* for the random patterns (0 is replaced by a fixed non-zero seed) */
	unsigned fade_seconds; /* bit fade's wait between writing and checking */
	uint64_t inject_phys;  /* test hook: flip inject_mask in this word before each read visit */
	uint32_t inject_mask;  /* 0: no fault injection */
};

struct memtest_result {
	uint64_t errors;        /* words read back wrong */
	uint64_t bytes_read;    /* memory traffic, for the throughput */
	uint64_t bytes_written;
	bool stopped;           /* should_stop() ended the run early */
};

#define MEMTEST_NR_PATTERNS 12
#define MEMTEST_ALL ((1u << MEMTEST_NR_PATTERNS) - 1)
/* The default selection: every pattern but bit fade, which waits minutes. */
#define MEMTEST_DEFAULT (MEMTEST_ALL & ~(1u << 10))

/* The short name (as `memtest -t` takes it) of pattern i, or "?" past the last. */
const char *memtest_pattern_name(unsigned i);

/* A one-line description of pattern i, or "?" past the last. */
const char *memtest_pattern_title(unsigned i);

/*
 * True when pattern i reads or writes across every range at once (address walk, own address
 * over all windows), so it must run on one CPU over all the memory, not on one CPU's share.
 */
bool memtest_pattern_serial(unsigned i);

/* The page visits (map, work, unmap) pattern i makes over pages pages, for progress reports. */
uint64_t memtest_pattern_visits(unsigned i, uint64_t pages);

/*
 * Parse a selection: comma-separated pattern numbers, names, number ranges "3-6", or "all" /
 * "default"; sets *mask (bit i for pattern i) and returns true, or returns false and leaves *mask
 * alone on anything it does not know.
 */
bool memtest_parse_selection(const char *s, uint32_t *mask);

/*
 * Run pattern i alone over cfg's ranges; adds to *res; returns the number of bad words it found
 * (0 for i out of range).
 */
uint64_t memtest_pattern(unsigned i, const struct memtest_config *cfg, const struct memtest_ops *ops,
			 struct memtest_result *res);

/*
 * Run every pattern in mask, in number order, over cfg's ranges (one pass); adds to *res (zero it
 * first); returns the number of bad words found.
 */
uint64_t memtest_run(uint32_t mask, const struct memtest_config *cfg, const struct memtest_ops *ops,
		     struct memtest_result *res);

/*
 * Split ranges (n of them, pages in all) into parts nearly equal shares of whole pages, in address
 * order, and store share part (0 <= part < parts) in out (room for n ranges); returns how many
 * ranges it holds (0 for an empty share).
 */
size_t memtest_split(const struct memtest_range *ranges, size_t n, unsigned parts, unsigned part,
		     struct memtest_range *out);

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
