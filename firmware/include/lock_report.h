/*
 * The lock debug report's machine side: when a CPU spins on a spinlock past the timeout, print
 * its own stack and, through an NMI IPI (which interrupts even a CPU with interrupts off), the
 * stack of the CPU that holds the lock, so both CPUs of a stall are named.
 */
#ifndef FIRMWARE_LOCK_REPORT_H
#define FIRMWARE_LOCK_REPORT_H

#include <stdbool.h>

#include <hal/trap.h>

/* The spin time after which a spinlock wait is reported: long enough that a vCPU thread a busy
 * host leaves unscheduled for a second or two is not reported, short enough to see a real hang. */
#define LOCK_STUCK_MS 5000u

/* Register the report with mm's spinlocks (after the TSC rate is known). */
void lock_report_init(void);

/* An NMI on this CPU: print its stack if a report asked for it and return true, else false. */
bool lock_report_nmi(struct trap_frame *tf);

#endif
