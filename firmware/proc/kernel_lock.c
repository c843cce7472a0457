/*
 * The kernel lock: one lock for every kernel path of a task, as the first SMP Linux kernels had
 * (Professional Linux Kernel Architecture, ch. 5, "the big kernel lock").  A ticket lock, so the
 * CPUs waiting get it in turn: schedule() hands it on at every call that switches nothing (a task
 * looping in waitpid or nanosleep would otherwise keep it from the task it waits for).  A CPU
 * spinning for it still runs the work other CPUs post to it (smp_call_poll) and serves TLB
 * shootdowns (hal_cpu_relax), so a CPU waiting here with interrupts off never stalls an initiator.
 */
#include <stdio.h>

#include <hal/smp.h>
#include <smp.h>
#include <task.h>

static volatile unsigned next_ticket, now_serving;
static volatile unsigned holder; /* CPU number + 1, 0 when free */

void kernel_lock(void)
{
	unsigned mine = hal_smp_processor_id() + 1, ticket;

	if (__atomic_load_n(&holder, __ATOMIC_RELAXED) == mine) {
		printf("kernel lock: CPU %u takes it twice\n", mine - 1);
		return;
	}
	ticket = __atomic_fetch_add(&next_ticket, 1u, __ATOMIC_RELAXED);
	while (__atomic_load_n(&now_serving, __ATOMIC_ACQUIRE) != ticket) {
		smp_call_poll();
		hal_cpu_relax();
	}
	holder = mine;
}

void kernel_unlock(void)
{
	unsigned mine = hal_smp_processor_id() + 1;

	if (__atomic_load_n(&holder, __ATOMIC_RELAXED) != mine)
		return;
	holder = 0;
	__atomic_store_n(&now_serving, now_serving + 1u, __ATOMIC_RELEASE);
}

bool kernel_lock_held(void)
{
	return __atomic_load_n(&holder, __ATOMIC_RELAXED) == hal_smp_processor_id() + 1;
}

bool kernel_lock_contended(void)
{
	return __atomic_load_n(&next_ticket, __ATOMIC_RELAXED) -
		       __atomic_load_n(&now_serving, __ATOMIC_RELAXED) > 1u;
}
