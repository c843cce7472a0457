/*
 * The scheduler: round robin over the task table, driven by the trap-exit
 * hook of the hal (it runs after every trap, once the handler and the EOI
 * are done).  A timer tick that interrupted ring 3 switches to the next
 * runnable task; so does one that interrupted the shell while it idled in
 * hlt (the instruction before the saved EIP is hlt); a task in the kernel
 * is never preempted, it yields by calling schedule().  A task marked to
 * die is ended on its way back to ring 3.
 */
#include <string.h>

#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/paging.h>

#include <task.h>

#include "internal.h"

struct task tasks[NR_TASKS];
struct task *current = &tasks[0];

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
	struct task *prev = current;

	current = next;
	if (next->kstack)
		hal_set_kernel_stack(next->kstack + KSTACK_SIZE);
	hal_switch_pgd(next->mm ? next->mm->pgd : swapper_pg_dir);
	hal_context_switch(&prev->ksp, next->ksp);
}

void schedule(void)
{
	unsigned long f = hal_irq_save();
	unsigned cur = (unsigned)(current - tasks);

	if (current == &tasks[0])
		reap_detached();
	for (unsigned i = 1; i <= NR_TASKS; i++) {
		struct task *t = &tasks[(cur + i) % NR_TASKS];

		if (t->state == TASK_RUNNING) {
			if (t != current)
				switch_to(t);
			break;
		}
	}
	hal_irq_restore(f);
}

/*
 * True when the shell (task 0) was interrupted right after a hlt: it is idle, waiting for an
 * interrupt.
 */
static bool idle_at_hlt(const struct trap_frame *tf)
{
	return current == &tasks[0] && (tf->cs & 3) == 0 && *(const uint8_t *)(uintptr_t)(tf->eip - 1) == 0xF4;
}

static void trap_exit(struct trap_frame *tf)
{
	bool user = (tf->cs & 3) == 3;

	if (tf->vector == IRQ_BASE) {
		current->ticks++;
		if (user || idle_at_hlt(tf))
			schedule();
	}
	if (user && current->kill_signal)
		do_exit(current->kill_signal);
}

void sched_init(void)
{
	memset(tasks, 0, sizeof(tasks));
	tasks[0].pid = 0;
	tasks[0].state = TASK_RUNNING;
	strcpy(tasks[0].comm, "shell");
	current = &tasks[0];
	hal_set_syscall_handler(syscall_dispatch);
	hal_set_trap_exit_hook(trap_exit);
}
