/*
 * mprotect(2): change the protection of a fully mapped range, splitting the
 * regions at its ends and merging the result with compatible neighbours.
 * Every region in the range is checked (holes, VM_MAY* rights) before the
 * first one changes, so a refused call leaves the address space as it was.
 */
#include <mm/memory.h>
#include <mm/mman.h>

#include "vma_internal.h"

int do_mprotect(struct mm_struct *mm, vaddr_t start, unsigned long len, unsigned long prot)
{
	struct vm_area_struct *vma, *v, *prev;
	struct vma_prealloc pa;
	unsigned long reqprot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC), newflags;
	unsigned splits = 0;
	vaddr_t end, cur;
	int err;

	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN_UP(len);
	end = start + (vaddr_t)len;
	if (!len || end <= start || end > TASK_SIZE)
		return -ENOMEM;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP))
		return -EINVAL;
	vma = find_vma(mm, start);
	if (!vma)
		return -ENOMEM;
	if (prot & PROT_GROWSUP)
		return -EINVAL; /* no region grows up on i386 */
	if (prot & PROT_GROWSDOWN) {
		if (vma->vm_start >= end || !(vma->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
		start = vma->vm_start;
	}
	if (vma->vm_start > start)
		return -ENOMEM;

	/* Check the whole range first: no hole, and every region allows the new rights. */
	for (v = vma, cur = start; v && v->vm_start < end; v = v->vm_next) {
		if (v->vm_start > cur)
			return -ENOMEM;
		newflags = (v->vm_flags & ~VM_ACCESS_FLAGS) | calc_vm_prot_bits(reqprot);
		/* VM_MAY* sit four bits above the rights they allow. */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS)
			return -EACCES;
		cur = v->vm_end;
	}
	if (cur < end)
		return -ENOMEM;

	if (vma->vm_start < start)
		splits++;
	for (v = vma; v->vm_next && v->vm_next->vm_start < end; v = v->vm_next)
		;
	if (v->vm_end > end)
		splits++;
	if (mm->map_count + (int)splits > sysctl_max_map_count)
		return -ENOMEM;
	err = prealloc_get(&pa, splits);
	if (err) {
		prealloc_put(&pa);
		return err;
	}

	if (vma->vm_start < start) {
		__split_vma(mm, vma, start, false, prealloc_take(&pa));
		vma = vma->vm_next;
	}
	for (v = vma; v && v->vm_start < end; v = v->vm_next)
		if (v->vm_end > end) {
			__split_vma(mm, v, end, true, prealloc_take(&pa));
			break;
		}
	prealloc_put(&pa);

	/* [start, end) is now exactly a run of whole regions (a split below end made a new first
	 * one). */
	vma = find_vma(mm, start);
	prev = vma->vm_prev;
	for (v = vma; v && v->vm_start < end; v = v->vm_next) {
		newflags = (v->vm_flags & ~VM_ACCESS_FLAGS) | calc_vm_prot_bits(reqprot);
		if (newflags == v->vm_flags)
			continue;
		v->vm_flags = newflags;
		v->vm_page_prot = vm_get_page_prot(newflags);
		change_protection(v, v->vm_start, v->vm_end);
	}
	/* Merge from the region below the range to the one above it. */
	v = prev ? prev : mm->mmap;
	while (v && v->vm_start <= end) {
		v = vma_merge_neighbours(mm, v);
		v = v->vm_next;
	}
	return 0;
}
