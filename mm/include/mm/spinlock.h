/*
 * Spinlocks and reader-writer spinlocks for the structures that CPUs share: the zone free
 * lists, the slab caches, vmlist_lock (a reader-writer lock, as in the 2.4 kernels described in
 * Understanding the Linux Virtual Memory Manager, §8.1), the PKMAP lock and the task table.
 * Every lock here is taken with interrupts disabled on the local CPU (the _irqsave forms), so an
 * interrupt handler on the same CPU can never spin on a lock its own CPU holds.
 */
#ifndef MM_SPINLOCK_H
#define MM_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/irq.h>
#include <hal/smp.h>

typedef struct spinlock {
	volatile unsigned locked; /* 0 free, 1 held */
	const char *name;
	int owner;                /* CPU number of the holder, -1 when free */
	const void *owner_pc;     /* where the holder took it (debug reports) */
} spinlock_t;

#define SPIN_LOCK_UNLOCKED(n) { 0, (n), -1, 0 }

typedef struct rwlock {
	volatile int count; /* readers holding it, or -1 while a writer holds it */
	const char *name;
	int writer;         /* CPU number of the writer, -1 when none */
} rwlock_t;

#define RW_LOCK_UNLOCKED(n) { 0, (n), -1 }

/* Disable interrupts on this CPU, spin until l is free, take it; returns the interrupt state. */
unsigned long spin_lock_irqsave(spinlock_t *l);

/* Release l, taken by this CPU with spin_lock_irqsave(), and restore the interrupt state. */
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);

/* Take l if it is free, without spinning (interrupts disabled into *flags); true if taken. */
bool spin_trylock_irqsave(spinlock_t *l, unsigned long *flags);

/* True while some CPU holds l. */
bool spin_is_locked(const spinlock_t *l);

/*
 * Call fn(l, owner_cpu) once when a CPU has spun on a spinlock l for more than stuck_cycles
 * (hal_cycles() units) without getting it; the firmware's fn prints the stacks of the spinning
 * CPU and of the holder.  fn NULL: no report.
 */
void spin_debug_set_reporter(void (*fn)(const spinlock_t *l, int owner_cpu), uint64_t stuck_cycles);

/* Take l for reading (other readers may hold it too) with interrupts disabled. */
unsigned long read_lock_irqsave(rwlock_t *l);

/* Drop a read hold of l and restore the interrupt state. */
void read_unlock_irqrestore(rwlock_t *l, unsigned long flags);

/* Take l for writing (alone) with interrupts disabled. */
unsigned long write_lock_irqsave(rwlock_t *l);

/* Drop the write hold of l and restore the interrupt state. */
void write_unlock_irqrestore(rwlock_t *l, unsigned long flags);

#endif
