/*
 * validate_mm(): the consistency check of one address space.  The region list and the red-black
 * tree must hold the same regions in the same order, every region must be found by find_vma(),
 * sit on its anon_vma list and in its file's i_mmap tree, and the counters must agree with the
 * regions ("Understanding the Linux Virtual Memory Manager", §5.4, on the two structures).
 */
#include <stdbool.h>
#include <stdio.h>

#include <mm/debug/validate_mm.h>
#include <mm/fs.h>
#include <mm/mman.h>
#include <mm/rbtree.h>
#include <mm/rmap.h>

#include "../vma_internal.h"

/* Count the nodes of a subtree. */
static unsigned long rb_count(const struct rb_node *n)
{
	return n ? 1 + rb_count(n->rb_left) + rb_count(n->rb_right) : 0;
}

unsigned long validate_mm(struct mm_struct *mm, FILE *out)
{
	unsigned long bad = 0, pages = 0;
	int count = 0;
	struct vm_area_struct *prev = NULL;
	struct rb_node *node = rb_first(&mm->mm_rb);

#define VBAD(...)                                 \
	do {                                      \
		bad++;                            \
		if (out)                          \
			fprintf(out, __VA_ARGS__); \
	} while (0)

	for (struct vm_area_struct *vma = mm->mmap; vma; prev = vma, vma = vma->vm_next) {
		count++;
		pages += vma_pages(vma);
		if (vma->vm_mm != mm)
			VBAD("vma %08lx: vm_mm is not this mm\n", (unsigned long)vma->vm_start);
		if (vma->vm_start >= vma->vm_end || (vma->vm_start & ~PAGE_MASK) || (vma->vm_end & ~PAGE_MASK) ||
		    vma->vm_end > TASK_SIZE)
			VBAD("vma %08lx-%08lx: bad bounds\n", (unsigned long)vma->vm_start, (unsigned long)vma->vm_end);
		if (vma->vm_prev != prev)
			VBAD("vma %08lx: vm_prev is wrong\n", (unsigned long)vma->vm_start);
		if (prev && prev->vm_end > vma->vm_start)
			VBAD("vma %08lx: overlaps the one below\n", (unsigned long)vma->vm_start);
		if (!node || rb_entry(node, struct vm_area_struct, vm_rb) != vma)
			VBAD("vma %08lx: the tree's in-order walk disagrees with the list\n",
			     (unsigned long)vma->vm_start);
		if (node)
			node = rb_next(node);
		if (find_vma(mm, vma->vm_start) != vma || find_vma(mm, vma->vm_end - 1) != vma)
			VBAD("vma %08lx: find_vma does not find it\n", (unsigned long)vma->vm_start);
		if (vma->anon_vma) {
			bool on = false;
			struct list_head *p;

			list_for_each(p, &vma->anon_vma->head) if (p == &vma->anon_vma_node) on = true;
			if (!on)
				VBAD("vma %08lx: not on its anon_vma list\n", (unsigned long)vma->vm_start);
		}
		if (vma->vm_file) {
			struct address_space *m = vma->vm_file->f_inode->i_mapping;
			struct vm_area_struct *v;
			bool found = false;

			for (v = vma_interval_tree_iter_first(m, vma->vm_pgoff, vma->vm_pgoff); v;
			     v = vma_interval_tree_iter_next(v, vma->vm_pgoff, vma->vm_pgoff))
				if (v == vma)
					found = true;
			if (!found)
				VBAD("vma %08lx: not in its file's i_mmap tree\n", (unsigned long)vma->vm_start);
		}
	}
	if (node)
		VBAD("the tree holds regions the list does not\n");
	if (rb_count(mm->mm_rb.rb_node) != (unsigned long)count)
		VBAD("tree has %lu nodes, list %d\n", rb_count(mm->mm_rb.rb_node), count);
	if (count != mm->map_count)
		VBAD("map_count %d but %d regions\n", mm->map_count, count);
	if (pages != mm->total_vm)
		VBAD("total_vm %lu but regions hold %lu pages\n", mm->total_vm, pages);
	if (mm->mmap_cache) {
		bool found = false;

		for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
			if (v == mm->mmap_cache)
				found = true;
		if (!found)
			VBAD("mmap_cache points at a region that is gone\n");
	}
#undef VBAD
	return bad;
}
