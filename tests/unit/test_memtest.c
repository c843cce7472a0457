/*
 * The memtest engine against a fake memory: a host array of pages behind
 * map/unmap callbacks that can force a bit to 0 or 1 (a stuck cell) or
 * ignore an address bit (two pages that alias), so each pattern can be
 * shown to catch what it is meant to catch, at the right physical address.
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
	unsigned progress[16], nr_progress;
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

static void f_progress(void *ctx, unsigned percent, const char *pattern)
{
	(void)ctx;
	assert_non_null(pattern);
	if (fake.nr_progress < 16)
		fake.progress[fake.nr_progress++] = percent;
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

static const struct memtest_ops ops = { NULL, f_map, f_unmap, f_stop, f_progress, f_bad };

/* Two ranges with a hole between them, as free buddy blocks usually are. */
static const struct memtest_range ranges[2] = {
	{ BASE, PAGES / 2 - 4 },
	{ BASE + (uint64_t)(PAGES / 2) * MEMTEST_PAGE_SIZE, PAGES / 2 },
};

static struct memtest_config config(void)
{
	struct memtest_config c;

	memset(&c, 0, sizeof(c));
	c.ranges = ranges;
	c.nr_ranges = 2;
	c.seed = 12345;
	return c;
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.mapped = ~0ull;
	return 0;
}

static void all_bad_at(uint64_t phys)
{
	assert_true(fake.nr_bad > 0);
	for (unsigned i = 0; i < fake.nr_bad && i < MAX_BAD; i++)
		assert_true(fake.bad[i].phys == phys);
}

static void good_memory_passes(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;
	uint64_t pages = ranges[0].pages + ranges[1].pages;

	(void)state;
	memset(&res, 0, sizeof(res));
	assert_int_equal(memtest_pass(&c, &ops, &res), 0);
	assert_int_equal(res.errors, 0);
	assert_int_equal(fake.nr_bad, 0);
	assert_false(res.stopped);
	assert_int_equal(fake.maps, fake.unmaps);
	/* Per page: 8 page writes and 7 page reads (moving inversions reads and writes twice). */
	assert_true(res.bytes_written == pages * 8 * MEMTEST_PAGE_SIZE);
	assert_true(res.bytes_read == pages * 7 * MEMTEST_PAGE_SIZE);
	/* Moving inversions ends with zeros everywhere under test, and the hole is never touched. */
	assert_int_equal(fake.store[0][0], 0);
	for (unsigned p = ranges[0].pages; p < PAGES / 2; p++)
		for (unsigned i = 0; i < WORDS; i++)
			assert_int_equal(fake.store[p][i], 0);
}

static void progress_by_tenths(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;

	(void)state;
	memset(&res, 0, sizeof(res));
	memtest_pass(&c, &ops, &res);
	assert_int_equal(fake.nr_progress, 9);
	for (unsigned i = 0; i < 9; i++)
		assert_int_equal(fake.progress[i], 10 * (i + 1));
}

static void stuck_at_zero(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;
	uint64_t phys = BASE + 40 * MEMTEST_PAGE_SIZE + 0x124;

	(void)state;
	fake.stuck = true;
	fake.stuck_phys = phys;
	fake.stuck_bit = 9; /* (phys / 4) % 32 == 9: walking ones sets exactly this bit here */
	fake.stuck_value = 0;
	memset(&res, 0, sizeof(res));
	assert_int_equal(memtest_pattern(0, &c, &ops, &res), 1);
	all_bad_at(phys);
	assert_int_equal(fake.bad[0].expected, 1u << 9);
	assert_int_equal(fake.bad[0].actual, 0);
	assert_string_equal(fake.bad[0].pattern, "walking ones");
	/* Walking zeros sets every other bit of this word: a stuck 0 there is not its business. */
	fake.nr_bad = 0;
	assert_int_equal(memtest_pattern(1, &c, &ops, &res), 0);
	/* Moving inversions writes all ones, so it sees the stuck 0 too. */
	assert_true(memtest_pattern(4, &c, &ops, &res) > 0);
	all_bad_at(phys);
	assert_int_equal(fake.bad[0].expected, 0xffffffffu);
	assert_int_equal(fake.bad[0].actual, 0xffffffffu & ~(1u << 9));
}

static void stuck_at_one(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;
	uint64_t phys = BASE + 3 * MEMTEST_PAGE_SIZE + 0x40; /* (phys / 4) % 32 == 16 */

	(void)state;
	fake.stuck = true;
	fake.stuck_phys = phys;
	fake.stuck_bit = 16;
	fake.stuck_value = 1;
	memset(&res, 0, sizeof(res));
	assert_int_equal(memtest_pattern(1, &c, &ops, &res), 1);
	all_bad_at(phys);
	assert_int_equal(fake.bad[0].expected, ~(1u << 16));
	assert_int_equal(fake.bad[0].actual, 0xffffffffu);
	/* A stuck 1 in any other bit of the word is walking ones' to find. */
	fake.nr_bad = 0;
	fake.stuck_bit = 3;
	assert_int_equal(memtest_pattern(0, &c, &ops, &res), 1);
	assert_int_equal(fake.bad[0].actual, (1u << 16) | (1u << 3));
	/* And the whole pass reports it from several patterns, always at the same address. */
	fake.nr_bad = 0;
	memset(&res, 0, sizeof(res));
	assert_true(memtest_pass(&c, &ops, &res) >= 3);
	all_bad_at(phys);
	assert_true(res.errors == fake.nr_bad);
}

static void aliased_pages_found_by_own_address(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;

	(void)state;
	/* Address bit 17 is not decoded: page 32 (0x420000) reads and writes page 0 (0x400000). */
	fake.alias_bit = 1u << 17;
	memset(&res, 0, sizeof(res));
	/* Walking ones depends on the low address bits only, so it cannot tell the two pages apart. */
	assert_int_equal(memtest_pattern(0, &c, &ops, &res), 0);
	assert_true(memtest_pattern(2, &c, &ops, &res) > 0);
	assert_true(fake.bad[0].phys < BASE + (1u << 17));
	assert_true(fake.bad[0].expected == (uint32_t)fake.bad[0].phys);
	assert_true(fake.bad[0].actual == (uint32_t)(fake.bad[0].phys | (1u << 17)));
	/* The random pattern catches it as well. */
	fake.nr_bad = 0;
	assert_true(memtest_pattern(3, &c, &ops, &res) > 0);
}

static void injected_fault_reported_at_its_address(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;
	uint64_t phys = BASE + 50 * MEMTEST_PAGE_SIZE + 0xabc;

	(void)state;
	c.inject_phys = phys;
	c.inject_mask = 0x10;
	memset(&res, 0, sizeof(res));
	/* Every read back of the word: once per verify pass, twice for own address and moving inversions. */
	assert_int_equal(memtest_pass(&c, &ops, &res), 7);
	assert_int_equal(fake.nr_bad, 7);
	all_bad_at(phys);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(fake.bad[i].expected ^ fake.bad[i].actual, 0x10);
	assert_string_equal(fake.bad[0].pattern, "walking ones");
	assert_string_equal(fake.bad[6].pattern, "moving inversions");
}

static void random_pattern_depends_on_seed(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;
	uint32_t first[WORDS];

	(void)state;
	memset(&res, 0, sizeof(res));
	memtest_pattern(3, &c, &ops, &res);
	memcpy(first, fake.store[0], sizeof(first));
	assert_true(first[0] != first[1]);
	c.seed = 54321;
	memtest_pattern(3, &c, &ops, &res);
	assert_memory_not_equal(first, fake.store[0], sizeof(first));
	c.seed = 12345;
	memtest_pattern(3, &c, &ops, &res);
	assert_memory_equal(first, fake.store[0], sizeof(first));
	assert_int_equal(res.errors, 0);
}

static void stops_when_asked(void **state)
{
	struct memtest_config c = config();
	struct memtest_result res;

	(void)state;
	fake.stop_after = 100;
	memset(&res, 0, sizeof(res));
	memtest_pass(&c, &ops, &res);
	assert_true(res.stopped);
	assert_int_equal(fake.maps, 99);
	assert_int_equal(fake.maps, fake.unmaps);
	assert_int_equal(res.errors, 0);
}

static void xorshift_never_reaches_zero(void **state)
{
	uint32_t s = 1;

	(void)state;
	for (unsigned i = 0; i < 100000; i++)
		assert_true(memtest_xorshift32(&s) != 0);
	assert_string_equal(memtest_pattern_name(4), "moving inversions");
	assert_string_equal(memtest_pattern_name(MEMTEST_NR_PATTERNS), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(good_memory_passes, setup),
		cmocka_unit_test_setup(progress_by_tenths, setup),
		cmocka_unit_test_setup(stuck_at_zero, setup),
		cmocka_unit_test_setup(stuck_at_one, setup),
		cmocka_unit_test_setup(aliased_pages_found_by_own_address, setup),
		cmocka_unit_test_setup(injected_fault_reported_at_its_address, setup),
		cmocka_unit_test_setup(random_pattern_depends_on_seed, setup),
		cmocka_unit_test_setup(stops_when_asked, setup),
		cmocka_unit_test_setup(xorshift_never_reaches_zero, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
