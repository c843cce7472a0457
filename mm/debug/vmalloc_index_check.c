/*
 * vmalloc_index_check(): the vmalloc index beside vmlist, checked node by node, and the switch
 * between the indexed and the linear first fit that the benchmarks and the tests flip.
 */
#include <stdio.h>

#include <mm/debug/vmalloc_debug.h>
#include <mm/rbtree.h>
#include <mm/vmalloc.h>

#include "../vmalloc_internal.h"

void vmalloc_set_search(enum vmalloc_search mode)
{
	vmalloc_linear_search = mode == VMALLOC_SEARCH_LINEAR;
}

enum vmalloc_search vmalloc_get_search(void)
{
	return vmalloc_linear_search ? VMALLOC_SEARCH_LINEAR : VMALLOC_SEARCH_INDEXED;
}

unsigned long vmalloc_index_check(FILE *out)
{
	unsigned long problems = 0, irq = read_lock_irqsave(&vmlist_lock);
	const struct vm_struct *v = vmlist, *tail = NULL;
	const struct rb_node *n = rb_first(&vm_area_root);

	for (; v || n; v = v ? v->next : NULL, n = n ? rb_next(n) : NULL) {
		if (!v || rb_area(n) != v) {
			fprintf(out, "vmalloc index: the tree and vmlist disagree at 0x%08lx\n",
				(unsigned long)(v ? v->addr : rb_area(n)->addr));
			problems++;
			break;
		}
		if (v->gap_after != gap_to(v, v->next) || v->subtree_max_gap < compute_max_gap(v)) {
			fprintf(out, "vmalloc index: area 0x%08lx records gap %#x and subtree bound %#x, wants %#x and at least %#x\n",
				(unsigned long)v->addr, v->gap_after, v->subtree_max_gap, gap_to(v, v->next),
				compute_max_gap(v));
			problems++;
		}
		tail = v;
	}
	if (tail != vm_last) {
		fprintf(out, "vmalloc index: the last area is 0x%08lx, vm_last says 0x%08lx\n",
			(unsigned long)(tail ? tail->addr : 0), (unsigned long)(vm_last ? vm_last->addr : 0));
		problems++;
	}
	read_unlock_irqrestore(&vmlist_lock, irq);
	return problems;
}
