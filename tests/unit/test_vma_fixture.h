/*
 * Shared by the process-address-space tests: boot the fake machine (with
 * high memory, so user pages go through kmap_atomic), create the caches of
 * mm/mman.h, and helpers to read and write user memory and to check that
 * every page and object came back.
 */
#ifndef TEST_VMA_FIXTURE_H
#define TEST_VMA_FIXTURE_H

#include "test_vm_boot.h"

#include <mm/debug/validate_mm.h>
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/paging.h>
#include <mm/rmap.h>
#include <mm/shm.h>
#include <mm/slab.h>

#define P PAGE_SIZE
#define BASE 0x40000000u

static unsigned long fx_free, fx_objects, fx_slab_pages, fx_pt_pages;

/* Boot ram bytes of fake RAM and set up the address-space caches; remember the free counts. */
static void proc_boot(uint64_t ram)
{
	vm_boot(ram);
	proc_mm_init();
	sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
	fx_free = nr_free_pages();
	fx_objects = proc_mm_objects();
	fx_slab_pages = slab_stats.slab_pages;
	fx_pt_pages = nr_pagetable_pages();
}

static __attribute__((unused)) int setup_proc(void **state)
{
	(void)state;
	proc_boot(1 * GiB);
	return 0;
}

static __attribute__((unused)) int setup_proc_small(void **state)
{
	(void)state;
	proc_boot(64 * MiB);
	return 0;
}

/* Every page, page table and object taken since proc_boot() is back (slab pages may stay cached). */
static __attribute__((unused)) void assert_all_returned(void)
{
	assert_int_equal(proc_mm_objects(), fx_objects);
	assert_int_equal(nr_pagetable_pages(), fx_pt_pages);
	assert_int_equal(nr_free_pages() + (slab_stats.slab_pages - fx_slab_pages), fx_free);
}

/* validate_mm() must find nothing wrong (problems are printed). */
static __attribute__((unused)) void assert_mm_ok(struct mm_struct *mm)
{
	assert_int_equal(validate_mm(mm, stdout), 0);
}

/* Write one byte to user address a of mm; true when it was allowed. */
static __attribute__((unused)) bool uput(struct mm_struct *mm, vaddr_t a, uint8_t v)
{
	return access_process_vm(mm, a, &v, 1, true) == 1;
}

/* Read one byte at user address a of mm into *v; true when allowed. */
static __attribute__((unused)) bool uget(struct mm_struct *mm, vaddr_t a, uint8_t *v)
{
	return access_process_vm(mm, a, v, 1, false) == 1;
}

/* The number of regions of mm. */
static __attribute__((unused)) int nregions(struct mm_struct *mm)
{
	int n = 0;

	for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
		n++;
	return n;
}

#define MMAP_ANON(mm, addr, len, prot, flags) \
	do_mmap((mm), NULL, (addr), (len), (prot), MAP_PRIVATE | MAP_ANONYMOUS | (flags), 0)

#endif
