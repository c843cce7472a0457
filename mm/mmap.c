/*
 * The memory system calls of an address space, built from the region primitives of vma.c: mmap,
 * munmap, brk, plus finding room, the stack's growth and exit's teardown ("Understanding the Linux
 * Virtual Memory Manager", §5.4-§5.6).
 *
 * Failure atomicity: every operation that can split regions allocates the
 * new vm_area_structs it may need (at most two) before its first change,
 * and checks the map count limit up front; after that nothing can fail.
 */
#include <stdlib.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/rmap.h>
#include <mm/shm.h>
#include <mm/slab.h>

#include "vma_internal.h"

int sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
struct mmap_stats mmap_stats;

void proc_mm_init(void)
{
	vm_area_cache_init();
	fork_init();
	anon_vma_init();
	files_init();
	shm_init();
	memset(&mmap_stats, 0, sizeof(mmap_stats));
}

unsigned long proc_mm_objects(void)
{
	return nr_vm_areas() + nr_mm_structs() + nr_anon_vmas() + nr_open_files();
}

unsigned vm_get_page_prot(unsigned long vm_flags)
{
	/*
	 * Linux's protection_map: without VM_READ|VM_WRITE|VM_EXEC the page is
	 * mapped for the kernel only (PROT_NONE keeps its contents; any user
	 * access faults and is refused against vm_flags).  A private writable
	 * region maps its pages read-only until do_wp_page() decides.
	 */
	unsigned prot = HAL_PROT_READ;

	if (vm_flags & VM_ACCESS_FLAGS)
		prot |= HAL_PROT_USER;
	if (vm_flags & VM_EXEC)
		prot |= HAL_PROT_EXEC;
	if ((vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED))
		prot |= HAL_PROT_WRITE;
	return prot;
}

/* ---- finding room ---- */

unsigned long get_unmapped_area(struct mm_struct *mm, vaddr_t addr, unsigned long len, unsigned long flags)
{
	vaddr_t starts[3];

	if (len > TASK_SIZE - MMAP_MIN_ADDR)
		return (unsigned long)-ENOMEM;
	if (flags & MAP_FIXED) {
		if (addr & ~PAGE_MASK)
			return (unsigned long)-EINVAL;
		if (addr > TASK_SIZE - len || addr < MMAP_MIN_ADDR)
			return (unsigned long)-ENOMEM;
		return addr;
	}
	if (addr) {
		addr = PAGE_ALIGN_UP(addr);
		if (addr && addr >= MMAP_MIN_ADDR && addr <= TASK_SIZE - len) {
			struct vm_area_struct *vma = find_vma(mm, addr);

			if (!vma || addr + len <= vma->vm_start)
				return addr;
		}
	}
	/* Linux's legacy bottom-up search: from where the last one ended, then from the base, then
	 * from the bottom. */
	starts[0] = mm->free_area_cache > mm->mmap_base ? mm->free_area_cache : mm->mmap_base;
	starts[1] = mm->mmap_base;
	starts[2] = MMAP_MIN_ADDR;
	for (unsigned pass = 0; pass < 3; pass++) {
		addr = starts[pass];
		for (struct vm_area_struct *vma = find_vma(mm, addr);; vma = vma->vm_next) {
			if (addr > TASK_SIZE - len)
				break;
			if (!vma || addr + len <= vma->vm_start) {
				if (pass < 2)
					mm->free_area_cache = addr + len;
				return addr;
			}
			addr = vma->vm_end;
		}
	}
	return (unsigned long)-ENOMEM;
}

/* ---- munmap ---- */

/* Unmapping [start, end) needs *splits new regions (a cut first or last region) and takes *removed
 * regions (those meeting the range, after the cuts) away. */
void munmap_counts(struct mm_struct *mm, vaddr_t start, vaddr_t end, unsigned *splits, int *removed)
{
	struct vm_area_struct *vma = find_vma(mm, start), *last = NULL;

	*splits = 0;
	*removed = 0;
	if (!vma || vma->vm_start >= end)
		return;
	if (vma->vm_start < start)
		(*splits)++;
	for (; vma && vma->vm_start < end; vma = vma->vm_next) {
		(*removed)++;
		last = vma;
	}
	if (last->vm_end > end)
		(*splits)++;
}

/* Unmap [start, end) with the regions in pa for the splits (the caller checked the counts). */
void __do_munmap(struct mm_struct *mm, vaddr_t start, vaddr_t end, struct vma_prealloc *pa)
{
	struct vm_area_struct *vma = find_vma(mm, start), *next, *detached = NULL, **tail = &detached;

	if (!vma || vma->vm_start >= end)
		return;
	if (vma->vm_start < start) {
		__split_vma(mm, vma, start, false, prealloc_take(pa));
		vma = vma->vm_next;
	}
	for (struct vm_area_struct *last = vma; last && last->vm_start < end; last = last->vm_next)
		if (last->vm_end > end) {
			__split_vma(mm, last, end, true, prealloc_take(pa));
			break;
		}
	/* vma is now the first region inside [start, end): detach them all. */
	vma = find_vma(mm, start);
	while (vma && vma->vm_end <= end) {
		next = vma->vm_next;
		vma_unlink(mm, vma);
		*tail = vma;
		tail = &vma->vm_next;
		vma = next;
	}
	for (vma = detached; vma; vma = next) {
		next = vma->vm_next;
		zap_page_range(vma, vma->vm_start, vma->vm_end);
		remove_vma(vma);
	}
	free_pgtables(mm, start, end);
	if (start >= mm->mmap_base && start < mm->free_area_cache)
		mm->free_area_cache = start;
}

int do_munmap(struct mm_struct *mm, vaddr_t start, unsigned long len)
{
	struct vma_prealloc pa;
	unsigned splits;
	int removed, err;
	vaddr_t end;

	if ((start & ~PAGE_MASK) || start > TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (!len)
		return -EINVAL;
	end = start + (vaddr_t)len;
	munmap_counts(mm, start, end, &splits, &removed);
	if (mm->map_count - removed + (int)splits > sysctl_max_map_count)
		return -ENOMEM;
	err = prealloc_get(&pa, splits);
	if (!err)
		__do_munmap(mm, start, end, &pa);
	prealloc_put(&pa);
	return err;
}

/* ---- mmap ---- */

/* VM_READ/WRITE/EXEC from PROT_*. */
unsigned long calc_vm_prot_bits(unsigned long prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

unsigned long do_mmap_pgoff(struct mm_struct *mm, struct file *file, vaddr_t addr, unsigned long len,
			    unsigned long prot, unsigned long flags, unsigned long pgoff)
{
	struct vm_area_struct *vma, *prev;
	struct vma_prealloc pa;
	unsigned long vm_flags, ret;
	unsigned splits = 0;
	int removed = 0;
	bool shmem = false;

	if (!len)
		return (unsigned long)-EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (!len || len > TASK_SIZE)
		return (unsigned long)-ENOMEM;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return (unsigned long)-LINUX_EOVERFLOW;
	if ((flags & MAP_TYPE) != MAP_SHARED && (flags & MAP_TYPE) != MAP_PRIVATE)
		return (unsigned long)-EINVAL;
	if ((flags & MAP_FIXED) && (addr & ~PAGE_MASK))
		return (unsigned long)-EINVAL;
	if (flags & MAP_ANONYMOUS)
		file = NULL;
	vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (flags & MAP_GROWSDOWN)
		vm_flags |= VM_GROWSDOWN;
	if (file) {
		if (!(file->f_mode & FMODE_READ))
			return (unsigned long)-EACCES;
		if ((flags & MAP_TYPE) == MAP_SHARED) {
			if ((prot & PROT_WRITE) && !(file->f_mode & FMODE_WRITE))
				return (unsigned long)-EACCES;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			if (!(file->f_mode & FMODE_WRITE))
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		}
	} else if ((flags & MAP_TYPE) == MAP_SHARED) {
		vm_flags |= VM_SHARED | VM_MAYSHARE;
		pgoff = 0;
		shmem = true;
	} else {
		pgoff = 0; /* set from the address below */
	}
	if (mm->map_count >= sysctl_max_map_count)
		return (unsigned long)-ENOMEM;
	ret = get_unmapped_area(mm, addr, len, flags);
	if (IS_ERR_VALUE(ret))
		return ret;
	addr = (vaddr_t)ret;
	if (!file && !shmem)
		pgoff = addr >> PAGE_SHIFT;

	/* Everything that can fail happens before the first change. */
	if (flags & MAP_FIXED) {
		munmap_counts(mm, addr, addr + (vaddr_t)len, &splits, &removed);
		if (mm->map_count - removed + (int)splits + 1 > sysctl_max_map_count)
			return (unsigned long)-ENOMEM;
	}
	vma = vm_area_alloc();
	if (!vma)
		return (unsigned long)-ENOMEM;
	if (prealloc_get(&pa, splits)) {
		prealloc_put(&pa);
		vm_area_free(vma);
		return (unsigned long)-ENOMEM;
	}
	if (shmem) {
		file = shmem_file_setup("dev/zero", len);
		if (!file) {
			prealloc_put(&pa);
			vm_area_free(vma);
			return (unsigned long)-ENOMEM;
		}
	} else if (file) {
		get_file(file);
	}
	if (flags & MAP_FIXED)
		__do_munmap(mm, addr, addr + (vaddr_t)len, &pa);
	prealloc_put(&pa);

	vma->vm_start = addr;
	vma->vm_end = addr + (vaddr_t)len;
	vma->vm_flags = vm_flags;
	vma->vm_page_prot = vm_get_page_prot(vm_flags);
	vma->vm_pgoff = pgoff;
	vma->vm_file = file;
	vma->vm_ops = file ? file->f_vm_ops : NULL;
	find_vma_prev(mm, addr, &prev);
	vma_link(mm, vma, prev);
	if (vma->vm_ops && vma->vm_ops->open)
		vma->vm_ops->open(vma);
	vma_merge_neighbours(mm, vma);
	return addr;
}

unsigned long do_mmap(struct mm_struct *mm, struct file *file, vaddr_t addr, unsigned long len, unsigned long prot,
		      unsigned long flags, uint64_t offset)
{
	if (offset & ~(uint64_t)PAGE_MASK)
		return (unsigned long)-EINVAL;
	if (offset + PAGE_ALIGN_UP((uint64_t)len) < offset)
		return (unsigned long)-EINVAL;
	return do_mmap_pgoff(mm, file, addr, len, prot, flags, (unsigned long)(offset >> PAGE_SHIFT));
}

/* ---- brk ---- */

/* An anonymous private read-write region [addr, addr + len) for the heap, merged with the one
 * below. */
static int do_brk(struct mm_struct *mm, vaddr_t addr, unsigned long len)
{
	struct vm_area_struct *vma, *prev;

	if (!len)
		return 0;
	if (addr > TASK_SIZE - len || find_vma_intersection(mm, addr, addr + (vaddr_t)len))
		return -ENOMEM;
	if (mm->map_count >= sysctl_max_map_count)
		return -ENOMEM;
	vma = vm_area_alloc();
	if (!vma)
		return -ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = addr + (vaddr_t)len;
	vma->vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	vma->vm_pgoff = addr >> PAGE_SHIFT;
	find_vma_prev(mm, addr, &prev);
	vma_link(mm, vma, prev);
	vma_merge_neighbours(mm, vma);
	return 0;
}

vaddr_t do_brk_syscall(struct mm_struct *mm, vaddr_t brk)
{
	vaddr_t newbrk, oldbrk;

	if (brk < mm->start_brk || brk > TASK_SIZE)
		return mm->brk;
	newbrk = PAGE_ALIGN_UP(brk);
	oldbrk = PAGE_ALIGN_UP(mm->brk);
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return brk;
	}
	if (brk <= mm->brk) {
		if (!do_munmap(mm, newbrk, oldbrk - newbrk))
			mm->brk = brk;
		return mm->brk;
	}
	/* Keep a page of gap below the next region (the stack guard, as Linux checks). */
	if (newbrk > TASK_SIZE - PAGE_SIZE || find_vma_intersection(mm, oldbrk, newbrk + PAGE_SIZE))
		return mm->brk;
	if (do_brk(mm, oldbrk, newbrk - oldbrk))
		return mm->brk;
	mm->brk = brk;
	return brk;
}

/* ---- the stack ---- */

int expand_stack(struct vm_area_struct *vma, vaddr_t address)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long grow;

	address &= PAGE_MASK;
	if (!(vma->vm_flags & VM_GROWSDOWN))
		return -EFAULT;
	if (address >= vma->vm_start)
		return 0;
	if (address < MMAP_MIN_ADDR || vma->vm_end - address > mm->stack_limit)
		return -ENOMEM;
	/* One unmapped guard page must stay between the stack and the region below. */
	if (vma->vm_prev && vma->vm_prev->vm_end + PAGE_SIZE > address)
		return -ENOMEM;
	grow = (vma->vm_start - address) >> PAGE_SHIFT;
	if (vma->vm_pgoff < grow)
		return -ENOMEM;
	vma_adjust(vma, address, vma->vm_end, vma->vm_pgoff - grow);
	mmap_stats.stack_expansions++;
	return 0;
}

/* ---- teardown ---- */

void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma = mm->mmap, *next;

	while (vma) {
		next = vma->vm_next;
		zap_page_range(vma, vma->vm_start, vma->vm_end);
		vma = next;
	}
	for (vma = mm->mmap; vma; vma = next) {
		next = vma->vm_next;
		rb_erase(&vma->vm_rb, &mm->mm_rb);
		remove_vma(vma);
	}
	mm->mmap = NULL;
	mm->mm_rb = RB_ROOT;
	mm->mmap_cache = NULL;
	mm->map_count = 0;
	mm->total_vm = 0;
	free_pgtables(mm, 0, TASK_SIZE);
}
