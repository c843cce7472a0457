/*
 * kprobe: a ring-3 program that reads, writes and executes kernel
 * addresses, each of which the CPU must refuse (every kernel mapping is a
 * supervisor page) and the kernel must turn into a report that kills only
 * the program.
 *
 *   kprobe read|write|exec ADDR [NAME]   one access; it must never return
 *   kprobe all [NAME=ADDR ...]           a child per access and per address
 *                                        (kernel text at PAGE_OFFSET + 1 MiB
 *                                        when no address is given); the
 *                                        parent checks that each child died
 *                                        of SIGSEGV and prints "kprobe: pass"
 *   kprobe nxdata                        execute a `ret` in the program's own data (a
 *                                        region without VM_EXEC): with NX the kernel must kill
 *                                        it; without NX the CPU cannot refuse and it comes back
 *   kprobe ac                            set EFLAGS.AC (which ring 3 may do)
 *                                        and enter the kernel with it: system
 *                                        calls, a page fault, fork; the kernel
 *                                        clears AC on entry (SMAP stays
 *                                        closed) and gives it back on return
 *
 * Before each access the program says what it is about to do and where, so
 * the kernel's report that follows ("page fault at ADDR (read) ... killed")
 * reads together with it.  A probe that comes back prints "kprobe: FAIL".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "highmem_user.h"

#define SIGSEGV 11
#define KERNEL_TEXT 0xC0100000u /* PAGE_OFFSET + 1 MiB: where the image's text is linked */
#define MAX_TARGETS 8

static const char *const kinds[] = { "read", "write", "exec" };

/* Make one access of kind to addr; returns only if the CPU let it through. */
static int probe(const char *kind, uint32_t addr, const char *name)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)addr;

	printf("kprobe: pid %d: %s of 0x%08lx (%s) from ring 3\n", getpid(), kind, (unsigned long)addr, name);
	fflush(stdout);
	if (!strcmp(kind, "read")) {
		uint32_t v = *p;

		printf("kprobe: FAIL: read 0x%08lx at 0x%08lx (%s)\n", (unsigned long)v, (unsigned long)addr, name);
	} else if (!strcmp(kind, "write")) {
		*p = 0x6b70726f; /* "kpro" */
		printf("kprobe: FAIL: wrote 0x%08lx (%s)\n", (unsigned long)addr, name);
	} else if (!strcmp(kind, "exec")) {
		void (*fn)(void) = (void (*)(void))(uintptr_t)addr;

		fn();
		printf("kprobe: FAIL: executed 0x%08lx (%s) and came back\n", (unsigned long)addr, name);
	} else {
		printf("kprobe: unknown access '%s' (read, write or exec)\n", kind);
		return 2;
	}
	return 1;
}

#define EFLAGS_AC 0x00040000u

static uint32_t get_eflags(void)
{
	uint32_t f;

	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

static void set_ac(bool on)
{
	__asm__ volatile("pushfl\n\t"
			 "orl %0, (%%esp)\n\t"
			 "xorl %1, (%%esp)\n\t"
			 "popfl"
			 :
			 : "ri"(EFLAGS_AC), "r"(on ? 0u : EFLAGS_AC)
			 : "memory", "cc");
}

/* Enter the kernel every way a task can with EFLAGS.AC set; AC must come back set and nothing may break. */
static int ac_mode(void)
{
	char *p;
	int pid, status = 0, lost = 0;

	set_ac(true);
	if (!(get_eflags() & EFLAGS_AC)) {
		printf("kprobe: ac: this CPU does not keep EFLAGS.AC (a 386?); skipped\n");
		return 0;
	}
	for (int i = 0; i < 100; i++) {
		getpid();
		lost += !(get_eflags() & EFLAGS_AC);
	}
	p = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		set_ac(false);
		printf("kprobe: ac: FAIL: mmap (errno %d)\n", errno);
		return 1;
	}
	for (int i = 0; i < 4; i++) {
		p[i * 4096] = (char)i; /* a page fault each, taken with AC set */
		lost += !(get_eflags() & EFLAGS_AC);
	}
	lost += write(1, "kprobe: ac: write with EFLAGS.AC set\n", 37) != 37;
	lost += !(get_eflags() & EFLAGS_AC);
	pid = fork();
	if (pid == 0)
		_exit(get_eflags() & EFLAGS_AC ? 0 : 1);
	lost += pid < 0 || waitpid(pid, &status, 0) != pid || status != 0;
	lost += !(get_eflags() & EFLAGS_AC);
	munmap(p, 4 * 4096);
	set_ac(false);
	if (lost) {
		printf("kprobe: ac: FAIL: %d times EFLAGS.AC was lost or a call failed\n", lost);
		return 1;
	}
	printf("kprobe: ac: 100 system calls, 4 page faults, write, fork and waitpid with EFLAGS.AC set; AC came back "
	       "set every time (the kernel clears it on entry and iret restores it)\n");
	printf("kprobe: pass\n");
	return 0;
}

/* A number in decimal or 0x-hex; false when s is not one. */
static bool parse_addr(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Run each access on each target in a child of its own and check that the kernel killed every one with SIGSEGV. */
static int probe_all(int n, const char *const names[], const uint32_t addrs[])
{
	int stopped = 0, total = 0;

	for (int t = 0; t < n; t++)
		for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			int status = 0, pid;

			fflush(stdout);
			pid = fork();
			if (pid < 0) {
				printf("kprobe: FAIL: fork (errno %d)\n", errno);
				return 1;
			}
			if (pid == 0)
				_exit(probe(kinds[k], addrs[t], names[t]));
			total++;
			if (waitpid(pid, &status, 0) != pid) {
				printf("kprobe: FAIL: waitpid (errno %d)\n", errno);
				return 1;
			}
			if ((status & 0x7f) == SIGSEGV) {
				stopped++;
				printf("kprobe: %s of 0x%08lx (%s): stopped, child %d killed by signal %d\n", kinds[k],
				       (unsigned long)addrs[t], names[t], pid, SIGSEGV);
			} else {
				printf("kprobe: FAIL: %s of 0x%08lx (%s): child %d ended with status 0x%x\n", kinds[k],
				       (unsigned long)addrs[t], names[t], pid, (unsigned)status);
			}
		}
	printf("kprobe: %d of %d kernel accesses stopped\n", stopped, total);
	if (stopped != total)
		return 1;
	printf("kprobe: pass\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *names[MAX_TARGETS];
	uint32_t addrs[MAX_TARGETS], addr;
	int n = 0;

	if (argc == 2 && !strcmp(argv[1], "ac"))
		return ac_mode();
	if (argc == 2 && !strcmp(argv[1], "nxdata")) {
		/* A `ret` in the program's own writable data: with NX the fetch must kill the program. */
		static uint8_t code[16] = { 0xc3 };

		return probe("exec", (uint32_t)(uintptr_t)code, "own data");
	}
	if (argc >= 3 && strcmp(argv[1], "all")) {
		if (!parse_addr(argv[2], &addr)) {
			printf("kprobe: bad address '%s'\n", argv[2]);
			return 2;
		}
		return probe(argv[1], addr, argc > 3 ? argv[3] : "kernel address");
	}
	if (argc >= 2 && !strcmp(argv[1], "all")) {
		for (int i = 2; i < argc && n < MAX_TARGETS; i++) {
			char *eq = strchr(argv[i], '=');

			if (!eq || !parse_addr(eq + 1, &addrs[n])) {
				printf("kprobe: bad target '%s' (NAME=ADDR)\n", argv[i]);
				return 2;
			}
			*eq = 0;
			names[n++] = argv[i];
		}
		if (!n) {
			names[0] = "kernel text, PAGE_OFFSET + 1 MiB";
			addrs[0] = KERNEL_TEXT;
			n = 1;
		}
		return probe_all(n, names, addrs);
	}
	printf("usage: kprobe read|write|exec ADDR [NAME] | kprobe all [NAME=ADDR ...] | kprobe ac\n");
	return 2;
}
