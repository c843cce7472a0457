/*
 * Red-black trees (see mm/rbtree.h for the API and the invariants).
 *
 * Insertion and erasure follow the textbook algorithm: a new node is linked
 * red, and a red parent is fixed by recolouring (red uncle) or by one or two
 * rotations (black uncle); erasing a black node leaves its place one black
 * short, and that deficit moves up by recolouring the sibling or is settled by
 * at most three rotations.  Missing children count as black leaves.
 *
 * Augmented trees: every rotation calls cb->rotate, erasure calls cb->copy
 * when the successor takes the erased node's place, and both insertion and
 * erasure call cb->propagate on the path whose subtree contents changed.
 */
#include <mm/rbtree.h>

static inline bool is_red(const struct rb_node *n)
{
	return n && n->rb_color == RB_RED;
}

static inline bool is_black(const struct rb_node *n)
{
	return !is_red(n);
}

/* Make new_child take old_child's place under parent (or at the root). */
static inline void change_child(struct rb_node *old_child, struct rb_node *new_child, struct rb_node *parent,
				struct rb_root *root)
{
	if (!parent)
		root->rb_node = new_child;
	else if (parent->rb_left == old_child)
		parent->rb_left = new_child;
	else
		parent->rb_right = new_child;
}

/* x's right child y goes up into x's place; x becomes y's left child. */
static void rotate_left(struct rb_node *x, struct rb_root *root, const struct rb_augment_callbacks *cb)
{
	struct rb_node *y = x->rb_right;

	x->rb_right = y->rb_left;
	if (y->rb_left)
		y->rb_left->rb_parent = x;
	y->rb_parent = x->rb_parent;
	change_child(x, y, x->rb_parent, root);
	y->rb_left = x;
	x->rb_parent = y;
	if (cb)
		cb->rotate(x, y);
}

/* x's left child y goes up into x's place; x becomes y's right child. */
static void rotate_right(struct rb_node *x, struct rb_root *root, const struct rb_augment_callbacks *cb)
{
	struct rb_node *y = x->rb_left;

	x->rb_left = y->rb_right;
	if (y->rb_right)
		y->rb_right->rb_parent = x;
	y->rb_parent = x->rb_parent;
	change_child(x, y, x->rb_parent, root);
	y->rb_right = x;
	x->rb_parent = y;
	if (cb)
		cb->rotate(x, y);
}

/* Restore the invariants after node was linked red. */
static void insert_fixup(struct rb_node *node, struct rb_root *root, const struct rb_augment_callbacks *cb)
{
	struct rb_node *parent;

	while ((parent = node->rb_parent) && parent->rb_color == RB_RED) {
		/* A red parent is never the root, so the grandparent exists. */
		struct rb_node *gparent = parent->rb_parent;

		if (parent == gparent->rb_left) {
			struct rb_node *uncle = gparent->rb_right;

			if (is_red(uncle)) {
				/* Push the grandparent's black down one level; the problem moves up
				 * two. */
				parent->rb_color = RB_BLACK;
				uncle->rb_color = RB_BLACK;
				gparent->rb_color = RB_RED;
				node = gparent;
				continue;
			}
			if (node == parent->rb_right) {
				/* Inner grandchild: turn it into the outer case. */
				rotate_left(parent, root, cb);
				node = parent;
				parent = node->rb_parent;
			}
			parent->rb_color = RB_BLACK;
			gparent->rb_color = RB_RED;
			rotate_right(gparent, root, cb);
		} else {
			struct rb_node *uncle = gparent->rb_left;

			if (is_red(uncle)) {
				parent->rb_color = RB_BLACK;
				uncle->rb_color = RB_BLACK;
				gparent->rb_color = RB_RED;
				node = gparent;
				continue;
			}
			if (node == parent->rb_left) {
				rotate_right(parent, root, cb);
				node = parent;
				parent = node->rb_parent;
			}
			parent->rb_color = RB_BLACK;
			gparent->rb_color = RB_RED;
			rotate_left(gparent, root, cb);
		}
	}
	root->rb_node->rb_color = RB_BLACK;
}

/*
 * A black node was removed from below parent, at the side where x (maybe
 * NULL) now is: every path through x is one black short.  Fix it.
 */
static void erase_fixup(struct rb_node *x, struct rb_node *parent, struct rb_root *root,
			const struct rb_augment_callbacks *cb)
{
	while (x != root->rb_node && is_black(x)) {
		if (x == parent->rb_left) {
			/* The sibling's side has at least one more black, so it exists. */
			struct rb_node *w = parent->rb_right;

			if (is_red(w)) {
				/* Make the sibling black: rotate the red one above parent. */
				w->rb_color = RB_BLACK;
				parent->rb_color = RB_RED;
				rotate_left(parent, root, cb);
				w = parent->rb_right;
			}
			if (is_black(w->rb_left) && is_black(w->rb_right)) {
				/* Take one black from the sibling's side too; the deficit moves
				 * up. */
				w->rb_color = RB_RED;
				x = parent;
				parent = x->rb_parent;
				continue;
			}
			if (is_black(w->rb_right)) {
				/* Near nephew red, far nephew black: make the far one red. */
				w->rb_left->rb_color = RB_BLACK;
				w->rb_color = RB_RED;
				rotate_right(w, root, cb);
				w = parent->rb_right;
			}
			/* Far nephew red: one rotation adds the missing black on x's side. */
			w->rb_color = parent->rb_color;
			parent->rb_color = RB_BLACK;
			w->rb_right->rb_color = RB_BLACK;
			rotate_left(parent, root, cb);
			x = root->rb_node;
			break;
		} else {
			struct rb_node *w = parent->rb_left;

			if (is_red(w)) {
				w->rb_color = RB_BLACK;
				parent->rb_color = RB_RED;
				rotate_right(parent, root, cb);
				w = parent->rb_left;
			}
			if (is_black(w->rb_left) && is_black(w->rb_right)) {
				w->rb_color = RB_RED;
				x = parent;
				parent = x->rb_parent;
				continue;
			}
			if (is_black(w->rb_left)) {
				w->rb_right->rb_color = RB_BLACK;
				w->rb_color = RB_RED;
				rotate_left(w, root, cb);
				w = parent->rb_left;
			}
			w->rb_color = parent->rb_color;
			parent->rb_color = RB_BLACK;
			w->rb_left->rb_color = RB_BLACK;
			rotate_right(parent, root, cb);
			x = root->rb_node;
			break;
		}
	}
	if (x)
		x->rb_color = RB_BLACK;
}

static void do_erase(struct rb_node *node, struct rb_root *root, const struct rb_augment_callbacks *cb)
{
	struct rb_node *x, *xparent;
	int removed_color;

	if (!node->rb_left || !node->rb_right) {
		/* At most one child: it takes node's place. */
		x = node->rb_left ? node->rb_left : node->rb_right;
		xparent = node->rb_parent;
		removed_color = node->rb_color;
		if (x)
			x->rb_parent = xparent;
		change_child(node, x, xparent, root);
		if (cb && xparent)
			cb->propagate(xparent, NULL);
	} else {
		/* Two children: the successor (leftmost of the right subtree, no left child) takes
		 * node's place. */
		struct rb_node *succ = node->rb_right;

		while (succ->rb_left)
			succ = succ->rb_left;
		removed_color = succ->rb_color;
		x = succ->rb_right;
		if (succ->rb_parent == node) {
			xparent = succ;
		} else {
			xparent = succ->rb_parent;
			xparent->rb_left = x;
			if (x)
				x->rb_parent = xparent;
			succ->rb_right = node->rb_right;
			succ->rb_right->rb_parent = succ;
		}
		succ->rb_left = node->rb_left;
		succ->rb_left->rb_parent = succ;
		succ->rb_parent = node->rb_parent;
		succ->rb_color = node->rb_color;
		change_child(node, succ, node->rb_parent, root);
		if (cb) {
			/*
			 * succ now stands for node's old subtree minus node: first
			 * the path below it that lost succ, then succ itself and up.
			 */
			cb->copy(node, succ);
			if (xparent != succ)
				cb->propagate(xparent, succ);
			cb->propagate(succ, NULL);
		}
	}
	if (removed_color == RB_BLACK)
		erase_fixup(x, xparent, root, cb);
	RB_CLEAR_NODE(node);
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	insert_fixup(node, root, NULL);
}

void rb_erase(struct rb_node *node, struct rb_root *root)
{
	do_erase(node, root, NULL);
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root, const struct rb_augment_callbacks *cb)
{
	if (node->rb_parent)
		cb->propagate(node->rb_parent, NULL);
	insert_fixup(node, root, cb);
}

void rb_erase_augmented(struct rb_node *node, struct rb_root *root, const struct rb_augment_callbacks *cb)
{
	do_erase(node, root, cb);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *n;

	if (node->rb_right) {
		n = node->rb_right;
		while (n->rb_left)
			n = n->rb_left;
		return n;
	}
	/* Up until we come from a left child. */
	while ((n = node->rb_parent) && node == n->rb_right)
		node = n;
	return n;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *n;

	if (node->rb_left) {
		n = node->rb_left;
		while (n->rb_right)
			n = n->rb_right;
		return n;
	}
	while ((n = node->rb_parent) && node == n->rb_left)
		node = n;
	return n;
}

void rb_replace_node(struct rb_node *victim, struct rb_node *new_node, struct rb_root *root)
{
	*new_node = *victim;
	if (victim->rb_left)
		victim->rb_left->rb_parent = new_node;
	if (victim->rb_right)
		victim->rb_right->rb_parent = new_node;
	change_child(victim, new_node, victim->rb_parent, root);
	RB_CLEAR_NODE(victim);
}
