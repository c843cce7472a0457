/*
 * Regions of an address space: the list and the tree, find_vma, insertion,
 * splitting, merging and removal, and the system calls built from them:
 * mmap, munmap, brk, plus the stack's growth and exit's teardown.
 *
 * "Each address space consists of a number of page-aligned regions of
 * memory that are in use. They never overlap" (seed 000).  The list
 * (vm_next/vm_prev) and the tree (mm_rb, keyed by vm_start) always hold
 * the same regions in the same order; validate_mm() checks that, and the
 * host tests call it after every operation of long random sequences.
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

struct kmem_cache *vm_area_cachep;
int sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
struct mmap_stats mmap_stats;

void anon_vma_init(void);
void fork_init(void);
unsigned long nr_anon_vmas(void);
unsigned long nr_mm_structs(void);

static unsigned long nr_vmas;

void proc_mm_init(void)
{
	vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(struct vm_area_struct), 0, 0);
	fork_init();
	anon_vma_init();
	files_init();
	shm_init();
	nr_vmas = 0;
	memset(&mmap_stats, 0, sizeof(mmap_stats));
}

unsigned long proc_mm_objects(void)
{
	return nr_vmas + nr_mm_structs() + nr_anon_vmas() + nr_open_files();
}

unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* A zeroed region (not yet in any mm), or NULL. */
struct vm_area_struct *vm_area_alloc(void)
{
	struct vm_area_struct *vma = kmem_cache_alloc(vm_area_cachep, __GFP_ZERO);

	if (!vma)
		return NULL;
	RB_CLEAR_NODE(&vma->vm_rb);
	RB_CLEAR_NODE(&vma->shared.rb);
	INIT_LIST_HEAD(&vma->anon_vma_node);
	nr_vmas++;
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	if (!vma)
		return;
	nr_vmas--;
	kmem_cache_free(vm_area_cachep, vma);
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

/* ---- the tree and the list ---- */

struct vm_area_struct *find_vma(struct mm_struct *mm, vaddr_t addr)
{
	struct vm_area_struct *vma = mm->mmap_cache, *found = NULL;
	struct rb_node *node;

	mmap_stats.find_vma_calls++;
	if (vma && vma->vm_end > addr && vma->vm_start <= addr) {
		mmap_stats.find_vma_cache_hits++;
		return vma;
	}
	node = mm->mm_rb.rb_node;
	while (node) {
		vma = rb_entry(node, struct vm_area_struct, vm_rb);
		if (vma->vm_end > addr) {
			found = vma;
			if (vma->vm_start <= addr)
				break;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	if (found)
		mm->mmap_cache = found;
	return found;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, vaddr_t addr, struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (vma) {
		*pprev = vma->vm_prev;
	} else {
		struct rb_node *last = rb_last(&mm->mm_rb);

		*pprev = last ? rb_entry(last, struct vm_area_struct, vm_rb) : NULL;
	}
	return vma;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	if (vma && end <= vma->vm_start)
		vma = NULL;
	return vma;
}

/* Put vma into the tree, keyed by vm_start. */
static void vma_rb_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct rb_node **link = &mm->mm_rb.rb_node, *parent = NULL;

	while (*link) {
		struct vm_area_struct *v = rb_entry(*link, struct vm_area_struct, vm_rb);

		parent = *link;
		link = vma->vm_start < v->vm_start ? &(*link)->rb_left : &(*link)->rb_right;
	}
	rb_link_node(&vma->vm_rb, parent, link);
	rb_insert_color(&vma->vm_rb, &mm->mm_rb);
}

/* Link vma into mm after prev (NULL: first): list, tree, file, anon_vma, counters. */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev)
{
	struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;

	vma->vm_mm = mm;
	vma->vm_prev = prev;
	vma->vm_next = next;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	if (next)
		next->vm_prev = vma;
	vma_rb_insert(mm, vma);
	if (vma->vm_file)
		vma_interval_tree_insert(vma, vma->vm_file->f_inode->i_mapping);
	if (vma->anon_vma)
		anon_vma_link(vma);
	mm->map_count++;
	mm->total_vm += vma_pages(vma);
}

/* Take vma out of mm's list and tree (it keeps its file and anon_vma). */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (vma->vm_prev)
		vma->vm_prev->vm_next = vma->vm_next;
	else
		mm->mmap = vma->vm_next;
	if (vma->vm_next)
		vma->vm_next->vm_prev = vma->vm_prev;
	rb_erase(&vma->vm_rb, &mm->mm_rb);
	if (mm->mmap_cache == vma)
		mm->mmap_cache = NULL;
	mm->map_count--;
	mm->total_vm -= vma_pages(vma);
	vma->vm_next = vma->vm_prev = NULL;
}

/* Free a region that is in no mm: its file and i_mmap entry, its anon_vma link, the object. */
void remove_vma(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	if (vma->vm_file) {
		vma_interval_tree_remove(vma, vma->vm_file->f_inode->i_mapping);
		fput(vma->vm_file);
	}
	if (vma->anon_vma)
		anon_vma_unlink(vma);
	vm_area_free(vma);
}

int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev;

	if (mm->map_count >= sysctl_max_map_count)
		return -ENOMEM;
	if (find_vma_intersection(mm, vma->vm_start, vma->vm_end))
		return -ENOMEM;
	find_vma_prev(mm, vma->vm_start, &prev);
	vma_link(mm, vma, prev);
	return 0;
}

/* Change vma's bounds and offset, keeping the file's interval tree and total_vm exact (the tree order cannot change). */
void vma_adjust(struct vm_area_struct *vma, vaddr_t start, vaddr_t end, unsigned long pgoff)
{
	struct address_space *mapping = vma->vm_file ? vma->vm_file->f_inode->i_mapping : NULL;

	if (mapping)
		vma_interval_tree_remove(vma, mapping);
	vma->vm_mm->total_vm -= vma_pages(vma);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
	vma->vm_mm->total_vm += vma_pages(vma);
	if (mapping)
		vma_interval_tree_insert(vma, mapping);
}

/* Split vma at addr into two regions using the preallocated new; cannot fail. */
void __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr, bool new_below,
			struct vm_area_struct *new)
{
	unsigned long off = (addr - vma->vm_start) >> PAGE_SHIFT;

	*new = *vma;
	RB_CLEAR_NODE(&new->vm_rb);
	RB_CLEAR_NODE(&new->shared.rb);
	INIT_LIST_HEAD(&new->anon_vma_node);
	new->vm_next = new->vm_prev = NULL;
	if (new_below) {
		new->vm_end = addr;
		vma_adjust(vma, addr, vma->vm_end, vma->vm_pgoff + off);
	} else {
		new->vm_start = addr;
		new->vm_pgoff += off;
		vma_adjust(vma, vma->vm_start, addr, vma->vm_pgoff);
	}
	if (new->vm_file)
		get_file(new->vm_file);
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	vma_link(mm, new, new_below ? vma->vm_prev : vma);
	mmap_stats.splits++;
}

int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr, bool new_below)
{
	struct vm_area_struct *new;

	if ((addr & ~PAGE_MASK) || addr <= vma->vm_start || addr >= vma->vm_end)
		return -EINVAL;
	if (mm->map_count >= sysctl_max_map_count)
		return -ENOMEM;
	new = vm_area_alloc();
	if (!new)
		return -ENOMEM;
	__split_vma(mm, vma, addr, new_below, new);
	return 0;
}

/* May a (below) and b (right above it) become one region? */
static bool can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (!a || !b || a->vm_end != b->vm_start)
		return false;
	if (a->vm_flags != b->vm_flags || a->vm_file != b->vm_file || a->vm_ops != b->vm_ops ||
	    a->vm_private_data != b->vm_private_data || (a->vm_flags & VM_SHM))
		return false;
	if (a->anon_vma && b->anon_vma && a->anon_vma != b->anon_vma)
		return false;
	/* The page offsets must run on when a file or anonymous pages depend on them. */
	if (a->vm_file || a->anon_vma || b->anon_vma)
		return a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
	return true;
}

/* Fold b into a (a right below b); b is removed and freed. */
static void merge_into(struct mm_struct *mm, struct vm_area_struct *a, struct vm_area_struct *b)
{
	vma_unlink(mm, b);
	vma_adjust(a, a->vm_start, b->vm_end, a->vm_pgoff);
	if (!a->anon_vma && b->anon_vma) {
		a->anon_vma = b->anon_vma;
		anon_vma_link(a);
	}
	remove_vma(b);
	mmap_stats.merges++;
}

/* Merge vma with its neighbours where compatible; returns the region that now covers vma's range. */
struct vm_area_struct *vma_merge_neighbours(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev = vma->vm_prev, *next = vma->vm_next;

	if (can_merge(prev, vma)) {
		merge_into(mm, prev, vma);
		vma = prev;
	}
	if (can_merge(vma, next))
		merge_into(mm, vma, next);
	return vma;
}

struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev, vaddr_t addr, vaddr_t end,
				 unsigned long vm_flags, struct anon_vma *anon_vma, struct file *file,
				 unsigned long pgoff)
{
	struct vm_area_struct probe, *next = prev ? prev->vm_next : mm->mmap;

	memset(&probe, 0, sizeof(probe));
	probe.vm_start = addr;
	probe.vm_end = end;
	probe.vm_flags = vm_flags;
	probe.anon_vma = anon_vma;
	probe.vm_file = file;
	probe.vm_pgoff = pgoff;
	probe.vm_ops = file ? file->f_vm_ops : NULL;
	if (prev && can_merge(prev, &probe)) {
		vma_adjust(prev, prev->vm_start, end, prev->vm_pgoff);
		if (!prev->anon_vma && anon_vma) {
			prev->anon_vma = anon_vma;
			anon_vma_link(prev);
		}
		mmap_stats.merges++;
		if (can_merge(prev, next))
			merge_into(mm, prev, next);
		return prev;
	}
	if (next && can_merge(&probe, next)) {
		vma_adjust(next, addr, next->vm_end, pgoff);
		if (!next->anon_vma && anon_vma) {
			next->anon_vma = anon_vma;
			anon_vma_link(next);
		}
		mmap_stats.merges++;
		return next;
	}
	return NULL;
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
	/* Linux's legacy bottom-up search: from where the last one ended, then from the base, then from the bottom. */
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

int prealloc_get(struct vma_prealloc *pa, unsigned n)
{
	memset(pa, 0, sizeof(*pa));
	for (unsigned i = 0; i < n; i++)
		if (!(pa->v[i] = vm_area_alloc()))
			return -ENOMEM;
	return 0;
}

struct vm_area_struct *prealloc_take(struct vma_prealloc *pa)
{
	return pa->v[pa->used++];
}

void prealloc_put(struct vma_prealloc *pa)
{
	for (unsigned i = pa->used; i < 2; i++)
		vm_area_free(pa->v[i]);
	pa->used = 2;
}

/* Unmapping [start, end) needs *splits new regions (a cut first or last region) and takes *removed regions (those meeting the range, after the cuts) away. */
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

/* A shared anonymous mapping is a shmem file of its own (Linux's /dev/zero mapping). */
struct file *shmem_file_setup(const char *name, unsigned long size);

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

/* An anonymous private read-write region [addr, addr + len) for the heap, merged with the one below. */
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

/* ---- checks and reports ---- */

/* The name column of maps for vma, or NULL. */
static const char *vma_name(struct vm_area_struct *vma, char *buf, size_t len)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_ops && vma->vm_ops->name) {
		const char *n = vma->vm_ops->name(vma);

		if (n)
			return n;
	}
	if (vma->vm_file) {
		snprintf(buf, len, "/%s", vma->vm_file->f_inode->i_name);
		return buf;
	}
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk && mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

void show_maps(FILE *out, struct mm_struct *mm)
{
	for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
		char line[128], name[48];
		const char *n = vma_name(vma, name, sizeof(name));
		unsigned long long pgoff = 0;
		unsigned major = 0, minor = 0;
		unsigned long ino = 0;
		int len;

		if (vma->vm_file) {
			struct inode *inode = vma->vm_file->f_inode;

			pgoff = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
			major = inode->i_dev_major;
			minor = inode->i_dev_minor;
			ino = inode->i_ino;
		}
		len = snprintf(line, sizeof(line), "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu",
			       (unsigned long)vma->vm_start, (unsigned long)vma->vm_end,
			       (vma->vm_flags & VM_READ) ? 'r' : '-', (vma->vm_flags & VM_WRITE) ? 'w' : '-',
			       (vma->vm_flags & VM_EXEC) ? 'x' : '-', (vma->vm_flags & VM_MAYSHARE) ? 's' : 'p',
			       pgoff, major, minor, ino);
		if (n) {
			/* Linux pads to 25 + 6 * sizeof(void *) - 1 columns, then one space and the name. */
			fprintf(out, "%-*s %s\n", 25 + 6 * 4 - 1, line, n);
		} else {
			(void)len;
			fprintf(out, "%s\n", line);
		}
	}
}
