/*
 * The "both CPUs' stacks" report of a lock problem.  mm/spinlock.c calls report() on the CPU that
 * found it (a CPU that has spun past LOCK_STUCK_MS, a recursion, an unlock by the wrong CPU); it
 * prints that CPU's stack, then asks the holder for its own
 * with an NMI (delivered whatever the holder's interrupt flag, Intel SDM vol. 3A, §6.7.1) and
 * waits for it to finish printing, so the two reports never interleave on the console.
 */
#include <stdio.h>

#include <hal/smpboot.h>
#include <hal/x86.h>
#include <kallsyms.h>
#include <lock_report.h>
#include <mm/spinlock.h>
#include <recover.h>

static volatile bool dump_asked[NR_CPUS];
static volatile bool dump_done[NR_CPUS];

bool lock_report_nmi(struct trap_frame *tf)
{
	unsigned cpu = hal_smp_processor_id();
	char sym[96];

	if (!__atomic_load_n(&dump_asked[cpu], __ATOMIC_ACQUIRE))
		return false;
	dump_asked[cpu] = false;
	kallsyms_format(tf->eip, sym, sizeof(sym));
	printf("CPU %u (holder, interrupts %s): EIP %08x %s\n", cpu,
	       tf->eflags & EFLAGS_IF ? "on" : "off", (unsigned)tf->eip, sym);
	/* A kernel-mode trap pushes no ESP: the interrupted stack continues where user_esp sits. */
	oops_call_trace((tf->cs & 3) ? (const uint32_t *)tf->user_esp : &tf->user_esp);
	__atomic_store_n(&dump_done[cpu], true, __ATOMIC_RELEASE);
	return true;
}

static void report(const spinlock_t *l, int owner)
{
	unsigned self = hal_smp_processor_id();
	char sym[96] = "?";
	uint64_t t0;

	if (l->owner_pc)
		kallsyms_format((uintptr_t)l->owner_pc, sym, sizeof(sym));
	/* mm/spinlock.c has just printed the "BUG: spinlock" line naming the problem. */
	printf("lock report: '%s' held by CPU %d (taken at %s); the stacks of CPU %u (reporting) and "
	       "of the holder follow\n",
	       l->name ? l->name : "?", owner, sym, self);
	printf("CPU %u (reporting):\n", self);
	oops_call_trace(__builtin_frame_address(0));
	if (owner < 0 || owner >= NR_CPUS || (unsigned)owner == self) {
		printf("lock report: no other CPU to ask (owner %d)\n", owner);
		return;
	}
	dump_done[owner] = false;
	__atomic_store_n(&dump_asked[owner], true, __ATOMIC_RELEASE);
	hal_send_ipi((unsigned)owner, HAL_IPI_NMI);
	t0 = rdtsc();
	while (!__atomic_load_n(&dump_done[owner], __ATOMIC_ACQUIRE)) {
		hal_cpu_relax();
		if (hal_tsc_hz && rdtsc() - t0 > hal_tsc_hz) {
			printf("lock report: CPU %d did not answer the NMI within 1000 ms\n", owner);
			dump_asked[owner] = false;
			return;
		}
	}
}

void lock_report_init(void)
{
	if (!hal_tsc_hz)
		return;
	spin_debug_set_timeout(hal_tsc_hz / 1000u * LOCK_STUCK_MS);
	spin_debug_set_reporter(report);
}
