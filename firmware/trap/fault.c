/*
 * Faults raised in ring 3 (and kernel faults while a task is in a system call).  A page fault is
 * checked as Linux's do_page_fault does: the region containing the address (or a stack region just
 * above it that may grow down to it, within 64 KiB + 32 words of the stack pointer, as the x86
 * check allows for `enter` and pusha), the access against the region's flags, then
 * handle_mm_fault().  Anything else -- no region, a refused access, an exception that is not a page
 * fault, memory exhausted -- kills only the task, with a report naming the address, the region or
 * its absence, the access and what was done; the kernel and the shell carry on.
 */
#include <stdio.h>

#include <hal/x86.h>
#include <mm/memory.h>
#include <mm/mman.h>
#include <mm/region.h>

#include <task.h>

static void report(struct trap_frame *tf, uint32_t addr, const char *access, struct vm_area_struct *vma,
		   const char *why, int sig)
{
	printf("\n%s[%d]: %s at 0x%08lx (%s), eip 0x%08lx, esp 0x%08lx: ", current->comm, current->pid,
	       tf->vector == 14 ? "page fault" : hal_exception_name(tf->vector), (unsigned long)addr, access,
	       (unsigned long)tf->eip, (unsigned long)tf->user_esp);
	if (vma)
		printf("region %08lx-%08lx %c%c%c%c: %s", (unsigned long)vma->vm_start, (unsigned long)vma->vm_end,
		       (vma->vm_flags & VM_READ) ? 'r' : '-', (vma->vm_flags & VM_WRITE) ? 'w' : '-',
		       (vma->vm_flags & VM_EXEC) ? 'x' : '-', (vma->vm_flags & VM_MAYSHARE) ? 's' : 'p', why);
	else
		printf("no region: %s", why);
	printf("; killed (signal %d)\n", sig);
}

bool handle_user_fault(struct trap_frame *tf)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	uint32_t addr;
	bool write, exec;
	const char *access;
	unsigned r;

	if (current == &tasks[0] || !mm)
		return false;
	if ((tf->cs & 3) != 3) {
		/*
		 * The kernel faulted while working for a task (the user copies never
		 * fault, so this is a kernel bug): end that task rather than the
		 * machine, and say so loudly.  The shell's own faults (task 0) go on
		 * to the fixup table and the recovery point.
		 */
		printf("\nOops: %s in the kernel at eip 0x%08lx (cr2 0x%08lx, error 0x%lx) during a system call of "
		       "%s[%d]; the task is killed\n",
		       hal_exception_name(tf->vector), (unsigned long)tf->eip, (unsigned long)read_cr2(),
		       (unsigned long)tf->error_code, current->comm, current->pid);
		do_exit(SIGKILL);
	}
	if (tf->vector != 14) {
		int sig = tf->vector == 0 ? SIGFPE : tf->vector == 6 ? SIGILL : SIGSEGV;

		report(tf, tf->eip, "instruction", NULL, "a fault the program cannot recover from", sig);
		do_exit(sig);
	}
	addr = read_cr2();
	write = (tf->error_code & PF_WRITE) != 0;
	/*
	 * With NX the CPU says when it faulted fetching an instruction (the I/D bit); without NX it
	 * cannot refuse one, so only the label guesses from eip.
	 */
	exec = (tf->error_code & PF_INSTR) != 0;
	access = write ? "write" : exec || addr == tf->eip ? "exec" : "read";
	irq_enable();
	if (addr >= TASK_SIZE) {
		char region[128], why[192];

		snprintf(why, sizeof(why), "kernel address (%s), %s", mm_region_name(addr, region, sizeof(region)),
			 tf->error_code & PF_PRESENT ? "a supervisor page" : "not mapped");
		report(tf, addr, access, NULL, why, SIGSEGV);
		do_exit(SIGSEGV);
	}
	vma = find_vma(mm, addr);
	if (!vma) {
		report(tf, addr, access, NULL, "nothing mapped there", SIGSEGV);
		do_exit(SIGSEGV);
	}
	if (vma->vm_start > addr) {
		if (!(vma->vm_flags & VM_GROWSDOWN)) {
			report(tf, addr, access, vma->vm_prev,
			       vma->vm_prev ? "in the hole above this region" : "below the lowest region", SIGSEGV);
			do_exit(SIGSEGV);
		}
		if (addr + 65536 + 32 * sizeof(uint32_t) < tf->user_esp) {
			report(tf, addr, access, vma, "below the stack, too far under the stack pointer", SIGSEGV);
			do_exit(SIGSEGV);
		}
		if (expand_stack(vma, addr)) {
			report(tf, addr, access, vma, "stack cannot grow (limit or a region below)", SIGSEGV);
			do_exit(SIGSEGV);
		}
	}
	/* As Linux's access_error(): an instruction fetch from a region without VM_EXEC is refused. */
	if (!vma_access_ok(vma, write, exec)) {
		report(tf, addr, access, vma,
		       write ? "region is not writable" : exec ? "region is not executable" : "region is not readable",
		       SIGSEGV);
		do_exit(SIGSEGV);
	}
	r = handle_mm_fault(mm, vma, addr,
			    (write ? FAULT_FLAG_WRITE : 0) | (exec ? FAULT_FLAG_INSTRUCTION : 0) | FAULT_FLAG_USER);
	if (r & VM_FAULT_OOM) {
		report(tf, addr, access, vma, "out of memory", SIGKILL);
		do_exit(SIGKILL);
	}
	if (r & VM_FAULT_SIGSEGV) {
		report(tf, addr, access, vma, "the page refuses this access", SIGSEGV);
		do_exit(SIGSEGV);
	}
	if (r) {
		report(tf, addr, access, vma, "beyond the end of the file", SIGBUS);
		do_exit(SIGBUS);
	}
	irq_disable();
	return true;
}
