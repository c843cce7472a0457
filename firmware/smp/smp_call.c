/*
 * Work on other CPUs, while the boot CPU runs alone.
 */
#include <smp.h>

unsigned num_online_cpus(void)
{
	return (unsigned)__builtin_popcount(hal_cpu_online_mask());
}

void smp_call_function_many(cpumask_t mask, smp_call_fn fn, void *arg)
{
	unsigned self = hal_smp_processor_id();

	if (mask & (1u << self))
		fn(arg, self);
}

void on_each_cpu(smp_call_fn fn, void *arg)
{
	smp_call_function_many(hal_cpu_online_mask(), fn, arg);
}

cpumask_t smp_park_others(void)
{
	return 0;
}

void smp_unpark_others(cpumask_t parked)
{
	(void)parked;
}
