/*
 * Red-black trees: random insertions and erasures against a sorted-array
 * model, with every invariant (root black, no red-red, equal black height,
 * parent links, in-order = model, rb_next/rb_prev/rb_first/rb_last) checked
 * after every operation, for the plain tree and for an augmented tree whose
 * nodes carry the largest value of their subtree, which is then searched the
 * way the vmalloc gap index searches (leftmost node with a value >= k).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mm/rbtree.h>

struct item {
	struct rb_node rb;
	unsigned key;
	unsigned val;     /* the node's own value */
	unsigned max_val; /* augmented: the largest val in the subtree */
	int in_tree;
};

#define POOL 1500

static struct item pool[POOL];
static unsigned model[POOL]; /* the keys in the tree, sorted (keys are unique) */
static unsigned model_n;
static uint32_t rng_state;

static uint32_t rng(void)
{
	/* xorshift32: reproducible, no libc state. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* ---- the augmented callbacks: max_val of a subtree ---- */

static unsigned subtree_max(const struct rb_node *n)
{
	return n ? rb_entry(n, const struct item, rb)->max_val : 0;
}

static unsigned compute_max(const struct item *it)
{
	unsigned m = it->val, l = subtree_max(it->rb.rb_left), r = subtree_max(it->rb.rb_right);

	if (l > m)
		m = l;
	if (r > m)
		m = r;
	return m;
}

static void aug_propagate(struct rb_node *n, struct rb_node *stop)
{
	while (n != stop) {
		struct item *it = rb_entry(n, struct item, rb);
		unsigned m = compute_max(it);

		if (it->max_val == m)
			break;
		it->max_val = m;
		n = n->rb_parent;
	}
}

static void aug_copy(struct rb_node *old, struct rb_node *new_node)
{
	rb_entry(new_node, struct item, rb)->max_val = rb_entry(old, struct item, rb)->max_val;
}

static void aug_rotate(struct rb_node *old, struct rb_node *new_node)
{
	struct item *o = rb_entry(old, struct item, rb);

	rb_entry(new_node, struct item, rb)->max_val = o->max_val;
	o->max_val = compute_max(o);
}

static const struct rb_augment_callbacks aug_cb = { aug_propagate, aug_copy, aug_rotate };

/* ---- checks ---- */

/* Black height of the subtree at n (missing children count 1); fails on any broken invariant. */
static int check_subtree(const struct rb_node *n, const struct rb_node *parent, bool augmented,
			 unsigned **keys_out)
{
	int lh, rh;

	if (!n)
		return 1;
	assert_ptr_equal(n->rb_parent, parent);
	assert_true(n->rb_color == RB_RED || n->rb_color == RB_BLACK);
	if (n->rb_color == RB_RED) {
		assert_true(!n->rb_left || n->rb_left->rb_color == RB_BLACK);
		assert_true(!n->rb_right || n->rb_right->rb_color == RB_BLACK);
	}
	lh = check_subtree(n->rb_left, n, augmented, keys_out);
	*(*keys_out)++ = rb_entry(n, const struct item, rb)->key;
	rh = check_subtree(n->rb_right, n, augmented, keys_out);
	assert_int_equal(lh, rh);
	if (augmented) {
		const struct item *it = rb_entry(n, const struct item, rb);

		assert_int_equal(it->max_val, compute_max(it));
	}
	return lh + (n->rb_color == RB_BLACK);
}

static int height(const struct rb_node *n)
{
	int l, r;

	if (!n)
		return 0;
	l = height(n->rb_left);
	r = height(n->rb_right);
	return 1 + (l > r ? l : r);
}

static void check_tree(const struct rb_root *root, bool augmented)
{
	static unsigned keys[POOL];
	unsigned *k = keys, i;
	const struct rb_node *n;
	int bh;

	if (root->rb_node)
		assert_int_equal(root->rb_node->rb_color, RB_BLACK);
	bh = check_subtree(root->rb_node, NULL, augmented, &k);
	assert_int_equal(k - keys, model_n);
	assert_memory_equal(keys, model, model_n * sizeof(unsigned));
	/* What the invariants buy: n >= 2^(black height - 1) - 1 and height <= 2 log2(n + 1). */
	assert_true((1ull << (bh - 1)) - 1 <= model_n);
	assert_true((1ull << ((height(root->rb_node) + 1) / 2)) <= (unsigned long long)model_n + 1);

	/* Forward and backward iteration visit the model in order. */
	for (i = 0, n = rb_first(root); n; n = rb_next(n), i++)
		assert_int_equal(rb_entry(n, const struct item, rb)->key, model[i]);
	assert_int_equal(i, model_n);
	for (i = model_n, n = rb_last(root); n; n = rb_prev(n))
		assert_int_equal(rb_entry(n, const struct item, rb)->key, model[--i]);
	assert_int_equal(i, 0);
}

static void model_insert(unsigned key)
{
	unsigned i = model_n;

	while (i > 0 && model[i - 1] > key) {
		model[i] = model[i - 1];
		i--;
	}
	model[i] = key;
	model_n++;
}

static void model_erase(unsigned key)
{
	unsigned i = 0;

	while (model[i] != key)
		i++;
	memmove(&model[i], &model[i + 1], (model_n - i - 1) * sizeof(unsigned));
	model_n--;
}

static bool key_used(unsigned key)
{
	for (unsigned i = 0; i < model_n; i++)
		if (model[i] == key)
			return true;
	return false;
}

static void tree_insert(struct rb_root *root, struct item *it, bool augmented)
{
	struct rb_node **link = &root->rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = it->key < rb_entry(parent, struct item, rb)->key ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&it->rb, parent, link);
	if (augmented) {
		it->max_val = it->val;
		rb_insert_augmented(&it->rb, root, &aug_cb);
	} else {
		rb_insert_color(&it->rb, root);
	}
	it->in_tree = 1;
}

/* The leftmost item with val >= k, found in O(log n) through max_val. */
static struct item *leftmost_at_least(const struct rb_root *root, unsigned k)
{
	const struct rb_node *n = root->rb_node;

	if (subtree_max(n) < k)
		return NULL;
	for (;;) {
		const struct item *it = rb_entry(n, const struct item, rb);

		if (subtree_max(n->rb_left) >= k)
			n = n->rb_left;
		else if (it->val >= k)
			return (struct item *)it;
		else
			n = n->rb_right;
	}
}

static void run_random(unsigned seed, unsigned ops, bool augmented)
{
	struct rb_root root = RB_ROOT;

	memset(pool, 0, sizeof(pool));
	model_n = 0;
	rng_state = seed;
	for (unsigned op = 0; op < ops; op++) {
		struct item *it = &pool[rng() % POOL];

		if (!it->in_tree) {
			unsigned key;

			do
				key = rng() % (POOL * 8);
			while (key_used(key));
			it->key = key;
			it->val = rng() % 100000;
			RB_CLEAR_NODE(&it->rb);
			assert_true(RB_EMPTY_NODE(&it->rb));
			tree_insert(&root, it, augmented);
			model_insert(key);
		} else {
			if (augmented)
				rb_erase_augmented(&it->rb, &root, &aug_cb);
			else
				rb_erase(&it->rb, &root);
			assert_true(RB_EMPTY_NODE(&it->rb));
			it->in_tree = 0;
			model_erase(it->key);
		}
		check_tree(&root, augmented);
		if (augmented) {
			/* The augmented search agrees with a linear scan of the model order. */
			unsigned k = rng() % 110000;
			struct item *want = NULL;

			for (const struct rb_node *n = rb_first(&root); n && !want; n = rb_next(n))
				if (rb_entry(n, const struct item, rb)->val >= k)
					want = rb_entry(n, struct item, rb);
			assert_ptr_equal(leftmost_at_least(&root, k), want);
		}
	}
	/* Drain: erase everything, in order, then the tree is empty. */
	while (!RB_EMPTY_ROOT(&root)) {
		struct item *it = rb_entry(rb_first(&root), struct item, rb);

		if (augmented)
			rb_erase_augmented(&it->rb, &root, &aug_cb);
		else
			rb_erase(&it->rb, &root);
		model_erase(it->key);
		check_tree(&root, augmented);
	}
	assert_int_equal(model_n, 0);
}

static void test_empty(void **state)
{
	struct rb_root root = RB_ROOT;

	(void)state;
	assert_true(RB_EMPTY_ROOT(&root));
	assert_null(rb_first(&root));
	assert_null(rb_last(&root));
}

static void test_ascending_and_descending(void **state)
{
	struct rb_root root = RB_ROOT;

	(void)state;
	memset(pool, 0, sizeof(pool));
	model_n = 0;
	/* Sorted insertion is the worst case of an unbalanced tree. */
	for (unsigned i = 0; i < 1024; i++) {
		pool[i].key = i;
		tree_insert(&root, &pool[i], false);
		model_insert(i);
	}
	check_tree(&root, false);
	for (unsigned i = 1024; i-- > 0;) {
		rb_erase(&pool[i].rb, &root);
		model_erase(i);
		if (i % 64 == 0)
			check_tree(&root, false);
	}
	assert_true(RB_EMPTY_ROOT(&root));
}

static void test_random_plain(void **state)
{
	(void)state;
	run_random(0x12345678u, 12000, false);
	run_random(0xdeadbeefu, 12000, false);
}

static void test_random_augmented(void **state)
{
	(void)state;
	run_random(0x9e3779b9u, 12000, true);
	run_random(0x0badf00du, 12000, true);
}

static void test_replace_node(void **state)
{
	struct rb_root root = RB_ROOT;
	struct item spare = { 0 };

	(void)state;
	memset(pool, 0, sizeof(pool));
	model_n = 0;
	for (unsigned i = 0; i < 100; i++) {
		pool[i].key = i * 2;
		tree_insert(&root, &pool[i], false);
		model_insert(i * 2);
	}
	spare.key = pool[37].key;
	rb_replace_node(&pool[37].rb, &spare.rb, &root);
	assert_true(RB_EMPTY_NODE(&pool[37].rb));
	check_tree(&root, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ascending_and_descending),
		cmocka_unit_test(test_random_plain),
		cmocka_unit_test(test_random_augmented),
		cmocka_unit_test(test_replace_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
