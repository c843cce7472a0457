/*
 * The TLB flush API of Understanding the Linux Virtual Memory Manager, §3.8, on several CPUs: a
 * kernel mapping may sit in the TLB of every online CPU, so flush_tlb_all() and
 * flush_tlb_kernel_range() flush this CPU and send a shootdown IPI to every other online CPU,
 * waiting for each acknowledgement (hal_flush_tlb_others); a user mapping can only be cached by
 * the CPUs that have run the mm_struct since it was last flushed, its cpu_vm_mask, so
 * flush_tlb_mm/page/range reach only those.
 *
 * The scheduler keeps cpu_vm_mask: mm_cpu_activate(mm, cpu) when it loads mm->pgd on cpu (before
 * the first user instruction runs there), mm_cpu_deactivate(mm, cpu) after cpu has switched to
 * another page directory (the CR3 load dropped mm's non-global entries from that CPU's TLB).
 */
#ifndef MM_TLBFLUSH_H
#define MM_TLBFLUSH_H

#include <stdio.h>

#include <hal/mmu.h>
#include <hal/smp.h>

struct mm_struct;
struct vm_area_struct;

/* Flush counters of one CPU (one cache line, so CPUs flushing at once never share it). */
struct tlb_cpu_stats {
	unsigned long kernel_flushes; /* flush_tlb_all / flush_tlb_kernel_range started here */
	unsigned long user_flushes;   /* flush_tlb_mm / page / range started here */
	unsigned long ipis_sent;      /* shootdown IPIs those sent (acknowledged) */
	unsigned long local_pages;    /* pages invalidated on this CPU (invlpg) */
	unsigned long local_alls;     /* whole-TLB flushes of this CPU */
} __attribute__((aligned(64)));

/* Per CPU: the flushes it started and the IPIs it sent. */
extern struct tlb_cpu_stats tlb_cpu_stats[NR_CPUS];

/* Above this many pages a range flush flushes the whole TLB instead of page by page. */
#define FLUSH_TLB_RANGE_PAGES 32u

/* Flush every TLB entry, global ones included, on every online CPU; returns the IPIs sent. */
unsigned flush_tlb_all(void);

/* Flush the kernel addresses [start, end) on every online CPU; returns the IPIs sent. */
unsigned flush_tlb_kernel_range(vaddr_t start, vaddr_t end);

/* The other CPUs' half of flush_tlb_kernel_range(), for a caller that has already invalidated
 * exactly what it unmapped on this CPU; returns the IPIs sent. */
unsigned flush_tlb_kernel_range_others(vaddr_t start, vaddr_t end);

/* Flush every user entry of mm on the CPUs in its cpu_vm_mask; returns the IPIs sent. */
unsigned flush_tlb_mm(struct mm_struct *mm);

/* Flush user address addr of mm on the CPUs in its cpu_vm_mask; returns the IPIs sent. */
unsigned flush_tlb_page(struct mm_struct *mm, vaddr_t addr);

/* Flush user address addr of the mm vma belongs to (flush_tlb_page by region). */
unsigned flush_tlb_vma_page(struct vm_area_struct *vma, vaddr_t addr);

/* Flush the user addresses [start, end) of mm on the CPUs in its cpu_vm_mask; IPIs sent. */
unsigned flush_tlb_range(struct mm_struct *mm, vaddr_t start, vaddr_t end);

/* The scheduler: mm's page directory is now loaded on cpu (cpu may cache its entries). */
void mm_cpu_activate(struct mm_struct *mm, unsigned cpu);

/* The scheduler: cpu has loaded another page directory, so it caches none of mm's user entries. */
void mm_cpu_deactivate(struct mm_struct *mm, unsigned cpu);

/* The CPUs that may cache mm's user entries. */
cpumask_t mm_cpu_mask(const struct mm_struct *mm);

/* The sum of every CPU's counters. */
void tlb_stats_total(struct tlb_cpu_stats *sum);

/* Zero every CPU's counters (boot, or a benchmark's start). */
void tlb_stats_reset(void);

/* Print the per-CPU flush and IPI counters and their totals (the `tlbinfo` command). */
void tlbflush_show(FILE *out);

#endif
