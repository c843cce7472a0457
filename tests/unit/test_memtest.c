/*
 * The memtest engine against a fake memory: a host array of pages behind
 * map/unmap callbacks that can force a bit to 0 or 1 (a stuck cell) or
 * ignore an address bit (two pages that alias), so each pattern can be
 * shown to catch what it is meant to catch, at the right physical address;
 * and the selection parser and the split of the memory between CPUs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <memtest.h>

#define PAGES 64u
#define WORDS (MEMTEST_PAGE_SIZE / 4u)
#define BASE 0x00400000ull  /* physical address of fake page 0 */
#define MAX_BAD 64

struct fake {
	uint32_t store[PAGES][WORDS];
	uint32_t window[WORDS];
	uint64_t mapped;      /* phys of the page in window, or ~0 */
	unsigned maps, unmaps;
	/* A stuck cell: bit stuck_bit of the word at stuck_phys always reads stuck_value. */
	uint64_t stuck_phys;
	uint32_t stuck_bit, stuck_value;
	bool stuck;
	uint64_t alias_bit;   /* address bit the decoder ignores (0: none) */
	unsigned stop_after;  /* should_stop() says yes on this call (0: never) */
	unsigned stop_calls;
	uint64_t last_visits; /* the last progress report */
	unsigned nr_progress;
	unsigned sleeps, slept; /* sleep() calls and the seconds asked for */
	bool sleep_says_stop;
	struct {
		uint64_t phys;
		uint32_t expected, actual;
		const char *pattern;
	} bad[MAX_BAD];
	unsigned nr_bad;
};

static struct fake fake;

/* The page of the store that physical address phys decodes to. */
static uint32_t *cell_page(uint64_t phys)
{
	phys &= ~fake.alias_bit;
	assert_true(phys >= BASE && phys < BASE + (uint64_t)PAGES * MEMTEST_PAGE_SIZE);
	return fake.store[(phys - BASE) / MEMTEST_PAGE_SIZE];
}

static void force_stuck(uint32_t *page, uint64_t phys)
{
	if (fake.stuck && (fake.stuck_phys & ~(uint64_t)(MEMTEST_PAGE_SIZE - 1)) == phys) {
		uint32_t *w = &page[(fake.stuck_phys - phys) / 4];

		*w = (*w & ~(1u << fake.stuck_bit)) | (fake.stuck_value << fake.stuck_bit);
	}
}

static uint32_t *f_map(void *ctx, uint64_t phys)
{
	(void)ctx;
	assert_true(fake.mapped == ~0ull);
	assert_int_equal(phys % MEMTEST_PAGE_SIZE, 0);
	memcpy(fake.window, cell_page(phys), sizeof(fake.window));
	force_stuck(fake.window, phys);
	fake.mapped = phys;
	fake.maps++;
	return fake.window;
}

static void f_unmap(void *ctx, uint32_t *p, uint64_t phys)
{
	(void)ctx;
	assert_ptr_equal(p, fake.window);
	assert_true(fake.mapped == phys);
	force_stuck(fake.window, phys);
	memcpy(cell_page(phys), fake.window, sizeof(fake.window));
	fake.mapped = ~0ull;
	fake.unmaps++;
}

static bool f_stop(void *ctx)
{
	(void)ctx;
	return fake.stop_after && ++fake.stop_calls >= fake.stop_after;
}

static void f_progress(void *ctx, uint64_t visits, const char *pattern)
{
	(void)ctx;
	assert_non_null(pattern);
	assert_true(visits == fake.last_visits + 1);
	fake.last_visits = visits;
	fake.nr_progress++;
}

static void f_bad(void *ctx, uint64_t phys, uint32_t expected, uint32_t actual, const char *pattern)
{
	(void)ctx;
	if (fake.nr_bad < MAX_BAD) {
		fake.bad[fake.nr_bad].phys = phys;
		fake.bad[fake.nr_bad].expected = expected;
		fake.bad[fake.nr_bad].actual = actual;
		fake.bad[fake.nr_bad].pattern = pattern;
	}
	fake.nr_bad++;
}

static bool f_sleep(void *ctx, unsigned seconds)
{
	(void)ctx;
	fake.sleeps++;
	fake.slept += seconds;
	return !fake.sleep_says_stop;
}

static const struct memtest_ops ops = { NULL, f_map, f_unmap, f_stop, f_progress, f_bad, f_sleep };

/* Two ranges with a hole between them, as free buddy blocks usually are. */
static const struct memtest_range ranges[2] = {
	{ BASE, PAGES / 2 - 4 },
	{ BASE + (uint64_t)(PAGES / 2) * MEMTEST_PAGE_SIZE, PAGES / 2 },
};

/* A smaller pair for the runs repeated per bit: 4 pages at fake page 0 and 4 at fake page 32. */
static const struct memtest_range small[2] = {
	{ BASE, 4 },
	{ BASE + (uint64_t)(PAGES / 2) * MEMTEST_PAGE_SIZE, 4 },
};

#define RANGE1 (BASE + (uint64_t)(PAGES / 2) * MEMTEST_PAGE_SIZE)

static struct memtest_config config(void)
{
	struct memtest_config c;

	memset(&c, 0, sizeof(c));
	c.ranges = ranges;
	c.nr_ranges = 2;
	c.seed = 12345;
	c.fade_seconds = 7;
	return c;
}

static void reset_fake(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.mapped = ~0ull;
}

static int setup(void **state)
{
	(void)state;
	reset_fake();
	return 0;
}

static void all_bad_at(uint64_t phys)
{
	assert_true(fake.nr_bad > 0);
	for (unsigned i = 0; i < fake.nr_bad && i < MAX_BAD; i++)
		assert_true(fake.bad[i].phys == phys);
}

static void good_memory_passes_every_pattern(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;

	(void)state;
	/* The hole between the ranges holds a marker no pattern may touch. */
	for (unsigned p = ranges[0].pages; p < PAGES / 2; p++)
		for (unsigned i = 0; i < WORDS; i++)
			fake.store[p][i] = 0xfeedf00du;
	memset(&res, 0, sizeof(res));
	assert_int_equal(memtest_run(MEMTEST_ALL, &c, &ops, &res), 0);
	assert_int_equal(res.errors, 0);
	assert_int_equal(fake.nr_bad, 0);
	assert_false(res.stopped);
	assert_int_equal(fake.maps, fake.unmaps);
	assert_true(res.bytes_written > 0 && res.bytes_read > 0);
	for (unsigned p = ranges[0].pages; p < PAGES / 2; p++)
		for (unsigned i = 0; i < WORDS; i++)
			assert_int_equal(fake.store[p][i], 0xfeedf00du);
	/* Bit fade waited twice, as configured. */
	assert_int_equal(fake.sleeps, 2);
	assert_int_equal(fake.slept, 14);
}

/* Each pattern's progress reports count its page visits exactly as memtest_pattern_visits() says. */
static void visits_match_the_table(void **state)
{
	struct memtest_config c = config();
	uint64_t pages = ranges[0].pages + ranges[1].pages;

	(void)state;
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++) {
		struct memtest_result res;

		reset_fake();
		memset(&res, 0, sizeof(res));
		memtest_pattern(i, &c, &ops, &res);
		assert_true(fake.last_visits == memtest_pattern_visits(i, pages));
		assert_int_equal(res.errors, 0);
	}
	assert_true(memtest_pattern_visits(MEMTEST_NR_PATTERNS, pages) == 0);
}

/* Does pattern i, over the small ranges, report the word at phys with bit stuck at value? */
static uint64_t run_stuck(unsigned i, uint64_t phys, unsigned bit, uint32_t value)
{
	struct memtest_config c = config();
	struct memtest_result res;

	reset_fake();
	c.ranges = small;
	fake.stuck = true;
	fake.stuck_phys = phys;
	fake.stuck_bit = bit;
	fake.stuck_value = value;
	memset(&res, 0, sizeof(res));
	return memtest_pattern(i, &c, &ops, &res);
}

/*
 * Every pattern that writes each bit of each word both ways finds a cell stuck at 0 or at 1 in
 * any bit, and reports it at its own address.
 */
static void every_pattern_finds_a_stuck_bit(void **state)
{
	static const unsigned both_ways[] = { 0, 2, 3, 4, 5, 6, 8, 9, 10, 11 };
	static const unsigned bits[] = { 0, 7, 13, 31 };
	uint64_t phys = RANGE1; /* the first word of a range: the address walk's reference */

	(void)state;
	for (unsigned t = 0; t < sizeof(both_ways) / sizeof(both_ways[0]); t++)
		for (unsigned b = 0; b < 4; b++)
			for (uint32_t v = 0; v < 2; v++) {
				uint64_t found = run_stuck(both_ways[t], phys, bits[b], v);

				if (!found)
					fail_msg("test %u missed bit %u stuck at %u", both_ways[t], bits[b], v);
				all_bad_at(phys);
				assert_int_equal((fake.bad[0].expected ^ fake.bad[0].actual), 1u << bits[b]);
				assert_string_equal(fake.bad[0].pattern, memtest_pattern_name(both_ways[t]));
			}
}

/* Own address writes each word once: it finds a stuck bit the address does not hold. */
static void own_address_finds_bits_against_the_address(void **state)
{
	uint64_t phys = RANGE1 + 0x1234; /* bit 2 of the address is 1, bit 3 is 0 */

	(void)state;
	assert_true(run_stuck(1, phys, 2, 0) > 0);
	all_bad_at(phys);
	assert_true(run_stuck(1, phys, 3, 1) > 0);
	all_bad_at(phys);
	assert_int_equal(fake.bad[0].expected, (uint32_t)phys);
	/* A bit stuck at the value the address has there is invisible to it. */
	assert_int_equal(run_stuck(1, phys, 2, 1), 0);
}

/* Block move: a bit stuck against the value the last check expects there is found. */
static void block_move_finds_a_stuck_bit(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;
	uint32_t want;

	(void)state;
	/* What a good memory holds at RANGE1 + 8 after block move. */
	reset_fake();
	c.ranges = small;
	memset(&res, 0, sizeof(res));
	assert_int_equal(memtest_pattern(7, &c, &ops, &res), 0);
	want = fake.store[PAGES / 2][2];
	assert_true(want != fake.store[PAGES / 2][3]);
	for (unsigned bit = 0; bit < 32; bit += 5) {
		assert_true(run_stuck(7, RANGE1 + 8, bit, ((want >> bit) & 1u) ^ 1u) > 0);
		assert_true(fake.bad[0].phys >= RANGE1 && fake.bad[0].phys < RANGE1 + MEMTEST_PAGE_SIZE);
	}
}

static uint64_t run_alias(unsigned i, uint64_t alias_bit)
{
	struct memtest_config c = config();
	struct memtest_result res;

	reset_fake();
	fake.alias_bit = alias_bit;
	memset(&res, 0, sizeof(res));
	return memtest_pattern(i, &c, &ops, &res);
}

static void address_faults(void **state)
{
	(void)state;
	/* Address bit 17 is not decoded: page 32 (0x420000, range 1) reads and writes page 0 (range 0). */
	assert_true(run_alias(0, 1u << 17) > 0);
	assert_true(fake.bad[0].phys == BASE || fake.bad[0].phys == RANGE1);
	assert_true(run_alias(2, 1u << 17) > 0);
	assert_true(fake.bad[0].phys < BASE + (1u << 17));
	assert_true(fake.bad[0].expected == (uint32_t)fake.bad[0].phys);
	assert_true(fake.bad[0].actual == (uint32_t)(fake.bad[0].phys | (1u << 17)));
	/* One range at a time cannot see two ranges alias: that is what test 2 is for. */
	assert_int_equal(run_alias(1, 1u << 17), 0);
	/* The random patterns see it too; data walking bits depend on the low address bits only. */
	assert_true(run_alias(5, 1u << 17) > 0);
	assert_true(run_alias(8, 1u << 17) > 0);
	assert_int_equal(run_alias(11, 1u << 17), 0);
	/* Inside one range (bit 13: page 2 is page 0) own address finds it one range at a time. */
	assert_true(run_alias(1, 1u << 13) > 0);
	assert_true(run_alias(0, 1u << 13) > 0);
}

/* The injection hook: every read visit of the word reports it, at its address, with its bits. */
static void injected_fault_reported_by_every_pattern(void **state)
{
	/*
	 * Read visits of one word per pattern (addrwalk: range 1's reference word, read twice as the
	 * reference and twice as range 0's probe for address bit 17).
	 */
	static const unsigned reads[MEMTEST_NR_PATTERNS] = { 4, 1, 2, 4, 16, 2, 64, 1, 2, 2, 2, 2 };

	(void)state;
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++) {
		struct memtest_config c = config();
		struct memtest_result res;
		uint64_t phys = i == 0 ? RANGE1 : RANGE1 + 5 * MEMTEST_PAGE_SIZE + 0xabc;

		reset_fake();
		c.inject_phys = phys;
		c.inject_mask = 0x10;
		memset(&res, 0, sizeof(res));
		if (memtest_pattern(i, &c, &ops, &res) != reads[i])
			fail_msg("test %u: %u reports, expected %u", i, fake.nr_bad, reads[i]);
		all_bad_at(phys);
		for (unsigned k = 0; k < fake.nr_bad; k++)
			assert_int_equal(fake.bad[k].expected ^ fake.bad[k].actual, 0x10);
	}
}

static void random_patterns_depend_on_seed(void **state)
{
	static const unsigned random_ones[] = { 5, 8, 9 };

	(void)state;
	for (unsigned t = 0; t < 3; t++) {
		struct memtest_config c = config();
		struct memtest_result res;
		static uint32_t first[WORDS];

		c.ranges = small;
		reset_fake();
		memset(&res, 0, sizeof(res));
		memtest_pattern(random_ones[t], &c, &ops, &res);
		fake.last_visits = 0;
		memcpy(first, fake.store[0], sizeof(first));
		c.seed = 54321;
		memtest_pattern(random_ones[t], &c, &ops, &res);
		fake.last_visits = 0;
		assert_memory_not_equal(first, fake.store[0], sizeof(first));
		c.seed = 12345;
		memtest_pattern(random_ones[t], &c, &ops, &res);
		assert_memory_equal(first, fake.store[0], sizeof(first));
		assert_int_equal(res.errors, 0);
	}
}

static void stops_when_asked(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;

	(void)state;
	fake.stop_after = 100;
	memset(&res, 0, sizeof(res));
	memtest_run(MEMTEST_DEFAULT & ~1u, &c, &ops, &res);
	assert_true(res.stopped);
	assert_int_equal(fake.maps, 99);
	assert_int_equal(fake.maps, fake.unmaps);
	assert_int_equal(res.errors, 0);
	/* A stopped bit fade wait ends the test too. */
	reset_fake();
	fake.sleep_says_stop = true;
	memset(&res, 0, sizeof(res));
	memtest_pattern(10, &c, &ops, &res);
	assert_true(res.stopped);
	assert_int_equal(fake.sleeps, 1);
	assert_int_equal(fake.maps, ranges[0].pages + ranges[1].pages);
}

static void selection_parses_numbers_names_and_ranges(void **state)
{
	uint32_t m = 0;

	(void)state;
	assert_true(memtest_parse_selection("7", &m));
	assert_int_equal(m, 1u << 7);
	assert_true(memtest_parse_selection("modulo20,bitfade", &m));
	assert_int_equal(m, (1u << 9) | (1u << 10));
	assert_true(memtest_parse_selection("3-6,0,walkbits", &m));
	assert_int_equal(m, 0x78u | 1u | (1u << 11));
	assert_true(memtest_parse_selection("all", &m));
	assert_int_equal(m, MEMTEST_ALL);
	assert_true(memtest_parse_selection("default", &m));
	assert_int_equal(m, MEMTEST_DEFAULT);
	assert_false(MEMTEST_DEFAULT & (1u << 10));
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++) {
		assert_true(memtest_parse_selection(memtest_pattern_name(i), &m));
		assert_int_equal(m, 1u << i);
	}
	/* Bad input: false and the mask left alone. */
	m = 0x5a;
	assert_false(memtest_parse_selection("", &m));
	assert_false(memtest_parse_selection(NULL, &m));
	assert_false(memtest_parse_selection("12", &m));
	assert_false(memtest_parse_selection("bogus", &m));
	assert_false(memtest_parse_selection("3-", &m));
	assert_false(memtest_parse_selection("5-3", &m));
	assert_false(memtest_parse_selection("1,,2", &m));
	assert_false(memtest_parse_selection("1,", &m));
	assert_false(memtest_parse_selection("99999999999", &m));
	assert_false(memtest_parse_selection("7,mi9", &m));
	assert_false(memtest_parse_selection("-1", &m));
	assert_int_equal(m, 0x5a);
	assert_string_equal(memtest_pattern_name(9), "modulo20");
	assert_string_equal(memtest_pattern_name(MEMTEST_NR_PATTERNS), "?");
	assert_string_equal(memtest_pattern_title(MEMTEST_NR_PATTERNS), "?");
	assert_true(memtest_pattern_serial(0) && memtest_pattern_serial(2) && !memtest_pattern_serial(3));
}

/* The shares of every split cover the ranges exactly once, in order, within a page of each other. */
static void split_between_cpus(void **state)
{
	static const struct memtest_range in[3] = { { 0x1000, 3 }, { 0x10000, 10 }, { 0x100000, 1 } };

	(void)state;
	for (unsigned parts = 1; parts <= 16; parts++) {
		uint64_t next_page = 0, lo = UINT64_MAX, hi = 0;
		size_t ri = 0;
		uint64_t off = 0;

		for (unsigned part = 0; part < parts; part++) {
			struct memtest_range out[3];
			size_t n = memtest_split(in, 3, parts, part, out);
			uint64_t sum = 0;

			for (size_t k = 0; k < n; k++) {
				assert_true(out[k].pages > 0);
				/* Each piece continues exactly where the previous share stopped. */
				for (uint64_t p = 0; p < out[k].pages; p++) {
					assert_true(ri < 3);
					assert_true(out[k].start + p * MEMTEST_PAGE_SIZE ==
						    in[ri].start + off * MEMTEST_PAGE_SIZE);
					if (++off == in[ri].pages) {
						ri++;
						off = 0;
					}
				}
				sum += out[k].pages;
			}
			next_page += sum;
			lo = sum < lo ? sum : lo;
			hi = sum > hi ? sum : hi;
		}
		assert_true(next_page == 14);
		assert_true(hi - lo <= 1);
	}
	assert_int_equal(memtest_split(in, 3, 0, 0, NULL), 0);
	assert_int_equal(memtest_split(in, 3, 2, 2, NULL), 0);
}

static void xorshift_never_reaches_zero(void **state)
{
	uint32_t s = 1;

	(void)state;
	for (unsigned i = 0; i < 100000; i++)
		assert_true(memtest_xorshift32(&s) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(good_memory_passes_every_pattern, setup),
		cmocka_unit_test_setup(visits_match_the_table, setup),
		cmocka_unit_test_setup(every_pattern_finds_a_stuck_bit, setup),
		cmocka_unit_test_setup(own_address_finds_bits_against_the_address, setup),
		cmocka_unit_test_setup(block_move_finds_a_stuck_bit, setup),
		cmocka_unit_test_setup(address_faults, setup),
		cmocka_unit_test_setup(injected_fault_reported_by_every_pattern, setup),
		cmocka_unit_test_setup(random_patterns_depend_on_seed, setup),
		cmocka_unit_test_setup(stops_when_asked, setup),
		cmocka_unit_test_setup(selection_parses_numbers_names_and_ranges, setup),
		cmocka_unit_test_setup(split_between_cpus, setup),
		cmocka_unit_test_setup(xorshift_never_reaches_zero, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
