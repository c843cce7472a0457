/*
 * TLB shootdown for kernel and user mappings (mm/include/mm/tlbflush.h).  The initiator flushes
 * its own TLB itself, then hal_flush_tlb_others() interrupts the other CPUs and returns once all
 * of them have acknowledged, so when a flush returns no CPU can still use the old translation:
 * the rule Understanding the Linux Virtual Memory Manager, §3.8, gives for flush_tlb_all() after
 * PKMAP's wrap and vfree's unmapping.
 */
#include <string.h>

#include <hal/cpu.h>
#include <mm/mm_types.h>
#include <mm/tlbflush.h>

struct tlb_cpu_stats tlb_cpu_stats[NR_CPUS];

static struct tlb_cpu_stats *this_stats(void)
{
	return &tlb_cpu_stats[hal_smp_processor_id()];
}

/* Invalidate [start, end) on this CPU: page by page when short, else the whole TLB. */
static void local_flush_range(vaddr_t start, vaddr_t end)
{
	struct tlb_cpu_stats *st = this_stats();
	vaddr_t va = start & PAGE_MASK;

	if (end <= va)
		return;
	if ((end - va) / PAGE_SIZE > FLUSH_TLB_RANGE_PAGES) {
		hal_flush_all();
		st->local_alls++;
		return;
	}
	for (; va < end && va >= (start & PAGE_MASK); va += PAGE_SIZE) {
		hal_flush_page(va);
		st->local_pages++;
	}
}

/* Send the shootdown of [start, end) (end 0: everything) to the CPUs of mask but this one. */
static unsigned shoot(cpumask_t mask, vaddr_t start, vaddr_t end)
{
	cpumask_t others = mask & hal_cpu_online_mask() & ~(1u << hal_smp_processor_id());
	unsigned sent;

	if (!others)
		return 0;
	sent = hal_flush_tlb_others(others, start, end);
	this_stats()->ipis_sent += sent;
	return sent;
}

unsigned flush_tlb_all(void)
{
	hal_flush_all();
	this_stats()->local_alls++;
	this_stats()->kernel_flushes++;
	return shoot(hal_cpu_online_mask(), 0, 0);
}

unsigned flush_tlb_kernel_range(vaddr_t start, vaddr_t end)
{
	if (end <= start)
		return 0;
	local_flush_range(start, end);
	this_stats()->kernel_flushes++;
	return shoot(hal_cpu_online_mask(), start & PAGE_MASK, end);
}

unsigned flush_tlb_kernel_range_others(vaddr_t start, vaddr_t end)
{
	if (end <= start)
		return 0;
	this_stats()->kernel_flushes++;
	return shoot(hal_cpu_online_mask(), start & PAGE_MASK, end);
}

/* True when this CPU may cache mm's user entries: it is in the mask, or mm's directory is loaded
 * here (before any scheduler maintains the mask, the loaded directory alone tells). */
static bool cached_here(const struct mm_struct *mm)
{
	return (mm_cpu_mask(mm) & (1u << hal_smp_processor_id())) || hal_current_pgd() == mm->pgd;
}

unsigned flush_tlb_mm(struct mm_struct *mm)
{
	if (!mm)
		return 0;
	if (cached_here(mm)) {
		hal_flush_all();
		this_stats()->local_alls++;
	}
	this_stats()->user_flushes++;
	return shoot(mm_cpu_mask(mm), 0, 0);
}

unsigned flush_tlb_page(struct mm_struct *mm, vaddr_t addr)
{
	return flush_tlb_range(mm, addr, (addr & PAGE_MASK) + PAGE_SIZE);
}

unsigned flush_tlb_vma_page(struct vm_area_struct *vma, vaddr_t addr)
{
	return vma ? flush_tlb_page(vma->vm_mm, addr) : 0;
}

unsigned flush_tlb_range(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	if (!mm || end <= start)
		return 0;
	if (cached_here(mm))
		local_flush_range(start, end);
	this_stats()->user_flushes++;
	return shoot(mm_cpu_mask(mm), start & PAGE_MASK, end);
}

void mm_cpu_activate(struct mm_struct *mm, unsigned cpu)
{
	if (mm && cpu < NR_CPUS)
		__atomic_fetch_or(&mm->cpu_vm_mask, 1u << cpu, __ATOMIC_ACQ_REL);
}

void mm_cpu_deactivate(struct mm_struct *mm, unsigned cpu)
{
	if (mm && cpu < NR_CPUS)
		__atomic_fetch_and(&mm->cpu_vm_mask, ~(1u << cpu), __ATOMIC_ACQ_REL);
}

cpumask_t mm_cpu_mask(const struct mm_struct *mm)
{
	return __atomic_load_n(&mm->cpu_vm_mask, __ATOMIC_ACQUIRE);
}

void tlb_stats_total(struct tlb_cpu_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned c = 0; c < NR_CPUS; c++) {
		sum->kernel_flushes += tlb_cpu_stats[c].kernel_flushes;
		sum->user_flushes += tlb_cpu_stats[c].user_flushes;
		sum->ipis_sent += tlb_cpu_stats[c].ipis_sent;
		sum->local_pages += tlb_cpu_stats[c].local_pages;
		sum->local_alls += tlb_cpu_stats[c].local_alls;
	}
}

void tlb_stats_reset(void)
{
	memset(tlb_cpu_stats, 0, sizeof(tlb_cpu_stats));
}
