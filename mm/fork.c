/*
 * Address spaces: their creation with a page directory of their own, the reference counts that let
 * threads share one ("threads are identified in the task list by finding all task_structs which
 * have pointers to the same mm_struct", Understanding the Linux Virtual Memory Manager, ch. 5), and
 * fork's copy of every region with copy-on-write for private pages.
 */
#include <string.h>

#include <hal/mmu.h>
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/rmap.h>
#include <mm/slab.h>

#include "vma_internal.h"

static struct kmem_cache *mm_cachep;
static unsigned long mm_structs;

/* Create the mm_struct cache (proc_mm_init()). */
void fork_init(void)
{
	mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 0, 0);
	mm_structs = 0;
}

/* mm_structs in existence. */
unsigned long nr_mm_structs(void)
{
	return mm_structs;
}

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kmem_cache_alloc(mm_cachep, __GFP_ZERO);
	vaddr_t pgd;

	if (!mm)
		return NULL;
	/* One page with 2-level paging; with PAE the PDPT and the three user page directories
	 * (hal/mmu.h). */
	pgd = __get_free_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_ZERO, HAL_PGD_ORDER);
	if (!pgd) {
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	mod_pagetable_pages(1l << HAL_PGD_ORDER);
	mm->pgd = __pa(pgd);
	/* Kernel tables above PAGE_OFFSET are preallocated and shared (mm/paging_init.c). */
	hal_copy_kernel_pgd(mm->pgd, swapper_pg_dir);
	mm->mm_rb = RB_ROOT;
	mm->mm_users = 1;
	mm->mm_count = 1;
	mm->mmap_base = TASK_UNMAPPED_BASE;
	mm->free_area_cache = TASK_UNMAPPED_BASE;
	mm->stack_limit = STACK_LIMIT_DEFAULT;
	mm_structs++;
	return mm;
}

void mmdrop(struct mm_struct *mm)
{
	if (--mm->mm_count > 0)
		return;
	free_pages(__va(mm->pgd), HAL_PGD_ORDER);
	mod_pagetable_pages(-(1l << HAL_PGD_ORDER));
	kmem_cache_free(mm_cachep, mm);
	mm_structs--;
}

void mmput(struct mm_struct *mm)
{
	if (--mm->mm_users > 0)
		return;
	exit_mmap(mm);
	mmdrop(mm);
}

int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vm_area_struct *prev = NULL;

	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->arg_start = oldmm->arg_start;
	mm->arg_end = oldmm->arg_end;
	mm->mmap_base = oldmm->mmap_base;
	mm->free_area_cache = oldmm->free_area_cache;
	mm->stack_limit = oldmm->stack_limit;
	for (struct vm_area_struct *v = oldmm->mmap; v; v = v->vm_next) {
		struct vm_area_struct *n;

		if (v->vm_flags & VM_DONTCOPY)
			continue;
		n = vm_area_alloc();
		if (!n)
			return -ENOMEM;
		*n = *v;
		RB_CLEAR_NODE(&n->vm_rb);
		RB_CLEAR_NODE(&n->shared.rb);
		INIT_LIST_HEAD(&n->anon_vma_node);
		n->vm_next = n->vm_prev = NULL;
		/* The child's regions join the parent's anon_vma: its pages are found from either
		 * side. */
		if (n->vm_file)
			get_file(n->vm_file);
		vma_link(mm, n, prev);
		if (n->vm_ops && n->vm_ops->open)
			n->vm_ops->open(n);
		prev = n;
		if (copy_page_range(mm, oldmm, n, v))
			return -ENOMEM;
	}
	return 0;
}
