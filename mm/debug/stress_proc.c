/*
 * The process mix of the stress engine: address spaces made by mm_alloc() and dup_mmap(), torn
 * down by mmput(), with do_mmap(), do_munmap(), do_mprotect() and faults in a 16 MiB window, and
 * words remembered per address space to catch a copy-on-write that leaks.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hal/mmu.h>
#include <mm/debug/fault_inject.h>
#include <mm/debug/mmcheck.h>
#include <mm/debug/stress.h>
#include <mm/debug/validate_mm.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/io.h>
#include <mm/layout.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/mmzone.h>
#include <mm/page.h>
#include <mm/page_alloc.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <mm/vmalloc.h>

#include "stress_internal.h"

/* ---- the process mix ---- */

/* A live address space, or NULL when there is none. */
static struct pmm *pick_pmm(void)
{
	return stress_st.npmms ? &stress_st.pmms[stress_rnd(stress_st.npmms)] : NULL;
}

/* A region of mm picked at random, or NULL when it has none. */
static struct vm_area_struct *pick_vma(struct mm_struct *mm)
{
	struct vm_area_struct *vma = mm->mmap;

	if (!mm->map_count)
		return NULL;
	for (unsigned n = stress_rnd((uint32_t)mm->map_count); n && vma; n--)
		vma = vma->vm_next;
	return vma;
}

/* A page-aligned range of 1..PROC_MAX_REGION_PAGES pages inside the window. */
static void pick_range(vaddr_t *start, unsigned long *len)
{
	uint32_t pages = 1 + stress_rnd(PROC_MAX_REGION_PAGES);

	*start = PROC_WINDOW + stress_rnd(PROC_WINDOW_PAGES - pages + 1) * PAGE_SIZE;
	*len = (unsigned long)pages * PAGE_SIZE;
}

/* Forget the remembered words of pm inside [start, start + len): that memory was unmapped or
 * replaced. */
static void forget_range(struct pmm *pm, vaddr_t start, unsigned long len)
{
	for (unsigned i = 0; i < pm->nrec;)
		if (pm->rec[i].addr >= start && pm->rec[i].addr - start < len)
			pm->rec[i] = pm->rec[--pm->nrec];
		else
			i++;
}

/* An error from an mm call: out of memory is expected (injected or real), anything else is a
 * bug. */
static void proc_error(const char *call, long err, unsigned long a)
{
	if (err == -ENOMEM)
		stress_failed_alloc();
	else
		stress_problem(call, a, (unsigned long)err);
}

/* Read back remembered word i of pm; a readable page must still hold it. */
static void check_record(struct pmm *pm, unsigned i)
{
	uint32_t v;

	if (access_process_vm(pm->mm, pm->rec[i].addr, &v, sizeof(v), false) != sizeof(v))
		return; /* PROT_NONE since, or no memory to fault the page in: nothing to compare */
	stress_st.res->cow_checks++;
	if (v != pm->rec[i].val)
		stress_problem("user page lost a word written to it (copy-on-write leak or lost page)", pm->rec[i].addr, v);
}

/* User pages present in all live address spaces. */
static unsigned long total_rss(void)
{
	unsigned long rss = 0;

	for (unsigned i = 0; i < stress_st.npmms; i++)
		rss += stress_st.pmms[i].mm->rss;
	return rss;
}

static void track_rss(void)
{
	unsigned long rss = total_rss();

	if (rss > stress_st.res->max_rss)
		stress_st.res->max_rss = rss;
}

static bool op_mmap(void)
{
	static const unsigned long prots[4] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
						PROT_READ | PROT_WRITE | PROT_EXEC };
	struct pmm *pm = pick_pmm();
	unsigned long len, flags, r;
	vaddr_t start;

	if (!pm || pm->mm->map_count >= PROC_MAX_MAP_COUNT)
		return false;
	pick_range(&start, &len);
	flags = MAP_ANONYMOUS | (stress_rnd(5) ? MAP_PRIVATE : MAP_SHARED);
	if (stress_rnd(2))
		flags |= MAP_FIXED;
	else if (stress_rnd(2))
		start = 0;
	r = do_mmap(pm->mm, NULL, start, len, prots[stress_rnd(4)], flags, 0);
	if (IS_ERR_VALUE(r)) {
		proc_error("mmap failed", (long)r, start);
		return true;
	}
	if ((flags & MAP_FIXED) && r != start)
		stress_problem("MAP_FIXED mmap landed elsewhere", start, r);
	forget_range(pm, r, len);
	return true;
}

static bool op_munmap(void)
{
	struct pmm *pm = pick_pmm();
	unsigned long len;
	vaddr_t start;
	int err;

	if (!pm)
		return false;
	pick_range(&start, &len);
	if (stress_rnd(2)) {
		struct vm_area_struct *vma = pick_vma(pm->mm);

		if (vma) /* often exactly a region, or its first pages */
			start = vma->vm_start;
	}
	err = do_munmap(pm->mm, start, len);
	if (err)
		proc_error("munmap failed", err, start);
	else
		forget_range(pm, start, len);
	return true;
}

static bool op_mprotect(void)
{
	static const unsigned long prots[5] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
						PROT_READ | PROT_WRITE | PROT_EXEC };
	struct pmm *pm = pick_pmm();
	struct vm_area_struct *vma = pm ? pick_vma(pm->mm) : NULL;
	unsigned long pages, first, len;
	int err;

	if (!vma)
		return false;
	pages = (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
	first = stress_rnd((uint32_t)pages);
	len = (1 + stress_rnd((uint32_t)(pages - first))) * PAGE_SIZE;
	err = do_mprotect(pm->mm, vma->vm_start + first * PAGE_SIZE, len, prots[stress_rnd(5)]);
	if (err)
		proc_error("mprotect failed", err, vma->vm_start + first * PAGE_SIZE);
	return true;
}

/* Fault a page of a region in (write when allowed, half the time), then stamp or check a word. */
static bool op_touch(void)
{
	struct pmm *pm = pick_pmm();
	struct vm_area_struct *vma = pm ? pick_vma(pm->mm) : NULL;
	bool write;
	vaddr_t addr;
	unsigned r;

	if (!vma)
		return false;
	if (pm->nrec && stress_rnd(4) == 0) {
		check_record(pm, stress_rnd(pm->nrec));
		return true;
	}
	addr = vma->vm_start + stress_rnd((uint32_t)((vma->vm_end - vma->vm_start) >> PAGE_SHIFT)) * PAGE_SIZE;
	write = (vma->vm_flags & VM_WRITE) && stress_rnd(2);
	if (!write && !(vma->vm_flags & VM_READ))
		/* PROT_NONE: the task would get SIGSEGV, there is nothing to fault in */
		return true;
	if (total_rss() >= stress_st.budget / 2)
		/* enough user pages held: exits and unmaps will bring the count down */
		return true;
	r = handle_mm_fault(pm->mm, vma, addr, write ? FAULT_FLAG_WRITE | FAULT_FLAG_USER : FAULT_FLAG_USER);
	if (r & VM_FAULT_OOM) {
		stress_failed_alloc();
		return true;
	}
	if (r) {
		stress_problem("anonymous fault failed", addr, r);
		return true;
	}
	if (!follow_page(pm->mm, addr, NULL))
		stress_problem("no page present after a fault", addr, 0);
	if (write && !(vma->vm_flags & VM_MAYSHARE)) {
		struct record rec = { addr + stress_rnd(PAGE_SIZE / 4) * 4, stress_rnd_stamp() };

		if (access_process_vm(pm->mm, rec.addr, &rec.val, sizeof(rec.val), true) != sizeof(rec.val)) {
			stress_failed_alloc();
			return true;
		}
		forget_range(pm, rec.addr, 4);
		pm->rec[pm->nrec < PROC_RECORDS ? pm->nrec++ : stress_rnd(PROC_RECORDS)] = rec;
	}
	track_rss();
	return true;
}

/* fork: a copy of a live address space (copy-on-write), or a fresh one when there is none. */
static bool op_fork(void)
{
	struct pmm *parent = pick_pmm(), *child;
	struct mm_struct *mm;

	if (stress_st.npmms == STRESS_MAX_MMS)
		return false;
	mm = mm_alloc();
	if (!mm) {
		stress_failed_alloc();
		return true;
	}
	if (parent) {
		int err = dup_mmap(mm, parent->mm);

		if (err) {
			proc_error("dup_mmap failed", err, 0);
			mmput(mm); /* holds what was copied */
			return true;
		}
	}
	child = &stress_st.pmms[stress_st.npmms++];
	child->mm = mm;
	child->nrec = parent ? parent->nrec : 0;
	if (parent)
		memcpy(child->rec, parent->rec, sizeof(child->rec));
	if (stress_st.npmms > stress_st.res->max_mms)
		stress_st.res->max_mms = stress_st.npmms;
	return true;
}

/* exit: read back every remembered word, then drop the address space. */
void stress_exit_pmm(unsigned i)
{
	struct pmm *pm = &stress_st.pmms[i];

	for (unsigned k = 0; k < pm->nrec; k++)
		check_record(pm, k);
	mmput(pm->mm);
	*pm = stress_st.pmms[--stress_st.npmms];
}

static bool op_exit(void)
{
	if (!stress_st.npmms)
		return false;
	stress_exit_pmm(stress_rnd(stress_st.npmms));
	return true;
}

static enum stress_proc_op pick_proc_op(void)
{
	uint32_t r = stress_rnd(100);

	if (!stress_st.npmms)
		return STRESS_FORK;
	if (r < 24)
		return STRESS_MMAP;
	if (r < 38)
		return STRESS_MUNMAP;
	if (r < 52)
		return STRESS_MPROTECT;
	if (r < 86)
		return STRESS_TOUCH;
	if (r < 93)
		return STRESS_FORK;
	return STRESS_EXIT;
}

static bool do_proc_op(enum stress_proc_op op)
{
	switch (op) {
	case STRESS_MMAP:
		return op_mmap();
	case STRESS_MUNMAP:
		return op_munmap();
	case STRESS_MPROTECT:
		return op_mprotect();
	case STRESS_TOUCH:
		return op_touch();
	case STRESS_FORK:
		return op_fork();
	case STRESS_EXIT:
		return op_exit();
	default:
		return false;
	}
}

/* What to do instead of op when it had nothing to work on. */
static enum stress_proc_op proc_partner(enum stress_proc_op op)
{
	static const enum stress_proc_op partners[STRESS_PROC_NR_OPS] = {
		[STRESS_MMAP] = STRESS_MUNMAP, [STRESS_MUNMAP] = STRESS_FORK, [STRESS_MPROTECT] = STRESS_MMAP,
		[STRESS_TOUCH] = STRESS_MMAP,  [STRESS_FORK] = STRESS_EXIT,   [STRESS_EXIT] = STRESS_FORK,
	};

	return partners[op];
}

/* One operation of the process mix; the one that ran is counted. */
void stress_run_proc_op(void)
{
	enum stress_proc_op op = pick_proc_op();

	if (!do_proc_op(op)) {
		op = proc_partner(op);
		do_proc_op(op);
	}
	stress_st.res->proc_op_count[op]++;
}
