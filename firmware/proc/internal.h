/* Process-room internals: what task.c needs from the scheduler. */
#ifndef FIRMWARE_PROC_INTERNAL_H
#define FIRMWARE_PROC_INTERNAL_H

/* Set up task 0 and the hal's system-call and trap-exit hooks (called by proc_init()). */
void sched_init(void);

/*
 * A new task's first run: its first switch returns here, with the kernel lock held as on every
 * switch; it drops the lock and returns into hal_trap_return.
 */
void sched_ret_from_fork(void);

#endif
