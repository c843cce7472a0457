/*
 * The page tables of a process and the fault path.
 *
 * A user page table is made on demand: the hal answers HAL_ENOTABLE and we
 * hand it a zeroed low page (page tables must be reachable through the
 * linear map).  Kernel mappings need no work here: every page directory
 * shares the kernel's preallocated tables (mm/paging_init.c), so a vmalloc
 * or kmap made later reaches every process.
 *
 * handle_mm_fault() follows Linux: a missing page of a file region comes from vm_ops->fault ("If a
 * virtual page is not present in an address space, the automatically triggered page fault handler
 * invokes this function", Professional Linux Kernel Architecture, ch. 4), of an anonymous region
 * from a zeroed GFP_HIGHUSER page; a write to a present read-only page of a private writable region
 * copies it unless this address space holds the only reference to an anonymous page (do_wp_page).
 * User pages are cleared and copied through kmap_atomic, since a high page has no kernel address of
 * its own.
 */
#include <string.h>

#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <mm/fixmap.h>
#include <mm/layout.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/rmap.h>
#include <mm/tlbflush.h>

/* Flush addr of mm on every CPU that may cache it (this one if mm is loaded here). */
static void flush_user_page(struct mm_struct *mm, vaddr_t addr)
{
	flush_tlb_page(mm, addr);
}

static paddr_t page_to_phys(const struct page *page)
{
	return (paddr_t)page_to_pfn(page) << PAGE_SHIFT;
}

/* Make sure a page table covers addr in mm; 0 or -ENOMEM. */
static int pte_alloc(struct mm_struct *mm, vaddr_t addr)
{
	vaddr_t table;

	if (hal_query_table(mm->pgd, addr, NULL))
		return 0;
	table = get_zeroed_page(GFP_KERNEL | __GFP_NOWARN);
	if (!table)
		return -ENOMEM;
	if (hal_set_table(mm->pgd, addr, __pa(table)) != HAL_OK) {
		free_pages(table, 0);
		return 0;
	}
	mm->nr_ptes++;
	mod_pagetable_pages(1);
	return 0;
}

int install_user_pte(struct mm_struct *mm, vaddr_t address, struct page *page, unsigned prot)
{
	int r;

	if (pte_alloc(mm, address))
		return -ENOMEM;
	r = hal_map_page(mm->pgd, address, page_to_phys(page), prot);
	if (r == HAL_EEXIST) {
		hal_unmap_page(mm->pgd, address);
		r = hal_map_page(mm->pgd, address, page_to_phys(page), prot);
	}
	flush_user_page(mm, address);
	return r == HAL_OK ? 0 : -ENOMEM;
}

void clear_user_highpage(struct page *page)
{
	unsigned long irq = hal_irq_save();
	vaddr_t va = kmap_atomic(page, KM_USER0);

	memset(hal_va_ptr(va), 0, PAGE_SIZE);
	kunmap_atomic(va, KM_USER0);
	hal_irq_restore(irq);
}

void copy_user_highpage(struct page *dst, struct page *src)
{
	unsigned long irq = hal_irq_save();
	vaddr_t s = kmap_atomic(src, KM_USER0), d = kmap_atomic(dst, KM_USER1);

	memcpy(hal_va_ptr(d), hal_va_ptr(s), PAGE_SIZE);
	kunmap_atomic(d, KM_USER1);
	kunmap_atomic(s, KM_USER0);
	hal_irq_restore(irq);
}

bool vma_access_ok(const struct vm_area_struct *vma, bool write, bool exec)
{
	if (write)
		return (vma->vm_flags & VM_WRITE) != 0;
	if (exec)
		return (vma->vm_flags & VM_EXEC) != 0;
	/* As on x86, a region that may be written or executed may be read. */
	return (vma->vm_flags & VM_ACCESS_FLAGS) != 0;
}

struct page *follow_page(struct mm_struct *mm, vaddr_t address, bool *writable)
{
	paddr_t pa;
	unsigned prot;

	if (!hal_query_page(mm->pgd, address & PAGE_MASK, &pa, &prot))
		return NULL;
	if (writable)
		*writable = (prot & HAL_PROT_WRITE) != 0;
	return pfn_to_page((pfn_t)(pa >> PAGE_SHIFT));
}

/* A fresh anonymous page at address of vma: zero-filled, or a copy of src. */
static unsigned map_new_anon_page(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t address,
				  struct page *src)
{
	struct page *page;
	unsigned prot = vma->vm_page_prot;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	page = alloc_page(GFP_HIGHUSER | __GFP_NOWARN | (src ? 0 : __GFP_ZERO));
	if (!page)
		return VM_FAULT_OOM;
	if (src)
		copy_user_highpage(page, src);
	if (vma->vm_flags & VM_WRITE)
		prot |= HAL_PROT_WRITE;
	page_add_anon_rmap(page, vma, address);
	if (install_user_pte(mm, address, page, prot)) {
		put_page(page);
		return VM_FAULT_OOM;
	}
	return 0;
}

/* A write to a present read-only page: make it writable in a shared region, reuse it when it is
 * ours alone, else copy it. */
static unsigned do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t address, struct page *old)
{
	unsigned r;

	if (vma->vm_flags & VM_SHARED) {
		install_user_pte(mm, address, old, vma->vm_page_prot | HAL_PROT_WRITE);
		return 0;
	}
	if (PageAnon(old) && page_count(old) == 1) {
		/*
		 * Ours alone: writable where the region is.  A forced write into a region without
		 * VM_WRITE (the ELF loader clearing a read-only segment's bss tail) writes through the
		 * kernel's mapping and leaves the entry read-only.
		 */
		mmap_stats.cow_reuses++;
		if (vma->vm_flags & VM_WRITE)
			install_user_pte(mm, address, old, vma->vm_page_prot | HAL_PROT_WRITE);
		return 0;
	}
	r = map_new_anon_page(mm, vma, address, old);
	if (r)
		return r;
	/* The new page replaced old in the page table: drop old's reference. */
	put_page(old);
	mmap_stats.cow_copies++;
	return 0;
}

unsigned handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma, vaddr_t address, unsigned flags)
{
	bool write = (flags & FAULT_FLAG_WRITE) != 0;
	paddr_t pa;
	unsigned prot, r;

	address &= PAGE_MASK;
	mmap_stats.faults++;
	if (hal_query_page(mm->pgd, address, &pa, &prot)) {
		struct page *page = pfn_to_page((pfn_t)(pa >> PAGE_SHIFT));

		if (write && !(prot & HAL_PROT_WRITE))
			return do_wp_page(mm, vma, address, page);
		if ((flags & FAULT_FLAG_INSTRUCTION) && !(prot & HAL_PROT_EXEC)) {
			/*
			 * An instruction fetch from a present NX page is not a stale TLB entry: flushing and
			 * returning would fault again forever.  A region that allows exec gets its entry
			 * rebuilt from vm_page_prot; any other refuses (Linux's access_error()).
			 */
			if (!(vma->vm_flags & VM_EXEC) || !(vma->vm_page_prot & HAL_PROT_EXEC))
				return VM_FAULT_SIGSEGV;
			install_user_pte(mm, address, page, vma->vm_page_prot | (prot & HAL_PROT_WRITE));
			return 0;
		}
		if (!(prot & HAL_PROT_USER) && (vma->vm_page_prot & HAL_PROT_USER))
			install_user_pte(mm, address, page, vma->vm_page_prot | (prot & HAL_PROT_WRITE));
		else
			flush_user_page(mm, address); /* a stale TLB entry */
		return 0;
	}
	if (vma->vm_ops && vma->vm_ops->fault) {
		struct vm_fault vmf = { flags, linear_page_index(vma, address), address, NULL };

		mmap_stats.file_faults++;
		r = vma->vm_ops->fault(vma, &vmf);
		if (r)
			return r;
		if (write && !(vma->vm_flags & VM_SHARED)) {
			/* A private write: the region gets its own copy, the cache keeps the
			 * original. */
			r = map_new_anon_page(mm, vma, address, vmf.page);
			put_page(vmf.page);
			if (!r) {
				mm->rss++;
				mmap_stats.cow_copies++;
			}
			return r;
		}
		prot = vma->vm_page_prot;
		if (write)
			prot |= HAL_PROT_WRITE;
		if (install_user_pte(mm, address, vmf.page, prot)) {
			put_page(vmf.page);
			return VM_FAULT_OOM;
		}
		mm->rss++;
		return 0;
	}
	mmap_stats.anon_faults++;
	r = map_new_anon_page(mm, vma, address, NULL);
	if (!r)
		mm->rss++;
	return r;
}

/* Call fn on each present entry of [start, end) in mm, skipping spans without a page table. */
static void walk_present(struct mm_struct *mm, vaddr_t start, vaddr_t end,
			 void (*fn)(struct mm_struct *mm, vaddr_t addr, paddr_t pa, unsigned prot, void *arg), void *arg)
{
	vaddr_t span = hal_table_span();

	for (vaddr_t addr = start; addr < end && addr >= start;) {
		paddr_t pa;
		unsigned prot;

		if (!hal_query_table(mm->pgd, addr, NULL)) {
			addr = (addr & ~(span - 1)) + span;
			continue;
		}
		if (hal_query_page(mm->pgd, addr, &pa, &prot))
			fn(mm, addr, pa, prot, arg);
		addr += PAGE_SIZE;
	}
}

static void zap_one(struct mm_struct *mm, vaddr_t addr, paddr_t pa, unsigned prot, void *arg)
{
	(void)prot;
	(void)arg;
	hal_unmap_page(mm->pgd, addr);
	flush_user_page(mm, addr);
	mm->rss--;
	put_page(pfn_to_page((pfn_t)(pa >> PAGE_SHIFT)));
}

void zap_page_range(struct vm_area_struct *vma, vaddr_t start, vaddr_t end)
{
	walk_present(vma->vm_mm, start, end, zap_one, NULL);
}

void free_pgtables(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	vaddr_t span = hal_table_span(), base = start & ~(span - 1);
	bool freed = false;

	if (end > TASK_SIZE)
		end = TASK_SIZE;
	for (; base < end; base += span) {
		paddr_t table;

		if (find_vma_intersection(mm, base, base + span))
			continue;
		if (!hal_clear_table(mm->pgd, base, &table))
			continue;
		free_pages(__va(table), 0);
		mm->nr_ptes--;
		mod_pagetable_pages(-1);
		freed = true;
	}
	if (freed)
		flush_tlb_mm(mm);
}

struct protect_arg {
	struct vm_area_struct *vma;
};

/* NX is expressed only by PAE's 64-bit entries, and only on a CPU that has it. */
static bool nx_in_entries(void)
{
#ifdef CONFIG_X86_PAE
	return hal_cpu_has(HAL_FEAT_NX);
#else
	return false;
#endif
}

static void protect_one(struct mm_struct *mm, vaddr_t addr, paddr_t pa, unsigned prot, void *arg)
{
	struct vm_area_struct *vma = ((struct protect_arg *)arg)->vma;
	unsigned newprot = vma->vm_page_prot;

	/* A private page that was writable is this region's own: it may stay writable. */
	if ((vma->vm_flags & VM_WRITE) && (prot & HAL_PROT_WRITE))
		newprot |= HAL_PROT_WRITE;
	/*
	 * Where the entry cannot say NX (2-level tables, or PAE on a CPU without NX) every present page
	 * reads back executable; only there may a missing HAL_PROT_EXEC count as equal.  With NX, a
	 * dropped PROT_EXEC must reach the entry (RWX to RW leaves no writable, executable page).
	 */
	if (!nx_in_entries())
		newprot |= prot & HAL_PROT_EXEC;
	if (newprot == prot)
		return;
	hal_unmap_page(mm->pgd, addr);
	hal_map_page(mm->pgd, addr, pa, newprot);
	flush_user_page(mm, addr);
}

void change_protection(struct vm_area_struct *vma, vaddr_t start, vaddr_t end)
{
	struct protect_arg a = { vma };

	walk_present(vma->vm_mm, start, end, protect_one, &a);
}

int move_page_tables(struct vm_area_struct *vma, vaddr_t old_addr, struct vm_area_struct *new_vma, vaddr_t new_addr,
		     unsigned long len)
{
	struct mm_struct *mm = vma->vm_mm;
	vaddr_t span = hal_table_span();

	(void)new_vma;
	/* Every table the destination needs first, so the move itself cannot fail. */
	for (vaddr_t a = new_addr & ~(span - 1); a < new_addr + len; a += span)
		if (pte_alloc(mm, a < new_addr ? new_addr : a))
			return -ENOMEM;
	for (unsigned long off = 0; off < len; off += PAGE_SIZE) {
		paddr_t pa;
		unsigned prot;

		if (!hal_query_table(mm->pgd, old_addr + (vaddr_t)off, NULL)) {
			/* Skip to the next table span. */
			unsigned long next = ((old_addr + off) & ~(span - 1)) + span - old_addr;

			off = next - PAGE_SIZE;
			continue;
		}
		if (!hal_query_page(mm->pgd, old_addr + (vaddr_t)off, &pa, &prot))
			continue;
		hal_unmap_page(mm->pgd, old_addr + (vaddr_t)off);
		flush_user_page(mm, old_addr + (vaddr_t)off);
		hal_map_page(mm->pgd, new_addr + (vaddr_t)off, pa, prot);
	}
	return 0;
}

struct copy_arg {
	struct mm_struct *dst;
	struct vm_area_struct *vma;
	int err;
};

static void copy_one(struct mm_struct *src, vaddr_t addr, paddr_t pa, unsigned prot, void *arg)
{
	struct copy_arg *c = arg;
	struct page *page = pfn_to_page((pfn_t)(pa >> PAGE_SHIFT));

	if (c->err)
		return;
	if (pte_alloc(c->dst, addr)) {
		c->err = -ENOMEM;
		return;
	}
	if (!(c->vma->vm_flags & VM_SHARED) && (prot & HAL_PROT_WRITE)) {
		/* Copy-on-write: both sides lose the write bit; the first writer copies. */
		prot &= ~(unsigned)HAL_PROT_WRITE;
		hal_unmap_page(src->pgd, addr);
		hal_map_page(src->pgd, addr, pa, prot);
		flush_user_page(src, addr);
	}
	hal_map_page(c->dst->pgd, addr, pa, prot);
	get_page(page);
	c->dst->rss++;
}

int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *dst_vma,
		    struct vm_area_struct *vma)
{
	struct copy_arg c = { dst, vma, 0 };

	(void)dst_vma;
	walk_present(src, vma->vm_start, vma->vm_end, copy_one, &c);
	return c.err;
}

/*
 * May this access go to vma?  A forced write (FOLL_FORCE) is allowed into a private region that
 * could be made writable, and only ever lands in a private copy mapped read-only (Linux's
 * check_vma_flags() and is_cow_mapping()).
 */
static bool remote_access_ok(const struct vm_area_struct *vma, unsigned gup_flags)
{
	bool write = (gup_flags & FOLL_WRITE) != 0;

	if (vma_access_ok(vma, write, false))
		return true;
	return write && (gup_flags & FOLL_FORCE) && !(vma->vm_flags & VM_SHARED) &&
	       (vma->vm_flags & VM_MAYWRITE) && (vma->vm_flags & VM_ACCESS_FLAGS);
}

size_t access_process_vm(struct mm_struct *mm, vaddr_t addr, void *buf, size_t len, bool write)
{
	return access_remote_vm(mm, addr, buf, len, write ? FOLL_WRITE : 0);
}

size_t access_remote_vm(struct mm_struct *mm, vaddr_t addr, void *buf, size_t len, unsigned gup_flags)
{
	bool write = (gup_flags & FOLL_WRITE) != 0;
	size_t done = 0;

	while (done < len) {
		vaddr_t a = addr + (vaddr_t)done;
		size_t chunk = PAGE_SIZE - (a & ~PAGE_MASK);
		struct vm_area_struct *vma;
		struct page *page;
		bool writable = false;
		unsigned long irq;
		vaddr_t k;

		if (a < addr || a >= TASK_SIZE)
			break;
		if (chunk > len - done)
			chunk = len - done;
		vma = find_vma(mm, a);
		if (vma && vma->vm_start > a && (vma->vm_flags & VM_GROWSDOWN))
			/* as Linux's find_extend_vma; refused growth fails below */
			expand_stack(vma, a);
		if (!vma || vma->vm_start > a || !remote_access_ok(vma, gup_flags))
			break;
		page = follow_page(mm, a, &writable);
		if (!page || (write && !writable) || !(vma->vm_page_prot & HAL_PROT_USER)) {
			if (handle_mm_fault(mm, vma, a, write ? FAULT_FLAG_WRITE : 0))
				break;
			page = follow_page(mm, a, &writable);
			if (!page)
				break;
		}
		irq = hal_irq_save();
		k = kmap_atomic(page, KM_USER0);
		if (write)
			memcpy((char *)hal_va_ptr(k) + (a & ~PAGE_MASK), (char *)buf + done, chunk);
		else
			memcpy((char *)buf + done, (char *)hal_va_ptr(k) + (a & ~PAGE_MASK), chunk);
		kunmap_atomic(k, KM_USER0);
		hal_irq_restore(irq);
		done += chunk;
	}
	return done;
}

struct shared_arg {
	unsigned long n;
};

static void count_one(struct mm_struct *mm, vaddr_t addr, paddr_t pa, unsigned prot, void *arg)
{
	struct page *page = pfn_to_page((pfn_t)(pa >> PAGE_SHIFT));

	(void)mm;
	(void)addr;
	(void)prot;
	if (PageAnon(page) && page_count(page) > 1)
		((struct shared_arg *)arg)->n++;
}

unsigned long count_shared_anon(struct mm_struct *mm)
{
	struct shared_arg a = { 0 };

	for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
		walk_present(mm, vma->vm_start, vma->vm_end, count_one, &a);
	return a.n;
}
