/*
 * The memory test engine (memtest.h): patterns written and read back a page
 * at a time through the caller's map/unmap callbacks.  Pure C, no firmware
 * headers, so the host tests compile it as it is.
 *
 * The inner loops work on one mapped page of 32-bit words with the value
 * computed in registers (a constant, a rotate, or a hash of the address)
 * and no call per word; a wrong word leaves the loop through bad(), which
 * is out of line.  Moving inversions and modulo 20 follow the algorithms
 * as published with memtest86+ ("Memtest86+ Test Algorithms").
 */
#include <ctype.h>
#include <string.h>

#include <memtest.h>

#define WORDS (MEMTEST_PAGE_SIZE / 4u)
#define DEFAULT_SEED 0x2545f491u
#define ADDR_BITS 36 /* PAE: 64 GiB */

struct pattern_info {
	const char *name, *title;
	bool serial;
	unsigned visits; /* page visits per page */
};

/* Modulo 20: 2 patterns x 20 offsets x (strided write, write of the rest, strided check). */
#define MOD20_VISITS (2u * 20u * 3u)

static const struct pattern_info patterns[MEMTEST_NR_PATTERNS] = {
	{ "addrwalk", "address test, walking ones", true, 0 },
	{ "ownaddr", "address test, own address (one range at a time)", false, 2 },
	{ "ownaddrwin", "address test, own address across all ranges", true, 4 },
	{ "mi", "moving inversions, ones and zeros", false, 6 },
	{ "mi8", "moving inversions, 8-bit pattern", false, 24 },
	{ "mirand", "moving inversions, random pattern", false, 3 },
	{ "mi32", "moving inversions, 32-bit pattern", false, 96 },
	{ "blockmove", "block move", false, 6 },
	{ "randseq", "random number sequence", false, 3 },
	{ "modulo20", "modulo 20, random pattern", false, MOD20_VISITS },
	{ "bitfade", "bit fade, 2 patterns", false, 4 },
	{ "walkbits", "data walking ones and zeros", false, 4 },
};

struct run {
	const struct memtest_config *cfg;
	const struct memtest_ops *ops;
	struct memtest_result *res;
	const char *pattern;
	uint64_t found;
	uint64_t visits;
	uint32_t seed;
};

const char *memtest_pattern_name(unsigned i)
{
	return i < MEMTEST_NR_PATTERNS ? patterns[i].name : "?";
}

const char *memtest_pattern_title(unsigned i)
{
	return i < MEMTEST_NR_PATTERNS ? patterns[i].title : "?";
}

bool memtest_pattern_serial(unsigned i)
{
	return i < MEMTEST_NR_PATTERNS && patterns[i].serial;
}

uint64_t memtest_pattern_visits(unsigned i, uint64_t pages)
{
	return i < MEMTEST_NR_PATTERNS ? patterns[i].visits * pages : 0;
}

/* One item of a selection (a number, a name, "a-b", "all", "default") into *mask; false if unknown. */
static bool parse_item(const char *s, size_t len, uint32_t *mask)
{
	char buf[16];
	unsigned a = 0, b = 0;
	size_t k = 0;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!strcmp(buf, "all")) {
		*mask |= MEMTEST_ALL;
		return true;
	}
	if (!strcmp(buf, "default")) {
		*mask |= MEMTEST_DEFAULT;
		return true;
	}
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS; i++)
		if (!strcmp(buf, patterns[i].name)) {
			*mask |= 1u << i;
			return true;
		}
	if (!isdigit((unsigned char)buf[0]))
		return false;
	while (isdigit((unsigned char)buf[k]) && a < 100)
		a = a * 10 + (unsigned)(buf[k++] - '0');
	b = a;
	if (buf[k] == '-') {
		k++;
		if (!isdigit((unsigned char)buf[k]))
			return false;
		for (b = 0; isdigit((unsigned char)buf[k]) && b < 100; k++)
			b = b * 10 + (unsigned)(buf[k] - '0');
	}
	if (buf[k] || a > b || b >= MEMTEST_NR_PATTERNS)
		return false;
	for (unsigned i = a; i <= b; i++)
		*mask |= 1u << i;
	return true;
}

bool memtest_parse_selection(const char *s, uint32_t *mask)
{
	uint32_t m = 0;

	if (!s || !*s)
		return false;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (!parse_item(s, len, &m))
			return false;
		if (!comma)
			break;
		s = comma + 1;
	}
	*mask = m;
	return true;
}

/* Poll for a stop, then count the visit and report it. */
static bool visit_begins(struct run *r)
{
	if (r->res->stopped || (r->ops->should_stop && r->ops->should_stop(r->ops->ctx))) {
		r->res->stopped = true;
		return false;
	}
	r->visits++;
	if (r->ops->progress)
		r->ops->progress(r->ops->ctx, r->visits, r->pattern);
	return true;
}

static uint32_t *map(struct run *r, uint64_t phys)
{
	return r->ops->map(r->ops->ctx, phys);
}

static void unmap(struct run *r, uint32_t *p, uint64_t phys, bool read, bool written)
{
	r->ops->unmap(r->ops->ctx, p, phys);
	if (read)
		r->res->bytes_read += MEMTEST_PAGE_SIZE;
	if (written)
		r->res->bytes_written += MEMTEST_PAGE_SIZE;
}

/* The fault-injection hook: before a read visit of the page at phys, corrupt the chosen word. */
static void inject(const struct run *r, uint32_t *p, uint64_t phys)
{
	const struct memtest_config *c = r->cfg;

	if (c->inject_mask && c->inject_phys >= phys && c->inject_phys < phys + MEMTEST_PAGE_SIZE)
		p[(c->inject_phys - phys) / 4u] ^= c->inject_mask;
}

static __attribute__((noinline)) void bad(struct run *r, uint64_t phys, uint32_t expected, uint32_t actual)
{
	r->found++;
	r->res->errors++;
	r->ops->bad_word(r->ops->ctx, phys, expected, actual, r->pattern);
}

/* x rotated left by n (mod 32) bits: the idiom compilers turn into one rotate, no branch. */
static inline uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << (n & 31u)) | (x >> (-n & 31u));
}

/* A hash of a word's address and the seed: the "random" value of that word, from either side. */
static inline uint32_t hash_word(uint32_t w, uint32_t seed)
{
	uint32_t h = (w * 0x9e3779b1u) ^ seed;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

/* The value that names the word at phys uniquely: low 32 bits, the bits above 4 GiB mixed in. */
static inline uint32_t own_address(uint64_t phys)
{
	return (uint32_t)phys ^ ((uint32_t)(phys >> 32) * 0x9e3779b1u);
}

#define FOR_EACH_PAGE(r, phys)                                                                          \
	for (size_t k_ = 0; k_ < (r)->cfg->nr_ranges; k_++)                                               \
		for (uint64_t n_ = 0, phys = (r)->cfg->ranges[k_].start; n_ < (r)->cfg->ranges[k_].pages; \
		     n_++, phys += MEMTEST_PAGE_SIZE)

#define FOR_EACH_PAGE_DOWN(r, phys)                                                               \
	for (size_t k_ = (r)->cfg->nr_ranges; k_-- > 0;)                                          \
		for (uint64_t n_ = (r)->cfg->ranges[k_].pages,                                    \
			      phys = (r)->cfg->ranges[k_].start + n_ * MEMTEST_PAGE_SIZE;         \
		     n_-- > 0 && (phys -= MEMTEST_PAGE_SIZE, true);)

/*
 * The value generators of the write/check loops.  Each is a constant-folded kind so the compiler
 * makes one tight loop per kind.  All but G_SEQ give word i of a page from the page alone, so
 * they run in either direction.
 */
enum gen { G_CONST, G_ROT, G_HASH, G_ADDR, G_SEQ };

struct genstate {
	uint32_t v;    /* G_CONST: the value; G_ROT: the value of word index 0; G_SEQ: xorshift state */
	uint32_t seed; /* G_HASH */
	uint32_t inv;  /* 0 or ~0: xor into every value */
};

/*
 * The words are checked a cache line (16 words) at a time: the differences are or-ed together
 * without a branch, and only a line that differs is looked at word by word.  Under an emulator
 * that translates code in blocks ending at each branch (QEMU's TCG) that makes the loops several
 * times faster; on hardware the memory sees the same line reads and writes.
 */
#define LINE 16u

/*
 * What word i of a line depends on, computed once per line (the line at word index i of the page
 * whose first word has index w): for G_ROT the line's first value (one rotate by a variable count
 * per line, which emulators translate expensively), for G_HASH the first word's index.
 */
static inline __attribute__((always_inline)) uint32_t line_base(enum gen g, const struct genstate *s, uint32_t w,
							       uint32_t i)
{
	return g == G_ROT ? rotl(s->v, w + i) : w + i;
}

/* Word j (a constant in the unrolled loops) of the line at word i with base lb; a: page address. */
static inline __attribute__((always_inline)) uint32_t gen_at(enum gen g, const struct genstate *s, uint32_t lb,
							    uint32_t a, uint32_t i, uint32_t j)
{
	switch (g) {
	case G_CONST:
		return s->v ^ s->inv;
	case G_ROT:
		return rotl(lb, j) ^ s->inv;
	case G_HASH:
		return hash_word(lb + j, s->seed) ^ s->inv;
	default: /* G_ADDR */
		return (a + 4u * (i + j)) ^ s->inv;
	}
}

/* Write every word of the page at phys with generator g. */
static inline __attribute__((always_inline)) void fill_words(uint32_t *p, uint64_t phys, enum gen g,
							    struct genstate *s)
{
	uint32_t w = (uint32_t)(phys >> 2), a = own_address(phys), v = s->v;

	if (g == G_SEQ) {
		for (uint32_t i = 0; i < WORDS; i += LINE) {
#pragma GCC unroll 16
			for (uint32_t j = 0; j < LINE; j++)
				p[i + j] = memtest_xorshift32(&v) ^ s->inv;
		}
		s->v = v;
		return;
	}
	for (uint32_t i = 0; i < WORDS; i += LINE) {
		uint32_t lb = line_base(g, s, w, i);

#pragma GCC unroll 16
		for (uint32_t j = 0; j < LINE; j++)
			p[i + j] = gen_at(g, s, lb, a, i, j);
	}
}

/* Report the words of the line at word i that differ from generator g (the slow path). */
static __attribute__((noinline)) void bad_line(struct run *r, const uint32_t *p, uint64_t phys, enum gen g,
					       const struct genstate *s, uint32_t seq, uint32_t i)
{
	uint32_t a = own_address(phys), lb = line_base(g, s, (uint32_t)(phys >> 2), i);

	for (uint32_t j = 0; j < LINE; j++) {
		uint32_t want = g == G_SEQ ? memtest_xorshift32(&seq) ^ s->inv : gen_at(g, s, lb, a, i, j);

		if (p[i + j] != want)
			bad(r, phys + 4u * (i + j), want, p[i + j]);
	}
}

/* Check every word of the page at phys against generator g. */
static inline __attribute__((always_inline)) void check_words(struct run *r, const uint32_t *p, uint64_t phys,
							     enum gen g, struct genstate *s)
{
	uint32_t w = (uint32_t)(phys >> 2), a = own_address(phys), v = s->v;

	for (uint32_t i = 0; i < WORDS; i += LINE) {
		uint32_t acc = 0, v0 = v;

		if (g == G_SEQ) {
#pragma GCC unroll 16
			for (uint32_t j = 0; j < LINE; j++)
				acc |= p[i + j] ^ memtest_xorshift32(&v) ^ s->inv;
		} else {
			uint32_t lb = line_base(g, s, w, i);

#pragma GCC unroll 16
			for (uint32_t j = 0; j < LINE; j++)
				acc |= p[i + j] ^ gen_at(g, s, lb, a, i, j);
		}
		if (__builtin_expect(acc != 0, 0))
			bad_line(r, p, phys, g, s, v0, i);
	}
	s->v = v;
}

/*
 * Write g over every range, then read it all back.  Inlined into one caller per generator, as
 * moving_inversions() is, so that g is a constant in its loops.
 */
static inline __attribute__((always_inline)) void write_then_check(struct run *r, enum gen g,
								   struct genstate s0)
{
	struct genstate s = s0;

	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		fill_words(p, phys, g, &s);
		unmap(r, p, phys, false, true);
	}
	s = s0;
	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		inject(r, p, phys);
		check_words(r, p, phys, g, &s);
		unmap(r, p, phys, true, false);
	}
}

/* Write then check with each generator, one specialised copy each. */
static __attribute__((noinline)) void wtc_addr(struct run *r, struct genstate s)
{
	write_then_check(r, G_ADDR, s);
}

static __attribute__((noinline)) void wtc_rot(struct run *r, struct genstate s)
{
	write_then_check(r, G_ROT, s);
}

/*
 * One moving-inversions step over the page at phys: check each line for generator g (s, its
 * complement when s->inv), then write the complement; upwards, or downwards (lines and words from
 * the top).
 */
static inline __attribute__((always_inline)) void mi_step(struct run *r, uint32_t *p, uint64_t phys, enum gen g,
							 const struct genstate *s, bool down)
{
	uint32_t w = (uint32_t)(phys >> 2), a = own_address(phys);

	for (uint32_t n = 0; n < WORDS; n += LINE) {
		uint32_t i = down ? WORDS - LINE - n : n, acc = 0, lb = line_base(g, s, w, i);

#pragma GCC unroll 16
		for (uint32_t k = 0; k < LINE; k++) {
			uint32_t j = down ? LINE - 1 - k : k;

			acc |= p[i + j] ^ gen_at(g, s, lb, a, i, j);
		}
		if (__builtin_expect(acc != 0, 0))
			bad_line(r, p, phys, g, s, 0, i);
#pragma GCC unroll 16
		for (uint32_t k = 0; k < LINE; k++) {
			uint32_t j = down ? LINE - 1 - k : k;

			p[i + j] = ~gen_at(g, s, lb, a, i, j);
		}
	}
}

/*
 * Moving inversions with generator g: fill with the pattern; upwards, check each word and write
 * its complement; downwards, check the complement and write the pattern back.  Inlined into each
 * caller so that g is a constant there: called with g as a variable, the compiler computed a
 * line's 16 values for every generator into stack slots and the loops read them back, twice the
 * memory accesses per word (and every access is a TLB lookup under TCG).
 */
static inline __attribute__((always_inline)) void moving_inversions(struct run *r, enum gen g,
								    struct genstate s)
{
	struct genstate c = s;

	c.inv = ~s.inv;
	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		fill_words(p, phys, g, &s);
		unmap(r, p, phys, false, true);
	}
	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		inject(r, p, phys);
		mi_step(r, p, phys, g, &s, false);
		unmap(r, p, phys, true, true);
	}
	FOR_EACH_PAGE_DOWN(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		inject(r, p, phys);
		mi_step(r, p, phys, g, &c, true);
		unmap(r, p, phys, true, true);
	}
}

static struct genstate gen_const(uint32_t v)
{
	return (struct genstate){ v, 0, 0 };
}

/* Moving inversions with each generator, one specialised copy each. */
static __attribute__((noinline)) void mi_const(struct run *r, uint32_t v)
{
	moving_inversions(r, G_CONST, gen_const(v));
}

static __attribute__((noinline)) void mi_hash(struct run *r, struct genstate s)
{
	moving_inversions(r, G_HASH, s);
}

static __attribute__((noinline)) void mi_rot(struct run *r, uint32_t v)
{
	moving_inversions(r, G_ROT, gen_const(v));
}

/* Read the word at phys, the injection hook applied to the value read (the page is left alone). */
static uint32_t peek(struct run *r, uint64_t phys)
{
	uint64_t page = phys & ~(uint64_t)(MEMTEST_PAGE_SIZE - 1);
	uint32_t *p = map(r, page), v;

	v = p[(phys - page) / 4u];
	if (r->cfg->inject_mask && r->cfg->inject_phys == phys)
		v ^= r->cfg->inject_mask;
	r->ops->unmap(r->ops->ctx, p, page);
	return v;
}

static void poke(struct run *r, uint64_t phys, uint32_t v)
{
	uint64_t page = phys & ~(uint64_t)(MEMTEST_PAGE_SIZE - 1);
	uint32_t *p = map(r, page);

	p[(phys - page) / 4u] = v;
	r->ops->unmap(r->ops->ctx, p, page);
}

static bool under_test(const struct run *r, uint64_t phys)
{
	for (size_t k = 0; k < r->cfg->nr_ranges; k++) {
		const struct memtest_range *g = &r->cfg->ranges[k];

		if (phys >= g->start && phys - g->start < g->pages * MEMTEST_PAGE_SIZE)
			return true;
	}
	return false;
}

/*
 * Address walking ones: for the first word of each range, every address that differs from it in
 * one bit and is under test holds its own address (then the complement); the first word is
 * written last, so a decoder that ignores or shorts that bit makes both read the first word's.
 */
static void address_walk(struct run *r)
{
	for (size_t k = 0; k < r->cfg->nr_ranges; k++) {
		uint64_t base = r->cfg->ranges[k].start;

		for (uint32_t inv = 0;; inv = ~0u) {
			if (r->res->stopped || (r->ops->should_stop && r->ops->should_stop(r->ops->ctx))) {
				r->res->stopped = true;
				return;
			}
			for (unsigned b = 2; b < ADDR_BITS; b++)
				if (under_test(r, base ^ (1ull << b)))
					poke(r, base ^ (1ull << b), own_address(base ^ (1ull << b)) ^ inv);
			poke(r, base, own_address(base) ^ inv);
			r->res->bytes_written += 4u * (ADDR_BITS - 1);
			for (unsigned b = 1; b < ADDR_BITS; b++) {
				uint64_t a = b == 1 ? base : base ^ (1ull << b);
				uint32_t want = own_address(a) ^ inv, got;

				if (b > 1 && !under_test(r, a))
					continue;
				got = peek(r, a);
				if (got != want)
					bad(r, a, want, got);
			}
			r->res->bytes_read += 4u * (ADDR_BITS - 1);
			if (inv)
				break;
		}
	}
}

/* Own address one range at a time: each range written, then checked, before the next. */
static void own_address_per_range(struct run *r)
{
	const struct memtest_config *all = r->cfg;

	for (size_t k = 0; k < all->nr_ranges && !r->res->stopped; k++) {
		struct memtest_config one = *all;

		one.ranges = &all->ranges[k];
		one.nr_ranges = 1;
		r->cfg = &one;
		wtc_addr(r, gen_const(0));
		r->cfg = all;
	}
}

/*
 * Block move: every page gets a pattern that shifts by one bit every 8 bytes and is inverted in
 * the second word of each pair; then, in four rounds over all the memory, each page is moved onto
 * itself (memmove, a rotation of the page by a few words, alternately upwards and downwards); the
 * check expects every word moved by the net distance.
 */
#define MOVE_MAX 64u
static const int move_words[4] = { 16, -40, 64, -3 };

static inline uint32_t block_value(uint32_t i)
{
	uint32_t v = rotl(1u, i >> 1);

	return i & 1u ? ~v : v;
}

/* Rotate the page by d words (0 < |d| <= MOVE_MAX): upwards for d > 0, downwards for d < 0. */
static void rotate_page(uint32_t *p, int d)
{
	uint32_t save[MOVE_MAX];
	uint32_t n = (uint32_t)(d < 0 ? -d : d);

	if (d > 0) {
		memcpy(save, p + WORDS - n, n * 4u);
		memmove(p + n, p, (WORDS - n) * 4u);
		memcpy(p, save, n * 4u);
	} else {
		memcpy(save, p, n * 4u);
		memmove(p, p + n, (WORDS - n) * 4u);
		memcpy(p + WORDS - n, save, n * 4u);
	}
}

static void block_move(struct run *r)
{
	int net = 0;
	uint32_t shift;

	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		for (uint32_t i = 0; i < WORDS; i++)
			p[i] = block_value(i);
		unmap(r, p, phys, false, true);
	}
	for (unsigned m = 0; m < 4; m++) {
		FOR_EACH_PAGE(r, phys) {
			uint32_t *p;

			if (!visit_begins(r))
				return;
			p = map(r, phys);
			rotate_page(p, move_words[m]);
			unmap(r, p, phys, true, true);
		}
		net += move_words[m];
	}
	shift = (uint32_t)((net % (int)WORDS + (int)WORDS) % (int)WORDS);
	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		inject(r, p, phys);
		for (uint32_t i = 0; i < WORDS; i++) {
			uint32_t want = block_value((i + WORDS - shift) % WORDS);

			if (__builtin_expect(p[i] != want, 0))
				bad(r, phys + 4u * i, want, p[i]);
		}
		unmap(r, p, phys, true, false);
	}
}

/* Random number sequence: write a sequence, check it writing the complement, check that. */
static void random_sequence(struct run *r)
{
	struct genstate s = { r->seed, 0, 0 };

	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		fill_words(p, phys, G_SEQ, &s);
		unmap(r, p, phys, false, true);
	}
	s.v = r->seed;
	FOR_EACH_PAGE(r, phys) {
		uint32_t *p, v = s.v;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		inject(r, p, phys);
		for (uint32_t i = 0; i < WORDS; i += LINE) {
			uint32_t v0 = v, acc = 0;

#pragma GCC unroll 16
			for (uint32_t j = 0; j < LINE; j++)
				acc |= p[i + j] ^ memtest_xorshift32(&v);
			if (__builtin_expect(acc != 0, 0))
				bad_line(r, p, phys, G_SEQ, &s, v0, i);
			v = v0;
#pragma GCC unroll 16
			for (uint32_t j = 0; j < LINE; j++)
				p[i + j] = ~memtest_xorshift32(&v);
		}
		s.v = v;
		unmap(r, p, phys, true, true);
	}
	s.v = r->seed;
	s.inv = ~0u;
	FOR_EACH_PAGE(r, phys) {
		uint32_t *p;

		if (!visit_begins(r))
			return;
		p = map(r, phys);
		inject(r, p, phys);
		check_words(r, p, phys, G_SEQ, &s);
		unmap(r, p, phys, true, false);
	}
}

/* The index of the first word of the page at phys that is at offset off modulo 20. */
static inline uint32_t first_mod20(uint64_t phys, uint32_t off)
{
	uint32_t m = (uint32_t)((phys >> 2) % 20u);

	return (off + 20u - m) % 20u;
}

/*
 * Write v to every word of the page but those at first, first + 20, ... (first < 20): straight
 * runs of 19 stores between two of them, so the loop branches once per 20 words.
 */
static void fill_others(uint32_t *p, uint32_t first, uint32_t v)
{
	uint32_t o = first;

	for (uint32_t i = 0; i < first; i++)
		p[i] = v;
	for (; o + 20u <= WORDS; o += 20u) {
#pragma GCC unroll 19
		for (uint32_t j = 1; j < 20u; j++)
			p[o + j] = v;
	}
	for (uint32_t i = o + 1; i < WORDS; i++)
		p[i] = v;
}

/*
 * Modulo 20: for the pattern and then its complement, for each offset 0-19: the words whose
 * index (physical address / 4) is that offset modulo 20 get the pattern, then every other word
 * gets the complement, then the offset's words are checked.
 */
static void modulo20(struct run *r)
{
	uint32_t s = r->seed, pat = memtest_xorshift32(&s);

	for (unsigned round = 0; round < 2; round++, pat = ~pat)
		for (uint32_t off = 0; off < 20; off++) {
			FOR_EACH_PAGE(r, phys) {
				uint32_t *p;

				if (!visit_begins(r))
					return;
				p = map(r, phys);
				for (uint32_t i = first_mod20(phys, off); i < WORDS; i += 20)
					p[i] = pat;
				unmap(r, p, phys, false, true);
			}
			FOR_EACH_PAGE(r, phys) {
				uint32_t *p;

				if (!visit_begins(r))
					return;
				p = map(r, phys);
				fill_others(p, first_mod20(phys, off), ~pat);
				unmap(r, p, phys, false, true);
			}
			FOR_EACH_PAGE(r, phys) {
				uint32_t *p;

				if (!visit_begins(r))
					return;
				p = map(r, phys);
				inject(r, p, phys);
				for (uint32_t i = first_mod20(phys, off); i < WORDS; i += 20)
					if (__builtin_expect(p[i] != pat, 0))
						bad(r, phys + 4u * i, pat, p[i]);
				unmap(r, p, phys, true, false);
			}
		}
}

/* Bit fade: all zeros, wait, check; all ones, wait, check. */
static void bit_fade(struct run *r)
{
	for (unsigned round = 0; round < 2; round++) {
		struct genstate s = gen_const(round ? ~0u : 0);

		FOR_EACH_PAGE(r, phys) {
			uint32_t *p;

			if (!visit_begins(r))
				return;
			p = map(r, phys);
			fill_words(p, phys, G_CONST, &s);
			unmap(r, p, phys, false, true);
		}
		if (r->ops->sleep && r->cfg->fade_seconds && !r->ops->sleep(r->ops->ctx, r->cfg->fade_seconds)) {
			r->res->stopped = true;
			return;
		}
		FOR_EACH_PAGE(r, phys) {
			uint32_t *p;

			if (!visit_begins(r))
				return;
			p = map(r, phys);
			inject(r, p, phys);
			check_words(r, p, phys, G_CONST, &s);
			unmap(r, p, phys, true, false);
		}
	}
}

static void run_pattern(struct run *r, unsigned i)
{
	struct genstate s;

	r->pattern = patterns[i].name;
	switch (i) {
	case 0:
		address_walk(r);
		break;
	case 1:
		own_address_per_range(r);
		break;
	case 2:
		s = gen_const(0);
		wtc_addr(r, s);
		s.inv = ~0u;
		if (!r->res->stopped)
			wtc_addr(r, s);
		break;
	case 3:
		mi_const(r, 0);
		if (!r->res->stopped)
			mi_const(r, ~0u);
		break;
	case 4:
		for (unsigned b = 0; b < 8 && !r->res->stopped; b++)
			mi_const(r, 0x01010101u << b);
		break;
	case 5:
		s = gen_const(0);
		s.seed = r->seed;
		mi_hash(r, s);
		break;
	case 6:
		for (unsigned b = 0; b < 32 && !r->res->stopped; b++)
			mi_rot(r, 1u << b);
		break;
	case 7:
		block_move(r);
		break;
	case 8:
		random_sequence(r);
		break;
	case 9:
		modulo20(r);
		break;
	case 10:
		bit_fade(r);
		break;
	default:
		s = gen_const(1u);
		wtc_rot(r, s);
		s.inv = ~0u;
		if (!r->res->stopped)
			wtc_rot(r, s);
		break;
	}
}

static void run_init(struct run *r, const struct memtest_config *cfg, const struct memtest_ops *ops,
		     struct memtest_result *res)
{
	r->cfg = cfg;
	r->ops = ops;
	r->res = res;
	r->pattern = patterns[0].name;
	r->found = 0;
	r->visits = 0;
	r->seed = cfg->seed ? cfg->seed : DEFAULT_SEED;
}

uint64_t memtest_pattern(unsigned i, const struct memtest_config *cfg, const struct memtest_ops *ops,
			 struct memtest_result *res)
{
	struct run r;

	if (i >= MEMTEST_NR_PATTERNS)
		return 0;
	run_init(&r, cfg, ops, res);
	run_pattern(&r, i);
	return r.found;
}

uint64_t memtest_run(uint32_t mask, const struct memtest_config *cfg, const struct memtest_ops *ops,
		     struct memtest_result *res)
{
	struct run r;

	run_init(&r, cfg, ops, res);
	for (unsigned i = 0; i < MEMTEST_NR_PATTERNS && !res->stopped; i++)
		if (mask & (1u << i))
			run_pattern(&r, i);
	return r.found;
}

size_t memtest_split(const struct memtest_range *ranges, size_t n, unsigned parts, unsigned part,
		     struct memtest_range *out)
{
	uint64_t total = 0, from, to, at = 0;
	size_t nr = 0;

	if (!parts || part >= parts)
		return 0;
	for (size_t k = 0; k < n; k++)
		total += ranges[k].pages;
	from = total / parts * part + (part < total % parts ? part : total % parts);
	to = from + total / parts + (part < total % parts);
	for (size_t k = 0; k < n && at < to; at += ranges[k].pages, k++) {
		uint64_t s = from > at ? from - at : 0, e = to - at < ranges[k].pages ? to - at : ranges[k].pages;

		if (s < e)
			out[nr++] = (struct memtest_range){ ranges[k].start + s * MEMTEST_PAGE_SIZE, e - s };
	}
	return nr;
}
