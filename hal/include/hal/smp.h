/*
 * The CPUs of the machine, as mm/ sees them: which CPU runs the caller, which CPUs are online,
 * and the one cross-CPU service mm/ needs, invalidating other CPUs' TLB entries.  "The TLB flush
 * API" of Understanding the Linux Virtual Memory Manager, §3.8, is built on these: a flush of a
 * kernel address must reach every CPU that may hold the old translation, a flush of a user
 * address only the CPUs in the mm_struct's cpu mask.
 *
 * Before the application processors are started, and on the host fake unless a test sets more,
 * the boot CPU (number 0) is the only one online.
 */
#ifndef HAL_SMP_H
#define HAL_SMP_H

#include <stdint.h>

#include <hal/mmu.h>

/* The most CPUs the firmware runs; a board with more starts the first NR_CPUS it finds. */
#define NR_CPUS 8

/* A set of CPUs: bit n stands for CPU number n. */
typedef uint32_t cpumask_t;

_Static_assert(NR_CPUS <= 32, "a cpumask_t holds one bit per CPU");

/* The number of the CPU running the caller: 0 for the boot CPU, then in bring-up order. */
unsigned hal_smp_processor_id(void);

/* The CPUs online now. */
cpumask_t hal_cpu_online_mask(void);

/* A shootdown not acknowledged after TLB_ACK_WARN_MS names the CPU and keeps waiting; after
 * TLB_ACK_TIMEOUT_MS it marks the CPU not responding.  The warning comes early so a stuck CPU is
 * seen; the verdict comes late because an emulated CPU on a busy host can lose seconds. */
#define TLB_ACK_WARN_MS 2000u
#define TLB_ACK_TIMEOUT_MS 20000u

/*
 * Invalidate the TLB entries of [start, end) on every online CPU in mask other than the caller's
 * (end == 0 means every entry, global ones included), by IPI, and return once each of them has
 * acknowledged (or TLB_ACK_TIMEOUT_MS has passed); returns the number of IPIs sent.  The caller
 * flushes its own CPU itself.
 */
unsigned hal_flush_tlb_others(cpumask_t mask, vaddr_t start, vaddr_t end);

/* Tell the CPU it is in a spin-wait loop (pause), so a sibling thread or the host gets the time. */
void hal_cpu_relax(void);

#endif
