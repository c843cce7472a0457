/*
 * The i_mmap interval tree's own invariant: in-order by first page offset, and every node's
 * rb_subtree_last the largest last offset below it ("Professional Linux Kernel Architecture",
 * ch. 4, on the priority search tree that i_mmap was before the interval tree).
 */
#include <stdio.h>

#include <mm/debug/mmcheck.h>
#include <mm/rbtree.h>
#include <mm/rmap.h>

#include "../vma_internal.h"

static unsigned long it_check(struct rb_node *n, FILE *out, unsigned long *bad)
{
	struct vm_area_struct *v;
	unsigned long max;

	if (!n)
		return 0;
	v = ivma(n);
	max = vma_last_pgoff(v);
	if (n->rb_left) {
		unsigned long l = it_check(n->rb_left, out, bad);

		if (ivma(n->rb_left)->vm_pgoff > v->vm_pgoff) {
			(*bad)++;
			if (out)
				fprintf(out, "i_mmap: left child starts after its parent\n");
		}
		if (l > max)
			max = l;
	}
	if (n->rb_right) {
		unsigned long r = it_check(n->rb_right, out, bad);

		if (ivma(n->rb_right)->vm_pgoff < v->vm_pgoff) {
			(*bad)++;
			if (out)
				fprintf(out, "i_mmap: right child starts before its parent\n");
		}
		if (r > max)
			max = r;
	}
	if (max != v->shared.rb_subtree_last) {
		(*bad)++;
		if (out)
			fprintf(out, "i_mmap: subtree last %lu, should be %lu\n", v->shared.rb_subtree_last, max);
	}
	return max;
}

unsigned long vma_interval_tree_check(struct address_space *mapping, FILE *out)
{
	unsigned long bad = 0;

	it_check(mapping->i_mmap.rb_node, out, &bad);
	return bad;
}
