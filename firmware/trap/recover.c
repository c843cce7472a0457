/*
 * Fault containment for shell commands: the policy of recover.h and the
 * stub that a recovered fault resumes in.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

#include <console.h>
#include <hal/trap.h>
#include <hal/x86.h>
#include <mm/highmem.h>
#include <mm/vmalloc.h>
#include <recover.h>

#define EFLAGS_TF 0x00000100u
#define EFLAGS_DF 0x00000400u

jmp_buf recovery_env;

static const char *volatile running;  /* the command that may be recovered, or NULL */
static const char *aborted;           /* the command the last recovered fault aborted */
static const char *refusal;           /* why the last unrecoverable fault halts */

void recovery_arm(const char *name)
{
	running = name;
}

void recovery_disarm(void)
{
	running = NULL;
}

const char *recovery_aborted_command(void)
{
	return aborted ? aborted : "?";
}

const char *recovery_refusal(void)
{
	return refusal;
}

/*
 * Entered by iret from the exception handler, on the faulting command's stack, which longjmp
 * abandons.
 */
static void __attribute__((noreturn, used)) recovery_stub(void)
{
	longjmp(recovery_env, 1);
}

/* NULL when the fault in tf can be survived, else the reason it cannot. */
static const char *why_unrecoverable(const struct trap_frame *tf)
{
	if (tf->vector == 8)
		return "a double fault";
	if (tf->vector == 2 || tf->vector == 18)
		return "a non-maskable interrupt or machine check";
	if (tf->cs & 3)
		return "a fault in user mode";
	if (!running)
		return "no shell command was running (boot, the line editor or the idle loop)";
	if (!(tf->eflags & EFLAGS_IF))
		return "interrupts were disabled (an mm lock or irq-off section, an interrupt or trap handler)";
	if (rwlock_is_locked(&vmlist_lock) || spin_is_locked(&kmap_lock))
		return "an mm lock was held";
	return NULL;
}

bool recover_from_fault(struct trap_frame *tf)
{
	static const char end[] = "---[ end trace: command aborted, back to the shell ]---\n";

	refusal = why_unrecoverable(tf);
	if (refusal)
		return false;
	aborted = running;
	running = NULL; /* a fault before the longjmp lands is not recoverable */
	oops_report(tf);
	console_write(end, sizeof(end) - 1);
	tf->eip = (uint32_t)(uintptr_t)recovery_stub;
	tf->eflags &= ~(EFLAGS_TF | EFLAGS_DF);
	tf->ds = tf->es = KERNEL_DS;
	return true;
}
