/*
 * Tasks: ring-3 processes and threads, run on every online CPU.  Task 0 is the shell,
 * running on the boot stack with the kernel page directory; every other
 * task has an 8 KiB kernel stack, and an mm_struct that it may share with
 * other tasks (threads made by clone, counted by mm_users, as Understanding the Linux Virtual
 * Memory Manager, §5.3 describes).  Scheduling is round robin on each CPU's timer tick (the PIT
 * on the boot CPU, the local APIC timer on the others) over one shared run queue, the task table:
 * a task running in ring 3 is preempted at every tick; in the kernel a task runs until it blocks
 * (it then yields in a loop), and the shell, which stays on the boot CPU, is preempted only while
 * it idles in hlt waiting for input.  Kernel data is never touched by two tasks at once: every
 * kernel path of a task holds the kernel lock below, so threads of one mm_struct run in ring 3 on
 * several CPUs at once but enter the kernel one at a time.
 */
#ifndef FIRMWARE_TASK_H
#define FIRMWARE_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/smp.h>
#include <hal/trap.h>
#include <mm/mm_types.h>

#define NR_TASKS 64
#define KSTACK_ORDER 1
#define KSTACK_SIZE (PAGE_SIZE << KSTACK_ORDER)
#define NR_OPEN 8
#define TASK_COMM_LEN 16

/* Signal numbers used in wait statuses (Linux's). */
#define SIGINT 2
#define SIGKILL 9
#define SIGBUS 7
#define SIGSEGV 11
#define SIGILL 4
#define SIGFPE 8

enum task_state { TASK_UNUSED, TASK_RUNNING, TASK_ZOMBIE };

struct task {
	int pid;
	enum task_state state;
	char comm[TASK_COMM_LEN];
	struct mm_struct *mm;
	vaddr_t kstack;        /* base of the kernel stack (0 for task 0) */
	uint32_t ksp;          /* saved stack pointer while switched out */
	int ppid;
	bool detached;         /* reaped by the shell's reaper (background, orphaned) */
	bool thread;           /* made by clone with a shared mm */
	int exit_status;       /* wait status: code << 8, or the signal number */
	int kill_signal;       /* non-zero: die with this signal on the way back to ring 3 */
	unsigned long ticks;   /* ticks spent running */
	unsigned running_on;   /* CPU number + 1 while a CPU runs it, 0 otherwise */
	struct file *files[NR_OPEN];
};

extern struct task tasks[NR_TASKS];
/* The task each CPU runs (task 0 on the boot CPU, an idle task on an AP with nothing to run). */
extern struct task *cpu_current[NR_CPUS];

/* The task running on the calling CPU. */
#define current (cpu_current[hal_smp_processor_id()])

/*
 * The kernel lock (the big kernel lock of Linux 2.0 SMP): held by a CPU whenever it runs the
 * kernel on behalf of a task (system calls, user faults, scheduling) and by the shell except
 * while it idles in hlt; the task table and run queue are under it.  Ring-3 code runs on every
 * CPU at once.  Not recursive.
 */
void kernel_lock(void);

/* Release the kernel lock this CPU holds. */
void kernel_unlock(void);

/* True when this CPU holds the kernel lock. */
bool kernel_lock_held(void);

/* True when another CPU waits for the kernel lock. */
bool kernel_lock_contended(void);

/*
 * An idle step of the calling CPU outside any task (an AP's idle loop): run a runnable task that
 * no CPU runs, if there is one; returns when this CPU goes idle again.
 */
void sched_idle_step(void);

/*
 * Flush the TLBs of the other CPUs that run a task of mm now, after its mappings changed (a
 * stand-in for mm's flush_tlb_mm over cpu_vm_mask, which this calls once mm keeps the mask).
 */
void flush_mm_others(const struct mm_struct *mm);

/* True when some task could run on an AP (runnable, not task 0, on no CPU). */
bool sched_has_work(void);

/*
 * Bring up tasks, ramfs over the boot modules, the syscall gate and the tick hook (once; later
 * calls do nothing).
 */
void proc_init(void);

/* The task with pid, or NULL. */
struct task *find_task(int pid);

/* The pid of some task using mm (the lowest), or -1. */
int task_pid_of_mm(struct mm_struct *mm);

/*
 * Run another runnable task if there is one (round robin); returns when this task is picked again.
 */
void schedule(void);

/* End the current task with wait status status (never returns). */
void do_exit(int status) __attribute__((noreturn));

/* Start PROG from ramfs with argv as a child of the shell; its pid, or -errno. */
int task_spawn(const char *name, int argc, char *const argv[], bool detached);

/*
 * fork (share_vm false) or clone of a thread (share_vm true, starting on user stack new_esp) from
 * the syscall frame tf; the child's pid or -errno.
 */
int do_fork(struct trap_frame *tf, bool share_vm, uint32_t new_esp);

/*
 * Replace the current program with name and argv (kernel copies); 0 (tf rewritten) or -errno with
 * nothing changed.
 */
int do_execve(struct trap_frame *tf, const char *name, int argc, char *const argv[]);

/*
 * Wait for a child (pid -1: any) to exit; its pid and *status, 0 with WNOHANG and none yet, or
 * -errno.
 */
int do_waitpid(int pid, int *status, int options);

/* Make task pid die with signal sig at its next return to ring 3; 0 or -ESRCH. */
int task_kill(int pid, int sig);

/* Free the kernel stacks of detached zombies (the shell calls it; schedule() does from task 0). */
void reap_detached(void);

/*
 * Load an ELF32 executable from inode into the empty mm with argv on a new stack; 0 and the entry
 * and stack pointer, or -errno.
 */
int load_elf_binary(struct mm_struct *mm, struct inode *inode, int argc, char *const argv[], uint32_t *entry,
		    uint32_t *esp);

/*
 * The user-fault entry called first by the exception handler: true when tf was a ring-3 fault that
 * was handled (or killed its task).
 */
bool handle_user_fault(struct trap_frame *tf);

/* Copy n bytes from user address src of the current task; 0 or -EFAULT. */
int copy_from_user(void *dst, uint32_t src, uint32_t n);

/* Copy n bytes to user address dst of the current task; 0 or -EFAULT. */
int copy_to_user(uint32_t dst, const void *src, uint32_t n);

/*
 * Copy a NUL-terminated user string of at most max - 1 bytes; its length, or -EFAULT /
 * -ENAMETOOLONG.
 */
int strncpy_from_user(char *dst, uint32_t src, uint32_t max);

/* Bytes typed for the foreground task (the shell's `run` feeds them), and whether one waits. */
int tty_getc(void);
void tty_putc(char c);

/* The foreground task's pid, or 0. */
extern int foreground_pid;

/* The int 0x80 handler (firmware/proc/syscall.c). */
void syscall_dispatch(struct trap_frame *tf);

#endif
