/*
 * newlib's system calls, with the prototypes of newlib's own headers (unistd.h, fcntl.h,
 * signal.h, sys/stat.h).  newlib for i686-elf is built with
 * MISSING_SYSCALL_NAMES, so they carry the plain POSIX names (write, sbrk)
 * and only _exit keeps its underscore.  The console is file descriptors 0, 1 and 2; the
 * malloc heap grows through _sbrk into a bounded region the memory manager
 * sets aside (mm/include/mm/heap.h); _exit powers off; everything else
 * fails with errno set, since there is no file system.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <console.h>
#include <firmware.h>
#include <hal/mmu.h>
#include <sbrk_quiet.h>
#include <mm/heap.h>

#undef errno
extern int errno;

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	if ((ssize_t)len < 0) {
		errno = EINVAL;
		return -1;
	}
	console_write(buf, len);
	return (ssize_t)len;
}

ssize_t read(int fd, void *buf, size_t len)
{
	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	if (len == 0)
		return 0;
	*(char *)buf = (char)console_getc();
	return 1;
}

static bool sbrk_quiet;
static unsigned sbrk_quiet_refusals;

void sbrk_set_quiet(bool quiet)
{
	sbrk_quiet = quiet;
}

unsigned sbrk_take_quiet_refusals(void)
{
	unsigned n = sbrk_quiet_refusals;

	sbrk_quiet_refusals = 0;
	return n;
}

void *sbrk(ptrdiff_t incr)
{
	vaddr_t old = incr >= 0 ? mm_heap_grow((size_t)incr) : mm_heap_shrink((size_t)-incr);

	if (!old) {
		static const char msg[] = SBRK_REFUSAL_MESSAGE;

		if (sbrk_quiet)
			sbrk_quiet_refusals++;
		else
			console_write(msg, sizeof(msg) - 1);
		errno = ENOMEM;
		return (void *)-1;
	}
	return hal_va_ptr(old);
}

int close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}

int fstat(int fd, struct stat *st)
{
	if (fd < 0 || fd > 2) {
		errno = EBADF;
		return -1;
	}
	st->st_mode = S_IFCHR;
	return 0;
}

int isatty(int fd)
{
	return fd >= 0 && fd <= 2;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)fd, (void)off, (void)whence;
	errno = ESPIPE;
	return -1;
}

int kill(pid_t pid, int sig)
{
	(void)pid, (void)sig;
	errno = EINVAL;
	return -1;
}

pid_t getpid(void)
{
	return 1;
}

int open(const char *path, int flags, ...)
{
	(void)path, (void)flags;
	errno = ENOENT;
	return -1;
}

void _exit(int status)
{
	machine_poweroff(status == 0 ? POWEROFF_OK : POWEROFF_FAILURE);
}
