/*
 * The system-call layer of user programs: int 0x80 with Linux's i386
 * numbers, and the names newlib calls (built with MISSING_SYSCALL_NAMES:
 * write, read, sbrk, ... without an underscore, _exit with one), so its
 * stdio and malloc work; malloc grows the heap through brk.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "highmem_user.h"

/* errno from a negative result, -1 returned for it. */
static long ret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

#define SYS(nr, a, b, c) hm_syscall((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)

int write(int fd, const void *buf, size_t len) { return (int)ret(SYS(4, fd, buf, len)); }
int read(int fd, void *buf, size_t len) { return (int)ret(SYS(3, fd, buf, len)); }
int open(const char *path, int flags, ...) { return (int)ret(SYS(5, path, flags, 0)); }
int close(int fd) { return (int)ret(SYS(6, fd, 0, 0)); }
int getpid(void) { return (int)SYS(20, 0, 0, 0); }
int kill(int pid, int sig) { return (int)ret(SYS(37, pid, sig, 0)); }
int fork(void) { return (int)ret(SYS(2, 0, 0, 0)); }
int waitpid(int pid, int *status, int options) { return (int)ret(SYS(7, pid, status, options)); }
int execve(const char *path, char *const argv[], char *const envp[]) { return (int)ret(SYS(11, path, argv, envp)); }
int sched_yield(void) { return (int)ret(SYS(158, 0, 0, 0)); }
int munmap(void *addr, size_t len) { return (int)ret(SYS(91, addr, len, 0)); }
int mprotect(void *addr, size_t len, int prot) { return (int)ret(SYS(125, addr, len, prot)); }
int shmget(int key, size_t size, int flags) { return (int)ret(SYS(395, key, size, flags)); }
void *shmat(int id, const void *addr, int flags) { return (void *)ret(SYS(397, id, addr, flags)); }
int shmdt(const void *addr) { return (int)ret(SYS(398, addr, 0, 0)); }
int shmctl(int id, int cmd, void *buf) { return (int)ret(SYS(396, id, cmd, buf)); }
long hm_stat(int what, unsigned long arg) { return ret(SYS(500, what, arg, 0)); }

void _exit(int status)
{
	for (;;)
		SYS(1, status, 0, 0);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, long offset)
{
	if (offset & 4095) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return (void *)ret(hm_syscall(192, (long)addr, (long)len, prot, flags, fd, offset >> 12));
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = 0;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	return (void *)ret(hm_syscall(163, (long)old, (long)old_len, (long)new_len, flags, (long)new_addr, 0));
}

int brk(void *addr)
{
	long r = SYS(45, addr, 0, 0);

	if ((unsigned long)r < (unsigned long)addr) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void *sbrk(ptrdiff_t incr)
{
	static unsigned long cur;
	unsigned long old;

	if (!cur)
		cur = (unsigned long)SYS(45, 0, 0, 0);
	old = cur;
	if (incr) {
		unsigned long want = cur + (unsigned long)incr, got = (unsigned long)SYS(45, want, 0, 0);

		if (got != want) {
			errno = ENOMEM;
			return (void *)-1;
		}
		cur = got;
	}
	return (void *)old;
}

int msleep(unsigned ms)
{
	long ts[2] = { (long)(ms / 1000), (long)(ms % 1000) * 1000000L };

	return (int)ret(SYS(162, ts, 0, 0));
}

int fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR;
	return 0;
}

int isatty(int fd) { return fd <= 2; }
off_t lseek(int fd, off_t off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
