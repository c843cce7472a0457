/*
 * The scheduler: round robin over the task table, driven by the trap-exit
 * hook of the hal (it runs after every trap, once the handler and the EOI
 * are done).  A timer tick that interrupted ring 3 switches to the next
 * runnable task; so does one that interrupted the shell while it idled in
 * hlt (the instruction before the saved EIP is hlt); a task in the kernel
 * is never preempted, it yields by calling schedule().  A task marked to
 * die is ended on its way back to ring 3.
 *
 * On several CPUs: one shared run queue, the task table, under the kernel lock, rather than a
 * queue per CPU.  With at most NR_TASKS (64) tasks a scan is cheap; every scheduling decision
 * already happens under the kernel lock (the tasks' kernel paths take it), so a second lock per
 * queue would buy nothing; and any CPU picks up any runnable task at its next tick, so the clone
 * threads of one mm_struct spread over the CPUs with no balancing code.  A task runs on one CPU
 * at a time (running_on); the shell stays on the boot CPU; an AP with nothing to run sits in its
 * idle loop (firmware/smp), as its idle task.  Because switching happens only with the kernel
 * lock held, no CPU can pick a task whose registers another CPU is still saving.
 */
#include <string.h>

#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/tlbflush.h>

#include <task.h>

#include "internal.h"

struct task tasks[NR_TASKS];
struct task *cpu_current[NR_CPUS] = { &tasks[0] };

/* Each AP's idle context, switched away from when it picks a task and back to when none is left. */
static struct task idle_tasks[NR_CPUS];

#define TTY_BUF 64
static char tty_buf[TTY_BUF];
static unsigned tty_head, tty_tail;

int tty_getc(void)
{
	unsigned long f = hal_irq_save();
	int c = -1;

	if (tty_head != tty_tail) {
		c = (unsigned char)tty_buf[tty_tail];
		tty_tail = (tty_tail + 1) % TTY_BUF;
	}
	hal_irq_restore(f);
	return c;
}

void tty_putc(char c)
{
	unsigned long f = hal_irq_save();

	if ((tty_head + 1) % TTY_BUF != tty_tail) {
		tty_buf[tty_head] = c;
		tty_head = (tty_head + 1) % TTY_BUF;
	}
	hal_irq_restore(f);
}

/* Make next the running task: its kernel stack for traps, its page directory, its registers. */
static void switch_to(struct task *next)
{
	unsigned cpu = hal_smp_processor_id();
	struct task *prev = cpu_current[cpu];

	prev->running_on = 0;
	next->running_on = cpu + 1;
	cpu_current[cpu] = next;
	if (next->kstack)
		hal_set_kernel_stack(next->kstack + KSTACK_SIZE);
	/* cpu_vm_mask: the CPUs whose TLB may hold next->mm's entries, flush_tlb_mm's targets. */
	if (next->mm)
		mm_cpu_activate(next->mm, cpu);
	hal_switch_pgd(next->mm ? next->mm->pgd : swapper_pg_dir);
	if (prev->mm && prev->mm != next->mm)
		mm_cpu_deactivate(prev->mm, cpu);
	hal_context_switch(&prev->ksp, next->ksp);
}

/* May CPU cpu run t now: runnable, on no other CPU, and the shell only on the boot CPU. */
static bool can_run(const struct task *t, unsigned cpu)
{
	return t->state == TASK_RUNNING && (t->running_on == 0 || t->running_on == cpu + 1) &&
	       (t != &tasks[0] || cpu == 0);
}

void flush_mm_others(const struct mm_struct *mm)
{
	unsigned self = hal_smp_processor_id();
	cpumask_t mask = 0;

	if (!mm)
		return;
	for (unsigned i = 1; i < NR_TASKS; i++)
		if (tasks[i].mm == mm && tasks[i].running_on && tasks[i].running_on != self + 1)
			mask |= 1u << (tasks[i].running_on - 1);
	if (mask)
		hal_flush_tlb_others(mask, 0, 0);
}

bool sched_has_work(void)
{
	for (unsigned i = 1; i < NR_TASKS; i++)
		if (tasks[i].state == TASK_RUNNING && tasks[i].running_on == 0)
			return true;
	return false;
}

void schedule(void)
{
	unsigned long f = hal_irq_save();
	unsigned cpu = hal_smp_processor_id();
	struct task *cur = cpu_current[cpu];
	unsigned start = cur >= tasks && cur < tasks + NR_TASKS ? (unsigned)(cur - tasks) : 0;

	if (cur == &tasks[0])
		reap_detached();
	for (unsigned i = 1; i <= NR_TASKS; i++) {
		struct task *t = &tasks[(start + i) % NR_TASKS];

		if (can_run(t, cpu)) {
			if (t != cur) {
				switch_to(t);
			} else if (kernel_lock_held() && kernel_lock_contended()) {
				/* Nothing else to run here: let the CPUs waiting for the lock in. */
				kernel_unlock();
				hal_cpu_relax();
				kernel_lock();
			}
			hal_irq_restore(f);
			return;
		}
	}
	/* Nothing runnable here: an AP goes back to its idle context. */
	if (cpu != 0 && cur != &idle_tasks[cpu])
		switch_to(&idle_tasks[cpu]);
	hal_irq_restore(f);
}

void sched_idle_step(void)
{
	unsigned cpu = hal_smp_processor_id();

	if (cpu == 0)
		return;
	kernel_lock();
	cpu_current[cpu] = &idle_tasks[cpu];
	idle_tasks[cpu].state = TASK_RUNNING;
	idle_tasks[cpu].running_on = cpu + 1;
	schedule();
	kernel_unlock();
}

/*
 * True when the shell (task 0) was interrupted right after a hlt: it is idle, waiting for an
 * interrupt.
 */
static bool idle_at_hlt(const struct trap_frame *tf)
{
	return current == &tasks[0] && hal_smp_processor_id() == 0 && (tf->cs & 3) == 0 && *(const uint8_t *)(uintptr_t)(tf->eip - 1) == 0xF4;
}

/* The timer vectors: the PIT on the boot CPU, the local APIC timer (0xF0) on the others. */
static bool is_tick(const struct trap_frame *tf)
{
	return tf->vector == IRQ_BASE || tf->vector == 0xF0;
}

static void trap_exit(struct trap_frame *tf)
{
	bool user = (tf->cs & 3) == 3, idle = idle_at_hlt(tf);

	if (!user && !idle)
		return;
	kernel_lock();
	if (is_tick(tf)) {
		current->ticks++;
		schedule();
	}
	if (user && current->kill_signal)
		do_exit(current->kill_signal);
	kernel_unlock();
}

/* int 0x80: the system call under the kernel lock. */
static void syscall_entry(struct trap_frame *tf)
{
	kernel_lock();
	syscall_dispatch(tf);
	kernel_unlock();
}

/*
 * A new task's first run: its first switch returns here (the kernel lock held, as every switch
 * is), and this returns into hal_trap_return with the task's frame.
 */
void sched_ret_from_fork(void)
{
	kernel_unlock();
}

void sched_init(void)
{
	memset(tasks, 0, sizeof(tasks));
	tasks[0].pid = 0;
	tasks[0].state = TASK_RUNNING;
	strcpy(tasks[0].comm, "shell");
	tasks[0].running_on = 1;
	cpu_current[0] = &tasks[0];
	/* The shell holds the kernel lock from here on, except while it idles in hlt. */
	kernel_lock();
	hal_set_syscall_handler(syscall_entry);
	hal_set_trap_exit_hook(trap_exit);
}
