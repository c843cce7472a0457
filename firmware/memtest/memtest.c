/*
 * The memory test engine (memtest.h): patterns written and read back a page
 * at a time through the caller's map/unmap callbacks.  Pure C, no firmware
 * headers, so the host tests compile it as it is.
 */
#include <memtest.h>

#define WORDS (MEMTEST_PAGE_SIZE / 4u)
#define DEFAULT_SEED 0x2545f491u

enum gen { GEN_WALK_ONES, GEN_WALK_ZEROS, GEN_ADDR, GEN_NOT_ADDR, GEN_RANDOM };

static const char *const pattern_names[MEMTEST_NR_PATTERNS] = {
	"walking ones", "walking zeros", "own address", "random", "moving inversions",
};

/* Page visits (map, work, unmap) each pattern makes per page, for the progress report. */
static const unsigned pattern_visits[MEMTEST_NR_PATTERNS] = { 2, 2, 4, 2, 3 };

struct run {
	const struct memtest_config *cfg;
	const struct memtest_ops *ops;
	struct memtest_result *res;
	const char *pattern;
	uint64_t found;
	uint64_t visits_done, visits_total;
	unsigned next_tenth;
	uint32_t rng; /* the random pattern's generator state */
};

const char *memtest_pattern_name(unsigned i)
{
	return i < MEMTEST_NR_PATTERNS ? pattern_names[i] : "?";
}

/* Poll for a stop, then count the visit and report each tenth of the run. */
static bool visit_begins(struct run *r)
{
	if (r->res->stopped || (r->ops->should_stop && r->ops->should_stop(r->ops->ctx))) {
		r->res->stopped = true;
		return false;
	}
	r->visits_done++;
	while (r->visits_total && r->next_tenth <= 10 && r->visits_done * 10 >= r->visits_total * r->next_tenth) {
		if (r->ops->progress && r->next_tenth < 10)
			r->ops->progress(r->ops->ctx, r->next_tenth * 10, r->pattern);
		r->next_tenth++;
	}
	return true;
}

/*
 * The index of the word whose read-back the injection hook corrupts on the page at phys, or WORDS
 * for none.
 */
static uint32_t injected_word(const struct run *r, uint64_t phys)
{
	if (!r->cfg->inject_mask || r->cfg->inject_phys < phys || r->cfg->inject_phys >= phys + MEMTEST_PAGE_SIZE)
		return WORDS;
	return (uint32_t)(r->cfg->inject_phys - phys) / 4u;
}

static inline uint32_t expected_value(enum gen g, uint64_t phys, uint32_t *rng)
{
	switch (g) {
	case GEN_WALK_ONES:
		return 1u << ((phys >> 2) & 31u);
	case GEN_WALK_ZEROS:
		return ~(1u << ((phys >> 2) & 31u));
	case GEN_ADDR:
		return (uint32_t)phys;
	case GEN_NOT_ADDR:
		return ~(uint32_t)phys;
	default:
		return memtest_xorshift32(rng);
	}
}

static void write_page(struct run *r, enum gen g, uint64_t phys)
{
	volatile uint32_t *p = r->ops->map(r->ops->ctx, phys);

	for (uint32_t i = 0; i < WORDS; i++)
		p[i] = expected_value(g, phys + 4u * i, &r->rng);
	r->ops->unmap(r->ops->ctx, (uint32_t *)p, phys);
	r->res->bytes_written += MEMTEST_PAGE_SIZE;
}

static void bad(struct run *r, uint64_t phys, uint32_t expected, uint32_t actual)
{
	r->found++;
	r->res->errors++;
	r->ops->bad_word(r->ops->ctx, phys, expected, actual, r->pattern);
}

static void verify_page(struct run *r, enum gen g, uint64_t phys)
{
	volatile uint32_t *p = r->ops->map(r->ops->ctx, phys);
	uint32_t inj = injected_word(r, phys);

	for (uint32_t i = 0; i < WORDS; i++) {
		uint32_t want = expected_value(g, phys + 4u * i, &r->rng), got = p[i];

		if (i == inj)
			got ^= r->cfg->inject_mask;
		if (got != want)
			bad(r, phys + 4u * i, want, got);
	}
	r->ops->unmap(r->ops->ctx, (uint32_t *)p, phys);
	r->res->bytes_read += MEMTEST_PAGE_SIZE;
}

/* Write generator g over every page of every range, then read it all back. */
static void write_then_verify(struct run *r, enum gen g)
{
	const struct memtest_config *c = r->cfg;

	r->rng = c->seed ? c->seed : DEFAULT_SEED;
	for (size_t k = 0; k < c->nr_ranges; k++)
		for (uint64_t n = 0; n < c->ranges[k].pages; n++) {
			if (!visit_begins(r))
				return;
			write_page(r, g, c->ranges[k].start + n * MEMTEST_PAGE_SIZE);
		}
	r->rng = c->seed ? c->seed : DEFAULT_SEED;
	for (size_t k = 0; k < c->nr_ranges; k++)
		for (uint64_t n = 0; n < c->ranges[k].pages; n++) {
			if (!visit_begins(r))
				return;
			verify_page(r, g, c->ranges[k].start + n * MEMTEST_PAGE_SIZE);
		}
}

/* Check every word of the page at phys for want and replace it with next, upwards or downwards. */
static void check_and_flip(struct run *r, uint64_t phys, uint32_t want, uint32_t next, bool down)
{
	volatile uint32_t *p = r->ops->map(r->ops->ctx, phys);
	uint32_t inj = injected_word(r, phys);

	for (uint32_t n = 0; n < WORDS; n++) {
		uint32_t i = down ? WORDS - 1 - n : n, got = p[i];

		if (i == inj)
			got ^= r->cfg->inject_mask;
		if (got != want)
			bad(r, phys + 4u * i, want, got);
		p[i] = next;
	}
	r->ops->unmap(r->ops->ctx, (uint32_t *)p, phys);
	r->res->bytes_read += MEMTEST_PAGE_SIZE;
	r->res->bytes_written += MEMTEST_PAGE_SIZE;
}

static void moving_inversions(struct run *r)
{
	const struct memtest_config *c = r->cfg;

	for (size_t k = 0; k < c->nr_ranges; k++)
		for (uint64_t n = 0; n < c->ranges[k].pages; n++) {
			uint64_t phys = c->ranges[k].start + n * MEMTEST_PAGE_SIZE;
			volatile uint32_t *p;

			if (!visit_begins(r))
				return;
			p = r->ops->map(r->ops->ctx, phys);
			for (uint32_t i = 0; i < WORDS; i++)
				p[i] = 0;
			r->ops->unmap(r->ops->ctx, (uint32_t *)p, phys);
			r->res->bytes_written += MEMTEST_PAGE_SIZE;
		}
	for (size_t k = 0; k < c->nr_ranges; k++)
		for (uint64_t n = 0; n < c->ranges[k].pages; n++) {
			if (!visit_begins(r))
				return;
			check_and_flip(r, c->ranges[k].start + n * MEMTEST_PAGE_SIZE, 0, ~0u, false);
		}
	for (size_t k = c->nr_ranges; k-- > 0;)
		for (uint64_t n = c->ranges[k].pages; n-- > 0;) {
			if (!visit_begins(r))
				return;
			check_and_flip(r, c->ranges[k].start + n * MEMTEST_PAGE_SIZE, ~0u, 0, true);
		}
}

static void run_pattern(struct run *r, unsigned i)
{
	r->pattern = pattern_names[i];
	switch (i) {
	case 0:
		write_then_verify(r, GEN_WALK_ONES);
		break;
	case 1:
		write_then_verify(r, GEN_WALK_ZEROS);
		break;
	case 2:
		write_then_verify(r, GEN_ADDR);
		write_then_verify(r, GEN_NOT_ADDR);
		break;
	case 3:
		write_then_verify(r, GEN_RANDOM);
		break;
	default:
		moving_inversions(r);
		break;
	}
}

static uint64_t total_pages(const struct memtest_config *cfg)
{
	uint64_t n = 0;

	for (size_t k = 0; k < cfg->nr_ranges; k++)
		n += cfg->ranges[k].pages;
	return n;
}

static void run_init(struct run *r, const struct memtest_config *cfg, const struct memtest_ops *ops,
		     struct memtest_result *res, unsigned visits_per_page)
{
	r->cfg = cfg;
	r->ops = ops;
	r->res = res;
	r->pattern = pattern_names[0];
	r->found = 0;
	r->visits_done = 0;
	r->visits_total = total_pages(cfg) * visits_per_page;
	r->next_tenth = 1;
	r->rng = DEFAULT_SEED;
}

uint64_t memtest_pass(const struct memtest_config *cfg, const struct memtest_ops *ops, struct memtest_result *res)
{
	struct run r;
	unsigned visits = 0;

	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++)
		visits += pattern_visits[i];
	run_init(&r, cfg, ops, res, visits);
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS && !res->stopped; i++)
		run_pattern(&r, i);
	return r.found;
}

uint64_t memtest_pattern(unsigned i, const struct memtest_config *cfg, const struct memtest_ops *ops,
			 struct memtest_result *res)
{
	struct run r;

	if (i >= MEMTEST_NR_PATTERNS)
		return 0;
	run_init(&r, cfg, ops, res, pattern_visits[i]);
	run_pattern(&r, i);
	return r.found;
}
