/*
 * Work on other CPUs.  Each CPU has a call slot: the initiator (holding call_lock, so one call
 * is in flight) writes the function and its argument, bumps the slot's request number and sends
 * an IPI; the target runs the function and copies the request number into done.  An AP takes its
 * work in its idle loop with interrupts on (so a TLB shootdown or the NMI still reaches it while
 * a long function such as a memtest share runs); a CPU that is busy elsewhere (the boot CPU in the
 * shell) runs it in the IPI handler.  A CPU that has not picked its work up after CALL_WARN_MS is
 * named (and waited for); after CALL_TIMEOUT_MS it is marked not responding: an emulated CPU on a
 * busy host can lose seconds, a hung one never comes back.  Parking posts a function that spins with interrupts off
 * (serving TLB shootdowns through hal_cpu_relax) until smp_unpark_others().
 */
#include <stdio.h>

#include <hal/cpu.h>
#include <hal/irq.h>
#include <hal/smpboot.h>
#include <hal/x86.h>
#include <mm/pcp.h>
#include <smp.h>
#include <task.h>

#include "internal.h"

#define CALL_WARN_MS 2000u
#define CALL_TIMEOUT_MS 20000u

struct call_slot {
	smp_call_fn fn;
	void *arg;
	volatile unsigned req, started, done;
};

static struct call_slot slots[NR_CPUS];
static volatile int call_lock;
static volatile bool idling[NR_CPUS];
static volatile bool park_flag;
static volatile cpumask_t parked_mask;

unsigned num_online_cpus(void)
{
	return (unsigned)__builtin_popcount(hal_cpu_online_mask());
}

/* Run the work posted to this CPU, if any. */
static void run_pending(unsigned cpu)
{
	struct call_slot *s = &slots[cpu];
	unsigned req = __atomic_load_n(&s->req, __ATOMIC_ACQUIRE);

	if (req == s->started)
		return;
	__atomic_store_n(&s->started, req, __ATOMIC_RELEASE);
	s->fn(s->arg, cpu);
	__atomic_store_n(&s->done, req, __ATOMIC_RELEASE);
}

static void call_ipi(struct trap_frame *tf)
{
	unsigned cpu = hal_smp_processor_id();

	(void)tf;
	if (!idling[cpu])
		run_pending(cpu);
}

void smp_call_poll(void)
{
	run_pending(hal_smp_processor_id());
}

/* on_each_cpu(): this CPU's share of drain_all_pages(). */
static void drain_this_cpu(void *arg, unsigned cpu)
{
	(void)arg;
	(void)cpu;
	drain_local_pages();
}

/* mm's drain_all_pages_hook: every running CPU drains its own per-CPU page lists (a CPU may touch
 * only its own), and the caller waits for all of them; a parked CPU spins with interrupts off and
 * touches no list, so the caller drains its lists for it. */
static void drain_all_cpus(void)
{
	cpumask_t parked = __atomic_load_n(&parked_mask, __ATOMIC_ACQUIRE);

	on_each_cpu(drain_this_cpu, NULL);
	for (unsigned c = 0; c < NR_CPUS; c++)
		if (parked & (1u << c))
			drain_cpu_pages(c);
}

void smp_call_init(void)
{
	hal_set_ipi_handler(HAL_IPI_CALL, call_ipi);
	drain_all_pages_hook = drain_all_cpus;
}

__attribute__((noreturn)) void smp_ap_idle(unsigned cpu)
{
	idling[cpu] = true;
	for (;;) {
		irq_disable();
		/* Marked not responding while it was busy (a shootdown or a call it did not answer in
		 * time): it is out of every mask now and would miss the next shootdown, so it stops. */
		if (hal_smp_state(cpu) == HAL_CPU_DEAD) {
			hal_flush_all();
			for (;;)
				__asm__ volatile("cli; hlt" ::: "memory");
		}
		if (__atomic_load_n(&slots[cpu].req, __ATOMIC_ACQUIRE) != slots[cpu].started) {
			irq_enable();
			run_pending(cpu);
			continue;
		}
		if (sched_has_work()) {
			/* Off to a task: work posted meanwhile runs in the IPI handler. */
			idling[cpu] = false;
			irq_enable();
			sched_idle_step();
			idling[cpu] = true;
			continue;
		}
		/* Going idle: the pages on this CPU's per-CPU lists go back to the buddy lists, where
		 * every CPU can have them (cheap when the lists are empty: no lock taken). */
		drain_local_pages();
		/* sti takes effect after hlt starts: an IPI between the check and here still wakes it. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

static void call_lock_take(unsigned self)
{
	while (__atomic_exchange_n(&call_lock, 1, __ATOMIC_ACQUIRE)) {
		run_pending(self);
		hal_cpu_relax();
	}
}

static void call_lock_drop(void)
{
	__atomic_store_n(&call_lock, 0, __ATOMIC_RELEASE);
}

/* TSC cycles in ms milliseconds, or 0 when the rate is unknown (then a spin count bounds it). */
static uint64_t ms_cycles(unsigned ms)
{
	return hal_tsc_hz / 1000u * ms;
}

/* Post fn(arg) to every CPU in mask (not the caller) and IPI them; returns the request numbers. */
static void post(cpumask_t mask, smp_call_fn fn, void *arg, unsigned req[NR_CPUS])
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		struct call_slot *s = &slots[cpu];

		if (!(mask & (1u << cpu)))
			continue;
		s->fn = fn;
		s->arg = arg;
		req[cpu] = s->req + 1;
		__atomic_store_n(&s->req, req[cpu], __ATOMIC_RELEASE);
		hal_send_ipi(cpu, HAL_IPI_CALL);
	}
}

/*
 * Wait until every CPU in mask has started its request; one that has not within the timeout is
 * reported and marked not responding.  Returns the CPUs that started.
 */
static cpumask_t wait_started(cpumask_t mask, const unsigned req[NR_CPUS])
{
	uint64_t t0 = rdtsc(), limit = ms_cycles(CALL_TIMEOUT_MS), warn = ms_cycles(CALL_WARN_MS);
	bool warned = false;

	for (unsigned long spin = 0;; spin++) {
		cpumask_t late = 0;

		for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
			if ((mask & (1u << cpu)) &&
			    (int)(__atomic_load_n(&slots[cpu].started, __ATOMIC_ACQUIRE) - req[cpu]) < 0)
				late |= 1u << cpu;
		if (!late)
			return mask;
		if (!warned && warn && rdtsc() - t0 > warn) {
			warned = true;
			for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
				if (late & (1u << cpu))
					printf("SMP: CPU %u (APIC ID %u) has not taken its work for %u ms; "
					       "still waiting\n", cpu, (unsigned)hal_cpu_apic_id(cpu),
					       CALL_WARN_MS);
		}
		if (limit ? rdtsc() - t0 > limit : spin > 1000000000ul) {
			for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
				if (late & (1u << cpu)) {
					printf("SMP: CPU %u (APIC ID %u) did not take its work within "
					       "%u ms; marked not responding\n",
					       cpu, (unsigned)hal_cpu_apic_id(cpu), CALL_TIMEOUT_MS);
					hal_smp_set_state(cpu, HAL_CPU_DEAD, hal_cpu_apic_id(cpu));
				}
			return mask & ~late;
		}
		hal_cpu_relax();
	}
}

/* Wait until every CPU in mask has finished its request. */
static void wait_done(cpumask_t mask, const unsigned req[NR_CPUS])
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (mask & (1u << cpu))
			while ((int)(__atomic_load_n(&slots[cpu].done, __ATOMIC_ACQUIRE) - req[cpu]) < 0)
				hal_cpu_relax();
}

void smp_call_function_many(cpumask_t mask, smp_call_fn fn, void *arg)
{
	unsigned self = hal_smp_processor_id(), req[NR_CPUS] = { 0 };
	cpumask_t others;

	call_lock_take(self);
	mask &= hal_cpu_online_mask() & ~parked_mask;
	others = mask & ~(1u << self);
	post(others, fn, arg, req);
	if (mask & (1u << self))
		fn(arg, self);
	others = wait_started(others, req);
	wait_done(others, req);
	call_lock_drop();
}

void on_each_cpu(smp_call_fn fn, void *arg)
{
	smp_call_function_many(hal_cpu_online_mask(), fn, arg);
}

/* Parked: interrupts off, shootdowns still served, until park_flag drops. */
static void park(void *arg, unsigned cpu)
{
	unsigned long f = hal_irq_save();

	(void)arg;
	hal_smp_set_state(cpu, HAL_CPU_PARKED, hal_cpu_apic_id(cpu));
	__atomic_fetch_or(&parked_mask, 1u << cpu, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&park_flag, __ATOMIC_ACQUIRE))
		hal_cpu_relax();
	__atomic_fetch_and(&parked_mask, ~(1u << cpu), __ATOMIC_SEQ_CST);
	hal_smp_set_state(cpu, HAL_CPU_ONLINE, hal_cpu_apic_id(cpu));
	hal_irq_restore(f);
}

cpumask_t smp_park_others(void)
{
	unsigned self = hal_smp_processor_id(), req[NR_CPUS] = { 0 };
	cpumask_t others, started;

	call_lock_take(self);
	others = hal_cpu_online_mask() & ~parked_mask & ~(1u << self);
	if (!others) {
		call_lock_drop();
		return 0;
	}
	__atomic_store_n(&park_flag, true, __ATOMIC_SEQ_CST);
	post(others, park, NULL, req);
	started = wait_started(others, req);
	while ((__atomic_load_n(&parked_mask, __ATOMIC_ACQUIRE) & started) != started)
		hal_cpu_relax();
	call_lock_drop();
	return started;
}

void smp_unpark_others(cpumask_t parked)
{
	if (!parked)
		return;
	__atomic_store_n(&park_flag, false, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&parked_mask, __ATOMIC_ACQUIRE) & parked)
		hal_cpu_relax();
}
