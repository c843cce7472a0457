/*
 * An interrupt-safe lock for a uniprocessor: taking it disables interrupts
 * (hal_irq_save) and releasing it restores them.  There is no second CPU to
 * spin against, so the lock only records that it is held, which lets tests
 * and assertions see a leaked hold.  Used for vmlist_lock and kmap_lock.
 */
#ifndef MM_IRQLOCK_H
#define MM_IRQLOCK_H

#include <hal/irq.h>

struct irqlock {
	const char *name;
	unsigned held; /* nesting depth: 0 when free */
};

#define IRQLOCK_INIT(n) { (n), 0 }

/* Take lock l with interrupts disabled; returns the interrupt state for irqlock_release(). */
static inline unsigned long irqlock_acquire(struct irqlock *l)
{
	unsigned long flags = hal_irq_save();

	l->held++;
	return flags;
}

/* Release lock l and restore the interrupt state flags from irqlock_acquire(). */
static inline void irqlock_release(struct irqlock *l, unsigned long flags)
{
	l->held--;
	hal_irq_restore(flags);
}

#endif
