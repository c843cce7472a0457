/*
 * Spinlocks on the GCC atomic builtins (a locked xchg on i386), shared by the image and the host
 * tests.
 */
#include <hal/cpu.h>
#include <mm/spinlock.h>

static void (*stuck_reporter)(const spinlock_t *l, int owner_cpu);
static uint64_t stuck_cycles;

void spin_debug_set_reporter(void (*fn)(const spinlock_t *l, int owner_cpu), uint64_t cycles)
{
	stuck_cycles = cycles;
	stuck_reporter = fn;
}

/* One more spin on l: report it once when the spinning has gone on past stuck_cycles. */
static void spin_watch(const spinlock_t *l, unsigned *spins, uint64_t *t0, bool *reported)
{
	if (!stuck_reporter || *reported || (++*spins & 1023u))
		return;
	if (!*t0) {
		*t0 = hal_cycles();
	} else if (hal_cycles() - *t0 > stuck_cycles) {
		*reported = true;
		stuck_reporter(l, l->owner);
	}
}

unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = hal_irq_save();
	unsigned spins = 0;
	uint64_t t0 = 0;
	bool reported = false;

	while (__atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			hal_cpu_relax();
			spin_watch(l, &spins, &t0, &reported);
		}
	l->owner = (int)hal_smp_processor_id();
	l->owner_pc = __builtin_return_address(0);
	return flags;
}

void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	l->owner = -1;
	l->owner_pc = 0;
	__atomic_store_n(&l->locked, 0u, __ATOMIC_RELEASE);
	hal_irq_restore(flags);
}

bool spin_trylock_irqsave(spinlock_t *l, unsigned long *flags)
{
	*flags = hal_irq_save();
	if (__atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE)) {
		hal_irq_restore(*flags);
		return false;
	}
	l->owner = (int)hal_smp_processor_id();
	l->owner_pc = __builtin_return_address(0);
	return true;
}

bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

unsigned long read_lock_irqsave(rwlock_t *l)
{
	unsigned long flags = hal_irq_save();

	for (;;) {
		int c = __atomic_load_n(&l->count, __ATOMIC_RELAXED);

		if (c >= 0 && __atomic_compare_exchange_n(&l->count, &c, c + 1, false,
							  __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return flags;
		hal_cpu_relax();
	}
}

void read_unlock_irqrestore(rwlock_t *l, unsigned long flags)
{
	__atomic_fetch_sub(&l->count, 1, __ATOMIC_RELEASE);
	hal_irq_restore(flags);
}

unsigned long write_lock_irqsave(rwlock_t *l)
{
	unsigned long flags = hal_irq_save();

	for (;;) {
		int c = 0;

		if (__atomic_compare_exchange_n(&l->count, &c, -1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		hal_cpu_relax();
	}
	l->writer = (int)hal_smp_processor_id();
	return flags;
}

void write_unlock_irqrestore(rwlock_t *l, unsigned long flags)
{
	l->writer = -1;
	__atomic_store_n(&l->count, 0, __ATOMIC_RELEASE);
	hal_irq_restore(flags);
}
