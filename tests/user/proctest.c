/*
 * proctest MODE: one user program, a mode per behaviour the process tests
 * check (tests/hil/test_process.py runs them with `run proctest MODE`).
 * Each mode prints what it saw and ends with "MODE: pass" or a reason.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "highmem_user.h"

#define PG 4096u

static int fail(const char *mode, const char *what)
{
	printf("%s: FAIL: %s (errno %d)\n", mode, what, errno);
	return 1;
}

static int t_malloc(void)
{
	enum { N = 64, SZ = 64 * 1024 };
	char *blocks[N], *start = sbrk(0), *big;

	for (int i = 0; i < N; i++) {
		blocks[i] = malloc(SZ);
		if (!blocks[i])
			return fail("malloc", "malloc returned NULL");
		memset(blocks[i], i, SZ);
	}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < SZ; k += 512)
			if (blocks[i][k] != (char)i)
				return fail("malloc", "block contents changed");
	for (int i = 0; i < N; i++)
		free(blocks[i]);
	big = malloc(3u << 20);
	if (!big)
		return fail("malloc", "3 MB malloc failed");
	memset(big, 0x5a, 3u << 20);
	free(big);
	printf("malloc: heap grew through brk from %p to %p (%lu KB)\n", (void *)start, sbrk(0),
	       (unsigned long)((char *)sbrk(0) - start) / 1024);
	printf("malloc: pass\n");
	return 0;
}

static int t_mmap(void)
{
	char *a = mmap(0, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile long *box = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = open("proctest", 0), pid, status;
	char *f;
	long mine;

	if (a == MAP_FAILED || box == MAP_FAILED)
		return fail("mmap", "anonymous mmap");
	for (unsigned i = 0; i < 16; i++)
		a[i * PG] = (char)i;
	for (unsigned i = 0; i < 16; i++)
		if (a[i * PG] != (char)i)
			return fail("mmap", "anonymous contents");
	if (fd < 0)
		return fail("mmap", "open proctest");
	f = mmap(0, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f == MAP_FAILED || memcmp(f, "\177ELF", 4))
		return fail("mmap", "file mmap does not show the ELF header");
	mine = hm_stat(HM_PFN, (unsigned long)f);
	printf("mmap: file page 0 of proctest at %p, pfn 0x%lx\n", (void *)f, mine);
	pid = fork();
	if (pid == 0) {
		/* A second process maps the same file: the page cache gives it the same frame. */
		char *g = mmap(0, PG, PROT_READ, MAP_SHARED, fd, 0);

		if (g == MAP_FAILED || g[1] != 'E')
			_exit(2);
		box[0] = hm_stat(HM_PFN, (unsigned long)g);
		box[1] = hm_stat(HM_MAPCOUNT, (unsigned long)g);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		return fail("mmap", "child");
	printf("mmap: child pid %d mapped it at pfn 0x%lx, mapped %ld times then\n", pid, box[0], box[1]);
	if (box[0] != mine || box[1] < 2)
		return fail("mmap", "two processes do not share the page-cache page");
	if (munmap(a, 16 * PG) || munmap(f, 2 * PG))
		return fail("mmap", "munmap");
	printf("mmap: pass\n");
	return 0;
}

static int t_mprotect(void)
{
	char *a = mmap(0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	a[0] = 1;
	if (mprotect(a, PG, PROT_READ))
		return fail("mprotect", "mprotect");
	printf("mprotect: %p is read-only now and reads %d; writing to it\n", (void *)a, a[0]);
	fflush(stdout);
	*(volatile char *)a = 2;
	return fail("mprotect", "the write went through");
}

static int t_munmap(void)
{
	char *a = mmap(0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(a, 1, 3 * PG);
	if (munmap(a + PG, PG))
		return fail("munmap", "munmap of the middle page");
	printf("munmap: pid %d has %p-%p and %p-%p\n", getpid(), (void *)a, (void *)(a + PG), (void *)(a + 2 * PG),
	       (void *)(a + 3 * PG));
	fflush(stdout);
	msleep(3000);
	printf("munmap: pass\n");
	return 0;
}

static int t_mremap(void)
{
	char *a = mmap(0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *b;

	for (unsigned i = 0; i < 4; i++)
		a[i * PG] = (char)(0x40 + i);
	/* A page right above blocks growth in place. */
	if (mmap(a + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != a + 4 * PG)
		return fail("mremap", "blocker");
	if (mremap(a, 4 * PG, 8 * PG, 0) != MAP_FAILED || errno != ENOMEM)
		return fail("mremap", "grew over the blocker");
	munmap(a + 4 * PG, PG);
	if (mremap(a, 4 * PG, 8 * PG, 0) != a)
		return fail("mremap", "grow in place");
	a[7 * PG] = 7;
	printf("mremap: grew in place at %p to 8 pages\n", (void *)a);
	mmap(a + 8 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	b = mremap(a, 8 * PG, 32 * PG, MREMAP_MAYMOVE);
	if (b == MAP_FAILED || b == a)
		return fail("mremap", "move");
	for (unsigned i = 0; i < 4; i++)
		if (b[i * PG] != (char)(0x40 + i))
			return fail("mremap", "contents lost in the move");
	if (b[7 * PG] != 7 || b[31 * PG] != 0)
		return fail("mremap", "contents after the move");
	printf("mremap: moved to %p with 32 pages, contents kept\n", (void *)b);
	printf("mremap: pass\n");
	return 0;
}

static int t_fork(void)
{
	enum { N = 256 };
	char *a = mmap(0, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int pid, status;

	for (unsigned i = 0; i < N; i++)
		a[i * PG] = 1;
	pid = fork();
	if (pid == 0) {
		long before = hm_stat(HM_SHARED_ANON, 0), mid, after;

		for (unsigned i = 0; i < N / 2; i++)
			a[i * PG] = 2;
		mid = hm_stat(HM_SHARED_ANON, 0);
		for (unsigned i = N / 2; i < N; i++)
			a[i * PG] = 2;
		after = hm_stat(HM_SHARED_ANON, 0);
		printf("fork: child %d shares %ld anonymous pages, %ld after writing 128, %ld after writing 256\n",
		       getpid(), before, mid, after);
		for (unsigned i = 0; i < N; i++)
			if (a[i * PG] != 2)
				_exit(3);
		_exit(before - mid >= N / 2 - 4 && mid - after >= N / 2 - 4 ? 0 : 4);
	}
	/* The child counts its shared pages undisturbed; then the parent writes its own values. */
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return fail("fork", "fork/wait");
	for (unsigned i = 0; i < N; i++)
		if (a[i * PG] != 1)
			return fail("fork", "the parent sees the child's writes");
	for (unsigned i = 0; i < N; i++)
		a[i * PG] = 3;
	for (unsigned i = 0; i < N; i++)
		if (a[i * PG] != 3)
			return fail("fork", "the parent's own writes");
	if (status != 0) {
		printf("fork: child status 0x%x\n", status);
		return fail("fork", "the child saw wrong values or counts");
	}
	printf("fork: parent and child each saw their own values\n");
	printf("fork: pass\n");
	return 0;
}

static int depth(int n)
{
	volatile char frame[1024];

	frame[0] = (char)n;
	frame[1023] = (char)n;
	return n ? depth(n - 1) + frame[0] - frame[1023] : 0;
}

static int t_stack(int kib)
{
	char *sp = (char *)&kib;

	depth(kib);
	printf("stack: recursed through %d KB below %p; the stack region grew down; pass\n", kib, (void *)sp);
	return 0;
}

static volatile int shared_word;

static int thread_fn(void *arg)
{
	(void)arg;
	shared_word = getpid();
	while (shared_word != -1)
		sched_yield();
	shared_word = -2;
	msleep(2000);
	return 5;
}

static int t_clone(void)
{
	char *stack = malloc(16384);
	int tid = hm_thread(thread_fn, NULL, stack + 16384), status;

	if (tid < 0)
		return fail("clone", "clone");
	while (shared_word == 0)
		sched_yield();
	printf("clone: main %d sees the thread's write %d\n", getpid(), shared_word);
	shared_word = -1;
	while (shared_word != -2)
		sched_yield();
	printf("clone: thread %d saw main's write; threads %d and %d share one mm\n", tid, getpid(), tid);
	fflush(stdout);
	if (waitpid(tid, &status, 0) != tid || status != (5 << 8))
		return fail("clone", "thread exit status");
	printf("clone: pass\n");
	return 0;
}

static volatile int *smp_page;
static volatile long smp_thread_cpu = -1;
static volatile unsigned long smp_writes;

/* The thread: write the shared page in ring 3 without end; only a fault stops it. */
static int smp_writer(void *arg)
{
	(void)arg;
	for (;;) {
		for (int i = 0; i < 1000; i++)
			smp_page[1]++;
		smp_writes++;
		smp_thread_cpu = hm_stat(HM_CPU, 0);
	}
	return 0;
}

/*
 * Two threads of one mm on two CPUs: the thread writes a page, the main thread (on another CPU)
 * unmaps it; the thread's next write must fault (its CPU's TLB entry was shot down), within 3 s.
 */
static int t_smpthreads(void)
{
	char *stack = malloc(16384);
	long me = -1;
	unsigned long seen;
	int tid, status = 0, r = 0;

	smp_page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (smp_page == MAP_FAILED)
		return fail("smpthreads", "mmap");
	smp_page[0] = 1;
	tid = hm_thread(smp_writer, NULL, stack + 16384);
	if (tid < 0)
		return fail("smpthreads", "clone");
	/* Wait until both run at once, on different CPUs. */
	for (int i = 0; i < 2000; i++) {
		me = hm_stat(HM_CPU, 0);
		seen = smp_writes;
		if (smp_thread_cpu >= 0 && smp_thread_cpu != me) {
			/* Still running there while this thread does not yield: writes keep coming. */
			for (volatile int spin = 0; spin < 200000 && smp_writes == seen; spin++)
				;
			if (smp_writes != seen)
				break;
		}
		msleep(10);
	}
	if (smp_thread_cpu < 0 || smp_thread_cpu == me || smp_writes == seen) {
		printf("smpthreads: the threads never ran at once on two CPUs (thread CPU %ld, main CPU "
		       "%ld)\n", smp_thread_cpu, me);
		kill(tid, 9);
		waitpid(tid, &status, 0);
		return 1;
	}
	printf("smpthreads: thread %d writes on CPU %ld while main %d runs on CPU %ld\n", tid,
	       smp_thread_cpu, getpid(), me);
	munmap((void *)smp_page, 4096);
	/* From here on every write of the thread faults: at most the batch in flight completes. */
	seen = smp_writes;
	for (int i = 0; i < 300 && (r = waitpid(tid, &status, WNOHANG)) == 0; i++)
		msleep(10);
	if (r != tid) {
		printf("smpthreads: the thread still runs 3 s after munmap (stale TLB entry)\n");
		kill(tid, 9);
		waitpid(tid, &status, 0);
		return 1;
	}
	if (status != 11 /* killed by SIGSEGV: the wait status is the signal */) {
		printf("smpthreads: the thread ended with status 0x%x, not by SIGSEGV\n", status);
		return 1;
	}
	if (smp_writes - seen > 1) {
		printf("smpthreads: the thread wrote %lu more batches after munmap returned (stale TLB "
		       "entry on its CPU)\n", smp_writes - seen);
		return 1;
	}
	printf("smpthreads: after main's munmap the thread's next write faulted (signal 11): pass\n");
	return 0;
}

static int t_shm(void)
{
	int id = shmget(IPC_PRIVATE, 3 * PG, IPC_CREAT | 0600), pid, status;
	volatile char *p;

	if (id < 0)
		return fail("shm", "shmget");
	pid = fork();
	p = shmat(id, 0, 0);
	if (p == (void *)-1)
		return fail("shm", "shmat");
	if (pid == 0) {
		while (p[0] != 'P')
			sched_yield();
		p[1] = 'C';
		printf("shm: child %d attached at %p, pfn 0x%lx\n", getpid(), (void *)p,
		       hm_stat(HM_PFN, (unsigned long)p));
		fflush(stdout);
		msleep(2000);
		shmdt((void *)p);
		_exit(0);
	}
	p[0] = 'P';
	while (p[1] != 'C')
		sched_yield();
	printf("shm: parent %d attached at %p, pfn 0x%lx, segment %d\n", getpid(), (void *)p,
	       hm_stat(HM_PFN, (unsigned long)p), id);
	fflush(stdout);
	msleep(2000);
	shmctl(id, IPC_RMID, 0);
	shmdt((void *)p);
	waitpid(pid, &status, 0);
	printf("shm: pass\n");
	return 0;
}

static int cycle(void)
{
	int pid = fork(), status;

	if (pid == 0) {
		char *m = malloc(100);

		m[0] = 1;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return 0;
}

static int t_forkloop(int n)
{
	long free0, slab0, objs0, free1, slab1, objs1;

	cycle();
	cycle();
	free0 = hm_stat(HM_FREE_PAGES, 0);
	slab0 = hm_stat(HM_SLAB_OBJS, 0);
	objs0 = hm_stat(HM_MM_OBJS, 0);
	for (int i = 0; i < n; i++)
		if (cycle())
			return fail("forkloop", "fork");
	free1 = hm_stat(HM_FREE_PAGES, 0);
	slab1 = hm_stat(HM_SLAB_OBJS, 0);
	objs1 = hm_stat(HM_MM_OBJS, 0);
	printf("forkloop: %d fork/exit cycles: free pages %ld -> %ld, slab objects %ld -> %ld, mm objects %ld -> %ld\n",
	       n, free0, free1, slab0, slab1, objs0, objs1);
	if (free0 != free1 || slab0 != slab1 || objs0 != objs1)
		return fail("forkloop", "accounting moved");
	printf("forkloop: pass\n");
	return 0;
}

static int t_bad(const char *what)
{
	if (!strcmp(what, "null"))
		return *(volatile int *)0;
	if (!strcmp(what, "kernel"))
		*(volatile int *)0xC0100000 = 1;
	if (!strcmp(what, "stackoverflow"))
		return depth(1 << 30);
	if (!strcmp(what, "syscalls")) {
		int bad = 0;

		bad += write(1, (void *)0xC0000000, 10) != -1 || errno != EFAULT;
		bad += write(1, (void *)16, 10) != -1 || errno != EFAULT;
		bad += read(5, (void *)0xFFFFF000, 1) != -1 || errno != EBADF;
		bad += read(0, (void *)0xC0000000, 0) != 0;
		bad += mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED || errno != EINVAL;
		bad += mmap((void *)1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED ||
		       errno != EINVAL;
		bad += mmap(0, PG, PROT_READ, MAP_PRIVATE, 7, 0) != MAP_FAILED || errno != EBADF;
		bad += munmap((void *)3, PG) != -1 || errno != EINVAL;
		bad += mprotect((void *)0x1000, PG, PROT_READ) != -1 || errno != ENOMEM;
		bad += hm_syscall(9999, 0, 0, 0, 0, 0, 0) != -38;
		bad += waitpid(-1, 0, 0) != -1 || errno != ECHILD;
		bad += execve("nosuchprogram", 0, 0) != -1 || errno != ENOENT;
		bad += execve((char *)0xC0001000, 0, 0) != -1 || errno != EFAULT;
		bad += hm_syscall(162, 0xC0000000, 0, 0, 0, 0, 0) != -EFAULT;
		bad += brk((void *)0xBFFFF000) == 0;
		printf("bad syscalls: %d not refused as Linux would\n", bad);
		if (bad)
			return 1;
		printf("syscalls: pass\n");
		return 0;
	}
	if (!strcmp(what, "forkbomb")) {
		int n = 0, status;

		for (;;) {
			int pid = fork();

			if (pid == 0) {
				msleep(500);
				_exit(0);
			}
			if (pid < 0)
				break;
			n++;
		}
		printf("forkbomb: %d children, then fork failed with errno %d\n", n, errno);
		while (waitpid(-1, &status, 0) > 0)
			;
		printf("forkbomb: pass\n");
		return 0;
	}
	return fail("bad", "unknown");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "malloc"))
		return t_malloc();
	if (!strcmp(mode, "mmap"))
		return t_mmap();
	if (!strcmp(mode, "mprotect"))
		return t_mprotect();
	if (!strcmp(mode, "munmap"))
		return t_munmap();
	if (!strcmp(mode, "mremap"))
		return t_mremap();
	if (!strcmp(mode, "fork"))
		return t_fork();
	if (!strcmp(mode, "stack"))
		return t_stack(argc > 2 ? atoi(argv[2]) : 512);
	if (!strcmp(mode, "clone"))
		return t_clone();
	if (!strcmp(mode, "shm"))
		return t_shm();
	if (!strcmp(mode, "smpthreads"))
		return t_smpthreads();
	if (!strcmp(mode, "forkloop"))
		return t_forkloop(argc > 2 ? atoi(argv[2]) : 100);
	if (!strcmp(mode, "bad") && argc > 2)
		return t_bad(argv[2]);
	if (!strcmp(mode, "exec")) {
		/* Replace this program with a fresh copy running "malloc": same pid, new address space. */
		char *args[] = { "proctest", "malloc", 0 };

		printf("exec: pid %d becomes proctest malloc\n", getpid());
		fflush(stdout);
		execve("proctest", args, 0);
		return fail("exec", "execve returned");
	}
	if (!strcmp(mode, "sleep")) {
		printf("sleep: pid %d\n", getpid());
		fflush(stdout);
		msleep(argc > 2 ? (unsigned)atoi(argv[2]) : 1000);
		return 0;
	}
	printf("usage: proctest malloc|mmap|mprotect|munmap|mremap|fork|stack [KB]|clone|shm|forkloop [N]|"
	       "bad null|kernel|stackoverflow|syscalls|forkbomb|sleep [MS]|smpthreads\n");
	printf("hello from pid %d, argc %d\n", getpid(), argc);
	return argc > 1 ? 2 : 0;
}
