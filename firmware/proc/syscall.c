/*
 * int 0x80 system calls with Linux's i386 numbers and register convention:
 * the number in eax, arguments in ebx, ecx, edx, esi, edi, ebp, the result
 * (or -errno) back in eax.  Every user pointer goes through the usercopy
 * helpers, so a bad one is -EFAULT and never a kernel fault.  Number 500 is
 * ours: counters a test program reads about itself (hm_stat).
 */
#include <errno.h>
#include <string.h>

#include <console.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <mm/fs.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/page_alloc.h>
#include <mm/rmap.h>
#include <mm/shm.h>
#include <mm/slab.h>

#include <task.h>

#define NR_exit 1
#define NR_fork 2
#define NR_read 3
#define NR_write 4
#define NR_open 5
#define NR_close 6
#define NR_waitpid 7
#define NR_execve 11
#define NR_getpid 20
#define NR_kill 37
#define NR_brk 45
#define NR_getppid 64
#define NR_munmap 91
#define NR_clone 120
#define NR_mprotect 125
#define NR_sched_yield 158
#define NR_nanosleep 162
#define NR_mremap 163
#define NR_mmap2 192
#define NR_exit_group 252
#define NR_shmget 395
#define NR_shmctl 396
#define NR_shmat 397
#define NR_shmdt 398
#define NR_hm_stat 500

#define CLONE_VM 0x100
#define O_ACCMODE 3
#define MAX_PATH 64
#define MAX_ARGS 32
#define MAX_ARG_LEN 128

static long sys_write(uint32_t fd, uint32_t buf, uint32_t len)
{
	char chunk[128];
	uint32_t done = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if ((int32_t)len < 0)
		return -EINVAL;
	while (done < len) {
		uint32_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);

		if (copy_from_user(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		console_write(chunk, n);
		done += n;
	}
	return (long)done;
}

static long sys_read(uint32_t fd, uint32_t buf, uint32_t len)
{
	char chunk[128];

	if ((int32_t)len < 0)
		return -EINVAL;
	if (!len)
		return 0;
	if (fd == 0) {
		int c;

		if (current->pid != foreground_pid)
			return 0; /* a background task reads end of file */
		while ((c = tty_getc()) < 0) {
			if (current->kill_signal)
				return -EINTR;
			schedule();
		}
		chunk[0] = (char)c;
		return copy_to_user(buf, chunk, 1) ? -EFAULT : 1;
	}
	if (fd >= NR_OPEN || !current->files[fd])
		return -EBADF;
	{
		struct file *f = current->files[fd];
		uint32_t n = len < sizeof(chunk) ? len : sizeof(chunk);
		uint64_t pos = f->f_pos;
		size_t got = file_read(f, chunk, n, &pos);

		if (copy_to_user(buf, chunk, (uint32_t)got))
			return -EFAULT;
		f->f_pos = pos;
		return (long)got;
	}
}

static long sys_open(uint32_t upath, uint32_t flags)
{
	char path[MAX_PATH];
	struct inode *inode;
	int len = strncpy_from_user(path, upath, sizeof(path));

	if (len < 0)
		return len;
	inode = ramfs_lookup(path);
	if (!inode)
		return -ENOENT;
	if ((flags & O_ACCMODE) != 0)
		return -EROFS;
	for (int fd = 3; fd < NR_OPEN; fd++)
		if (!current->files[fd]) {
			current->files[fd] = file_open(inode, FMODE_READ);
			return current->files[fd] ? fd : -ENOMEM;
		}
	return -EMFILE;
}

static long sys_close(uint32_t fd)
{
	if (fd >= NR_OPEN || !current->files[fd])
		return fd <= 2 ? 0 : -EBADF;
	fput(current->files[fd]);
	current->files[fd] = NULL;
	return 0;
}

static long sys_execve(struct trap_frame *tf, uint32_t upath, uint32_t uargv)
{
	static char path[MAX_PATH], args[MAX_ARGS][MAX_ARG_LEN];
	char *argv[MAX_ARGS];
	int argc = 0, len = strncpy_from_user(path, upath, sizeof(path));

	if (len < 0)
		return len;
	for (; uargv && argc < MAX_ARGS; argc++) {
		uint32_t p;

		if (copy_from_user(&p, uargv + 4u * (uint32_t)argc, 4))
			return -EFAULT;
		if (!p)
			break;
		len = strncpy_from_user(args[argc], p, MAX_ARG_LEN);
		if (len < 0)
			return len == -ENAMETOOLONG ? -E2BIG : len;
		argv[argc] = args[argc];
	}
	if (argc == MAX_ARGS)
		return -E2BIG;
	return do_execve(tf, path, argc, argv);
}

static long sys_waitpid(int pid, uint32_t ustatus, int options)
{
	int status = 0, r = do_waitpid(pid, &status, options);

	if (r > 0 && ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	return r;
}

static long sys_nanosleep(uint32_t ureq)
{
	int32_t ts[2];
	uint64_t until;

	if (copy_from_user(ts, ureq, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	until = hal_ticks() + ((uint64_t)ts[0] * hal_tick_hz()) +
		((uint64_t)ts[1] * hal_tick_hz() + 999999999u) / 1000000000u;
	while (hal_ticks() < until) {
		if (current->kill_signal)
			return -EINTR;
		schedule();
		if (hal_ticks() < until) {
			/* Not asleep holding the kernel lock: other CPUs' tasks may need it. */
			kernel_unlock();
			irq_enable();
			cpu_halt();
			kernel_lock();
		}
	}
	return 0;
}

static long sys_mmap2(uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags, uint32_t fd, uint32_t pgoff)
{
	struct file *file = NULL;

	if (!(flags & MAP_ANONYMOUS)) {
		if (fd >= NR_OPEN || !current->files[fd])
			return -EBADF;
		file = current->files[fd];
	}
	return (long)do_mmap_pgoff(current->mm, file, addr, len, prot, flags, pgoff);
}

static unsigned long slab_objects(void)
{
	unsigned long n = 0;

	for (struct kmem_cache *c = kmem_cache_first(); c; c = kmem_cache_next(c))
		n += c->active_objs;
	return n;
}

static long sys_hm_stat(uint32_t what, uint32_t arg)
{
	struct page *page;

	switch (what) {
	case 0:
		return (long)count_shared_anon(current->mm);
	case 1:
		return (long)nr_free_pages();
	case 2:
		return (long)slab_objects();
	case 3:
		return (long)current->mm->rss;
	case 4:
	case 6:
		page = follow_page(current->mm, arg, NULL);
		if (!page)
			return -EFAULT;
		return what == 4 ? (long)page_to_pfn(page) : (long)page_mapcount(page);
	case 5:
		return (long)proc_mm_objects();
	case 7:
		return (long)hal_smp_processor_id();
	default:
		return -EINVAL;
	}
}

void syscall_dispatch(struct trap_frame *tf)
{
	uint32_t a = tf->ebx, b = tf->ecx, c = tf->edx, d = tf->esi, e = tf->edi, f = tf->ebp;
	struct mm_struct *mm = current->mm;
	long r;

	irq_enable();
	switch (tf->eax) {
	case NR_exit:
	case NR_exit_group:
		do_exit((int)((a & 0xff) << 8));
	case NR_fork:
		r = do_fork(tf, false, 0);
		break;
	case NR_clone:
		r = do_fork(tf, (a & CLONE_VM) != 0, b);
		break;
	case NR_read:
		r = sys_read(a, b, c);
		break;
	case NR_write:
		r = sys_write(a, b, c);
		break;
	case NR_open:
		r = sys_open(a, b);
		break;
	case NR_close:
		r = sys_close(a);
		break;
	case NR_waitpid:
		r = sys_waitpid((int)a, b, (int)c);
		break;
	case NR_execve:
		r = sys_execve(tf, a, b);
		if (!r)
			return; /* the frame is the new program's */
		break;
	case NR_getpid:
		r = current->pid;
		break;
	case NR_getppid:
		r = current->ppid;
		break;
	case NR_kill:
		r = task_kill((int)a, (int)b ? (int)b : SIGKILL);
		break;
	case NR_brk:
		r = (long)do_brk_syscall(mm, a);
		break;
	case NR_mmap2:
		r = sys_mmap2(a, b, c, d, e, f);
		break;
	case NR_munmap:
		r = do_munmap(mm, a, b);
		break;
	case NR_mprotect:
		r = do_mprotect(mm, a, b, c);
		break;
	case NR_mremap:
		r = (long)do_mremap(mm, a, b, c, d, e);
		break;
	case NR_sched_yield:
		schedule();
		r = 0;
		break;
	case NR_nanosleep:
		r = sys_nanosleep(a);
		break;
	case NR_shmget:
		r = shm_get((int)a, b, (int)c, 0);
		break;
	case NR_shmat:
		r = (long)shm_at(mm, (int)a, b, (int)c);
		break;
	case NR_shmdt:
		r = shm_dt(mm, a);
		break;
	case NR_shmctl:
		r = (int)b == IPC_RMID ? shm_rmid((int)a) : -EINVAL;
		break;
	case NR_hm_stat:
		r = sys_hm_stat(a, b);
		break;
	default:
		r = -LINUX_ENOSYS;
		break;
	}
	/* Mappings changed while sibling threads may run on other CPUs: their TLBs go too. */
	switch (tf->eax) {
	case NR_munmap:
	case NR_mprotect:
	case NR_brk:
	case NR_mremap:
	case NR_mmap2:
	case NR_shmdt:
		flush_mm_others(current->mm);
		break;
	default:
		break;
	}
	tf->eax = (uint32_t)r;
}
