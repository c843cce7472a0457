/*
 * Red-black trees, intrusive and Linux-shaped: a struct rb_node lives inside
 * the object it orders, the caller walks down from rb_root to find the place
 * of a new node (so the key and its comparison stay with the caller), links
 * it with rb_link_node() and lets rb_insert_color() restore the colours.
 *
 * The books keep process regions this way ("incorporation in the red-black tree is the
 * responsibility of vm_rb", Professional Linux Kernel Architecture, ch. 4), and the vmalloc index
 * keeps free gaps in an augmented tree: each node carries a value computed from itself and its two
 * children (for example the largest gap in its subtree), kept up to date through the
 * rb_augment_callbacks of rb_insert_augmented() and rb_erase_augmented().
 *
 * Invariants: the root is black, a red node has no red child, and every path
 * from a node down to a missing child passes the same number of black nodes;
 * so the height is at most 2 log2(n + 1), and every operation is O(log n).
 */
#ifndef MM_RBTREE_H
#define MM_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

#include <mm/list.h> /* container_of */

#define RB_RED 0
#define RB_BLACK 1

struct rb_node {
	struct rb_node *rb_parent;
	struct rb_node *rb_left;
	struct rb_node *rb_right;
	int rb_color;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_ROOT ((struct rb_root){ NULL })
#define rb_entry(ptr, type, member) container_of(ptr, type, member)
#define rb_entry_safe(ptr, type, member) ((ptr) ? rb_entry(ptr, type, member) : NULL)
#define RB_EMPTY_ROOT(root) ((root)->rb_node == NULL)

/* A node that is in no tree points to itself as parent (RB_CLEAR_NODE). */
static inline void RB_CLEAR_NODE(struct rb_node *n)
{
	n->rb_parent = n;
}

static inline bool RB_EMPTY_NODE(const struct rb_node *n)
{
	return n->rb_parent == n;
}

/*
 * How an augmented tree keeps each node's value (the "augmented" field the
 * caller keeps next to its rb_node) equal to what it computes from the node
 * and its children:
 *  - propagate(node, stop): recompute node, its parent, ... up to but not
 *    including stop (NULL: up to the root); it may stop early at the first
 *    node whose value does not change.
 *  - copy(old, new): new takes old's place in the tree; give new old's value.
 *  - rotate(old, new): a rotation has just put new where old was, with old
 *    now new's child; give new old's value and recompute old.
 */
struct rb_augment_callbacks {
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	void (*copy)(struct rb_node *old, struct rb_node *new_node);
	void (*rotate)(struct rb_node *old, struct rb_node *new_node);
};

/* Put node, not yet in the tree, at *link below parent (NULL parent: node becomes the root). */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent, struct rb_node **link)
{
	node->rb_parent = parent;
	node->rb_left = node->rb_right = NULL;
	node->rb_color = RB_RED;
	*link = node;
}

/* Rebalance root after rb_link_node() put node in it. */
void rb_insert_color(struct rb_node *node, struct rb_root *root);

/* Take node out of root and rebalance. */
void rb_erase(struct rb_node *node, struct rb_root *root);

/*
 * rb_insert_color() for an augmented tree: the caller has linked node with
 * rb_link_node() and set node's own value (a leaf's); the values of its
 * ancestors are brought up to date here.
 */
void rb_insert_augmented(struct rb_node *node, struct rb_root *root, const struct rb_augment_callbacks *cb);

/* rb_erase() for an augmented tree: every value stays exact. */
void rb_erase_augmented(struct rb_node *node, struct rb_root *root, const struct rb_augment_callbacks *cb);

/* The leftmost (smallest) node of root, or NULL when it is empty. */
struct rb_node *rb_first(const struct rb_root *root);

/* The rightmost (largest) node of root, or NULL when it is empty. */
struct rb_node *rb_last(const struct rb_root *root);

/* The in-order successor of node, or NULL after the last. */
struct rb_node *rb_next(const struct rb_node *node);

/* The in-order predecessor of node, or NULL before the first. */
struct rb_node *rb_prev(const struct rb_node *node);

/* Put new_node exactly where victim is (same key order), without rebalancing. */
void rb_replace_node(struct rb_node *victim, struct rb_node *new_node, struct rb_root *root);

#endif
