/*
 * The CPUs as mm/ sees them, while the boot CPU runs alone.
 */
#include <hal/smp.h>

unsigned hal_smp_processor_id(void)
{
	return 0;
}

cpumask_t hal_cpu_online_mask(void)
{
	return 1u;
}

unsigned hal_flush_tlb_others(cpumask_t mask, vaddr_t start, vaddr_t end)
{
	(void)mask;
	(void)start;
	(void)end;
	return 0;
}

void hal_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
