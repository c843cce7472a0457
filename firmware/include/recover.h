/*
 * Fault containment for shell commands.  The shell arms a recovery point
 * (a jmp_buf) around every command; when a command faults in a way the
 * firmware can survive, the exception handler prints the oops, rewrites the
 * trap frame to resume in a stub that longjmps back to the shell, and the
 * prompt returns.  When it cannot survive the fault, the oops ends in a halt
 * and says why.
 *
 * Recovered: a kernel-mode exception (not a double fault, NMI or machine
 * check) raised while a shell command runs with interrupts enabled.
 * Halted: faults during boot or while no command runs (the line editor,
 * the idle loop), faults with interrupts disabled (inside mm's spinlocks and
 * the buddy allocator's irq-off sections, in interrupt handlers and in the
 * exception handler itself, which runs with interrupts off), a fault while
 * an oops is being printed, double faults, NMIs and machine checks.
 * Whatever the aborted command had half done stays as it was: pages it had
 * allocated are not freed, a vmalloc area it had made stays in the list.
 */
#ifndef FIRMWARE_RECOVER_H
#define FIRMWARE_RECOVER_H

#include <setjmp.h>
#include <stdbool.h>

#include <hal/trap.h>

/* The shell's recovery point: set with setjmp() right before arming. */
extern jmp_buf recovery_env;

/* Mark that command name runs and a fault may longjmp to recovery_env. */
void recovery_arm(const char *name);

/* Mark that no command runs any more (recovery_env is stale). */
void recovery_disarm(void);

/* The command that was aborted by the last recovered fault (for the shell's message). */
const char *recovery_aborted_command(void);

/*
 * For the fault in tf: if it is recoverable, print the oops, point tf at the recovery stub and
 * return true; else return false and leave the reason for recovery_refusal().
 */
bool recover_from_fault(struct trap_frame *tf);

/* Why the last fault that recover_from_fault() turned down cannot be survived, or NULL. */
const char *recovery_refusal(void);

/*
 * Print the oops report for tf (all but the closing line), interrupts off; a fault while printing
 * halts. Implemented in oops.c.
 */
void oops_report(struct trap_frame *tf);

/*
 * Print "Call Trace:" and every word of the stack from stack up to its page's end that points into
 * kernel text (at most 12), as an oops does.  Implemented in oops.c.
 */
void oops_call_trace(const uint32_t *stack);

#endif
