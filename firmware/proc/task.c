/*
 * The life of a task: spawn from the shell, fork and clone, execve, exit,
 * waitpid and kill.  A task's kernel stack holds, at its top, the trap
 * frame of its last entry from ring 3; a new task's stack is built so that
 * its first switch "returns" through hal_trap_return into that frame.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <firmware.h>
#include <hal/irq.h>
#include <hal/mmu.h>
#include <hal/x86.h>
#include <mm/fs.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/paging.h>
#include <mm/shm.h>

#include <task.h>

#include "internal.h"

int foreground_pid;
static int next_pid = 1;
static bool proc_ready;

void proc_init(void)
{
	struct ramfs_module mods[BOOT_MAX_MODULES];
	unsigned n = boot_params.nr_modules;

	if (proc_ready)
		return;
	proc_ready = true;
	proc_mm_init();
	for (unsigned i = 0; i < n && i < BOOT_MAX_MODULES; i++) {
		mods[i].start = boot_params.modules[i].start;
		mods[i].end = boot_params.modules[i].end;
		mods[i].name = boot_params.modules[i].name;
	}
	ramfs_init(mods, n);
	sched_init();
}

struct task *find_task(int pid)
{
	for (unsigned i = 0; i < NR_TASKS; i++)
		if (tasks[i].state != TASK_UNUSED && tasks[i].pid == pid)
			return &tasks[i];
	return NULL;
}

int task_pid_of_mm(struct mm_struct *mm)
{
	for (unsigned i = 1; i < NR_TASKS; i++)
		if (tasks[i].state == TASK_RUNNING && tasks[i].mm == mm)
			return tasks[i].pid;
	return -1;
}

/* A free slot with a kernel stack, or NULL. */
static struct task *task_alloc(void)
{
	for (unsigned i = 1; i < NR_TASKS; i++)
		if (tasks[i].state == TASK_UNUSED) {
			struct task *t = &tasks[i];
			vaddr_t ks = __get_free_pages(GFP_KERNEL | __GFP_NOWARN, KSTACK_ORDER);

			if (!ks)
				return NULL;
			memset(t, 0, sizeof(*t));
			t->kstack = ks;
			return t;
		}
	return NULL;
}

/* The trap frame at the top of t's kernel stack. */
static struct trap_frame *task_frame(struct task *t)
{
	return (struct trap_frame *)(uintptr_t)(t->kstack + KSTACK_SIZE - sizeof(struct trap_frame));
}

/* Make t's first switch land in hal_trap_return with its frame. */
static void task_prepare_stack(struct task *t)
{
	uint32_t *sp = (uint32_t *)task_frame(t);

	*--sp = (uint32_t)(uintptr_t)hal_trap_return;
	*--sp = (uint32_t)(uintptr_t)sched_ret_from_fork;
	*--sp = 0; /* ebp */
	*--sp = 0; /* ebx */
	*--sp = 0; /* esi */
	*--sp = 0; /* edi */
	t->ksp = (uint32_t)(uintptr_t)sp;
}

static void user_frame(struct trap_frame *tf, uint32_t entry, uint32_t esp)
{
	memset(tf, 0, sizeof(*tf));
	tf->gs = tf->fs = tf->es = tf->ds = USER_DS;
	tf->cs = USER_CS;
	tf->eflags = 0x202; /* IF */
	tf->eip = entry;
	tf->user_esp = esp;
	tf->user_ss = USER_DS;
}

static void set_comm(struct task *t, const char *name)
{
	const char *slash = strrchr(name, '/');

	snprintf(t->comm, sizeof(t->comm), "%s", slash ? slash + 1 : name);
}

/* A fresh address space holding program name with its arguments on the stack; 0 or -errno. */
static int load_program(const char *name, int argc, char *const argv[], struct mm_struct **mmp, uint32_t *entry,
			uint32_t *esp)
{
	struct inode *inode = ramfs_lookup(name);
	struct mm_struct *mm;
	int err;

	if (!inode)
		return -ENOENT;
	mm = mm_alloc();
	if (!mm)
		return -ENOMEM;
	err = load_elf_binary(mm, inode, argc, argv, entry, esp);
	if (err) {
		mmput(mm);
		return err;
	}
	*mmp = mm;
	return 0;
}

int task_spawn(const char *name, int argc, char *const argv[], bool detached)
{
	struct mm_struct *mm;
	struct task *t;
	uint32_t entry, esp;
	int err = load_program(name, argc, argv, &mm, &entry, &esp);

	if (err)
		return err;
	t = task_alloc();
	if (!t) {
		mmput(mm);
		return -EAGAIN;
	}
	t->pid = next_pid++;
	t->ppid = 0;
	t->detached = detached;
	t->mm = mm;
	set_comm(t, name);
	user_frame(task_frame(t), entry, esp);
	task_prepare_stack(t);
	t->state = TASK_RUNNING;
	return t->pid;
}

int do_fork(struct trap_frame *tf, bool share_vm, uint32_t new_esp)
{
	struct task *t = task_alloc();
	struct trap_frame *ctf;

	if (!t)
		return -EAGAIN;
	if (share_vm) {
		t->mm = current->mm;
		t->mm->mm_users++;
		t->thread = true;
	} else {
		t->mm = mm_alloc();
		if (!t->mm || dup_mmap(t->mm, current->mm)) {
			if (t->mm)
				mmput(t->mm);
			free_pages(t->kstack, KSTACK_ORDER);
			t->kstack = 0;
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < NR_OPEN; i++)
		if ((t->files[i] = current->files[i]))
			get_file(t->files[i]);
	t->pid = next_pid++;
	t->ppid = current->pid;
	memcpy(t->comm, current->comm, sizeof(t->comm));
	ctf = task_frame(t);
	*ctf = *tf;
	ctf->eax = 0;
	if (new_esp)
		ctf->user_esp = new_esp;
	task_prepare_stack(t);
	t->state = TASK_RUNNING;
	return t->pid;
}

int do_execve(struct trap_frame *tf, const char *name, int argc, char *const argv[])
{
	struct mm_struct *mm, *old = current->mm;
	uint32_t entry, esp;
	int err = load_program(name, argc, argv, &mm, &entry, &esp);

	if (err)
		return err;
	current->mm = mm;
	hal_switch_pgd(mm->pgd);
	mmput(old);
	set_comm(current, name);
	user_frame(tf, entry, esp);
	return 0;
}

/* Hand the children of t to the shell, which reaps them. */
static void reparent_children(struct task *t)
{
	for (unsigned i = 1; i < NR_TASKS; i++)
		if (tasks[i].state != TASK_UNUSED && tasks[i].ppid == t->pid) {
			tasks[i].ppid = 0;
			tasks[i].detached = true;
		}
}

void do_exit(int status)
{
	struct task *t = current;
	struct mm_struct *mm = t->mm;

	irq_disable();
	for (unsigned i = 0; i < NR_OPEN; i++)
		if (t->files[i]) {
			fput(t->files[i]);
			t->files[i] = NULL;
		}
	t->mm = NULL;
	hal_switch_pgd(swapper_pg_dir);
	if (mm)
		mmput(mm);
	t->exit_status = status;
	t->state = TASK_ZOMBIE;
	reparent_children(t);
	if (t->ppid && !find_task(t->ppid))
		t->detached = true;
	schedule();
	panic("a zombie task was scheduled");
}

/* Free a zombie's kernel stack and slot. */
static void release_task(struct task *t)
{
	free_pages(t->kstack, KSTACK_ORDER);
	memset(t, 0, sizeof(*t));
}

void reap_detached(void)
{
	for (unsigned i = 1; i < NR_TASKS; i++)
		if (tasks[i].state == TASK_ZOMBIE && tasks[i].detached && &tasks[i] != current) {
			if (tasks[i].ppid == 0 && !tasks[i].thread)
				printf("[%d] %s exited, status 0x%x\n", tasks[i].pid, tasks[i].comm,
				       (unsigned)tasks[i].exit_status);
			release_task(&tasks[i]);
		}
}

int do_waitpid(int pid, int *status, int options)
{
	for (;;) {
		bool any = false;

		for (unsigned i = 1; i < NR_TASKS; i++) {
			struct task *t = &tasks[i];

			if (t->state == TASK_UNUSED || t->ppid != current->pid || (pid > 0 && t->pid != pid) || t->detached)
				continue;
			any = true;
			if (t->state == TASK_ZOMBIE) {
				int p = t->pid;

				if (status)
					*status = t->exit_status;
				release_task(t);
				return p;
			}
		}
		if (!any)
			return -ECHILD;
		if (options & 1) /* WNOHANG */
			return 0;
		if (current->kill_signal)
			return -EINTR;
		schedule();
	}
}

int task_kill(int pid, int sig)
{
	struct task *t = find_task(pid);

	if (!t || pid == 0)
		return -ESRCH;
	if (t->state == TASK_RUNNING && !t->kill_signal)
		t->kill_signal = sig;
	return 0;
}
