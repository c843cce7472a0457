/*
 * ptcheck: a full walk of a kernel page directory, in the spirit of Linux's
 * ptdump and its W+X check.  Every present directory entry and every
 * present table entry is attributed to the region of the kernel layout (mm/layout.h)
 * it lies in, and checked against what that region may hold (the rules
 * are listed above ptcheck() in mm/mmcheck.h).
 *
 * The walk goes through the hal only (hal_query_raw for directory entries,
 * hal_query_page for the pages), so it reads 2-level and PAE tables alike.
 * It holds vmlist_lock and kmap_lock so that the areas and the PKMAP counts
 * it compares against cannot change under it.
 */
#include <stdint.h>
#include <stdio.h>

#include <hal/cpu.h>
#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/highmem.h>
#include <mm/layout.h>
#include <mm/debug/mmcheck.h>
#include <mm/page.h>
#include <mm/vmalloc.h>

#define PDE_PRESENT 1ull

struct walk {
	struct mmcheck_ctx c;
	struct ptcheck_stats s;
	const struct mmcheck_image *img;
	/* cursor into vmlist: the first area not wholly below the page walked */
	const struct vm_struct *area;
};

/* NX can only be asked for with PAE's 64-bit entries, and only when the CPU has it. */
static bool nx_enforced(void)
{
#ifdef CONFIG_X86_PAE
	return hal_cpu_has(HAL_FEAT_NX);
#else
	return false;
#endif
}

static bool in_text(const struct walk *w, vaddr_t va)
{
	return w->img && va >= w->img->text_start && va < w->img->text_end;
}

static bool in_readonly(const struct walk *w, vaddr_t va)
{
	return w->img && va >= w->img->text_start && va < w->img->ro_end;
}

/* True when physical frame pa holds kernel text or rodata, whatever address maps it. */
static bool frame_in_readonly(const struct walk *w, paddr_t pa)
{
	return w->img && pa >= __pa(w->img->text_start) && pa < __pa(w->img->ro_end);
}

/* The live area holding va (guard page included), advancing the cursor; NULL if none. */
static const struct vm_struct *area_at(struct walk *w, vaddr_t va)
{
	while (w->area && (uint64_t)w->area->addr + w->area->size <= va)
		w->area = w->area->next;
	if (w->area && va >= w->area->addr)
		return w->area;
	return NULL;
}

/* The rules every present kernel mapping of npages pages at va obeys, wherever it is. */
static void check_common(struct walk *w, vaddr_t va, unsigned prot, unsigned long npages)
{
	if (prot & HAL_PROT_USER)
		mmcheck_violation(&w->c, "0x%08lx is a kernel page reachable from user mode", (unsigned long)va);
	if ((prot & HAL_PROT_WRITE) && (prot & HAL_PROT_EXEC)) {
		w->s.writable_exec += npages;
		if (w->s.wx_enforced)
			mmcheck_violation(&w->c, "0x%08lx is writable and executable (W+X)", (unsigned long)va);
	}
	if (w->s.wx_enforced && (prot & HAL_PROT_EXEC) && !in_text(w, va))
		mmcheck_violation(&w->c, "0x%08lx is executable outside the kernel text (NX missing)", (unsigned long)va);
}

/* Attribute the present 4 KiB page at va (frame pa, protection prot) to its region and check it. */
static void check_page(struct walk *w, vaddr_t va, paddr_t pa, unsigned prot)
{
	const struct vm_struct *a;
	unsigned nr;

	check_common(w, va, prot, 1);
	if (va < high_memory) {
		bool ro = in_readonly(w, va);

		w->s.linear++;
		w->s.linear_ro += ro;
		if (pa != __pa(va))
			mmcheck_violation(&w->c, "linear map 0x%08lx maps phys 0x%llx instead of 0x%llx", (unsigned long)va,
					  (unsigned long long)pa, (unsigned long long)__pa(va));
		if (ro && (prot & HAL_PROT_WRITE))
			mmcheck_violation(&w->c, "kernel text/rodata 0x%08lx is writable", (unsigned long)va);
		if (!ro && !(prot & HAL_PROT_WRITE))
			mmcheck_violation(&w->c, "linear map 0x%08lx is read-only outside the kernel's read-only part",
					  (unsigned long)va);
		return;
	}
	if ((prot & HAL_PROT_WRITE) && frame_in_readonly(w, pa))
		mmcheck_violation(&w->c, "0x%08lx is a writable alias of kernel text/rodata (phys 0x%llx)",
				  (unsigned long)va, (unsigned long long)pa);
	if (va < VMALLOC_START) {
		mmcheck_violation(&w->c, "0x%08lx in the VMALLOC_OFFSET gap is mapped (phys 0x%llx)", (unsigned long)va,
				  (unsigned long long)pa);
	} else if (va < VMALLOC_END) {
		a = area_at(w, va);
		if (!a)
			mmcheck_violation(&w->c, "0x%08lx in the vmalloc range is mapped outside every area (phys 0x%llx)",
					  (unsigned long)va, (unsigned long long)pa);
		else if (va >= a->addr + a->size - PAGE_SIZE)
			mmcheck_violation(&w->c, "guard page 0x%08lx of the area at 0x%08lx is mapped", (unsigned long)va,
					  (unsigned long)a->addr);
		else
			w->s.vmalloc++;
	} else if (va < PKMAP_BASE) {
		mmcheck_violation(&w->c, "0x%08lx in the 2-page gap below PKMAP_BASE is mapped", (unsigned long)va);
	} else if (va < PKMAP_END) {
		nr = PKMAP_NR(va);
		w->s.pkmap++;
		if (pkmap_count[nr] <= 0)
			mmcheck_violation(&w->c, "PKMAP slot %u (0x%08lx) is mapped with count %d", nr, (unsigned long)va,
					  pkmap_count[nr]);
	} else if (va < FIXADDR_START) {
		mmcheck_violation(&w->c, "0x%08lx between PKMAP and the fixmaps is mapped", (unsigned long)va);
	} else if (va < FIXADDR_END) {
		w->s.fixmap++;
	} else {
		mmcheck_violation(&w->c, "0x%08lx above FIXADDR_TOP is mapped", (unsigned long)va);
	}
}

/* Walk the table (or large page) covering [va, va + span) of pgd. */
static void walk_span(struct walk *w, paddr_t pgd, vaddr_t va, uint32_t span, bool table)
{
	paddr_t pa;
	unsigned prot;

	if (!table) {
		/* A large page: only the linear map uses them, wholly below high_memory and
		 * writable. */
		w->s.large_pages++;
		if (!hal_query_page(pgd, va, &pa, &prot))
			return;
		check_common(w, va, prot, span / PAGE_SIZE);
		w->s.linear += span / PAGE_SIZE;
		if ((uint64_t)va + span > high_memory)
			mmcheck_violation(&w->c, "large page at 0x%08lx reaches past high_memory 0x%08lx", (unsigned long)va,
					  (unsigned long)high_memory);
		if (pa != __pa(va))
			mmcheck_violation(&w->c, "large page at 0x%08lx maps phys 0x%llx instead of 0x%llx",
					  (unsigned long)va, (unsigned long long)pa, (unsigned long long)__pa(va));
		if (w->img && w->img->text_start < (uint64_t)va + span && w->img->ro_end > va)
			mmcheck_violation(&w->c, "large page at 0x%08lx covers kernel text/rodata, which must be read-only",
					  (unsigned long)va);
		if (!(prot & HAL_PROT_WRITE))
			mmcheck_violation(&w->c, "large page at 0x%08lx of the linear map is read-only", (unsigned long)va);
		return;
	}
	w->s.tables++;
	for (uint64_t off = 0; off < span; off += PAGE_SIZE) {
		vaddr_t p = va + (vaddr_t)off;

		if (hal_query_page(pgd, p, &pa, &prot))
			check_page(w, p, pa & ~(paddr_t)(PAGE_SIZE - 1), prot);
		else if (p < high_memory)
			mmcheck_violation(&w->c, "hole in the linear map at 0x%08lx", (unsigned long)p);
	}
}

unsigned long ptcheck(FILE *out, paddr_t pgd, const struct mmcheck_image *img, struct ptcheck_stats *st)
{
	struct walk w = { .c = { out, "ptcheck", 0 }, .img = img };
	uint32_t span = hal_table_span();
	uint64_t shared_from = ((uint64_t)high_memory + span - 1) / span * span;
	unsigned long irq_vm, irq_km;

	w.s.wx_enforced = nx_enforced();
	for (uint64_t va = 0; va < PAGE_OFFSET; va += span) {
		uint64_t pde, pte;

		hal_query_raw(pgd, (vaddr_t)va, &pde, &pte);
		if (pde & PDE_PRESENT)
			mmcheck_violation(&w.c, "0x%08lx-0x%08llx below PAGE_OFFSET is mapped (entry 0x%llx)",
					  (unsigned long)va, (unsigned long long)(va + span - 1), (unsigned long long)pde);
	}
	irq_vm = read_lock_irqsave(&vmlist_lock);
	irq_km = spin_lock_irqsave(&kmap_lock);
	w.area = vmlist;
	for (uint64_t va = PAGE_OFFSET; va < 0x100000000ull; va += span) {
		uint64_t pde, pte;
		bool table = hal_query_raw(pgd, (vaddr_t)va, &pde, &pte);

		if (pde & PDE_PRESENT) {
			walk_span(&w, pgd, (vaddr_t)va, span, table);
		} else if (va < high_memory) {
			mmcheck_violation(&w.c, "hole in the linear map at 0x%08lx (no directory entry)", (unsigned long)va);
		} else if (va >= shared_from) {
			mmcheck_violation(&w.c, "no kernel page table at 0x%08lx (paging_init preallocates them all)",
					  (unsigned long)va);
		}
	}
	spin_unlock_irqrestore(&kmap_lock, irq_km);
	read_unlock_irqrestore(&vmlist_lock, irq_vm);
	w.s.violations = mmcheck_finish(&w.c);
	if (st)
		*st = w.s;
	return w.s.violations;
}

void ptcheck_print_stats(FILE *out, const struct ptcheck_stats *st)
{
	fprintf(out, "ptcheck: %lu page tables, %lu large pages; pages mapped: linear %lu (%lu read-only), "
		     "vmalloc %lu, pkmap %lu, fixmap %lu\n",
		st->tables, st->large_pages, st->linear, st->linear_ro, st->vmalloc, st->pkmap, st->fixmap);
	if (st->wx_enforced)
		fprintf(out, "ptcheck: W+X: %lu writable+executable pages (NX in use: enforced)\n", st->writable_exec);
	else
		fprintf(out, "ptcheck: W+X: not enforceable without NX (every present page is "
			     "executable; %lu writable pages)\n", st->writable_exec);
	fprintf(out, "ptcheck: %lu violations\n", st->violations);
}
