/*
 * Spinlocks and reader-writer spinlocks for the structures that CPUs share: the zone free
 * lists, the slab caches, vmlist_lock (a reader-writer lock, as in the 2.4 kernels described in
 * Understanding the Linux Virtual Memory Manager, §8.1), the PKMAP lock and the task table.
 * Every lock here is taken with interrupts disabled on the local CPU (the _irqsave forms), so an
 * interrupt handler on the same CPU can never spin on a lock its own CPU holds.
 *
 * The debug mode (CONFIG_SPINLOCK_DEBUG, on unless the build sets it to 0; spin_debug_set_enabled()
 * turns it off and on at run time) records the owner CPU and the caller of every lock and
 * reports, through printk and the reporter hook: recursion (a CPU taking a lock it holds, which
 * would deadlock: reported, then treated as a nested hold), a lock taken with interrupts enabled
 * (spin_lock()) that is also taken from an interrupt handler, an unlock of a lock that is not
 * held or is held by another CPU (reported and ignored), and a CPU spinning on a lock for longer
 * than the timeout (reported once per wait, then it keeps spinning).  The checks follow those of
 * the Linux kernel's "spinlock debugging" option (Professional Linux Kernel Architecture, ch. 5).
 */
#ifndef MM_SPINLOCK_H
#define MM_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <hal/irq.h>
#include <hal/smp.h>

#ifndef CONFIG_SPINLOCK_DEBUG
#define CONFIG_SPINLOCK_DEBUG 1
#endif

typedef struct spinlock {
	volatile unsigned locked; /* 0 free, 1 held */
	const char *name;
	int owner;                /* CPU number of the holder, -1 when free */
	const void *owner_pc;     /* where the holder took it (debug reports) */
	unsigned depth;           /* debug: recursive takes reported and absorbed, not yet undone */
	unsigned seen;            /* debug: SPIN_SEEN_* bits, how the lock has been taken */
} spinlock_t;

#define SPIN_LOCK_UNLOCKED(n) { .locked = 0, .name = (n), .owner = -1 }

/*
 * Fair: every CPU that must wait takes a ticket and is served in ticket order (the head of the
 * queue waits for the holders to leave, the others for the head), so a writer is not starved by a
 * stream of readers or by another writer that releases and retakes the lock in a loop.  A CPU that
 * already holds a read hold takes another without queueing, as it must not wait behind a writer
 * that waits for it.
 */
typedef struct rwlock {
	volatile int count; /* readers holding it, or -1 while a writer holds it */
	volatile unsigned next_ticket; /* the ticket the next arrival takes */
	volatile unsigned serving;     /* the ticket now allowed to take the lock */
	const char *name;
	int writer;         /* CPU number of the writer, -1 when none */
	const void *writer_pc;            /* debug: where the writer took it */
	unsigned wdepth;                  /* debug: recursive write takes absorbed, not yet undone */
	uint64_t wstart;                  /* debug: hal_cycles() when the writer took it */
	uint64_t max_write_hold;          /* debug: the longest write hold seen, in hal_cycles() */
	uint64_t total_write_hold;        /* debug: all write holds together, in hal_cycles() */
	unsigned long writes;             /* debug: write holds taken */
	unsigned char readers[NR_CPUS];   /* debug: read holds per CPU (each CPU writes its own) */
	const void *reader_pc[NR_CPUS];   /* debug: where each CPU last took a read hold */
} rwlock_t;

#define RW_LOCK_UNLOCKED(n) { .count = 0, .name = (n), .writer = -1 }

/* Debug bits of spinlock_t.seen. */
#define SPIN_SEEN_IRQ_CONTEXT 1u  /* taken by an interrupt handler */
#define SPIN_SEEN_IRQS_ON 2u      /* taken with interrupts enabled (spin_lock) */
#define SPIN_SEEN_REPORTED 4u     /* the interrupt-unsafe use has been reported */

/* The problems the debug mode reports. */
enum spin_bug {
	SPIN_BUG_RECURSION,  /* a CPU took a lock it already holds */
	SPIN_BUG_IRQ_UNSAFE, /* taken with interrupts on and also from an interrupt handler */
	SPIN_BUG_NOT_HELD,   /* unlock of a lock nobody holds */
	SPIN_BUG_WRONG_CPU,  /* unlock of a lock another CPU holds */
	SPIN_BUG_STUCK,      /* spun longer than the timeout */
	SPIN_BUG_NR
};

/* Disable interrupts on this CPU, spin until l is free, take it; returns the interrupt state. */
unsigned long spin_lock_irqsave(spinlock_t *l);

/* Release l, taken by this CPU with spin_lock_irqsave(), and restore the interrupt state. */
void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags);

/* Take l if it is free, without spinning (interrupts disabled into *flags); true if taken. */
bool spin_trylock_irqsave(spinlock_t *l, unsigned long *flags);

/* True while some CPU holds l. */
bool spin_is_locked(const spinlock_t *l);

/* Spin until l is free and take it, leaving interrupts as they are: only for a lock no interrupt
 * handler takes, or with interrupts already off (the debug mode checks the first). */
void spin_lock(spinlock_t *l);

/* Release l taken with spin_lock(). */
void spin_unlock(spinlock_t *l);

/* Take l for reading (other readers may hold it too) with interrupts disabled. */
unsigned long read_lock_irqsave(rwlock_t *l);

/* Drop a read hold of l and restore the interrupt state. */
void read_unlock_irqrestore(rwlock_t *l, unsigned long flags);

/* Take l for writing (alone) with interrupts disabled. */
unsigned long write_lock_irqsave(rwlock_t *l);

/* Drop the write hold of l and restore the interrupt state. */
void write_unlock_irqrestore(rwlock_t *l, unsigned long flags);

/* True while a reader or a writer holds l. */
bool rwlock_is_locked(const rwlock_t *l);

/* Make l a free lock called name, forgetting any holder and debug history (a lock inside a
 * structure set up at run time, or a host test's reboot). */
void spin_lock_init(spinlock_t *l, const char *name);

/* Make l a free reader-writer lock called name (as spin_lock_init). */
void rwlock_init(rwlock_t *l, const char *name);

/*
 * Register fn to be called after each debug report with the lock and the CPU that holds it (-1
 * when none; for a reader-writer lock, a snapshot spinlock_t with its name, writer and call site);
 * NULL removes it.  The firmware prints both CPUs' stacks in it.
 */
void spin_debug_set_reporter(void (*fn)(const spinlock_t *l, int owner_cpu));

/* Turn the debug checks on or off at run time (on after boot when compiled in). */
void spin_debug_set_enabled(bool on);

/* Set how many hal_cycles() a CPU spins on one lock before it is reported as stuck. */
void spin_debug_set_timeout(uint64_t cycles);

/* The number of problems of kind bug reported since boot (or the last spin_debug_clear()). */
unsigned long spin_debug_count(enum spin_bug bug);

/* The number of problems of every kind reported. */
unsigned long spin_debug_total(void);

/* Forget the counts of reported problems. */
void spin_debug_clear(void);

/* The short name of problem kind bug ("recursion"), or "?" */
const char *spin_bug_name(enum spin_bug bug);

#endif
