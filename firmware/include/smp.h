/*
 * Work on other CPUs: run a function on every online CPU and wait for all of them, and park the
 * other CPUs while a checker walks shared structures.  Until the application processors are
 * started the boot CPU is the only one, and each call runs the function here alone.
 */
#ifndef FIRMWARE_SMP_H
#define FIRMWARE_SMP_H

#include <hal/smp.h>

/* A function run on several CPUs: arg is shared, cpu is the number of the CPU running it. */
typedef void (*smp_call_fn)(void *arg, unsigned cpu);

/* The number of CPUs online now. */
unsigned num_online_cpus(void);

/*
 * Run fn(arg, cpu) on every online CPU in mask (the caller's included when it is in mask), at the
 * same time, and return when all of them have finished.
 */
void smp_call_function_many(cpumask_t mask, smp_call_fn fn, void *arg);

/* Run fn(arg, cpu) on every online CPU at once and wait for all of them. */
void on_each_cpu(smp_call_fn fn, void *arg);

/*
 * Stop every other online CPU in a loop with interrupts off, so the caller alone touches shared
 * structures (mmcheck, ptcheck); returns the mask of CPUs parked, for smp_unpark_others().
 */
cpumask_t smp_park_others(void);

/* Let the CPUs parked by smp_park_others() run on. */
void smp_unpark_others(cpumask_t parked);

/* Run the work another CPU posted to this one, if any (for CPUs spinning outside the idle loop). */
void smp_call_poll(void);

#endif
