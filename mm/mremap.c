/*
 * mremap(2): shrink a mapping, grow it in place when the region above is
 * free, or (MREMAP_MAYMOVE) move it to a free range of the new size, its
 * page-table entries moving with it so the pages keep their contents and
 * their reverse mapping (a moved region keeps its vm_pgoff, so each page's
 * index still places it).  Limitations: old_len 0 (duplicating a shared
 * mapping) is refused with -EINVAL; with MREMAP_FIXED the old contents of
 * the target range are unmapped before the page tables of the move are
 * allocated, as in Linux, so running out of memory there leaves it unmapped.
 */
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/rmap.h>

#include "vma_internal.h"

/* Move [addr, addr + old_len) of vma to a new region at new_addr of new_len bytes; the new address
 * or -errno. */
static unsigned long move_vma(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr, unsigned long old_len,
			      unsigned long new_len, vaddr_t new_addr)
{
	struct vm_area_struct *new_vma, *prev;
	struct vma_prealloc pa;
	unsigned splits;
	int removed, err;

	munmap_counts(mm, addr, addr + (vaddr_t)old_len, &splits, &removed);
	if (mm->map_count + 1 + (int)splits - removed > sysctl_max_map_count)
		return (unsigned long)-ENOMEM;
	new_vma = vm_area_alloc();
	if (!new_vma)
		return (unsigned long)-ENOMEM;
	err = prealloc_get(&pa, splits);
	if (err) {
		prealloc_put(&pa);
		vm_area_free(new_vma);
		return (unsigned long)-ENOMEM;
	}
	new_vma->vm_start = new_addr;
	new_vma->vm_end = new_addr + (vaddr_t)new_len;
	new_vma->vm_flags = vma->vm_flags;
	new_vma->vm_page_prot = vma->vm_page_prot;
	new_vma->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	new_vma->vm_file = vma->vm_file;
	new_vma->vm_ops = vma->vm_ops;
	new_vma->vm_private_data = vma->vm_private_data;
	new_vma->anon_vma = vma->anon_vma;
	if (new_vma->vm_file)
		get_file(new_vma->vm_file);
	find_vma_prev(mm, new_addr, &prev);
	vma_link(mm, new_vma, prev);
	if (new_vma->vm_ops && new_vma->vm_ops->open)
		new_vma->vm_ops->open(new_vma);
	err = move_page_tables(vma, addr, new_vma, new_addr, old_len);
	if (err) {
		vma_unlink(mm, new_vma);
		remove_vma(new_vma);
		free_pgtables(mm, new_addr, new_addr + (vaddr_t)new_len);
		prealloc_put(&pa);
		return (unsigned long)err;
	}
	__do_munmap(mm, addr, addr + (vaddr_t)old_len, &pa);
	prealloc_put(&pa);
	vma_merge_neighbours(mm, new_vma);
	return new_addr;
}

unsigned long do_mremap(struct mm_struct *mm, vaddr_t addr, unsigned long old_len, unsigned long new_len,
			unsigned long flags, vaddr_t new_addr)
{
	struct vm_area_struct *vma;
	unsigned long ret;

	if (flags & ~(unsigned long)(MREMAP_FIXED | MREMAP_MAYMOVE))
		return (unsigned long)-EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return (unsigned long)-EINVAL;
	if (addr & ~PAGE_MASK)
		return (unsigned long)-EINVAL;
	if (old_len > TASK_SIZE || new_len > TASK_SIZE)
		return (unsigned long)-EINVAL;
	old_len = PAGE_ALIGN_UP(old_len);
	new_len = PAGE_ALIGN_UP(new_len);
	if (!new_len || !old_len)
		return (unsigned long)-EINVAL;
	if (flags & MREMAP_FIXED) {
		if (new_addr & ~PAGE_MASK)
			return (unsigned long)-EINVAL;
		if (new_addr > TASK_SIZE - new_len || new_addr < MMAP_MIN_ADDR)
			return (unsigned long)-EINVAL;
		/* The two ranges must not overlap. */
		if (addr + old_len > new_addr && new_addr + new_len > addr)
			return (unsigned long)-EINVAL;
	}
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr)
		return (unsigned long)-EFAULT;
	if (old_len > vma->vm_end - addr)
		return (unsigned long)-EFAULT;

	if (flags & MREMAP_FIXED) {
		int err = do_munmap(mm, new_addr, new_len);

		if (err)
			return (unsigned long)err;
		if (old_len > new_len) {
			err = do_munmap(mm, addr + (vaddr_t)new_len, old_len - new_len);
			if (err)
				return (unsigned long)err;
			old_len = new_len;
		}
		vma = find_vma(mm, addr);
		return move_vma(mm, vma, addr, old_len, new_len, new_addr);
	}

	if (old_len >= new_len) {
		if (old_len > new_len) {
			int err = do_munmap(mm, addr + (vaddr_t)new_len, old_len - new_len);

			if (err)
				return (unsigned long)err;
		}
		return addr;
	}

	/* Grow in place: the range must end the region, with free room above it. */
	if (addr + old_len == vma->vm_end && addr <= TASK_SIZE - new_len &&
	    (!vma->vm_next || vma->vm_next->vm_start >= addr + new_len)) {
		vma_adjust(vma, vma->vm_start, addr + (vaddr_t)new_len, vma->vm_pgoff);
		vma_merge_neighbours(mm, vma);
		return addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return (unsigned long)-ENOMEM;
	ret = get_unmapped_area(mm, 0, new_len, (vma->vm_flags & VM_MAYSHARE) ? MAP_SHARED : MAP_PRIVATE);
	if (IS_ERR_VALUE(ret))
		return ret;
	return move_vma(mm, vma, addr, old_len, new_len, (vaddr_t)ret);
}
