/*
 * Region primitives (vma.c) shared by mmap.c, mprotect.c, mremap.c and fork.c, and the caches of
 * the address-space objects they count; not part of the interface of mm/ (see
 * mm/include/mm/mman.h for that).
 */
#ifndef MM_VMA_INTERNAL_H
#define MM_VMA_INTERNAL_H

#include <stdbool.h>

#include <mm/mman.h>

/* Up to two regions allocated before an operation changes anything. */
struct vma_prealloc {
	struct vm_area_struct *v[2];
	unsigned used;
};

/* The page offset of the last page vma maps of its file (the key of the i_mmap interval tree). */
static inline unsigned long vma_last_pgoff(const struct vm_area_struct *v)
{
	return v->vm_pgoff + ((v->vm_end - v->vm_start) >> PAGE_SHIFT) - 1;
}

/* The region of an i_mmap interval tree node. */
#define ivma(node) rb_entry(node, struct vm_area_struct, shared.rb)

/* Pages covered by vma. */
unsigned long vma_pages(const struct vm_area_struct *vma);

/* Create the vm_area_struct cache and zero the count of live regions (proc_mm_init). */
void vm_area_cache_init(void);

/* Regions allocated and not yet freed, for proc_mm_objects(). */
unsigned long nr_vm_areas(void);

/* Create the mm_struct cache (fork.c; proc_mm_init). */
void fork_init(void);

/* mm_structs allocated and not yet freed (fork.c). */
unsigned long nr_mm_structs(void);

/* Create the anon_vma cache (rmap.c; proc_mm_init). */
void anon_vma_init(void);

/* anon_vmas allocated and not yet freed (rmap.c). */
unsigned long nr_anon_vmas(void);

/* A shared anonymous mapping is a shmem file of its own, of size bytes (shm.c; Linux's /dev/zero
 * mapping); NULL without memory. */
struct file *shmem_file_setup(const char *name, unsigned long size);

/* A zeroed region in no mm (its tree nodes cleared), or NULL; counted for proc_mm_objects(). */
struct vm_area_struct *vm_area_alloc(void);

/* Free a region obtained from vm_area_alloc() that holds nothing (NULL is fine). */
void vm_area_free(struct vm_area_struct *vma);

/* Link vma into mm after prev (NULL: first): list, tree, file's i_mmap, anon_vma list, map_count,
 * total_vm. */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev);

/* Take vma out of mm's list and tree and counters (it keeps its file and anon_vma). */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);

/* Free a region in no mm with its file reference, i_mmap entry and anon_vma link. */
void remove_vma(struct vm_area_struct *vma);

/* Change vma's bounds and offset, keeping the i_mmap tree and total_vm exact. */
void vma_adjust(struct vm_area_struct *vma, vaddr_t start, vaddr_t end, unsigned long pgoff);

/* Split vma at addr with the preallocated region new (new_below: new takes the part below addr). */
void __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t addr, bool new_below,
		 struct vm_area_struct *new);

/* Merge vma with its compatible neighbours; the region that now covers vma's range. */
struct vm_area_struct *vma_merge_neighbours(struct mm_struct *mm, struct vm_area_struct *vma);

/* Allocate n (at most 2) regions into pa; -ENOMEM (pa still to be released with prealloc_put). */
int prealloc_get(struct vma_prealloc *pa, unsigned n);

/* The next preallocated region. */
struct vm_area_struct *prealloc_take(struct vma_prealloc *pa);

/* Free the preallocated regions that were not taken. */
void prealloc_put(struct vma_prealloc *pa);

/* Unmapping [start, end) needs *splits new regions and removes *removed. */
void munmap_counts(struct mm_struct *mm, vaddr_t start, vaddr_t end, unsigned *splits, int *removed);

/* Unmap [start, end) using the regions of pa for the splits; cannot fail. */
void __do_munmap(struct mm_struct *mm, vaddr_t start, vaddr_t end, struct vma_prealloc *pa);

/* VM_READ/VM_WRITE/VM_EXEC for PROT_* bits. */
unsigned long calc_vm_prot_bits(unsigned long prot);

#endif
